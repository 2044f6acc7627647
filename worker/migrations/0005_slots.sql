-- KYC-VS schema, version 5: slot capacity, centres found by PIN code or
-- district, and the security code kept sealed for the person's slip
-- (issue 11). Like the earlier files it runs unchanged on D1 and on SQLite;
-- the capacity of a slot holds under parallel bookings because it is a
-- CHECK on the row a trigger updates inside the booking's own statement.

-- A centre's postal PIN code (6 digits; '' until set), its address for the
-- slip, and the capacity every slot of it has until the centre sets one
-- (slot_capacity; 50 by default: a small centre's hour).
ALTER TABLE centres ADD COLUMN pin TEXT NOT NULL DEFAULT '';
ALTER TABLE centres ADD COLUMN address TEXT NOT NULL DEFAULT '';
ALTER TABLE centres ADD COLUMN slot_capacity INTEGER NOT NULL DEFAULT 50 CHECK (slot_capacity BETWEEN 0 AND 10000);
-- The person searches by PIN code or district: each an index lookup, never
-- the whole table.
CREATE INDEX centres_pin ON centres (pin);
CREATE INDEX centres_district ON centres (district COLLATE NOCASE);

-- The security code, AES-GCM sealed under a key derived from HASH_KEY with
-- the appointment id and code hash as associated data (secret.Keys.SealCode),
-- so the slip can show it to the person who holds the booking's access token
-- or a booking session; code_hash stays what the vaccinator's code is
-- checked against. '' for appointments booked before this migration (their
-- code went by SMS only).
ALTER TABLE appointments ADD COLUMN code_enc TEXT NOT NULL DEFAULT '';

-- One row per centre, date and time that has been booked or given a
-- capacity. booked counts the appointments that hold a place (live, locked
-- or done: a done appointment used its place); the CHECK named
-- slot_not_overbooked is the capacity rule: the triggers below change booked
-- inside the statement that books, moves or cancels, so a booking that
-- would exceed the capacity fails as a whole and parallel bookings never
-- exceed it. A capacity below the places already booked is refused by the
-- same CHECK.
CREATE TABLE slots (
  centre_id  TEXT NOT NULL REFERENCES centres(id),
  slot_date  TEXT NOT NULL CHECK (length(slot_date) = 10),
  slot_time  TEXT NOT NULL CHECK (length(slot_time) = 5),
  capacity   INTEGER NOT NULL CHECK (capacity BETWEEN 0 AND 10000),
  booked     INTEGER NOT NULL DEFAULT 0 CHECK (booked >= 0),
  updated_at INTEGER NOT NULL,
  updated_by TEXT NOT NULL,
  CONSTRAINT slot_not_overbooked CHECK (booked <= capacity),
  PRIMARY KEY (centre_id, slot_date, slot_time)
) WITHOUT ROWID;

-- The places existing appointments hold (a slot already over the default
-- keeps what it has).
INSERT INTO slots (centre_id, slot_date, slot_time, capacity, booked, updated_at, updated_by)
SELECT a.centre_id, a.slot_date, a.slot_time, max(c.slot_capacity, count(*)), count(*),
       CAST(strftime('%s', 'now') AS INTEGER), 'system:migration'
FROM appointments a JOIN centres c ON c.id = a.centre_id
WHERE a.status IN ('live', 'locked', 'done')
GROUP BY a.centre_id, a.slot_date, a.slot_time;

-- A booking takes a place in the statement that inserts it.
CREATE TRIGGER appointments_take_place AFTER INSERT ON appointments
WHEN NEW.status <> 'cancelled'
BEGIN
  INSERT INTO slots (centre_id, slot_date, slot_time, capacity, booked, updated_at, updated_by)
  SELECT c.id, NEW.slot_date, NEW.slot_time, c.slot_capacity, 0, 0, 'system:default'
  FROM centres c WHERE c.id = NEW.centre_id
  ON CONFLICT DO NOTHING;
  UPDATE slots SET booked = booked + 1
  WHERE centre_id = NEW.centre_id AND slot_date = NEW.slot_date AND slot_time = NEW.slot_time;
END;

-- A cancellation (by the person, a supervisor, a missed day or a slip that
-- could not be sent) gives the place back.
CREATE TRIGGER appointments_give_back_place AFTER UPDATE OF status ON appointments
WHEN NEW.status = 'cancelled' AND OLD.status <> 'cancelled'
BEGIN
  UPDATE slots SET booked = booked - 1
  WHERE centre_id = OLD.centre_id AND slot_date = OLD.slot_date AND slot_time = OLD.slot_time;
END;

-- A reschedule moves the place: given back at the old slot, taken at the
-- new one (which must have room: the CHECK).
CREATE TRIGGER appointments_move_place AFTER UPDATE OF centre_id, slot_date, slot_time ON appointments
WHEN OLD.status <> 'cancelled' AND NEW.status <> 'cancelled'
  AND (NEW.centre_id <> OLD.centre_id OR NEW.slot_date <> OLD.slot_date OR NEW.slot_time <> OLD.slot_time)
BEGIN
  UPDATE slots SET booked = booked - 1
  WHERE centre_id = OLD.centre_id AND slot_date = OLD.slot_date AND slot_time = OLD.slot_time;
  INSERT INTO slots (centre_id, slot_date, slot_time, capacity, booked, updated_at, updated_by)
  SELECT c.id, NEW.slot_date, NEW.slot_time, c.slot_capacity, 0, 0, 'system:default'
  FROM centres c WHERE c.id = NEW.centre_id
  ON CONFLICT DO NOTHING;
  UPDATE slots SET booked = booked + 1
  WHERE centre_id = NEW.centre_id AND slot_date = NEW.slot_date AND slot_time = NEW.slot_time;
END;

-- A row the triggers made (the centre's default capacity) that holds no
-- place any more says nothing a missing row does not: it goes, so a booking
-- that was undone (its slip could not be sent) leaves the database as it
-- was, and a later change of the centre's default applies to the slot.
CREATE TRIGGER slots_forget_empty_default AFTER UPDATE OF booked ON slots
WHEN NEW.booked = 0 AND NEW.updated_by = 'system:default'
BEGIN
  DELETE FROM slots WHERE centre_id = NEW.centre_id AND slot_date = NEW.slot_date AND slot_time = NEW.slot_time;
END;

-- A capacity the centre sets is audited with who set it.
CREATE TRIGGER slots_audit_capacity AFTER UPDATE OF capacity ON slots
WHEN NEW.capacity <> OLD.capacity
BEGIN
  INSERT INTO audit_log (at, actor, centre_id, event, detail)
  VALUES (NEW.updated_at, NEW.updated_by, NEW.centre_id, 'capacity',
    NEW.slot_date || ' ' || NEW.slot_time || ' ' || OLD.capacity || ' -> ' || NEW.capacity);
END;

CREATE TRIGGER slots_audit_capacity_new AFTER INSERT ON slots
WHEN NEW.updated_by NOT LIKE 'system:%'
BEGIN
  INSERT INTO audit_log (at, actor, centre_id, event, detail)
  VALUES (NEW.updated_at, NEW.updated_by, NEW.centre_id, 'capacity',
    NEW.slot_date || ' ' || NEW.slot_time || ' ' || NEW.capacity);
END;

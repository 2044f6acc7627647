-- KYC-VS schema, version 9: a slot's places held in one database however
-- many shards the registry has (issue 14). Migration 5 counted a slot's
-- places with triggers on appointments, in the database of each
-- appointment: with the registry split over shards by the person's number,
-- each shard allowed the whole capacity on its own (16 of 20 parallel
-- bookings for 5 places succeeded over 4 shards). Now every appointment
-- holds its place as a row of slot_places, and slot_places lives in the
-- centre's database (store.Sharded routes it by the centre's bucket; with
-- one database, the default, that is DB). The slots CHECK
-- slot_not_overbooked is still the rule, now counted by slot_places'
-- triggers. The rows also are the centre's day list, kept per (centre,
-- date), so the console reads one database for the day's appointment ids
-- instead of asking every shard.
--
-- Who writes slot_places:
-- - appointments whose place_elsewhere is 0 (every appointment with one
--   database): the triggers below, inside the statement that books, moves
--   or cancels, as before;
-- - appointments whose place_elsewhere is 1 (with shards): store.Sharded,
--   which takes the place in the centre's database first (the CHECK), then
--   writes the appointment in the person's shard, and gives the place back
--   if that fails (a given-back place can always be given back: booked
--   only goes down).

ALTER TABLE appointments ADD COLUMN place_elsewhere INTEGER NOT NULL DEFAULT 0 CHECK (place_elsewhere IN (0, 1));

-- A place: the appointment at that centre, date and time. holds is 1 while
-- it holds a place (live, locked, done: a done appointment used its place)
-- and 0 once cancelled (the row stays: the day's list shows the
-- cancellation, as it did). During a move an appointment briefly holds two
-- rows: the new place is taken before the old one is given back.
CREATE TABLE slot_places (
  centre_id      TEXT NOT NULL REFERENCES centres(id),
  slot_date      TEXT NOT NULL CHECK (length(slot_date) = 10),
  slot_time      TEXT NOT NULL CHECK (length(slot_time) = 5),
  appointment_id TEXT NOT NULL,
  holds          INTEGER NOT NULL DEFAULT 1 CHECK (holds IN (0, 1)),
  PRIMARY KEY (centre_id, slot_date, slot_time, appointment_id)
);
CREATE INDEX slot_places_appointment ON slot_places (appointment_id);
-- The cron purge deletes past days by date (store.SQL.Purge).
CREATE INDEX slot_places_date ON slot_places (slot_date);
CREATE INDEX slots_date ON slots (slot_date);

-- A place a shard owes back: a give-back or release that the centre's
-- database refused twice (store.Sharded), written in the appointment's
-- shard and settled by the cron trigger, so a slot is short of a place
-- only until the next run. slot_date and slot_time are '' for a release
-- (every place of the cancelled appointment). A handful of rows at most:
-- read by the key, at most 100 a run.
CREATE TABLE place_returns (
  appointment_id TEXT NOT NULL,
  centre_id      TEXT NOT NULL,
  slot_date      TEXT NOT NULL,
  slot_time      TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  PRIMARY KEY (appointment_id, centre_id, slot_date, slot_time)
) WITHOUT ROWID;

-- The places existing appointments hold, already counted in slots by
-- migration 5's triggers (so before the counting triggers exist).
INSERT INTO slot_places (centre_id, slot_date, slot_time, appointment_id, holds)
SELECT centre_id, slot_date, slot_time, id, status <> 'cancelled' FROM appointments;

-- The counting moves from appointments to slot_places.
DROP TRIGGER appointments_take_place;
DROP TRIGGER appointments_give_back_place;
DROP TRIGGER appointments_move_place;

CREATE TRIGGER slot_places_take AFTER INSERT ON slot_places
WHEN NEW.holds = 1
BEGIN
  INSERT INTO slots (centre_id, slot_date, slot_time, capacity, booked, updated_at, updated_by)
  SELECT c.id, NEW.slot_date, NEW.slot_time, c.slot_capacity, 0, 0, 'system:default'
  FROM centres c WHERE c.id = NEW.centre_id
  ON CONFLICT DO NOTHING;
  UPDATE slots SET booked = booked + 1
  WHERE centre_id = NEW.centre_id AND slot_date = NEW.slot_date AND slot_time = NEW.slot_time;
END;

CREATE TRIGGER slot_places_release AFTER UPDATE OF holds ON slot_places
WHEN OLD.holds = 1 AND NEW.holds = 0
BEGIN
  UPDATE slots SET booked = booked - 1
  WHERE centre_id = OLD.centre_id AND slot_date = OLD.slot_date AND slot_time = OLD.slot_time;
END;

CREATE TRIGGER slot_places_give_back AFTER DELETE ON slot_places
WHEN OLD.holds = 1
BEGIN
  UPDATE slots SET booked = booked - 1
  WHERE centre_id = OLD.centre_id AND slot_date = OLD.slot_date AND slot_time = OLD.slot_time;
END;

-- One database: the appointment's statement writes its place. The
-- triggers do what store.Sharded does for an appointment that was booked
-- before the registry had shards (place_elsewhere 0) and is in the
-- centre's database: a place row already there is left as it is (ON
-- CONFLICT on the key only: the capacity CHECK still refuses), a release
-- or a give-back twice is once. Bucket moves set place_elsewhere on the
-- appointments they copy (store.CopyBuckets).
CREATE TRIGGER appointments_take_place AFTER INSERT ON appointments
WHEN NEW.place_elsewhere = 0
BEGIN
  INSERT INTO slot_places (centre_id, slot_date, slot_time, appointment_id, holds)
  VALUES (NEW.centre_id, NEW.slot_date, NEW.slot_time, NEW.id, NEW.status <> 'cancelled')
  ON CONFLICT DO NOTHING;
END;

CREATE TRIGGER appointments_give_back_place AFTER UPDATE OF status ON appointments
WHEN NEW.status = 'cancelled' AND OLD.status <> 'cancelled' AND NEW.place_elsewhere = 0
BEGIN
  UPDATE slot_places SET holds = 0 WHERE appointment_id = NEW.id AND holds = 1;
END;

-- A move takes the new place (which must have room: the CHECK) and then
-- gives the old one back.
CREATE TRIGGER appointments_move_place AFTER UPDATE OF centre_id, slot_date, slot_time ON appointments
WHEN OLD.status <> 'cancelled' AND NEW.status <> 'cancelled' AND NEW.place_elsewhere = 0
  AND (NEW.centre_id <> OLD.centre_id OR NEW.slot_date <> OLD.slot_date OR NEW.slot_time <> OLD.slot_time)
BEGIN
  INSERT INTO slot_places (centre_id, slot_date, slot_time, appointment_id, holds)
  VALUES (NEW.centre_id, NEW.slot_date, NEW.slot_time, NEW.id, 1)
  ON CONFLICT DO NOTHING;
  DELETE FROM slot_places
  WHERE centre_id = OLD.centre_id AND slot_date = OLD.slot_date AND slot_time = OLD.slot_time AND appointment_id = OLD.id;
END;

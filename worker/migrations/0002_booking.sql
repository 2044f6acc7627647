-- KYC-VS schema, version 2: appointments booked with a 4-digit security
-- code, vaccinator tokens that expire, and the append-only audit log of dose
-- recording (package worker/booking). Like 0001 it runs unchanged on D1 and
-- on SQLite. D1 has no interactive transactions, so the invariants that must
-- hold under parallel requests live here, in constraints and triggers that
-- run inside the one statement that changes a row.

-- A centre's vaccinator token stops working after this time (Unix seconds);
-- NULL means no token has been issued.
ALTER TABLE centres ADD COLUMN vaccinator_token_expires_at INTEGER;

-- Appointments. status: live (bookable and recordable), cancelled (by the
-- person), done (a dose was recorded: set by the doses trigger below, in the
-- same statement as the dose), locked (3 wrong security codes; a supervisor
-- unlocks it). code_hash is HMAC(key, id, code) of the 4-digit security code
-- and changes on reschedule, so only the code of the live slot is valid.
-- access_hash is SHA-256 of the booking access token the person holds.
-- mobile_enc is the mobile, AES-GCM encrypted under a key derived from
-- HASH_KEY, so the dose confirmation can be sent: the registry itself keeps
-- only the keyed hash. updated_by names who made the last change, for the
-- audit triggers.
CREATE TABLE appointments (
  id             TEXT PRIMARY KEY,
  beneficiary_id TEXT NOT NULL REFERENCES beneficiaries(id),
  centre_id      TEXT NOT NULL REFERENCES centres(id),
  slot_date      TEXT NOT NULL CHECK (length(slot_date) = 10),
  slot_time      TEXT NOT NULL CHECK (length(slot_time) = 5),
  status         TEXT NOT NULL DEFAULT 'live' CHECK (status IN ('live', 'cancelled', 'done', 'locked')),
  code_hash      TEXT NOT NULL,
  wrong_attempts INTEGER NOT NULL DEFAULT 0 CHECK (wrong_attempts BETWEEN 0 AND 3),
  access_hash    TEXT NOT NULL UNIQUE,
  mobile_enc     TEXT NOT NULL,
  lang           TEXT NOT NULL DEFAULT 'en',
  booking_txn    TEXT NOT NULL,
  created_at     INTEGER NOT NULL,
  updated_at     INTEGER NOT NULL,
  updated_by     TEXT NOT NULL DEFAULT 'beneficiary'
);
CREATE INDEX appointments_centre_day ON appointments (centre_id, slot_date);
-- One open (live or locked) appointment per beneficiary: no double booking,
-- and a locked one must be settled by a supervisor before booking again.
CREATE UNIQUE INDEX appointments_one_open ON appointments (beneficiary_id) WHERE status IN ('live', 'locked');

-- One dose per appointment, whatever races the requests run.
CREATE UNIQUE INDEX doses_one_per_appointment ON doses (appointment_id) WHERE appointment_id IS NOT NULL;
CREATE INDEX doses_centre_day ON doses (centre_id, administered_at);

-- The audit log: every recording, wrong code, lock and unlock (and cancel,
-- reschedule). actor is "vaccinator@<centre>", "supervisor:<name>" or
-- "beneficiary"; never a code or a mobile number. Rows are written by the
-- triggers below, in the statement that makes the change, so no change
-- escapes the log.
CREATE TABLE audit_log (
  id             INTEGER PRIMARY KEY AUTOINCREMENT,
  at             INTEGER NOT NULL,
  actor          TEXT NOT NULL,
  centre_id      TEXT,
  appointment_id TEXT,
  dose_id        TEXT,
  event          TEXT NOT NULL,
  detail         TEXT NOT NULL DEFAULT ''
);
CREATE INDEX audit_log_appointment ON audit_log (appointment_id);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- A dose for an appointment closes it in the same statement that inserts the
-- dose; together with doses_one_per_appointment this makes recording atomic.
CREATE TRIGGER doses_close_appointment AFTER INSERT ON doses
WHEN NEW.appointment_id IS NOT NULL
BEGIN
  UPDATE appointments SET status = 'done', updated_at = NEW.administered_at,
    updated_by = 'vaccinator@' || NEW.centre_id
  WHERE id = NEW.appointment_id;
END;

-- Doses recorded at a centre (by appointment or walk-in) are audited; seed and
-- imported doses (neither) are not.
CREATE TRIGGER doses_audit AFTER INSERT ON doses
WHEN NEW.appointment_id IS NOT NULL OR NEW.walk_in = 1
BEGIN
  INSERT INTO audit_log (at, actor, centre_id, appointment_id, dose_id, event, detail)
  VALUES (NEW.administered_at, 'vaccinator@' || NEW.centre_id, NEW.centre_id, NEW.appointment_id, NEW.id,
    CASE WHEN NEW.walk_in = 1 THEN 'recorded_walk_in' ELSE 'recorded' END,
    'dose ' || NEW.dose_number || ' ' || NEW.vaccine_id);
END;

-- One trigger for every appointment change, so the rows of one statement come
-- in a fixed order (the third wrong code, then the lock).
CREATE TRIGGER appointments_audit AFTER UPDATE ON appointments
BEGIN
  INSERT INTO audit_log (at, actor, centre_id, appointment_id, event, detail)
  SELECT NEW.updated_at, NEW.updated_by, NEW.centre_id, NEW.id, 'wrong_code', 'attempt ' || NEW.wrong_attempts
  WHERE NEW.wrong_attempts > OLD.wrong_attempts;
  INSERT INTO audit_log (at, actor, centre_id, appointment_id, event, detail)
  SELECT NEW.updated_at, NEW.updated_by, NEW.centre_id, NEW.id,
    CASE
      WHEN NEW.status = 'locked' THEN 'locked'
      WHEN OLD.status = 'locked' AND NEW.status = 'live' THEN 'unlocked'
      WHEN NEW.status = 'cancelled' THEN 'cancelled'
      ELSE 'status_' || NEW.status
    END, OLD.status || ' -> ' || NEW.status
  WHERE NEW.status <> OLD.status AND NEW.status <> 'done';
  INSERT INTO audit_log (at, actor, centre_id, appointment_id, event, detail)
  SELECT NEW.updated_at, NEW.updated_by, NEW.centre_id, NEW.id, 'rescheduled',
    OLD.centre_id || ' ' || OLD.slot_date || ' ' || OLD.slot_time || ' -> ' || NEW.centre_id || ' ' || NEW.slot_date || ' ' || NEW.slot_time
  WHERE NEW.slot_date <> OLD.slot_date OR NEW.slot_time <> OLD.slot_time OR NEW.centre_id <> OLD.centre_id;
END;

CREATE TRIGGER appointments_audit_booked AFTER INSERT ON appointments
BEGIN
  INSERT INTO audit_log (at, actor, centre_id, appointment_id, event, detail)
  VALUES (NEW.created_at, NEW.updated_by, NEW.centre_id, NEW.id, 'booked', NEW.slot_date || ' ' || NEW.slot_time);
END;

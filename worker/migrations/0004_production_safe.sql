-- KYC-VS schema, version 4: the holes a security review found (issue 9).
-- Like the earlier files it runs unchanged on D1 and on SQLite; the
-- invariants that must hold under parallel requests stay inside single
-- statements (constraints, triggers, INSERT … SELECT … WHERE).

-- OTP transactions keep no name in clear: name_hash is
-- HMAC(name key, normalised name), all that matching needs. Rows written
-- before this migration held the normalised name itself; they are wiped
-- (they live at most a day anyway).
ALTER TABLE otp_transactions DROP COLUMN name;
ALTER TABLE otp_transactions RENAME COLUMN name_norm TO name_hash;
UPDATE otp_transactions SET name_hash = '';

-- Starting a transaction supersedes the live ones of the same number and
-- purpose (their codes stop working: 410 otp_superseded). superseded_by
-- names the transaction that did it, so a start whose SMS could not be sent
-- can give the older code back.
ALTER TABLE otp_transactions ADD COLUMN superseded_by TEXT;
-- The mobile, AES-GCM sealed (worker/store/secrets.go), for walk-in
-- transactions only: the dose confirmation goes to the number the person
-- proved. Empty otherwise.
ALTER TABLE otp_transactions ADD COLUMN mobile_enc TEXT NOT NULL DEFAULT '';
-- The SMS language (the walk-in confirmation is sent in it) and the time of
-- the last guess (for the walk-in audit trigger).
ALTER TABLE otp_transactions ADD COLUMN lang TEXT NOT NULL DEFAULT 'en';
ALTER TABLE otp_transactions ADD COLUMN attempted_at INTEGER;
-- The start statement sums the guesses spent on the number's recent
-- transactions and the trigger below finds the live ones: both by number,
-- purpose and time.
CREATE INDEX otp_transactions_mobile ON otp_transactions (mobile_hash, purpose, created_at);

-- Only transactions created within one lifetime can be live, so the range
-- on created_at keeps this an index range over the number's recent codes,
-- not all its codes (a lifetime made longer by configuration leaves older
-- codes to expire by themselves).
CREATE TRIGGER otp_transactions_supersede AFTER INSERT ON otp_transactions
BEGIN
  UPDATE otp_transactions SET superseded_by = NEW.id
  WHERE mobile_hash = NEW.mobile_hash AND purpose = NEW.purpose
    AND created_at > NEW.created_at - (NEW.expires_at - NEW.created_at) AND id <> NEW.id
    AND superseded_by IS NULL AND used_at IS NULL AND expires_at > NEW.created_at;
END;

-- Walk-in doses rest on an OTP sent to the person's registered mobile at
-- that moment. walk_in_txn is that transaction: one dose per OTP, whatever
-- races the requests run, and the dose uses the transaction up in the same
-- statement (trigger below).
ALTER TABLE doses ADD COLUMN walk_in_txn TEXT;
CREATE UNIQUE INDEX doses_one_per_walk_in_otp ON doses (walk_in_txn) WHERE walk_in_txn IS NOT NULL;

CREATE TRIGGER doses_use_walk_in_otp AFTER INSERT ON doses
WHEN NEW.walk_in_txn IS NOT NULL
BEGIN
  UPDATE otp_transactions SET used_at = NEW.administered_at WHERE id = NEW.walk_in_txn;
END;

-- Every guess at a walk-in OTP is audited with the centre that made it.
CREATE TRIGGER otp_transactions_audit_walk_in AFTER UPDATE OF attempts ON otp_transactions
WHEN NEW.purpose = 'walk_in' AND NEW.attempts > OLD.attempts
BEGIN
  INSERT INTO audit_log (at, actor, centre_id, event, detail)
  VALUES (NEW.attempted_at, 'vaccinator@' || NEW.entity_id, NEW.entity_id,
    'walk_in_otp_attempt', 'attempt ' || NEW.attempts);
END;

-- Dose confirmations waiting to be sent. The recording statement queues the
-- confirmation (trigger below) in the same statement that inserts the dose,
-- so no dose exists without its confirmation queued; the worker sends it at
-- once and deletes the row, and the scheduled retry sends what is left.
-- mobile_enc is sealed with sealed_for as associated data (the appointment
-- or walk-in transaction id it was sealed for).
CREATE TABLE confirmations (
  dose_id    TEXT PRIMARY KEY,
  mobile_enc TEXT NOT NULL,
  sealed_for TEXT NOT NULL,
  lang       TEXT NOT NULL DEFAULT 'en',
  attempts   INTEGER NOT NULL DEFAULT 0,
  next_at    INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);
CREATE INDEX confirmations_due ON confirmations (next_at);

CREATE TRIGGER doses_queue_confirmation AFTER INSERT ON doses
WHEN NEW.appointment_id IS NOT NULL OR NEW.walk_in_txn IS NOT NULL
BEGIN
  INSERT INTO confirmations (dose_id, mobile_enc, sealed_for, lang, next_at, created_at)
  SELECT NEW.id, a.mobile_enc, a.id, a.lang, NEW.administered_at, NEW.administered_at
    FROM appointments a WHERE a.id = NEW.appointment_id;
  INSERT INTO confirmations (dose_id, mobile_enc, sealed_for, lang, next_at, created_at)
  SELECT NEW.id, t.mobile_enc, t.id, t.lang, NEW.administered_at, NEW.administered_at
    FROM otp_transactions t WHERE t.id = NEW.walk_in_txn;
END;

-- Supervisors: a person at a centre who may unlock a locked appointment
-- (which sends the person a new code). Tokens are 256-bit random, stored as
-- SHA-256 (worker/store/secrets.go), issued by kycvs-centres.
CREATE TABLE supervisors (
  token_hash TEXT PRIMARY KEY,
  centre_id  TEXT NOT NULL REFERENCES centres(id),
  name       TEXT NOT NULL,
  expires_at INTEGER NOT NULL,
  created_at INTEGER NOT NULL
);

-- A new security code for the same slot (a supervisor's unlock) is audited
-- as such (a reschedule's new code is implied by its 'rescheduled' row); the
-- old trigger is replaced to add that row.
DROP TRIGGER appointments_audit;
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
  INSERT INTO audit_log (at, actor, centre_id, appointment_id, event, detail)
  SELECT NEW.updated_at, NEW.updated_by, NEW.centre_id, NEW.id, 'new_code', 'a new security code'
  WHERE NEW.code_hash <> OLD.code_hash
    AND NEW.slot_date = OLD.slot_date AND NEW.slot_time = OLD.slot_time AND NEW.centre_id = OLD.centre_id;
END;

-- POST /v1/tokens/verify honours an Idempotency-Key: a retry with the same
-- key (after a lost response) gets the same answer; another key, or none,
-- for a used token gets already_used. The key is the entity's choice, not a
-- secret.
ALTER TABLE used_tokens ADD COLUMN idempotency_key TEXT NOT NULL DEFAULT '';

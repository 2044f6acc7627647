-- KYC-VS schema, version 6: vaccinators and supervisors as people (issue
-- 11). Until now a centre had one shared bearer token and the audit log
-- could only say "vaccinator@<centre>"; now each vaccinator is issued by
-- kycvs-centres with their own registered mobile, signs in at /centre with
-- an OTP to it, and the audit log names them. The centre tokens stay, for
-- machine clients. Like the earlier files it runs unchanged on D1 and on
-- SQLite.

-- A vaccinator or supervisor of one centre. mobile_hash is the keyed hash
-- of their registered mobile (worker/mobile.Hash, the same key as the
-- OTP transactions), which is how a sign-in code's transaction finds them:
-- the number itself is never stored, and nothing needs it later (the
-- sign-in SMS goes to the number typed). One person per mobile, so a code
-- proves exactly one identity. revoked_at ends every sign-in and session.
CREATE TABLE vaccinators (
  id          TEXT PRIMARY KEY,
  centre_id   TEXT NOT NULL REFERENCES centres(id),
  name        TEXT NOT NULL,
  role        TEXT NOT NULL CHECK (role IN ('vaccinator', 'supervisor')),
  mobile_hash TEXT NOT NULL UNIQUE,
  created_at  INTEGER NOT NULL,
  revoked_at  INTEGER
);
CREATE INDEX vaccinators_centre ON vaccinators (centre_id);

-- Signed-in sessions (one shift, at most 10 hours). token_hash is
-- HMAC(session key derived from HASH_KEY, cookie value): a leaked database
-- holds no usable session. Sign-out deletes the row.
CREATE TABLE vaccinator_sessions (
  token_hash    TEXT PRIMARY KEY,
  vaccinator_id TEXT NOT NULL REFERENCES vaccinators(id),
  created_at    INTEGER NOT NULL,
  expires_at    INTEGER NOT NULL
);
CREATE INDEX vaccinator_sessions_vaccinator ON vaccinator_sessions (vaccinator_id, expires_at);

-- A new session clears the vaccinator's expired ones in the same
-- statement, so the table never grows with shifts long over.
CREATE TRIGGER vaccinator_sessions_clear AFTER INSERT ON vaccinator_sessions
BEGIN
  DELETE FROM vaccinator_sessions WHERE vaccinator_id = NEW.vaccinator_id AND expires_at <= NEW.created_at;
END;

-- Revoking a vaccinator ends their sessions in the same statement.
CREATE TRIGGER vaccinators_revoke AFTER UPDATE OF revoked_at ON vaccinators
WHEN NEW.revoked_at IS NOT NULL
BEGIN
  DELETE FROM vaccinator_sessions WHERE vaccinator_id = NEW.id;
END;

-- The supervisor's audit trail of a centre's day: an index range, not a
-- scan of the whole log.
CREATE INDEX audit_log_centre_day ON audit_log (centre_id, at);

-- Who recorded a dose: "vaccinator:<id>" or "supervisor:<id>" for a signed-in
-- person, NULL for a centre's machine token (then the audit says
-- "vaccinator@<centre>" as before). The two triggers that close the
-- appointment and audit the dose are replaced to use it.
ALTER TABLE doses ADD COLUMN recorded_by TEXT;

DROP TRIGGER doses_close_appointment;
CREATE TRIGGER doses_close_appointment AFTER INSERT ON doses
WHEN NEW.appointment_id IS NOT NULL
BEGIN
  UPDATE appointments SET status = 'done', updated_at = NEW.administered_at,
    updated_by = coalesce(NEW.recorded_by, 'vaccinator@' || NEW.centre_id)
  WHERE id = NEW.appointment_id;
END;

DROP TRIGGER doses_audit;
CREATE TRIGGER doses_audit AFTER INSERT ON doses
WHEN NEW.appointment_id IS NOT NULL OR NEW.walk_in = 1
BEGIN
  INSERT INTO audit_log (at, actor, centre_id, appointment_id, dose_id, event, detail)
  VALUES (NEW.administered_at, coalesce(NEW.recorded_by, 'vaccinator@' || NEW.centre_id), NEW.centre_id, NEW.appointment_id, NEW.id,
    CASE WHEN NEW.walk_in = 1 THEN 'recorded_walk_in' ELSE 'recorded' END,
    'dose ' || NEW.dose_number || ' ' || NEW.vaccine_id);
END;

-- People registered at a centre after proving their mobile with a walk-in
-- OTP are audited with who registered them (never the name or mobile).
ALTER TABLE beneficiaries ADD COLUMN registered_by TEXT;
ALTER TABLE beneficiaries ADD COLUMN registered_at_centre TEXT;

CREATE TRIGGER beneficiaries_audit_registered AFTER INSERT ON beneficiaries
WHEN NEW.registered_by IS NOT NULL
BEGIN
  INSERT INTO audit_log (at, actor, centre_id, event, detail)
  VALUES (NEW.created_at, NEW.registered_by, NEW.registered_at_centre, 'registered', 'on site');
END;

-- A walk-in OTP started by a signed-in vaccinator names them: every guess at
-- it is audited with who started it (the person at the desk), not only the
-- centre. Set right after the start (store.SQL.SetWalkInStarter); NULL for
-- a centre's machine token.
ALTER TABLE otp_transactions ADD COLUMN started_by TEXT;

DROP TRIGGER otp_transactions_audit_walk_in;
CREATE TRIGGER otp_transactions_audit_walk_in AFTER UPDATE OF attempts ON otp_transactions
WHEN NEW.purpose = 'walk_in' AND NEW.attempts > OLD.attempts
BEGIN
  INSERT INTO audit_log (at, actor, centre_id, event, detail)
  VALUES (NEW.attempted_at, coalesce(NEW.started_by, 'vaccinator@' || NEW.entity_id), NEW.entity_id,
    'walk_in_otp_attempt', 'attempt ' || NEW.attempts);
END;

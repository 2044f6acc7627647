-- KYC-VS schema, version 8: national scale (issue 14). An index for every
-- hot query, state that is purged in bounded batches by the cron trigger,
-- no AUTOINCREMENT on tables every request writes, and the start of an OTP
-- (limits, budget, insert, supersede) in one statement. Like the earlier
-- files it runs unchanged on D1 and on SQLite; the EXPLAIN QUERY PLAN test
-- (worker/store/plan_test.go) fails if an index below goes missing.

-- Appointments by beneficiary: a booking's "one open appointment" check,
-- the expiry of missed ones and the mobile's list (through beneficiaries)
-- read every appointment of a person. The partial unique index
-- appointments_one_open cannot serve "status = 'live'" (SQLite uses a
-- partial index only when the query repeats its WHERE term), so these
-- scanned the table (43 ms at 100 k rows).
CREATE INDEX appointments_beneficiary ON appointments (beneficiary_id, slot_date);

-- doses_beneficiary duplicated the unique (beneficiary_id, dose_number)
-- index, which serves every lookup by beneficiary: one index write per dose
-- and its pages less.
DROP INDEX doses_beneficiary;

-- The cron purge deletes by these, at most 1,000 rows a statement
-- (store.SQL.Purge); unindexed, every batch scanned the table.
CREATE INDEX rate_counters_window ON rate_counters (window_start);
CREATE INDEX used_tokens_expiry ON used_tokens (expires_at);

-- AUTOINCREMENT keeps the largest id in sqlite_sequence, one row that every
-- insert into the table rewrites (a hot row, and a row written per event
-- on D1's bill). A plain INTEGER PRIMARY KEY is the rowid: still growing
-- for tables that only lose their oldest rows (the outbox) or none
-- (audit_log is append-only). The tables are rebuilt under their own name
-- (copy aside, drop, create, copy back): ALTER TABLE … RENAME would reparse
-- the triggers on other tables that write audit_log and refuse while the
-- name is missing. Those triggers name the table, not its definition, so
-- they keep working. DROP TABLE fires no DELETE trigger and drops the
-- table's own triggers and indexes, recreated below.
CREATE TABLE audit_log_copy AS SELECT * FROM audit_log;
DROP TABLE audit_log;
CREATE TABLE audit_log (
  id             INTEGER PRIMARY KEY,
  at             INTEGER NOT NULL,
  actor          TEXT NOT NULL,
  centre_id      TEXT,
  appointment_id TEXT,
  dose_id        TEXT,
  event          TEXT NOT NULL,
  detail         TEXT NOT NULL DEFAULT ''
);
INSERT INTO audit_log (id, at, actor, centre_id, appointment_id, dose_id, event, detail)
  SELECT id, at, actor, centre_id, appointment_id, dose_id, event, detail FROM audit_log_copy ORDER BY id;
DROP TABLE audit_log_copy;
CREATE INDEX audit_log_appointment ON audit_log (appointment_id);
-- The centre's day of audit (0006: the supervisor's audit trail), lost with
-- the old table.
CREATE INDEX audit_log_centre_day ON audit_log (centre_id, at);

CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;

CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
  SELECT RAISE(ABORT, 'audit_log is append-only');
END;

-- The dev outbox, rebuilt the same way; read by number (GET
-- /dev/outbox?to=) and purged by age.
CREATE TABLE sms_outbox_copy AS SELECT * FROM sms_outbox;
DROP TABLE sms_outbox;
CREATE TABLE sms_outbox (
  id         INTEGER PRIMARY KEY,
  to_mobile  TEXT NOT NULL,
  body       TEXT NOT NULL,
  kind       TEXT NOT NULL DEFAULT 'otp',
  created_at INTEGER NOT NULL
);
INSERT INTO sms_outbox (id, to_mobile, body, kind, created_at)
  SELECT id, to_mobile, body, kind, created_at FROM sms_outbox_copy ORDER BY id;
DROP TABLE sms_outbox_copy;
CREATE INDEX sms_outbox_to ON sms_outbox (to_mobile, id);
CREATE INDEX sms_outbox_created ON sms_outbox (created_at);

-- Starting an OTP is one statement (store.SQL.StartOTP): an INSERT … SELECT
-- into this view whose WHERE holds every rate limit and the number's guess
-- budget; the trigger inserts the transaction (which fires the supersede
-- trigger) and counts the event against every limit. hits is the limits as
-- JSON, [[key, window seconds, max], …]; it is never stored, so no row
-- links a client address to a number. All or nothing: a refused start
-- inserts and counts nothing. The view selects no row: it exists to be
-- inserted into.
CREATE VIEW otp_starts AS
  SELECT id, purpose, entity_id, mobile_hash, name_hash, nonce, otp_hash, mobile_enc, lang, max_attempts,
    created_at, expires_at, '' AS hits
  FROM otp_transactions WHERE 0;

CREATE TRIGGER otp_starts_insert INSTEAD OF INSERT ON otp_starts
BEGIN
  INSERT INTO otp_transactions (id, purpose, entity_id, mobile_hash, name_hash, nonce, otp_hash, mobile_enc, lang,
    attempts, max_attempts, created_at, expires_at)
  VALUES (NEW.id, NEW.purpose, NEW.entity_id, NEW.mobile_hash, NEW.name_hash, NEW.nonce, NEW.otp_hash, NEW.mobile_enc,
    NEW.lang, 0, NEW.max_attempts, NEW.created_at, NEW.expires_at);
  -- A new or expired window starts at 1; a live one is incremented (the
  -- INSERT's WHERE already made sure none is full). "WHERE 1" tells the
  -- parser the ON CONFLICT belongs to the upsert, not to a join.
  INSERT INTO rate_counters (key, window_start, count, win, lim)
    SELECT json_extract(value, '$[0]'), NEW.created_at, 1, json_extract(value, '$[1]'), json_extract(value, '$[2]')
    FROM json_each(NEW.hits) WHERE 1
  ON CONFLICT (key) DO UPDATE SET
    count = CASE WHEN window_start <= excluded.window_start - excluded.win THEN 1 ELSE count + 1 END,
    window_start = CASE WHEN window_start <= excluded.window_start - excluded.win THEN excluded.window_start ELSE window_start END,
    win = excluded.win, lim = excluded.lim;
END;

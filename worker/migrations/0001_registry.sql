-- KYC-VS schema, version 1. The same file is applied to the local D1 by
-- `wrangler d1 migrations apply DB --local` and to SQLite by the native tests
-- (package migrations embeds it), so it uses only what both understand.
-- Times are Unix seconds (INTEGER); hashes are lowercase hex (TEXT).

-- Verifying entities. Origins are a space-separated list of web origins
-- (scheme://host[:port]); the secret is stored as SHA-256, hex.
CREATE TABLE entities (
  id           TEXT PRIMARY KEY,
  display_name TEXT NOT NULL,
  purpose      TEXT NOT NULL,
  origins      TEXT NOT NULL,
  lang         TEXT NOT NULL DEFAULT 'en',
  secret_hash  TEXT NOT NULL UNIQUE,
  created_at   INTEGER NOT NULL
);

-- Vaccines and their primary schedule. min_interval_days is the minimum gap
-- before the next dose of the primary schedule.
CREATE TABLE vaccines (
  id                TEXT PRIMARY KEY,
  name              TEXT NOT NULL,
  doses_required    INTEGER NOT NULL CHECK (doses_required BETWEEN 1 AND 5),
  min_interval_days INTEGER NOT NULL DEFAULT 0
);

INSERT OR IGNORE INTO vaccines (id, name, doses_required, min_interval_days) VALUES
  ('covishield',    'Covishield',    2, 84),
  ('covaxin',       'Covaxin',       2, 28),
  ('sputnik_v',     'Sputnik V',     2, 21),
  ('sputnik_light', 'Sputnik Light', 1, 0),
  ('zycov_d',       'ZyCoV-D',       3, 28),
  ('corbevax',      'Corbevax',      2, 28);

-- Beneficiaries: people in the vaccination registry. A mobile (stored only as
-- HMAC(HASH_KEY, mobile)) holds up to 6 of them, told apart by name; the
-- normalised name (package names) is unique per mobile so a name picks at
-- most one person.
CREATE TABLE beneficiaries (
  id          TEXT PRIMARY KEY,
  mobile_hash TEXT NOT NULL,
  name        TEXT NOT NULL,
  name_norm   TEXT NOT NULL,
  birth_year  INTEGER,
  created_at  INTEGER NOT NULL,
  UNIQUE (mobile_hash, name_norm)
);

-- Vaccination centres. vaccinator_token_hash is SHA-256 of the centre's
-- bearer token (issued by the admin command), NULL until one is issued.
CREATE TABLE centres (
  id                    TEXT PRIMARY KEY,
  name                  TEXT NOT NULL,
  district              TEXT NOT NULL DEFAULT '',
  vaccinator_token_hash TEXT UNIQUE,
  created_at            INTEGER NOT NULL
);

-- Doses given. dose_number counts within the beneficiary's primary schedule.
CREATE TABLE doses (
  id             TEXT PRIMARY KEY,
  beneficiary_id TEXT NOT NULL REFERENCES beneficiaries(id),
  vaccine_id     TEXT NOT NULL REFERENCES vaccines(id),
  dose_number    INTEGER NOT NULL CHECK (dose_number >= 1),
  administered_at INTEGER NOT NULL,
  centre_id      TEXT REFERENCES centres(id),
  appointment_id TEXT,
  walk_in        INTEGER NOT NULL DEFAULT 0,
  batch          TEXT NOT NULL DEFAULT '',
  UNIQUE (beneficiary_id, dose_number)
);
CREATE INDEX doses_beneficiary ON doses (beneficiary_id);

-- OTP transactions. purpose says what a verified transaction may be used for
-- ('status' signs a token for entity_id; 'booking' proves a mobile for an
-- appointment), so one engine serves both and a transaction cannot be
-- replayed into the other. attempts counts every OTP comparison.
CREATE TABLE otp_transactions (
  id           TEXT PRIMARY KEY,
  purpose      TEXT NOT NULL,
  entity_id    TEXT NOT NULL DEFAULT '',
  mobile_hash  TEXT NOT NULL,
  name         TEXT NOT NULL DEFAULT '',
  name_norm    TEXT NOT NULL DEFAULT '',
  nonce        TEXT NOT NULL DEFAULT '',
  otp_hash     TEXT NOT NULL,
  attempts     INTEGER NOT NULL DEFAULT 0,
  max_attempts INTEGER NOT NULL,
  created_at   INTEGER NOT NULL,
  expires_at   INTEGER NOT NULL,
  used_at      INTEGER
);
CREATE INDEX otp_transactions_expiry ON otp_transactions (expires_at);

-- Fixed-window rate counters, keyed by what is limited ("mobile:<hash>",
-- "ip:<addr>", "entity:<id>", "resend:<hash>"). Updated by one upsert
-- statement so parallel requests cannot exceed a limit.
CREATE TABLE rate_counters (
  key          TEXT PRIMARY KEY,
  window_start INTEGER NOT NULL,
  count        INTEGER NOT NULL
);

-- Token ids seen by POST /v1/tokens/verify, for single use.
CREATE TABLE used_tokens (
  token_id   TEXT PRIMARY KEY,
  entity_id  TEXT NOT NULL,
  used_at    INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
);

-- The dev SMS outbox (environment "dev" only): what a gateway would send.
CREATE TABLE sms_outbox (
  id         INTEGER PRIMARY KEY AUTOINCREMENT,
  to_mobile  TEXT NOT NULL,
  body       TEXT NOT NULL,
  kind       TEXT NOT NULL DEFAULT 'otp',
  created_at INTEGER NOT NULL
);

-- KYC-VS schema, version 7: gate venues (issue 12). A venue (a mall's,
-- station's or airport's entry) is an entity of kind 'gate': the person's
-- pass page names it, and the tokens issued for it live at most two minutes.
-- Every entity registered before is a 'web' entity (framed widget, server
-- verification). Runs unchanged on D1 and SQLite.
ALTER TABLE entities ADD COLUMN kind TEXT NOT NULL DEFAULT 'web' CHECK (kind IN ('web', 'gate'));
-- A gate device signs in with a gate token (kycvs-admin gate add): 256
-- random bits, stored as SHA-256 (secret.TokenHash) like every bearer token.
-- NULL for web entities and for a gate whose token was withdrawn.
ALTER TABLE entities ADD COLUMN gate_token_hash TEXT;
-- The sign-in looks a venue up by its token's hash.
CREATE UNIQUE INDEX entities_gate_token ON entities (gate_token_hash) WHERE gate_token_hash IS NOT NULL;

-- Each counter row carries its window and limit, so one multi-row upsert can
-- count an event against several limits (IP, entity, resend gap, mobile) in
-- a single D1 round trip; see store.SQL.HitAll.
ALTER TABLE rate_counters ADD COLUMN win INTEGER NOT NULL DEFAULT 0;
ALTER TABLE rate_counters ADD COLUMN lim INTEGER NOT NULL DEFAULT 0;

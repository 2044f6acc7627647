//go:build !js

package store

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
)

// The bucket copying of a move (cmd/kycvs-shards) and of the test
// harness's shard files, over SQLite files: each runs as one transaction
// on the database it changes, inside which the schema's triggers are
// dropped and created again, so rows copied are rows as they were (no
// "booked" audit row for an appointment that is only moving, no code
// superseded by its own copy) and the append-only audit log can lose the
// rows of a bucket that left. No other connection ever sees the schema
// without its triggers: SQLite's write lock holds them off until the
// commit. Not in the Worker (D1 has no interactive transactions).

// DirectoryTables are the tables that live in DB only (a shard's
// centres and vaccines rows are reference copies for its foreign keys);
// every other table is split by bucket.
var DirectoryTables = map[string]bool{
	"entities": true, "centres": true, "vaccines": true, "supervisors": true, "sms_outbox": true,
	"schema_migrations": true, "d1_migrations": true, "vaccinators": true, "vaccinator_sessions": true,
}

// bucketed lists the split tables in an order that deletes dependants
// first, with the condition selecting the rows of a bucket set (cond is
// an SQL condition on a mobile hash column).
func bucketed(cond func(col string) string) []struct{ table, where string } {
	bens := `SELECT id FROM beneficiaries WHERE ` + cond("mobile_hash")
	doses := `SELECT id FROM doses WHERE beneficiary_id IN (` + bens + `)`
	apts := `SELECT id FROM appointments WHERE beneficiary_id IN (` + bens + `)`
	return []struct{ table, where string }{
		{"audit_log", `appointment_id IN (` + apts + `) OR dose_id IN (` + doses + `)`},
		{"confirmations", `dose_id IN (` + doses + `)`},
		{"doses", `beneficiary_id IN (` + bens + `)`},
		{"appointments", `beneficiary_id IN (` + bens + `)`},
		{"beneficiaries", cond("mobile_hash")},
		{"otp_transactions", cond("mobile_hash")},
	}
}

// rangesCond is the SQL condition "col's bucket is in ranges" (buckets
// are the first 3 hex digits, which compare as text in number order).
func rangesCond(ranges [][2]int) func(string) string {
	return func(col string) string {
		if len(ranges) == 0 {
			return "0"
		}
		var parts []string
		for _, r := range ranges {
			parts = append(parts, fmt.Sprintf("substr(%s, 1, 3) BETWEEN '%s' AND '%s'", col, BucketHex(r[0]), BucketHex(r[1])))
			if r[0] == 0 { // what is not a hash is in bucket 0 (Bucket)
				parts = append(parts, fmt.Sprintf("substr(%s, 1, 3) NOT GLOB '[0-9a-f][0-9a-f][0-9a-f]'", col))
			}
		}
		return "(" + strings.Join(parts, " OR ") + ")"
	}
}

func inRanges(b int, ranges [][2]int) bool {
	for _, r := range ranges {
		if b >= r[0] && b <= r[1] {
			return true
		}
	}
	return false
}

// withoutTriggers runs fn in a transaction on db with the schema's
// triggers dropped, and creates them again before committing.
func withoutTriggers(ctx context.Context, db *sql.DB, fn func(tx *sql.Tx) error) error {
	tx, err := db.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	rows, err := tx.QueryContext(ctx, `SELECT name, sql FROM sqlite_master WHERE type = 'trigger' ORDER BY rowid`)
	if err != nil {
		return err
	}
	var names, defs []string
	for rows.Next() {
		var n, d string
		if err := rows.Scan(&n, &d); err != nil {
			rows.Close()
			return err
		}
		names, defs = append(names, n), append(defs, d)
	}
	rows.Close()
	for _, n := range names {
		if _, err := tx.ExecContext(ctx, `DROP TRIGGER "`+n+`"`); err != nil {
			return err
		}
	}
	if err := fn(tx); err != nil {
		return err
	}
	for _, d := range defs {
		if _, err := tx.ExecContext(ctx, d); err != nil {
			return fmt.Errorf("creating a trigger again: %w", err)
		}
	}
	return tx.Commit()
}

// keyed are the split tables whose rows route by a key (byKey of prefix
// and the column) that SQL cannot compute: they are filtered in Go. A
// centre's slots and places go with the centre's bucket (byCentre).
var keyed = []struct{ table, col, prefix string }{
	{"rate_counters", "key", ""}, {"used_tokens", "token_id", ""},
	{"slots", "centre_id", "centre:"}, {"slot_places", "centre_id", "centre:"},
}

// deleteBuckets deletes from tx the rows of the buckets in ranges
// (keep false) or of those not in ranges (keep true).
func deleteBuckets(ctx context.Context, tx *sql.Tx, ranges [][2]int, keep bool) error {
	cond := rangesCond(ranges)
	if keep {
		inner := cond
		cond = func(col string) string { return "NOT " + inner(col) }
	}
	for _, t := range bucketed(cond) {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t.table+` WHERE `+t.where); err != nil {
			return fmt.Errorf("deleting %s: %w", t.table, err)
		}
	}
	for _, k := range keyed {
		keys, err := strings1(ctx, tx, `SELECT DISTINCT `+k.col+` FROM `+k.table)
		if err != nil {
			return err
		}
		for _, key := range keys {
			if inRanges(byKey(k.prefix+key).bucket, ranges) != keep {
				if _, err := tx.ExecContext(ctx, `DELETE FROM `+k.table+` WHERE `+k.col+` = ?`, key); err != nil {
					return err
				}
			}
		}
	}
	return nil
}

// KeepBuckets deletes from db every split row whose bucket is not in
// ranges: what makes a copy of a whole registry (the demo seed loaded into
// every shard file) hold only its shard's buckets.
func KeepBuckets(ctx context.Context, db *sql.DB, ranges [][2]int) error {
	return withoutTriggers(ctx, db, func(tx *sql.Tx) error {
		if err := deleteBuckets(ctx, tx, ranges, true); err != nil {
			return err
		}
		return placesElsewhere(ctx, tx, `1`)
	})
}

// placesElsewhere marks the appointments of tx matching cond as holding
// their place in the centre's database (migration 9), where the seed's or
// the old owner's rows already hold it.
func placesElsewhere(ctx context.Context, tx *sql.Tx, cond string) error {
	if _, err := tx.ExecContext(ctx, `UPDATE appointments SET place_elsewhere = 1 WHERE place_elsewhere = 0 AND `+cond); err != nil {
		return fmt.Errorf("marking appointments: %w", err)
	}
	return nil
}

// DropBuckets deletes from db every split row of the buckets in ranges,
// audit rows included: the last step of a move, on the old owner.
func DropBuckets(ctx context.Context, db *sql.DB, ranges [][2]int) error {
	return withoutTriggers(ctx, db, func(tx *sql.Tx) error { return deleteBuckets(ctx, tx, ranges, false) })
}

// CopyBuckets makes the rows of the buckets in ranges in to equal those in
// from: in one transaction on to, it deletes them there and copies them
// over (the centres they name as reference copies first; audit rows with
// new ids after to's own, in their order). It returns the rows copied.
// Run again, it copies again: the sync of a move's frozen phase.
func CopyBuckets(ctx context.Context, from, to *sql.DB, ranges [][2]int) (int, error) {
	n := 0
	err := withoutTriggers(ctx, to, func(tx *sql.Tx) error {
		if err := deleteBuckets(ctx, tx, ranges, false); err != nil {
			return err
		}
		cond := rangesCond(ranges)
		tables := bucketed(cond)
		copyRows := func(table, query string, skip string, args ...any) error {
			c, err := copyQuery(ctx, from, tx, table, query, skip, args...)
			n += c
			return err
		}
		bens := `SELECT id FROM beneficiaries WHERE ` + cond("mobile_hash")
		if err := copyRows("centres", `SELECT id, name, district, pin, address, slot_capacity, created_at FROM centres WHERE id IN (
			SELECT centre_id FROM appointments WHERE beneficiary_id IN (`+bens+`)
			UNION SELECT centre_id FROM doses WHERE beneficiary_id IN (`+bens+`))`, "OR IGNORE"); err != nil {
			return err
		}
		n = 0
		// Parents first: the reverse of the delete order.
		for i := len(tables) - 1; i >= 0; i-- {
			t := tables[i]
			q := `SELECT * FROM ` + t.table + ` WHERE ` + t.where
			skip := ""
			if t.table == "audit_log" {
				q, skip = `SELECT at, actor, centre_id, appointment_id, dose_id, event, detail FROM audit_log WHERE `+t.where+` ORDER BY id`, ""
			}
			if err := copyRows(t.table, q, skip); err != nil {
				return err
			}
		}
		if err := placesElsewhere(ctx, tx, `beneficiary_id IN (`+bens+`)`); err != nil {
			return err
		}
		centres := map[string]bool{} // reference copies made for keyed rows
		for _, k := range keyed {
			keys, err := strings1(ctx, from, `SELECT DISTINCT `+k.col+` FROM `+k.table)
			if err != nil {
				return err
			}
			for _, key := range keys {
				if inRanges(byKey(k.prefix+key).bucket, ranges) {
					if k.prefix == "centre:" && !centres[key] { // the foreign key's reference copy
						centres[key] = true
						if err := copyRows("centres", `SELECT id, name, district, pin, address, slot_capacity, created_at FROM centres WHERE id = ?`,
							"OR IGNORE", key); err != nil {
							return err
						}
					}
					if err := copyRows(k.table, `SELECT * FROM `+k.table+` WHERE `+k.col+` = ?`, "", key); err != nil {
						return err
					}
				}
			}
		}
		return nil
	})
	return n, err
}

// copyQuery inserts into table (on tx) the rows query returns from src,
// column for column; conflict is "" or "OR IGNORE".
func copyQuery(ctx context.Context, src *sql.DB, tx *sql.Tx, table, query, conflict string, args ...any) (int, error) {
	rows, err := src.QueryContext(ctx, query, args...)
	if err != nil {
		return 0, fmt.Errorf("reading %s: %w", table, err)
	}
	cols, _ := rows.Columns()
	var all [][]any
	for rows.Next() {
		vals := make([]any, len(cols))
		ptrs := make([]any, len(cols))
		for i := range vals {
			ptrs[i] = &vals[i]
		}
		if err := rows.Scan(ptrs...); err != nil {
			rows.Close()
			return 0, err
		}
		all = append(all, vals)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return 0, err
	}
	ins := `INSERT ` + conflict + ` INTO ` + table + ` (` + strings.Join(cols, ", ") + `) VALUES (?` + strings.Repeat(", ?", len(cols)-1) + `)`
	for _, v := range all {
		if _, err := tx.ExecContext(ctx, ins, v...); err != nil {
			return 0, fmt.Errorf("copying into %s: %w", table, err)
		}
	}
	return len(all), nil
}

// MoveBucket moves bucket b from its owner in m to binding to, through
// the phases of ShardMap's protocol: for each phase it calls publish with
// the map to run, which must return once every instance runs it (the
// tool: the operator deploys it and confirms; tests: an atomic swap), and
// copies or deletes rows between the phases. It returns the final map.
// dbs holds every binding's database.
func MoveBucket(ctx context.Context, m *ShardMap, dbs map[string]*sql.DB, b int, to string, publish func(phase string, m *ShardMap) error) (*ShardMap, error) {
	from := m.Bindings[m.Owner(b)]
	src, dst := dbs[from], dbs[to]
	if src == nil || dst == nil {
		return nil, fmt.Errorf("move %s: no database for %s or %s", BucketHex(b), from, to)
	}
	ranges := [][2]int{{b, b}}
	step := func(phase string) (*ShardMap, error) {
		next, err := m.WithMove(b, to, phase)
		if err != nil {
			return nil, err
		}
		if err := publish(phase, next); err != nil {
			return nil, fmt.Errorf("move %s, phase %s: %w", BucketHex(b), phase, err)
		}
		return next, nil
	}
	if _, err := step(MoveCopy); err != nil {
		return nil, err
	}
	// Warm copy: the owner still takes writes; most rows will not change.
	if _, err := CopyBuckets(ctx, src, dst, ranges); err != nil {
		return nil, fmt.Errorf("move %s: copying: %w", BucketHex(b), err)
	}
	if _, err := step(MoveFrozen); err != nil {
		return nil, err
	}
	// Nothing writes the bucket now: the copy made again is exact.
	if _, err := CopyBuckets(ctx, src, dst, ranges); err != nil {
		return nil, fmt.Errorf("move %s: syncing: %w", BucketHex(b), err)
	}
	if _, err := step(MoveFlipped); err != nil {
		return nil, err
	}
	done, err := step("done")
	if err != nil {
		return nil, err
	}
	// No instance reads the old owner for b any more.
	if err := DropBuckets(ctx, src, ranges); err != nil {
		return nil, fmt.Errorf("move %s: deleting from %s: %w", BucketHex(b), from, err)
	}
	return done, nil
}

// KeepBucketsSQL is KeepBuckets as statements for `wrangler d1 execute`
// (no transaction, triggers kept): for loading a whole registry (the demo
// seed) into each shard of a local D1 and keeping its own. It leaves the
// audit log (append-only; a seed writes none) and the rate counters and
// used token ids (routed by key; a seed writes none) as they are.
func KeepBucketsSQL(ranges [][2]int) string {
	cond := rangesCond(ranges)
	var b strings.Builder
	for _, t := range bucketed(func(col string) string { return "NOT " + cond(col) }) {
		if t.table != "audit_log" {
			b.WriteString("DELETE FROM " + t.table + " WHERE " + t.where + ";\n")
		}
	}
	return b.String()
}

// StrayRows counts the split rows in db (shard i of m) whose bucket the
// shard does not serve: 0 for a clean shard (kycvs-shards check).
func StrayRows(ctx context.Context, db *sql.DB, m *ShardMap, i int) (int, error) {
	var served [][2]int
	for b := 0; b < Buckets; b++ {
		for _, r := range m.Readers(b) {
			if r == i {
				if n := len(served); n > 0 && served[n-1][1] == b-1 {
					served[n-1][1] = b
				} else {
					served = append(served, [2]int{b, b})
				}
			}
		}
	}
	cond := rangesCond(served)
	total := 0
	for _, t := range bucketed(func(col string) string { return "NOT " + cond(col) }) {
		var n int
		if err := db.QueryRowContext(ctx, `SELECT count(*) FROM `+t.table+` WHERE `+t.where).Scan(&n); err != nil {
			return 0, err
		}
		total += n
	}
	for _, k := range keyed {
		keys, err := strings1(ctx, db, `SELECT `+k.col+` FROM `+k.table)
		if err != nil {
			return 0, err
		}
		for _, key := range keys {
			if !inRanges(byKey(key).bucket, served) {
				total++
			}
		}
	}
	return total, nil
}

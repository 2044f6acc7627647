package harness

import (
	"errors"
	"strings"
	"testing"
	"time"
)

func TestFaults(t *testing.T) {
	db, f := FaultyDB(t, HashKey, 0)
	outbox := func() int {
		var n int
		if err := db.QueryRow(`SELECT count(*) FROM sms_outbox`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	insert := `INSERT INTO sms_outbox (to_mobile, body, kind, created_at) VALUES ('9876500001', 'x', 'otp', 0)`

	// Every Exec and Query counts, prepared ones when they run.
	f.Start()
	stmt, err := db.Prepare(`SELECT count(*) FROM  sms_outbox WHERE id > ?`)
	if err != nil {
		t.Fatal(err)
	}
	defer stmt.Close()
	var n int
	if _, err := db.Exec(insert); err != nil {
		t.Fatal(err)
	}
	if err := stmt.QueryRow(0).Scan(&n); err != nil || n != 1 {
		t.Fatalf("prepared query: %d, %v", n, err)
	}
	if got := f.Statements(); len(got) != 2 || got[1] != `SELECT count(*) FROM sms_outbox WHERE id > ?` {
		t.Fatalf("statements %q", got)
	}

	// The nth statement from now fails, before it runs.
	f.FailNth(2)
	if _, err := db.Exec(insert); err != nil {
		t.Fatal(err)
	}
	if _, err := db.Exec(insert); !errors.Is(err, ErrFault) || !strings.HasPrefix(f.Failed(), "INSERT INTO sms_outbox") {
		t.Fatalf("second statement: %v, failed %q", err, f.Failed())
	}
	if n := outbox(); n != 2 {
		t.Fatalf("%d rows, want 2: the failed statement ran", n)
	}
	// Fired once: the next statements run.
	if _, err := db.Exec(insert); err != nil {
		t.Fatal(err)
	}

	// The next statement containing a string fails.
	f.FailMatching("INTO sms_outbox")
	if n := outbox(); n != 3 {
		t.Fatalf("%d rows", n)
	}
	if err := db.QueryRow(insert + ` RETURNING id`).Scan(&n); !errors.Is(err, ErrFault) {
		t.Fatalf("matching statement: %v", err)
	}

	// A lost reply: the statement runs, then fails.
	for _, q := range []string{insert, insert + ` RETURNING id`} {
		before := outbox()
		f.LoseNth(1)
		var err error
		if strings.Contains(q, "RETURNING") {
			err = db.QueryRow(q).Scan(&n)
		} else {
			_, err = db.Exec(q)
		}
		if !errors.Is(err, ErrFault) || outbox() != before+1 {
			t.Fatalf("lost reply of %q: %v, %d rows after %d", q, err, outbox(), before)
		}
	}
	f.Clear()
	if _, err := db.Exec(insert); err != nil {
		t.Fatal(err)
	}
}

func TestDumpWithout(t *testing.T) {
	db, _ := FaultyDB(t, HashKey, 0)
	now := time.Unix(1_000_000, 0)
	before := Rows(t, db)
	if Render(before) != Dump(t, db) {
		t.Fatal("Render of Rows is not Dump")
	}
	for _, q := range []string{
		`INSERT INTO rate_counters (key, window_start, count, win, lim) VALUES ('a', 999990, 0, 60, 5)`, // at 0
		`INSERT INTO rate_counters (key, window_start, count, win, lim) VALUES ('b', 999940, 3, 60, 5)`, // window over
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatal(err)
		}
	}
	if d := Diff(Render(before, NoCounts(now)), DumpWithout(t, db, NoCounts(now))); d != "" {
		t.Fatalf("counting nothing, yet:\n%s", d)
	}
	if _, err := db.Exec(`INSERT INTO rate_counters (key, window_start, count, win, lim) VALUES ('c', 999941, 1, 60, 5)`); err != nil {
		t.Fatal(err)
	}
	if got := Tables(Diff(Render(before, NoCounts(now)), DumpWithout(t, db, NoCounts(now)))); len(got) != 1 || got[0] != "rate_counters" {
		t.Fatalf("a live count is not in the diff: %v", got)
	}
}

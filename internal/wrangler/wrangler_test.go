package wrangler

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestD1Busy: a d1 command that finds the database locked is run again
// until it gets through, up to busyTries runs; any other failure is not
// retried. The stand-in for wrangler fails with SQLITE_BUSY a given number
// of times (counted in a file), then prints its output.
func TestD1Busy(t *testing.T) {
	for _, c := range []struct {
		name      string
		busy      int    // runs that fail with SQLITE_BUSY first
		other     bool   // fail otherwise instead
		runs      string // runs expected
		wantError string
	}{
		{"through at once", 0, false, "1", ""},
		{"through on the third run", 2, false, "3", ""},
		{"locked every time", busyTries, false, "5", "SQLITE_BUSY"},
		{"another error", 0, true, "1", "no such table"},
	} {
		t.Run(c.name, func(t *testing.T) {
			dir := t.TempDir()
			bin := filepath.Join(dir, "wrangler")
			script := `#!/bin/sh
n=$(cat runs 2>/dev/null || echo 0); n=$((n+1)); echo $n > runs
if [ "$OTHER" = 1 ]; then echo "no such table: x" >&2; exit 1; fi
if [ $n -le $BUSY ]; then echo "database is locked: SQLITE_BUSY" >&2; exit 1; fi
echo "ok $*"
`
			if err := os.WriteFile(bin, []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			other := "0"
			if c.other {
				other = "1"
			}
			t.Setenv("BUSY", strconv.Itoa(c.busy))
			t.Setenv("OTHER", other)
			out, err := D1(dir, bin, "d1", "execute", "DB")
			runs, _ := os.ReadFile(filepath.Join(dir, "runs"))
			if strings.TrimSpace(string(runs)) != c.runs {
				t.Errorf("ran %s times, want %s", strings.TrimSpace(string(runs)), c.runs)
			}
			if c.wantError == "" && (err != nil || string(out) != "ok d1 execute DB\n") {
				t.Errorf("D1 = %q, %v", out, err)
			}
			if c.wantError != "" && (err == nil || !strings.Contains(err.Error(), c.wantError)) {
				t.Errorf("D1 error %v, want one saying %q", err, c.wantError)
			}
		})
	}
}

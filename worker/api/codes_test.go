package api

import (
	"errors"
	"fmt"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs/worker/domain"
	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/store"
)

// codeUse finds every error code the worker's code can answer with: the
// literal codes given to E, Ef and Unavailable anywhere under worker/ (and
// the worker mains), and the codes Public maps typed errors to.
var codeUse = regexp.MustCompile(`\b(?:E|Ef|Unavailable)\("([a-z0-9_]+)"|"error":"([a-z0-9_]+)"`)

func usedCodes(t *testing.T) map[string][]string {
	t.Helper()
	used := map[string][]string{}
	err := filepath.WalkDir("..", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() || !strings.HasSuffix(p, ".go") || strings.HasSuffix(p, "_test.go") ||
			strings.Contains(p, "internal/pooltest") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		for _, m := range codeUse.FindAllStringSubmatch(string(b), -1) {
			c := m[1] + m[2]
			used[c] = append(used[c], p)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return used
}

// Every code any endpoint can answer with is in the table, and every code
// in the table is answered somewhere: no dead rows, no unlisted codes.
func TestCodesUsedAreTheTable(t *testing.T) {
	used := usedCodes(t)
	for c, where := range used {
		if _, ok := Codes[c]; !ok {
			t.Errorf("code %q (%v) is not in the error table", c, where)
		}
	}
	for c := range Codes {
		if _, ok := used[c]; !ok {
			t.Errorf("table code %q is never answered", c)
		}
	}
}

// docs/API.md documents exactly the table, with the table's statuses.
func TestCodesDocumented(t *testing.T) {
	doc, err := os.ReadFile("../../docs/API.md")
	if err != nil {
		t.Fatal(err)
	}
	row := regexp.MustCompile("(?m)^\\| `([a-z0-9_]+)` \\| ([0-9, ]+) ")
	documented := map[string]string{}
	for _, m := range row.FindAllStringSubmatch(string(doc), -1) {
		documented[m[1]] = strings.TrimSpace(m[2])
	}
	for c, code := range Codes {
		want := fmt.Sprint(code.Status)
		for _, a := range code.Also {
			want += fmt.Sprintf(", %d", a)
		}
		if got, ok := documented[c]; !ok {
			t.Errorf("code %q is not documented in docs/API.md", c)
		} else if got != want {
			t.Errorf("code %q: docs/API.md says %s, the table %s", c, got, want)
		}
	}
	for c := range documented {
		if _, ok := Codes[c]; !ok {
			t.Errorf("docs/API.md documents %q, which the table does not have", c)
		}
	}
}

// Public turns each typed error into its row, with its extra fields.
func TestPublicMapsTypedErrors(t *testing.T) {
	earliest := time.Date(2026, 6, 1, 0, 0, 0, 0, domain.India)
	for _, c := range []struct {
		err   error
		code  string
		extra []string
	}{
		{&otp.IncorrectError{AttemptsLeft: 0}, "otp_incorrect", []string{"attempts_left"}},
		{&otp.LimitError{Limit: "mobile", RetryAfter: time.Minute}, "rate_limited", []string{"retry_after"}},
		{fmt.Errorf("x: %w", otp.ErrSend), "sms_unavailable", []string{"retry_after"}},
		{otp.ErrSuperseded, "otp_superseded", nil},
		{&domain.TooEarlyError{Dose: 2, Vaccine: "Covaxin", IntervalDays: 28, Earliest: earliest}, "too_early", []string{"earliest"}},
		{&domain.VaccineMismatchError{Expected: "covaxin"}, "vaccine_mismatch", []string{"expected_vaccine"}},
		{&domain.ScheduleCompleteError{Vaccine: "Covaxin", Doses: 2}, "schedule_complete", nil},
		{&domain.WrongCodeError{AttemptsLeft: 0, Locked: true}, "security_code_incorrect", []string{"attempts_left", "locked"}},
		{&store.StateError{Status: store.AppointmentLocked}, "appointment_locked", nil},
		{&store.StateError{Status: store.AppointmentCancelled}, "appointment_cancelled", nil},
		{&store.StateError{Status: store.AppointmentDone}, "appointment_done", nil},
		{&store.StateError{Status: store.AppointmentLive}, "conflict", nil},
		{store.ErrTxnUsed, "otp_used", nil},
		{store.ErrHasAppointment, "has_appointment", nil},
		{domain.ErrAlreadyRecorded, "already_recorded", nil},
		{domain.ErrNameMismatch, "name_mismatch", nil},
		{fmt.Errorf("x: %w: %w", store.ErrUnavailable, errors.New("D1")), "unavailable", []string{"retry_after"}},
		{fmt.Errorf("%w: ent_x", store.ErrBadEntity), "entity_misconfigured", nil},
	} {
		e := Public(c.err)
		if e == nil || e.Code != c.code || e.Status != Codes[c.code].Status {
			t.Errorf("%v: %+v, want %s", c.err, e, c.code)
			continue
		}
		for _, k := range c.extra {
			if _, ok := e.Extra[k]; !ok {
				t.Errorf("%v: no %s in %v", c.err, k, e.Extra)
			}
		}
	}
	if Public(errors.New("a bug")) != nil {
		t.Error("an unknown error has a public code")
	}
	if e := RateLimited(90 * time.Second); e.Header.Get("Retry-After") != "90" || e.Status != http.StatusTooManyRequests {
		t.Errorf("%+v", e)
	}
}

func TestUnknownCodePanics(t *testing.T) {
	defer func() {
		if recover() == nil {
			t.Error("E accepted a code outside the table")
		}
	}()
	E("no_such_code")
}

func TestWithStatusOnlyDocumented(t *testing.T) {
	if e := E("invalid_token").WithStatus(http.StatusBadRequest); e.Status != 400 {
		t.Fatal(e.Status)
	}
	defer func() {
		if recover() == nil {
			t.Error("an undocumented status was allowed")
		}
	}()
	E("invalid_token").WithStatus(http.StatusTeapot)
	_ = slices.Contains[[]int]
}

package harness_test

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/kycvs/kycvs/internal/harness"
	"github.com/kycvs/kycvs/worker/mobile"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/store"
)

// shardedServer starts a native server on 4 shard files and returns the
// store its handler runs on; faults opens them on Server.Faults.
func shardedServer(t *testing.T, faults ...bool) (*harness.Server, *store.Sharded) {
	var st *store.Sharded
	s := harness.Native(t, harness.Options{Shards: 4, Faults: len(faults) > 0 && faults[0], Handler: func(d harness.Deps) (http.Handler, error) {
		st = d.Store.(*store.Sharded)
		return serviceHandler(d)
	}})
	return s, st
}

// registryTable matches a statement on a table split by bucket (the rate
// counters and used tokens route by key, checked apart).
var registryTable = regexp.MustCompile(`\b(otp_transactions|beneficiaries|doses|appointments|audit_log|confirmations)\b`)

// onlyIn fails unless every shard but want ran no statement on a split
// table since the logs started, and want ran some.
func onlyIn(t *testing.T, s *harness.Server, what string, want int) {
	t.Helper()
	for i, l := range s.ShardLogs {
		n := 0
		for _, q := range l.Statements() {
			if registryTable.MatchString(q) {
				n++
				if i != want {
					t.Errorf("%s: shard %s ran %s (the number's shard is %s)", what, s.ShardMap.Bindings[i], harness.Short(q), s.ShardMap.Bindings[want])
				}
			}
		}
		if i == want && n == 0 {
			t.Errorf("%s: the number's shard %s ran no statement on its rows", what, s.ShardMap.Bindings[i])
		}
		l.Start()
	}
}

// placeTable matches a statement on a centre's slots or places.
var placeTable = regexp.MustCompile(`\bslot(s|_places)\b`)

// placesOnlyIn checks that the statements on slots and places since the
// logs started ran in shard want (the centre's) only, and at least one;
// it leaves the logs as they are.
func placesOnlyIn(t *testing.T, s *harness.Server, what string, want int) {
	t.Helper()
	for i, l := range s.ShardLogs {
		n := 0
		for _, q := range l.Statements() {
			if placeTable.MatchString(q) && !strings.HasPrefix(strings.TrimSpace(q), "INSERT INTO centres") {
				n++
				if i != want {
					t.Errorf("%s: shard %s ran %s (the centre's shard is %s)", what, s.ShardMap.Bindings[i], harness.Short(q), s.ShardMap.Bindings[want])
				}
			}
		}
		if i == want && n == 0 {
			t.Errorf("%s: the centre's shard %s ran no statement on its places", what, s.ShardMap.Bindings[i])
		}
	}
}

func startLogs(s *harness.Server) {
	for _, l := range s.ShardLogs {
		l.Start()
	}
}

// Each operation on a number's rows runs in its shard only; directory
// reads run in DB; the status flow over HTTP as well as each store method.
func TestShardsEachOperationInItsShard(t *testing.T) {
	s, st := shardedServer(t)
	ctx := context.Background()
	// A person whose number is not in DB's buckets, so DB's own statements
	// (the directory) are told apart from the number's.
	var p seed.Person
	var owner int
	for _, q := range seed.DemoPeople {
		if o := s.ShardMap.Owner(store.Bucket(mobile.Hash(s.HashKey, q.Mobile))); o != 0 && q.Doses == 0 {
			p, owner = q, o
			break
		}
	}
	if p.ID == "" {
		t.Fatal("no demo person without doses outside DB's buckets")
	}
	mh := mobile.Hash(s.HashKey, p.Mobile)

	startLogs(s)
	r := s.Do("POST", "/v1/otp", "", map[string]string{"entity": "ent_railways", "mobile": p.Mobile, "name": p.Name, "nonce": "shard-test-nonce"})
	if r.Status != http.StatusAccepted {
		t.Fatalf("start: %d %s", r.Status, r.Raw)
	}
	txn := r.Str("txn")
	if b, ok := store.IDBucket(txn); !ok || b != store.Bucket(mh) {
		t.Errorf("txn %s carries bucket %d %v, want %d", txn, b, ok, store.Bucket(mh))
	}
	onlyIn(t, s, "start", owner)
	r = s.Do("POST", "/v1/otp/verify", "", map[string]string{"txn": txn, "otp": s.LastOTP(p.Mobile)})
	if r.Status != http.StatusOK {
		t.Fatalf("verify: %d %s", r.Status, r.Raw)
	}
	onlyIn(t, s, "verify", owner)

	// Store methods one by one. The centre exists only in DB: the first
	// appointment there copies it into the number's shard, and into the
	// centre's shard (its places), which is a third one.
	centre, centreShard := "", 0
	for i := 0; centreShard == 0 || centreShard == owner; i++ {
		centre = fmt.Sprintf("ctr_shard_only_db_%d", i)
		centreShard = s.ShardMap.Owner(store.CentreBucket(centre))
	}
	s.Shards[0].Exec(store.CentreSQL(centre, "Shard Test Centre", "Test", time.Now()))
	bens, err := st.Beneficiaries(ctx, mh)
	if err != nil || len(bens) != 1 {
		t.Fatalf("beneficiaries: %v %v", bens, err)
	}
	onlyIn(t, s, "Beneficiaries", owner)
	apt, _ := secret.NewIDFor(nil, "apt_", mh)
	a := &store.Appointment{ID: apt, BeneficiaryID: bens[0].ID, CentreID: centre, Date: "2026-12-01", Time: "10:00",
		CodeHash: "code-hash", AccessHash: "access-" + apt, MobileEnc: "sealed", Lang: "en", BookingTxn: txn, CreatedAt: time.Now()}
	if err := st.CreateAppointment(ctx, a); err != nil {
		t.Fatalf("appointment at a centre only DB had: %v", err)
	}
	for i, l := range s.ShardLogs { // the copy read the centre from DB
		for _, q := range l.Statements() {
			if strings.Contains(q, "FROM centres") && i != 0 {
				t.Errorf("centre read from %s: %s", s.ShardMap.Bindings[i], q)
			}
		}
	}
	placesOnlyIn(t, s, "CreateAppointment", centreShard)
	onlyIn(t, s, "CreateAppointment", owner)
	got, err := st.Appointment(ctx, apt)
	if err != nil || got.CentreName != "Shard Test Centre" || got.MobileHash != mh {
		t.Fatalf("appointment: %+v %v", got, err)
	}
	onlyIn(t, s, "Appointment", owner)
	if _, _, err := st.CountWrongCode(ctx, apt, centre, "code-hash", "vaccinator@ctr_shard_only_db", time.Now()); err != nil {
		t.Fatal(err)
	}
	onlyIn(t, s, "CountWrongCode", owner)
	dose, _ := secret.NewIDFor(nil, "dose_", mh)
	d, err := st.RecordDose(ctx, store.RecordDose{DoseID: dose, CentreID: centre, VaccineID: "covaxin", Now: time.Now(),
		Appointment: apt, CodeHash: "code-hash", Date: "2026-12-01"})
	if err != nil || d.ID != dose {
		t.Fatalf("recording: %v %v", d, err)
	}
	onlyIn(t, s, "RecordDose", owner)
	if ds, err := st.Doses(ctx, bens[0].ID); err != nil || len(ds) != 1 {
		t.Fatalf("doses: %v %v", ds, err)
	}
	onlyIn(t, s, "Doses", owner)
	if au, err := st.Audit(ctx, apt); err != nil || len(au) != 3 {
		t.Fatalf("audit: %v %v", au, err)
	}
	onlyIn(t, s, "Audit", owner)
	if err := st.ConfirmationSent(ctx, dose); err != nil {
		t.Fatal(err)
	}
	onlyIn(t, s, "ConfirmationSent", owner)
	if as, err := st.MobileAppointments(ctx, mh, 10); err != nil || len(as) != 1 {
		t.Fatalf("mobile appointments: %v %v", as, err)
	}
	onlyIn(t, s, "MobileAppointments", owner)
	// A centre's day: its ids from the centre's shard, the appointments
	// from the shards that hold them; no other shard is asked.
	if day, err := st.CentreDay(ctx, centre, "2026-12-01"); err != nil || len(day) != 1 || day[0].ID != apt {
		t.Fatalf("centre day: %v %v", day, err)
	}
	for i, l := range s.ShardLogs {
		want := 0
		if i == owner || i == centreShard {
			want = 1
		}
		if n := len(l.Statements()); n != want {
			t.Errorf("centre day: shard %s ran %d statements, want %d", s.ShardMap.Bindings[i], n, want)
		}
	}
	// Directory reads run in DB only.
	startLogs(s)
	if _, err := st.Vaccine(ctx, "covaxin"); err != nil {
		t.Fatal(err)
	}
	if _, err := st.Entity(ctx, "ent_railways"); err != nil {
		t.Fatal(err)
	}
	for i, l := range s.ShardLogs {
		if n := len(l.Statements()); (i == 0) != (n == 2) || i != 0 && n != 0 {
			t.Errorf("directory reads: shard %s ran %d statements", s.ShardMap.Bindings[i], n)
		}
	}
}

// Ids carry the bucket of the number they were made for, and ids made
// before sharding (no bucket) stay valid and are found by asking the
// shards.
func TestShardsIDsRoundTrip(t *testing.T) {
	for i := range 2000 {
		mh := mobile.Hash(harness.HashKey, fmt.Sprintf("98%08d", i))
		b := store.Bucket(mh)
		for _, prefix := range []string{"apt_", "dose_"} {
			id, err := secret.NewIDFor(nil, prefix, mh)
			if err != nil {
				t.Fatal(err)
			}
			if got, ok := store.IDBucket(id); !ok || got != b {
				t.Fatalf("%s: bucket %d %v, want %d", id, got, ok, b)
			}
			if prefix == "apt_" && !store.IsAppointmentID(id) {
				t.Fatalf("%s is not an appointment id", id)
			}
		}
	}
	old, _ := secret.NewID(nil, "apt_")
	if _, ok := store.IDBucket(old); ok || !store.IsAppointmentID(old) {
		t.Errorf("an appointment id from before sharding: %s", old)
	}
	for _, id := range []string{"txn_AAAAAAAAAAAAAAAAAAAAAA", "txn_0a0AAAAAAAAAAAAAAAAAAAAAA"} {
		if !store.IsTxnID(id) {
			t.Errorf("%s is not a txn id", id)
		}
	}
	for _, id := range []string{"txn_0A0AAAAAAAAAAAAAAAAAAAAAA", "txn_0a0AAAAAAAAAAAAAAAAAAAAA", "apt_xyzAAAAAAAAAAAAAAAA"} {
		if _, ok := store.IDBucket(id); ok {
			t.Errorf("%s: a bucket", id)
		}
	}

	// An old id routes by asking the shards.
	s, st := shardedServer(t)
	p := seed.DemoPeople[2]
	mh := mobile.Hash(s.HashKey, p.Mobile)
	legacy := "txn_legacy0000000000000000"
	s.Exec(`INSERT INTO otp_transactions (id, purpose, mobile_hash, otp_hash, max_attempts, created_at, expires_at) VALUES (?, 'status', ?, 'h', 3, 1, 2)`, legacy, mh)
	if tx, err := st.OTP(context.Background(), legacy); err != nil || tx.MobileHash != mh {
		t.Fatalf("old txn: %v %v", tx, err)
	}
	// A hand-written row whose mobile hash is no hash is in bucket 0.
	s.Exec(`INSERT INTO otp_transactions (id, purpose, mobile_hash, otp_hash, max_attempts, created_at, expires_at) VALUES ('txn_nohash000000000000000000', 'status', 'x', 'h', 3, 1, 2)`)
	if tx, err := st.OTP(context.Background(), "txn_nohash000000000000000000"); err != nil || tx.MobileHash != "x" {
		t.Fatalf("a row with no hash: %v %v", tx, err)
	}
	if _, err := st.OTP(context.Background(), "txn_nowhere000000000000000"); !errors.Is(err, store.ErrNotFound) {
		t.Fatalf("unknown old txn: %v", err)
	}
}

// A bucket moves to another shard while lookups run without pause: every
// lookup answers in every phase, writes wait only while the bucket is
// frozen, a write made after the warm copy is not lost, and at the end
// the old shard holds none of the bucket's rows.
func TestShardsBucketMove(t *testing.T) {
	s, _ := shardedServer(t)
	ctx := context.Background()
	p := seed.DemoPeople[2] // Arjun Singh, no dose yet
	mh := mobile.Hash(s.HashKey, p.Mobile)
	b := store.Bucket(mh)
	var cur atomic.Pointer[store.ShardMap]
	cur.Store(s.ShardMap)
	dbs := map[string]*store.SQL{}
	raw := map[string]*sql.DB{}
	for i, n := range s.ShardMap.Bindings {
		dbs[n] = &store.SQL{DB: s.Shards[i]}
		raw[n] = s.Shards[i]
	}
	storeNow := func() *store.Sharded { // per request, as in workerd
		st, err := store.NewSharded(cur.Load(), dbs, nil)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}

	// The bucket's rows: a transaction, an appointment, its dose and audit.
	st := storeNow()
	now := time.Now()
	txn := "txn_" + store.BucketPrefix(mh) + "AAAAAAAAAAAAAAAAAAAAAA"
	if ok, err := st.CreateOTP(ctx, &store.OTPTransaction{ID: txn, Purpose: "status", EntityID: "ent_railways", MobileHash: mh,
		OTPHash: "h", MaxAttempts: 3, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); !ok || err != nil {
		t.Fatal(ok, err)
	}
	bens, _ := st.Beneficiaries(ctx, mh)
	apt, _ := secret.NewIDFor(nil, "apt_", mh)
	if err := st.CreateAppointment(ctx, &store.Appointment{ID: apt, BeneficiaryID: bens[0].ID, CentreID: "ctr_delhi_aiims", Date: "2026-12-01",
		Time: "10:00", CodeHash: "c", AccessHash: "a" + apt, MobileEnc: "m", Lang: "en", BookingTxn: txn, CreatedAt: now}); err != nil {
		t.Fatal(err)
	}
	dose, _ := secret.NewIDFor(nil, "dose_", mh)
	if _, err := st.RecordDose(ctx, store.RecordDose{DoseID: dose, CentreID: "ctr_delhi_aiims", VaccineID: "covaxin", Now: now,
		Appointment: apt, CodeHash: "c", Date: "2026-12-01"}); err != nil {
		t.Fatal(err)
	}
	audit, _ := st.Audit(ctx, apt)

	lookup := func(st *store.Sharded) error {
		if bs, err := st.Beneficiaries(ctx, mh); err != nil || len(bs) != 1 {
			return errors.Join(errors.New("beneficiaries"), err)
		}
		if tx, err := st.OTP(ctx, txn); err != nil || tx.MobileHash != mh {
			return errors.Join(errors.New("otp"), err)
		}
		if a, err := st.Appointment(ctx, apt); err != nil || a.Status != store.AppointmentDone {
			return errors.Join(errors.New("appointment"), err)
		}
		if ds, err := st.Doses(ctx, bens[0].ID); err != nil || len(ds) != 1 {
			return errors.Join(errors.New("doses"), err)
		}
		if au, err := st.Audit(ctx, apt); err != nil || len(au) != len(audit) {
			return errors.Join(errors.New("audit"), err)
		}
		if day, err := st.CentreDay(ctx, "ctr_delhi_aiims", "2026-12-01"); err != nil || len(day) != 1 {
			return errors.Join(errors.New("centre day: not once"), err)
		}
		return nil
	}
	var stop atomic.Bool
	var lookups, failures atomic.Int64
	var wg sync.WaitGroup
	for range 3 {
		wg.Go(func() {
			for !stop.Load() {
				lookups.Add(1)
				if err := lookup(storeNow()); err != nil {
					failures.Add(1)
					t.Errorf("lookup during the move (%s): %v", cur.Load(), err)
				}
			}
		})
	}
	from := s.ShardMap.Owner(b)
	to := store.ShardBinding((from + 1) % 4)
	phases := []string{}
	final, err := store.MoveBucket(ctx, s.ShardMap, raw, b, to, func(phase string, m *store.ShardMap) error {
		if phase == store.MoveFrozen {
			// A write after the warm copy, before the freeze: the sync
			// must carry it over.
			if _, err := storeNow().ConsumeAttempt(ctx, txn, time.Now()); err != nil {
				return err
			}
		}
		cur.Store(m)
		phases = append(phases, phase)
		before := lookups.Load()
		for lookups.Load() < before+5 { // lookups ran under this map
			time.Sleep(time.Millisecond)
		}
		if phase == store.MoveFrozen {
			if _, err := storeNow().ConsumeAttempt(ctx, txn, time.Now()); !errors.Is(err, store.ErrUnavailable) {
				t.Errorf("a write while frozen: %v, want ErrUnavailable", err)
			}
		}
		return nil
	})
	stop.Store(true)
	wg.Wait()
	if err != nil {
		t.Fatal(err)
	}
	if strings.Join(phases, " ") != "copy frozen flipped done" {
		t.Errorf("phases %v", phases)
	}
	t.Logf("%d lookups during the move, %d failed", lookups.Load(), failures.Load())
	if final.Owner(b) == from || final.Bindings[final.Owner(b)] != to {
		t.Fatalf("final map %s", final)
	}
	st = storeNow()
	if err := lookup(st); err != nil {
		t.Fatal(err)
	}
	if tx, _ := st.OTP(ctx, txn); tx.Attempts != 1 {
		t.Errorf("attempts after the move %d, want the 1 spent before the freeze", tx.Attempts)
	}
	if au, _ := st.Audit(ctx, apt); len(au) != len(audit) || au[0].Event != audit[0].Event || au[len(au)-1].Event != audit[len(audit)-1].Event {
		t.Errorf("audit after the move %v, before %v", au, audit)
	}
	prefix := store.BucketPrefix(mh)
	for i, db := range s.Shards {
		var n int
		db.QueryRow(`SELECT (SELECT count(*) FROM beneficiaries WHERE substr(mobile_hash, 1, 3) = ?1)
			+ (SELECT count(*) FROM otp_transactions WHERE substr(mobile_hash, 1, 3) = ?1)
			+ (SELECT count(*) FROM audit_log WHERE appointment_id = ?2)`, prefix, apt).Scan(&n)
		if want := s.ShardMap.Bindings[i] == to; (n > 0) != want {
			t.Errorf("shard %s holds %d rows of bucket %s after the move", s.ShardMap.Bindings[i], n, prefix)
		}
	}
	// Writes go to the new shard.
	if _, err := st.ConsumeAttempt(ctx, txn, time.Now()); err != nil {
		t.Fatal(err)
	}
}

// A slot's places over shards (store/shardslots.go): a booking refused in
// the person's shard gives its place back; parallel moves of one
// appointment leave exactly one place held, where the appointment is; a
// cancellation releases it. The places are in the centre's shard only.
func TestShardsSlotPlaces(t *testing.T) {
	s, st := shardedServer(t)
	ctx := context.Background()
	const centre, date = "ctr_delhi_aiims", "2026-12-01"
	var p seed.Person
	for _, q := range seed.DemoPeople {
		if s.ShardMap.Owner(store.Bucket(mobile.Hash(s.HashKey, q.Mobile))) != s.ShardMap.Owner(store.CentreBucket(centre)) && q.Doses == 0 {
			p = q
			break
		}
	}
	mh := mobile.Hash(s.HashKey, p.Mobile)
	bens, err := st.Beneficiaries(ctx, mh)
	if err != nil || len(bens) == 0 {
		t.Fatalf("beneficiaries: %v %v", bens, err)
	}
	book := func(slot string) (string, error) {
		id, _ := secret.NewIDFor(nil, "apt_", mh)
		return id, st.CreateAppointment(ctx, &store.Appointment{ID: id, BeneficiaryID: bens[0].ID, CentreID: centre, Date: date, Time: slot,
			CodeHash: "code", AccessHash: "access", MobileEnc: "sealed", Lang: "en", BookingTxn: "txn", CreatedAt: time.Now()})
	}
	// booked returns the places held per time, from the centre's slots,
	// and checks they agree with slot_places.
	booked := func() map[string]int {
		t.Helper()
		_, slots, err := st.CentreSlots(ctx, centre, date)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]int{}
		total := 0
		for _, sl := range slots {
			if sl.Booked > 0 {
				out[sl.Time] = sl.Booked
				total += sl.Booked
			}
		}
		var held int
		if err := s.DB.QueryRow(`SELECT count(*) FROM slot_places WHERE centre_id = ? AND slot_date = ? AND holds = 1`, centre, date).Scan(&held); err != nil {
			t.Fatal(err)
		}
		if held != total {
			t.Errorf("slot_places holds %d, slots count %d", held, total)
		}
		return out
	}

	apt, err := book("10:00")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := book("11:00"); !errors.Is(err, store.ErrConflict) { // a second open appointment
		t.Fatalf("second booking: %v", err)
	}
	if b := booked(); len(b) != 1 || b["10:00"] != 1 {
		t.Fatalf("after a refused booking: %v", b)
	}

	var wg sync.WaitGroup
	errs := make([]error, 4)
	for i, slot := range []string{"12:00", "13:00", "14:00", "15:00"} {
		wg.Go(func() {
			errs[i] = st.RescheduleAppointment(ctx, apt, "access", centre, date, slot, "code2", "", time.Now())
		})
	}
	wg.Wait()
	lost := 0
	for _, err := range errs {
		var se *store.StateError
		if err != nil && !(errors.As(err, &se) && se.Status == store.AppointmentLive) {
			t.Errorf("parallel move: %v", err)
		} else if err != nil {
			lost++
		}
	}
	t.Logf("%d of 4 parallel moves found the appointment moved meanwhile (409 conflict)", lost)
	a, err := st.Appointment(ctx, apt)
	if err != nil {
		t.Fatal(err)
	}
	if b := booked(); len(b) != 1 || b[a.Time] != 1 {
		t.Fatalf("after parallel moves the appointment is at %s and the places are %v", a.Time, b)
	}
	if day, err := st.CentreAgenda(ctx, centre, date); err != nil || len(day) != 1 || day[0].ID != apt || day[0].Time != a.Time {
		t.Fatalf("the centre's day: %+v %v", day, err)
	}

	if err := st.CancelAppointment(ctx, apt, "access", time.Now()); err != nil {
		t.Fatal(err)
	}
	if b := booked(); len(b) != 0 {
		t.Fatalf("after the cancellation: %v", b)
	}
	if day, err := st.CentreAgenda(ctx, centre, date); err != nil || len(day) != 1 || day[0].Status != store.AppointmentCancelled {
		t.Fatalf("the centre's day lists the cancellation: %+v %v", day, err)
	}
	for i, db := range s.Shards {
		var n int
		db.QueryRow(`SELECT count(*) FROM slot_places WHERE centre_id = ?`, centre).Scan(&n)
		if (n > 0) != (i == s.ShardMap.Owner(store.CentreBucket(centre))) {
			t.Errorf("shard %s holds %d places", s.ShardMap.Bindings[i], n)
		}
	}
}

// A place the centre's database refuses to give back, twice, is owed by
// the appointment's shard (place_returns) and given back by the cron
// trigger (store.Sharded.Purge): nothing is lost.
func TestShardsPlaceOwedThenReturned(t *testing.T) {
	s, st := shardedServer(t, true)
	ctx := context.Background()
	const centre, date = "ctr_delhi_aiims", "2026-12-01"
	p := seed.DemoPeople[2]
	mh := mobile.Hash(s.HashKey, p.Mobile)
	bens, err := st.Beneficiaries(ctx, mh)
	if err != nil || len(bens) == 0 {
		t.Fatalf("beneficiaries: %v %v", bens, err)
	}
	apt, _ := secret.NewIDFor(nil, "apt_", mh)
	if err := st.CreateAppointment(ctx, &store.Appointment{ID: apt, BeneficiaryID: bens[0].ID, CentreID: centre, Date: date, Time: "10:00",
		CodeHash: "code", AccessHash: "access", MobileEnc: "sealed", Lang: "en", BookingTxn: "txn", CreatedAt: time.Now()}); err != nil {
		t.Fatal(err)
	}
	count := func(q string) (n int) {
		t.Helper()
		if err := s.DB.QueryRow(q).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	booked := `SELECT coalesce(sum(booked), 0) FROM slots WHERE centre_id = 'ctr_delhi_aiims' AND slot_date = '2026-12-01'`
	owed := `SELECT count(*) FROM place_returns`

	s.Faults.FailEveryMatching("UPDATE slot_places SET holds = 0")
	if err := st.CancelAppointment(ctx, apt, "access", time.Now()); err != nil {
		t.Fatalf("cancel: %v", err) // the appointment is cancelled; its place is owed
	}
	s.Faults.Clear()
	if b, o := count(booked), count(owed); b != 1 || o != 1 {
		t.Fatalf("after the refused release: %d booked, %d owed; want 1 and 1", b, o)
	}
	var shard string
	for i, db := range s.Shards {
		var n int
		db.QueryRow(owed).Scan(&n)
		if n > 0 {
			shard = s.ShardMap.Bindings[i]
			if i != s.ShardMap.Owner(store.Bucket(mh)) {
				t.Errorf("owed in %s, not in the appointment's shard", shard)
			}
		}
	}
	if _, err := st.Purge(ctx, time.Now(), 1); err != nil {
		t.Fatal(err)
	}
	if b, o := count(booked), count(owed); b != 0 || o != 0 {
		t.Fatalf("after the cron trigger: %d booked, %d owed; want 0 and 0", b, o)
	}
	t.Logf("the place was owed in %s and given back by the cron trigger", shard)
}

// A write whose answer is lost (it ran, the database said it failed)
// keeps the places where the appointment really is: a booking keeps its
// place, a move gives back the old place, a cancellation releases it.
func TestShardsPlacesAfterLostReplies(t *testing.T) {
	s, st := shardedServer(t, true)
	ctx := context.Background()
	p := seed.DemoPeople[2]
	mh := mobile.Hash(s.HashKey, p.Mobile)
	bens, err := st.Beneficiaries(ctx, mh)
	if err != nil || len(bens) == 0 {
		t.Fatalf("beneficiaries: %v %v", bens, err)
	}
	places := func() string {
		t.Helper()
		rows, err := s.DB.Query(`SELECT slot_time || '=' || booked FROM slots WHERE centre_id = 'ctr_delhi_aiims' AND slot_date = '2026-12-01'
			AND booked > 0 ORDER BY slot_time`)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var x string
			rows.Scan(&x)
			out = append(out, x)
		}
		return strings.Join(out, " ")
	}
	apt, _ := secret.NewIDFor(nil, "apt_", mh)
	s.Faults.LoseMatching("INSERT INTO appointments")
	err = st.CreateAppointment(ctx, &store.Appointment{ID: apt, BeneficiaryID: bens[0].ID, CentreID: "ctr_delhi_aiims", Date: "2026-12-01",
		Time: "10:00", CodeHash: "code", AccessHash: "access", MobileEnc: "sealed", Lang: "en", BookingTxn: "txn", CreatedAt: time.Now()})
	if s.Faults.Failed() == "" || err == nil {
		t.Fatalf("the booking's answer was not lost: %v", err)
	}
	if got := places(); got != "10:00=1" {
		t.Fatalf("after a booking whose answer was lost: places %q, want 10:00=1", got)
	}
	s.Faults.LoseMatching("UPDATE appointments SET centre_id")
	if err := st.RescheduleAppointment(ctx, apt, "access", "ctr_delhi_aiims", "2026-12-01", "11:00", "c2", "", time.Now()); err == nil {
		t.Fatal("the move's answer was not lost")
	}
	if got := places(); got != "11:00=1" {
		t.Fatalf("after a move whose answer was lost: places %q, want 11:00=1", got)
	}
	s.Faults.LoseMatching("SET status = 'cancelled'")
	if err := st.CancelAppointment(ctx, apt, "access", time.Now()); err == nil {
		t.Fatal("the cancellation's answer was not lost")
	}
	if got := places(); got != "" {
		t.Fatalf("after a cancellation whose answer was lost: places %q, want none", got)
	}
}

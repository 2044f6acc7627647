package store

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"sort"
	"strings"
	"sync"
	"time"
)

// Sharded is the registry over several databases (D1 bindings in the
// worker, SQLite files natively), each holding the rows of some of the
// 4,096 buckets (ShardMap), with the same migrations everywhere: the same
// code and schema serve one database or hundreds. Every method is routed
// by one line to the one SQL store that holds its rows:
//
//   - a mobile's rows (beneficiaries, doses, appointments and their audit
//     rows, OTP transactions, the per-number rate counters) by the bucket
//     of its keyed hash (byMobile);
//   - a row named by id (a transaction, an appointment, a dose) by the
//     bucket the id carries (byID); ids made before sharding carry none
//     and are found by asking each shard (probe), beneficiary ids by what
//     this instance learnt when it read them by mobile;
//   - the directory (entities, centres, vaccines, supervisors) and the
//     dev outbox in DB, through the instance's Directory cache (directory);
//   - other rate counters (per IP, per entity sub-counter, per centre) and
//     used token ids by the bucket of their key, so no shard takes them
//     all (byKey);
//   - the lists a centre or the cron trigger reads (a centre's day, its
//     doses, queued confirmations, purge) from every shard at once
//     (everyShard): the centre's rows are wherever its visitors' numbers
//     are.
//
// With one binding every route is DB: a one-database deployment runs
// *SQL itself (worker/main_js.go), and Sharded over one database behaves
// the same. A shard's centre rows are reference copies of the directory's
// (the foreign keys and joins of appointments and doses need them): the
// admin commands' centre statements are run on every binding, and a shard
// missing one gets it copied on first use.
//
// A new store method needs one routing line here: which of the helpers
// above finds its rows.
type Sharded struct {
	Map *ShardMap
	DBs []*SQL // in Map.Bindings order: DBs[0] is DB, the directory
	Dir *Directory
}

var _ BookingStore = (*Sharded)(nil)

// NewSharded returns the sharded store over the databases named by the
// map's bindings; every binding must have one.
func NewSharded(m *ShardMap, dbs map[string]*SQL, dir *Directory) (*Sharded, error) {
	s := &Sharded{Map: m, Dir: dir}
	for _, n := range m.Bindings {
		db := dbs[n]
		if db == nil {
			return nil, fmt.Errorf("store: no database for binding %s of the shard map", n)
		}
		s.DBs = append(s.DBs, db)
	}
	return s, nil
}

// ForMap returns the store of a request over its databases: with one
// binding, DB's *SQL itself (a one-database deployment runs exactly the
// code it ran before sharding); otherwise Sharded.
func ForMap(m *ShardMap, dbs map[string]*SQL, dir *Directory) (BookingStore, error) {
	if m.Single() {
		if dbs[DirectoryBinding] == nil {
			return nil, fmt.Errorf("store: no database for binding %s", DirectoryBinding)
		}
		return dbs[DirectoryBinding], nil
	}
	return NewSharded(m, dbs, dir)
}

// ErrMoving is a write to a bucket that is being moved (ShardMap, phase
// frozen): it is an ErrUnavailable, answered with 503 and Retry-After.
var ErrMoving = fmt.Errorf("%w: the number's registry shard is being moved", ErrUnavailable)

// route is where a row is: a bucket (read from its readers, written to
// its writer).
type route struct{ bucket int }

func byMobile(mobileHash string) route { return route{Bucket(mobileHash)} }

// byKey routes a rate counter or a used token id: a key naming a number
// ("mobile:<hash>", "resend:<hash>", "booking:<hash>") or an id that
// carries a bucket ("reschedule:apt_…") goes with the number's rows; a
// used token id (random hex) by its first digits; any other key to the
// bucket of its own hash.
func byKey(key string) route {
	if _, rest, ok := strings.Cut(key, ":"); ok {
		if isHash(rest) {
			return route{Bucket(rest)}
		}
		if b, ok := IDBucket(rest); ok {
			return route{b}
		}
	} else if len(key) >= 3 {
		if b, ok := hex3(key[:3]); ok {
			return route{b}
		}
	}
	return route{keyBucket(key)}
}

func isHash(s string) bool {
	if len(s) != 64 {
		return false
	}
	for i := range len(s) {
		if c := s[i]; !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f') {
			return false
		}
	}
	return true
}

// probes find the mobile hash of a row whose id carries no bucket.
var probes = map[string]string{
	"txn":  `SELECT mobile_hash FROM otp_transactions WHERE id = ?`,
	"apt":  `SELECT b.mobile_hash FROM appointments a JOIN beneficiaries b ON b.id = a.beneficiary_id WHERE a.id = ?`,
	"dose": `SELECT b.mobile_hash FROM doses d JOIN beneficiaries b ON b.id = d.beneficiary_id WHERE d.id = ?`,
	"ben":  `SELECT mobile_hash FROM beneficiaries WHERE id = ?`,
}

// byID routes a row by the bucket its id carries; an id without one (made
// before sharding, or by the seed) by asking each shard in turn whose it
// is (one round trip per shard asked; none with one shard). An id no shard
// knows goes to DB, where the method finds nothing, as it would have.
func (s *Sharded) byID(ctx context.Context, kind, id string) (route, error) {
	if b, ok := IDBucket(id); ok {
		return route{b}, nil
	}
	if kind == "ben" {
		if b, ok := s.Dir.bucketOf(id); ok {
			return route{b}, nil
		}
	}
	if s.Map.Single() {
		return route{0}, nil
	}
	for _, db := range s.DBs {
		var mh string
		err := db.DB.QueryRowContext(ctx, probes[kind], id).Scan(&mh)
		if err == nil {
			if kind == "ben" {
				s.Dir.learn(id, Bucket(mh))
			}
			return byMobile(mh), nil
		}
		if !errors.Is(err, sql.ErrNoRows) {
			return route{}, fail("finding the shard of "+kind+" "+id, err)
		}
	}
	return route{s.dirBucket()}, nil
}

// dirBucket is a bucket DB owns, for rows no shard holds; 0 if none.
func (s *Sharded) dirBucket() int {
	if r := s.Map.BucketsOf(0); len(r) > 0 {
		return r[0][0]
	}
	return 0
}

// read runs fn on the shard that holds r's rows; in a flipped move, if it
// finds nothing there (ErrNotFound), on the bucket's old owner too.
func (s *Sharded) read(r route, fn func(*SQL) error) error {
	var err error
	for _, i := range s.Map.Readers(r.bucket) {
		if err = fn(s.DBs[i]); !errors.Is(err, ErrNotFound) {
			return err
		}
	}
	return err
}

// write runs fn on the shard that takes r's writes; ErrMoving while the
// bucket is frozen.
func (s *Sharded) write(r route, fn func(*SQL) error) error {
	i, ok := s.Map.Writer(r.bucket)
	if !ok {
		return ErrMoving
	}
	return fn(s.DBs[i])
}

// directory returns DB, the directory's database.
func (s *Sharded) directory() *SQL { return s.DBs[0] }

// everyShard runs fn on every shard at once (in workerd each one's
// round trip overlaps the others') and returns the first error.
func (s *Sharded) everyShard(fn func(i int, db *SQL) error) error {
	errs := make([]error, len(s.DBs))
	var wg sync.WaitGroup
	for i, db := range s.DBs {
		wg.Go(func() { errs[i] = fn(i, db) })
	}
	wg.Wait()
	return errors.Join(errs...)
}

// notFoundIfEmpty lets read fall back on an empty list.
func notFoundIfEmpty[T any](v []T, err error) ([]T, error) {
	if err == nil && len(v) == 0 {
		return nil, ErrNotFound
	}
	return v, err
}

func emptyIfNotFound[T any](v []T, err error) ([]T, error) {
	if errors.Is(err, ErrNotFound) {
		return nil, nil
	}
	return v, err
}

// isForeignKey reports a foreign key failure: a shard without the
// reference copy of a centre.
func isForeignKey(err error) bool {
	return err != nil && strings.Contains(err.Error(), "FOREIGN KEY constraint failed")
}

// withCentre runs fn on db, and once more after copying centre centreID
// from the directory into db if db lacked it.
func (s *Sharded) withCentre(ctx context.Context, db *SQL, centreID string, fn func(*SQL) error) error {
	err := fn(db)
	if !isForeignKey(err) || db == s.directory() {
		return err
	}
	c, cerr := s.directory().Centre(ctx, centreID)
	if cerr != nil {
		return err
	}
	if _, cerr := db.DB.ExecContext(ctx, `INSERT INTO centres (id, name, district, pin, address, slot_capacity, created_at)
		VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (id) DO UPDATE SET name = excluded.name, district = excluded.district, pin = excluded.pin,
		  address = excluded.address, slot_capacity = excluded.slot_capacity`,
		c.ID, c.Name, c.District, c.PIN, c.Address, int64(c.SlotCapacity), time.Now().Unix()); cerr != nil {
		return fail("copying centre "+centreID, cerr)
	}
	return fn(db)
}

// --- the directory, cached

// Entity implements Store.
func (s *Sharded) Entity(ctx context.Context, id string) (*Entity, error) {
	return cachedEntity(s.Dir, "entity:"+id, func() (*Entity, error) { return s.directory().entity(ctx, "id", id) })
}

// EntityBySecretHash implements Store, never cached (as SQL's): a
// rotated or removed secret stops working at once.
func (s *Sharded) EntityBySecretHash(ctx context.Context, h string) (*Entity, error) {
	return s.directory().EntityBySecretHash(ctx, h)
}

// Centre implements BookingStore.
func (s *Sharded) Centre(ctx context.Context, id string) (*Centre, error) {
	return cachedRow(s.Dir, "centre:"+id, func() (*Centre, error) { return s.directory().Centre(ctx, id) })
}

// CentreByTokenHash implements BookingStore.
func (s *Sharded) CentreByTokenHash(ctx context.Context, h string) (*Centre, error) {
	return cachedRow(s.Dir, "centre-token:"+h, func() (*Centre, error) { return s.directory().CentreByTokenHash(ctx, h) })
}

// Vaccine implements BookingStore.
func (s *Sharded) Vaccine(ctx context.Context, id string) (*Vaccine, error) {
	return cachedRow(s.Dir, "vaccine:"+id, func() (*Vaccine, error) { return s.directory().Vaccine(ctx, id) })
}

// SupervisorByTokenHash implements BookingStore.
func (s *Sharded) SupervisorByTokenHash(ctx context.Context, h string) (*Supervisor, error) {
	return cachedRow(s.Dir, "supervisor:"+h, func() (*Supervisor, error) { return s.directory().SupervisorByTokenHash(ctx, h) })
}

// GateByTokenHash implements Store.
func (s *Sharded) GateByTokenHash(ctx context.Context, h string) (*Entity, error) {
	return cachedRow(s.Dir, "gate-token:"+h, func() (*Entity, error) { return s.directory().GateByTokenHash(ctx, h) })
}

// CentresByPIN implements SlotStore.
func (s *Sharded) CentresByPIN(ctx context.Context, pin string, limit int) ([]Centre, error) {
	return cachedRow(s.Dir, fmt.Sprintf("centres-pin:%s:%d", pin, limit), func() ([]Centre, error) {
		return s.directory().CentresByPIN(ctx, pin, limit)
	})
}

// CentresByDistrict implements SlotStore.
func (s *Sharded) CentresByDistrict(ctx context.Context, district string, limit int) ([]Centre, error) {
	return cachedRow(s.Dir, fmt.Sprintf("centres-district:%s:%d", strings.ToLower(district), limit), func() ([]Centre, error) {
		return s.directory().CentresByDistrict(ctx, district, limit)
	})
}

// The vaccinators and their sessions are the directory's, never cached
// (signing out ends a session at once).

// VaccinatorByMobileHash implements CentreStore.
func (s *Sharded) VaccinatorByMobileHash(ctx context.Context, mh string) (*Vaccinator, error) {
	return s.directory().VaccinatorByMobileHash(ctx, mh)
}

// CreateVaccinatorSession implements CentreStore.
func (s *Sharded) CreateVaccinatorSession(ctx context.Context, tokenHash, vaccinatorID string, now, expires time.Time) error {
	return s.directory().CreateVaccinatorSession(ctx, tokenHash, vaccinatorID, now, expires)
}

// VaccinatorSession implements CentreStore.
func (s *Sharded) VaccinatorSession(ctx context.Context, tokenHash string) (*VaccinatorSession, error) {
	return s.directory().VaccinatorSession(ctx, tokenHash)
}

// DeleteVaccinatorSession implements CentreStore.
func (s *Sharded) DeleteVaccinatorSession(ctx context.Context, tokenHash string) error {
	return s.directory().DeleteVaccinatorSession(ctx, tokenHash)
}

// AddOutbox implements Store (the dev outbox is in DB).
func (s *Sharded) AddOutbox(ctx context.Context, to, body, kind string, now time.Time) error {
	return s.directory().AddOutbox(ctx, to, body, kind, now)
}

// Outbox implements Store.
func (s *Sharded) Outbox(ctx context.Context, to string, limit int) ([]OutboxMessage, error) {
	return s.directory().Outbox(ctx, to, limit)
}

// --- a mobile's rows

// Beneficiaries implements Store.
func (s *Sharded) Beneficiaries(ctx context.Context, mobileHash string) (out []Beneficiary, err error) {
	err = s.read(byMobile(mobileHash), func(db *SQL) error {
		out, err = notFoundIfEmpty(db.Beneficiaries(ctx, mobileHash))
		return err
	})
	for _, b := range out {
		s.Dir.learn(b.ID, Bucket(mobileHash))
	}
	return emptyIfNotFound(out, err)
}

// MobileAppointments implements BookingStore.
func (s *Sharded) MobileAppointments(ctx context.Context, mobileHash string, limit int) (out []Appointment, err error) {
	err = s.read(byMobile(mobileHash), func(db *SQL) error {
		out, err = notFoundIfEmpty(db.MobileAppointments(ctx, mobileHash, limit))
		return err
	})
	return emptyIfNotFound(out, err)
}

// CreateOTP implements Store.
func (s *Sharded) CreateOTP(ctx context.Context, t *OTPTransaction) (ok bool, err error) {
	err = s.write(byMobile(t.MobileHash), func(db *SQL) error { ok, err = db.CreateOTP(ctx, t); return err })
	return ok, err
}

// StartOTP implements Store. When every limit's counter is in the number's
// shard (one shard, or limits that all follow the number), it is
// SQL.StartOTP's one statement there. Otherwise the counters are in several
// databases and no one statement can hold them with the insert: the start
// is HitAll (one statement per shard, all given back on a refusal) and then
// CreateOTP in the number's shard, whose refusal (no guess left) gives the
// counts back too.
func (s *Sharded) StartOTP(ctx context.Context, t *OTPTransaction, limits []Limit) (*Limit, time.Duration, error) {
	home, ok := s.Map.Writer(byMobile(t.MobileHash).bucket)
	if !ok {
		return nil, 0, ErrMoving
	}
	local := true
	for _, l := range limits {
		w, ok := s.Map.Writer(byKey(l.Key).bucket)
		if !ok {
			return nil, 0, ErrMoving
		}
		local = local && w == home
	}
	if local {
		return s.DBs[home].StartOTP(ctx, t, limits)
	}
	refused, retry, err := s.HitAll(ctx, limits, t.CreatedAt)
	if err != nil || refused != nil {
		return refused, retry, err
	}
	created, err := s.CreateOTP(ctx, t)
	if err == nil && created {
		return nil, 0, nil
	}
	if rerr := s.Release(ctx, limits); rerr != nil && err == nil {
		err = rerr
	}
	if err != nil {
		return nil, 0, err
	}
	life := t.ExpiresAt.Sub(t.CreatedAt)
	return &Limit{Key: GuessesKey, Window: life, Max: t.MaxAttempts}, life, nil
}

// DeleteOTP implements Store.
func (s *Sharded) DeleteOTP(ctx context.Context, t *OTPTransaction) error {
	return s.write(byMobile(t.MobileHash), func(db *SQL) error { return db.DeleteOTP(ctx, t) })
}

// RegisterBeneficiary implements CentreStore, in the number's shard (the
// six-per-number rule holds there, in one statement).
func (s *Sharded) RegisterBeneficiary(ctx context.Context, r Registration) error {
	err := s.write(byMobile(r.MobileHash), func(db *SQL) error { return db.RegisterBeneficiary(ctx, r) })
	if err == nil {
		s.Dir.learn(r.ID, Bucket(r.MobileHash))
	}
	return err
}

// --- rows by id

// SetWalkInStarter implements CentreStore.
func (s *Sharded) SetWalkInStarter(ctx context.Context, txnID, centreID, actor string) error {
	r, err := s.byID(ctx, "txn", txnID)
	if err != nil {
		return err
	}
	return s.write(r, func(db *SQL) error { return db.SetWalkInStarter(ctx, txnID, centreID, actor) })
}

// CentreAgendaItem implements CentreStore.
func (s *Sharded) CentreAgendaItem(ctx context.Context, centreID, id string) (it *AgendaItem, date string, err error) {
	r, err := s.byID(ctx, "apt", id)
	if err != nil {
		return nil, "", err
	}
	err = s.read(r, func(db *SQL) error { it, date, err = db.CentreAgendaItem(ctx, centreID, id); return err })
	return it, date, err
}

// OTP implements Store.
func (s *Sharded) OTP(ctx context.Context, id string) (t *OTPTransaction, err error) {
	r, err := s.byID(ctx, "txn", id)
	if err != nil {
		return nil, err
	}
	err = s.read(r, func(db *SQL) error { t, err = db.OTP(ctx, id); return err })
	return t, err
}

// ConsumeAttempt implements Store.
func (s *Sharded) ConsumeAttempt(ctx context.Context, id string, now time.Time) (t *OTPTransaction, err error) {
	r, err := s.byID(ctx, "txn", id)
	if err != nil {
		return nil, err
	}
	err = s.write(r, func(db *SQL) error { t, err = db.ConsumeAttempt(ctx, id, now); return err })
	return t, err
}

// RefundAttempt implements Store.
func (s *Sharded) RefundAttempt(ctx context.Context, t *OTPTransaction) error {
	r, err := s.byID(ctx, "txn", t.ID)
	if err != nil {
		return err
	}
	return s.write(r, func(db *SQL) error { return db.RefundAttempt(ctx, t) })
}

// ClaimCode implements Store, in the transaction's shard.
func (s *Sharded) ClaimCode(ctx context.Context, id, purpose, otpHash string, now time.Time) (t *OTPTransaction, err error) {
	r, err := s.byID(ctx, "txn", id)
	if err != nil {
		return nil, err
	}
	err = s.write(r, func(db *SQL) error { t, err = db.ClaimCode(ctx, id, purpose, otpHash, now); return err })
	return t, err
}

// MarkOTPUsed implements Store.
func (s *Sharded) MarkOTPUsed(ctx context.Context, id string, now time.Time) (ok bool, err error) {
	r, err := s.byID(ctx, "txn", id)
	if err != nil {
		return false, err
	}
	err = s.write(r, func(db *SQL) error { ok, err = db.MarkOTPUsed(ctx, id, now); return err })
	return ok, err
}

// Doses implements BookingStore.
func (s *Sharded) Doses(ctx context.Context, beneficiaryID string) (out []Dose, err error) {
	r, err := s.byID(ctx, "ben", beneficiaryID)
	if err != nil {
		return nil, err
	}
	err = s.read(r, func(db *SQL) error { out, err = notFoundIfEmpty(db.Doses(ctx, beneficiaryID)); return err })
	return emptyIfNotFound(out, err)
}

// ExpireMissed implements BookingStore.
func (s *Sharded) ExpireMissed(ctx context.Context, beneficiaryID, today string, now time.Time) error {
	r, err := s.byID(ctx, "ben", beneficiaryID)
	if err != nil {
		return err
	}
	return s.write(r, func(db *SQL) error { return db.ExpireMissed(ctx, beneficiaryID, today, now) })
}

// Appointment implements BookingStore.
func (s *Sharded) Appointment(ctx context.Context, id string) (a *Appointment, err error) {
	r, err := s.byID(ctx, "apt", id)
	if err != nil {
		return nil, err
	}
	err = s.read(r, func(db *SQL) error { a, err = db.Appointment(ctx, id); return err })
	if a != nil {
		s.Dir.learn(a.BeneficiaryID, Bucket(a.MobileHash))
	}
	return a, err
}

// onAppointment runs a change of appointment id on its shard.
func (s *Sharded) onAppointment(ctx context.Context, id string, fn func(*SQL) error) error {
	r, err := s.byID(ctx, "apt", id)
	if err != nil {
		return err
	}
	return s.write(r, fn)
}

// CountWrongCode implements BookingStore.
func (s *Sharded) CountWrongCode(ctx context.Context, id, centreID, codeHash, actor string, now time.Time) (wrong int, locked bool, err error) {
	err = s.onAppointment(ctx, id, func(db *SQL) error {
		wrong, locked, err = db.CountWrongCode(ctx, id, centreID, codeHash, actor, now)
		return err
	})
	return wrong, locked, err
}

// NewCode implements BookingStore.
func (s *Sharded) NewCode(ctx context.Context, id, centreID, codeHash, codeEnc, actor string, now time.Time) error {
	return s.onAppointment(ctx, id, func(db *SQL) error { return db.NewCode(ctx, id, centreID, codeHash, codeEnc, actor, now) })
}

// Relock implements BookingStore.
func (s *Sharded) Relock(ctx context.Context, id, codeHash, actor string, now time.Time) error {
	return s.onAppointment(ctx, id, func(db *SQL) error { return db.Relock(ctx, id, codeHash, actor, now) })
}

// Audit implements BookingStore: an appointment's audit rows are written
// by the triggers of its shard.
func (s *Sharded) Audit(ctx context.Context, appointmentID string) (out []AuditEntry, err error) {
	r, err := s.byID(ctx, "apt", appointmentID)
	if err != nil {
		return nil, err
	}
	err = s.read(r, func(db *SQL) error { out, err = notFoundIfEmpty(db.Audit(ctx, appointmentID)); return err })
	return emptyIfNotFound(out, err)
}

// RecordDose implements BookingStore: in the shard of the appointment, or
// of the walk-in's OTP transaction (both the person's number's).
func (s *Sharded) RecordDose(ctx context.Context, rd RecordDose) (d *Dose, err error) {
	kind, id := "apt", rd.Appointment
	if rd.WalkInTxn != "" {
		kind, id = "txn", rd.WalkInTxn
	}
	r, err := s.byID(ctx, kind, id)
	if err != nil {
		return nil, err
	}
	err = s.write(r, func(db *SQL) error {
		return s.withCentre(ctx, db, rd.CentreID, func(db *SQL) error { d, err = db.RecordDose(ctx, rd); return err })
	})
	return d, err
}

// ConfirmationSent implements BookingStore.
func (s *Sharded) ConfirmationSent(ctx context.Context, doseID string) error {
	r, err := s.byID(ctx, "dose", doseID)
	if err != nil {
		return err
	}
	return s.write(r, func(db *SQL) error { return db.ConfirmationSent(ctx, doseID) })
}

// ConfirmationFailed implements BookingStore.
func (s *Sharded) ConfirmationFailed(ctx context.Context, doseID string, next time.Time) error {
	r, err := s.byID(ctx, "dose", doseID)
	if err != nil {
		return err
	}
	return s.write(r, func(db *SQL) error { return db.ConfirmationFailed(ctx, doseID, next) })
}

// --- rate counters and used tokens, by key

// Hit implements Store.
func (s *Sharded) Hit(ctx context.Context, key string, window time.Duration, limit int, now time.Time) (ok bool, retry time.Duration, err error) {
	err = s.write(byKey(key), func(db *SQL) error { ok, retry, err = db.Hit(ctx, key, window, limit, now); return err })
	return ok, retry, err
}

// HitAll implements Store. The limits of one shard are counted in one
// statement, as SQL.HitAll does. Limits in several shards (a number's, an
// IP's, an entity sub-counter's) are counted shard by shard, the number's
// first (most refusals are a number's: the resend gap, the hourly sends),
// stopping at the first refusal; if a later shard refuses or fails, the
// shards that counted give their counts back (tried twice). So a refused
// event counts nowhere unless giving back fails twice over, and then the
// limits it counted are stricter by one event, never looser.
func (s *Sharded) HitAll(ctx context.Context, limits []Limit, now time.Time) (*Limit, time.Duration, error) {
	groups, err := s.byShard(limits)
	if err != nil || len(groups) == 0 {
		return nil, 0, err
	}
	if len(groups) == 1 {
		return s.DBs[groups[0].shard].HitAll(ctx, limits, now)
	}
	for k, g := range groups {
		ls := make([]Limit, len(g.idx))
		for j, i := range g.idx {
			ls[j] = limits[i]
		}
		refused, retry, err := s.DBs[g.shard].HitAll(ctx, ls, now)
		if err == nil && refused == nil {
			continue
		}
		if rerr := s.giveBack(ctx, limits, groups[:k]); rerr != nil && err == nil {
			err = rerr
		}
		if err != nil {
			return nil, 0, err
		}
		for j := range ls {
			if &ls[j] == refused {
				return &limits[g.idx[j]], retry, nil
			}
		}
		return &limits[g.idx[0]], retry, nil
	}
	return nil, 0, nil
}

// limitGroup is the limits (indexes) one shard counts.
type limitGroup struct {
	shard int
	idx   []int
}

// byShard groups limits by the statement that counts them: the limits
// naming a number (all in its shard) together and first, then every other
// limit on its own, in order. Two of those may share a shard (1/N of the
// time) and still take a statement each: a request runs the same
// statements whichever shards its keys fall in.
func (s *Sharded) byShard(limits []Limit) ([]limitGroup, error) {
	groups := []limitGroup{{shard: -1}}
	for i, l := range limits {
		w, ok := s.Map.Writer(byKey(l.Key).bucket)
		if !ok {
			return nil, ErrMoving
		}
		if numberKey(l.Key) && (groups[0].shard < 0 || groups[0].shard == w) {
			groups[0].shard = w
			groups[0].idx = append(groups[0].idx, i)
			continue
		}
		groups = append(groups, limitGroup{shard: w, idx: []int{i}})
	}
	if groups[0].shard < 0 {
		groups = groups[1:]
	}
	return groups, nil
}

// numberKey reports a limit key that names a number ("mobile:<hash>").
func numberKey(key string) bool {
	_, rest, ok := strings.Cut(key, ":")
	return ok && isHash(rest)
}

// giveBack releases the counts of groups, each tried twice.
func (s *Sharded) giveBack(ctx context.Context, limits []Limit, groups []limitGroup) error {
	var errs []error
	for _, g := range groups {
		keys := make([]any, 0, len(g.idx))
		for _, i := range g.idx {
			keys = append(keys, limits[i].Key)
		}
		err := s.DBs[g.shard].release(ctx, keys)
		if err != nil {
			err = s.DBs[g.shard].release(ctx, keys)
		}
		errs = append(errs, err)
	}
	return errors.Join(errs...)
}

// Release implements Store, shard by shard.
func (s *Sharded) Release(ctx context.Context, limits []Limit) error {
	groups, err := s.byShard(limits)
	if err != nil {
		return err
	}
	var errs []error
	for _, g := range groups {
		keys := make([]any, 0, len(g.idx))
		for _, i := range g.idx {
			keys = append(keys, limits[i].Key)
		}
		errs = append(errs, s.DBs[g.shard].release(ctx, keys))
	}
	return errors.Join(errs...)
}

// UseToken implements Store: used token ids by the bucket of the id
// (random hex, so spread evenly).
func (s *Sharded) UseToken(ctx context.Context, tokenID, entityID, idempotencyKey string, expires, now time.Time) (ok bool, err error) {
	err = s.write(byKey(tokenID), func(db *SQL) error {
		ok, err = db.UseToken(ctx, tokenID, entityID, idempotencyKey, expires, now)
		return err
	})
	return ok, err
}

// --- every shard

// Purge implements Store, on every shard at once, after giving back the
// places the shards owe (settlePlaces: the cron trigger runs both).
func (s *Sharded) Purge(ctx context.Context, now time.Time, maxBatches int) (int64, error) {
	settled := s.settlePlaces(ctx)
	deleted := make([]int64, len(s.DBs))
	err := s.everyShard(func(i int, db *SQL) (err error) { deleted[i], err = db.Purge(ctx, now, maxBatches); return err })
	err = errors.Join(settled, err)
	var n int64
	for _, d := range deleted {
		n += d
	}
	return n, err
}

// CentreAudit implements CentreStore, from every shard at once: the
// centre's audit rows are in the shards of the appointments and numbers
// they are about (audit ids are each shard's own, so rows are kept as
// they are, ordered by time).
func (s *Sharded) CentreAudit(ctx context.Context, centreID string, from, to time.Time, limit int) ([]CentreAuditEntry, error) {
	per := make([][]CentreAuditEntry, len(s.DBs))
	err := s.everyShard(func(i int, db *SQL) (err error) {
		per[i], err = db.CentreAudit(ctx, centreID, from, to, limit)
		return err
	})
	if err != nil {
		return nil, err
	}
	out := []CentreAuditEntry{}
	for _, rows := range per {
		out = append(out, rows...)
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].At.Before(out[j].At) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// CentreDoses implements BookingStore, from every shard at once.
func (s *Sharded) CentreDoses(ctx context.Context, centreID string, from, to time.Time) ([]Dose, error) {
	per := make([][]Dose, len(s.DBs))
	err := s.everyShard(func(i int, db *SQL) (err error) { per[i], err = db.CentreDoses(ctx, centreID, from, to); return err })
	if err != nil {
		return nil, err
	}
	out := merge(s, per, func(d Dose) (string, int, bool) { b, ok := IDBucket(d.ID); return d.ID, b, ok })
	sort.SliceStable(out, func(i, j int) bool {
		if !out[i].AdministeredAt.Equal(out[j].AdministeredAt) {
			return out[i].AdministeredAt.Before(out[j].AdministeredAt)
		}
		return out[i].ID < out[j].ID
	})
	return out, nil
}

// DueConfirmations implements BookingStore, from every shard at once (the
// cron trigger), up to limit in all.
func (s *Sharded) DueConfirmations(ctx context.Context, now time.Time, limit int) ([]Confirmation, error) {
	per := make([][]Confirmation, len(s.DBs))
	err := s.everyShard(func(i int, db *SQL) (err error) { per[i], err = db.DueConfirmations(ctx, now, limit); return err })
	if err != nil {
		return nil, err
	}
	out := merge(s, per, func(c Confirmation) (string, int, bool) { b, ok := IDBucket(c.DoseID); return c.DoseID, b, ok })
	sort.SliceStable(out, func(i, j int) bool { return out[i].AdministeredAt.Before(out[j].AdministeredAt) })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// merge joins the rows every shard returned, each row once: from the
// shard that serves its bucket first, else from another that serves it
// (a flipped move's old owner); a copy in a shard that does not serve its
// bucket (a move's leftovers) is left out. Rows whose bucket is unknown
// (ids made before sharding) are kept once.
func merge[T any](s *Sharded, per [][]T, key func(T) (id string, bucket int, known bool)) []T {
	type pick struct {
		row  T
		rank int
	}
	best := map[string]pick{}
	var ids []string
	for i, rows := range per {
		for _, r := range rows {
			id, b, known := key(r)
			rank := 0
			if known {
				rank = -1
				for k, sh := range s.Map.Readers(b) {
					if sh == i {
						rank = k
					}
				}
				if rank < 0 {
					continue
				}
			}
			p, seen := best[id]
			if !seen {
				ids = append(ids, id)
			}
			if !seen || rank < p.rank {
				best[id] = pick{r, rank}
			}
		}
	}
	out := make([]T, 0, len(ids))
	for _, id := range ids {
		out = append(out, best[id].row)
	}
	return out
}

package harness

import (
	"database/sql"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/secret"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

// Deps is what Native prepared for Options.Handler to build the handler
// from.
type Deps struct {
	DB      *sql.DB            // natively, with shards: the union of the shards (unionDB)
	Store   store.BookingStore // *store.SQL, or *store.Sharded with Options.Shards
	Sender  sms.Sender         // Options.Sender, or the outbox table
	Key     *keys.PrivateKey   // signs tokens; Keyset trusts it
	Keyset  *keys.Keyset
	HashKey []byte
	Origin  string           // the service origin (SERVICE_ORIGIN)
	Now     func() time.Time // the server's clock
}

// Native starts the handler Options.Handler builds on a fresh SQLite
// database (store.OpenSQLite, the real migrations, the demo seed), with a
// fresh signing key and the server's own clock. Everything is closed when
// t ends.
func Native(t testing.TB, opts Options) *Server {
	t.Helper()
	if opts.Handler == nil {
		t.Fatal("harness: Native needs Options.Handler")
	}
	s := &Server{t: t, Header: http.Header{}, HashKey: opts.HashKey, Key: opts.Key, Secrets: map[string]string{},
		Clock: NewClock(opts.Start), Origin: opts.Origin}
	if s.HashKey == nil {
		s.HashKey = HashKey
	}
	if s.Key == nil {
		var err error
		if s.Key, err = keys.GenerateKey(); err != nil {
			t.Fatal(err)
		}
	}
	s.Keyset = &keys.Keyset{}
	if err := s.Keyset.Add(s.Key.Public(), time.Unix(0, 0).UTC(), time.Time{}); err != nil {
		t.Fatal(err)
	}
	if n := shardCount(opts); n > 1 {
		s.nativeShards(t, n, opts.Faults, opts.Synthetic)
	} else if opts.Faults {
		s.DB, s.Faults = FaultyDB(t, s.HashKey, opts.Synthetic)
	} else {
		s.DB = SeededDB(t, s.HashKey, opts.Synthetic)
	}
	if extra := s.entitiesSQL(opts.Entities) + seed.PeopleSQL(s.HashKey, opts.People) + opts.SQL; extra != "" {
		s.Exec(extra)
	}

	var srv *httptest.Server
	if opts.Listen {
		srv = httptest.NewUnstartedServer(nil)
		s.URL = "http://" + srv.Listener.Addr().String()
		if s.Origin == "" {
			s.Origin = s.URL
		}
	}
	if s.Origin == "" {
		s.Origin = TestOrigin
	}
	var st store.BookingStore = &store.SQL{DB: s.DB}
	if len(s.Shards) > 0 {
		st = s.shardedStore(t)
	}
	s.Store = st
	sender := opts.Sender
	switch snd := sender.(type) {
	case nil:
		sender = &sms.Outbox{Store: st, Now: s.Clock.Now}
		s.sms = sqlOutbox(s.DB)
	case *Sender:
		s.sms = snd.outbox
	}
	h, err := opts.Handler(Deps{DB: s.DB, Store: st, Sender: sender, Key: s.Key, Keyset: s.Keyset, HashKey: s.HashKey,
		Origin: s.Origin, Now: s.Clock.Now})
	if err != nil {
		t.Fatalf("harness: building the handler: %v", err)
	}
	if opts.Wrap != nil {
		h = opts.Wrap(h)
	}
	s.Handler = h
	if srv != nil {
		srv.Config.Handler = h
		srv.Start()
		t.Cleanup(srv.Close)
	}
	return s
}

// entitiesSQL registers entities with secrets of their own, and records
// every entity's secret (the demo ones too) in s.Secrets.
func (s *Server) entitiesSQL(entities []seed.Entity) string {
	for _, e := range seed.DemoEntities {
		s.Secrets[e.ID] = seed.DemoSecret(s.HashKey, e.ID)
	}
	var b strings.Builder
	for _, e := range entities {
		sk := seed.DemoSecret(s.HashKey, e.ID+"/"+s.t.Name())
		s.Secrets[e.ID] = sk
		b.WriteString(seed.EntitySQL(e, secret.TokenHash(sk)))
	}
	return b.String()
}

// outbox returns what the sender delivered to mobile, newest first.
func (s *Sender) outbox(mobile string) ([]store.OutboxMessage, error) {
	var out []store.OutboxMessage
	for i, m := range slices.Backward(s.Delivered()) {
		if m.To == mobile {
			out = append(out, store.OutboxMessage{ID: int64(i + 1), To: m.To, Body: m.Body, Kind: m.Kind})
		}
	}
	return out, nil
}

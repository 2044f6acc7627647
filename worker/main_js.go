//go:build js && wasm

// Command worker is the KYC-VS Cloudflare Worker: service.Handler served by
// github.com/syumai/workers inside workerd, with D1 as its database. Vars and
// secrets come from the Worker's env (wrangler.toml [vars], .dev.vars locally,
// wrangler secret in production).
package main

import (
	"database/sql"
	"log"
	"net/http"
	"syscall/js"

	"github.com/syumai/workers"
	"github.com/syumai/workers/cloudflare"
	"github.com/syumai/workers/cloudflare/d1"
	"github.com/syumai/workers/cloudflare/fetch"

	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/api"
	"github.com/kycvs/kycvs/worker/service"
	"github.com/kycvs/kycvs/worker/store"
)

func main() {
	workers.Serve(handler())
}

func handler() http.Handler {
	cfg, err := service.FromEnv(cloudflare.Getenv)
	if err != nil {
		return misconfigured(err)
	}
	if err := service.CheckBuild(cfg, keys.DevKeysEmbedded()); err != nil {
		return misconfigured(err)
	}
	cfg.Keyset = keys.Trusted()
	// Inside workerd, Cloudflare's edge sets CF-Connecting-IP; a client
	// cannot.
	cfg.TrustCFConnectingIP = true
	newSender, err := service.SenderFromEnv(cloudflare.Getenv, cfg.Environment, func(r *http.Request) (*http.Response, error) {
		return fetchClient().Do(&fetch.Request{Request: r}, nil)
	})
	if err != nil {
		return misconfigured(err)
	}
	h, err := service.New(cfg, nil, nil)
	if err != nil {
		return misconfigured(err)
	}
	shards := cfg.Shards
	if shards == nil {
		shards = store.SingleShard()
	}
	// Directory rows are cached by the instance for cfg.DirectoryTTL
	// (DIRECTORY_CACHE_SECONDS, default store.DefaultDirectoryTTL), so an
	// OTP start costs no round trip for its entity: one cache for the
	// directory database's store.SQL and, with several shards, Sharded's
	// centres and vaccines.
	dir := store.NewDirectory(cfg.DirectoryTTL)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// Open the D1 bindings of this request's env (DB, and the shards
		// SHARDS names): an instance may serve several requests (see
		// worker/glue), each with its own env. Opening one is no round
		// trip; a request uses the ones its rows are in.
		dbs := make(map[string]*store.SQL, len(shards.Bindings))
		for _, name := range shards.Bindings {
			c, err := d1.OpenConnector(name)
			if err != nil {
				log.Printf("D1 binding %s: %v", name, err)
				http.Error(w, `{"error":"internal","message":"database unavailable"}`, http.StatusInternalServerError)
				return
			}
			db := sql.OpenDB(c)
			defer db.Close()
			dbs[name] = &store.SQL{DB: db, Directory: dir}
		}
		st, err := store.ForMap(shards, dbs, dir)
		if err != nil {
			log.Printf("shards: %v", err)
			http.Error(w, `{"error":"internal","message":"database unavailable"}`, http.StatusInternalServerError)
			return
		}
		d := h.Deps(st, newSender(st))
		if r.URL.Path == "/_kycvs/cron" && cloudflare.Getenv("KYCVS_CRON") == "1" {
			// The glue's scheduled handler (worker/glue): only it sets the var.
			if err := h.Scheduled(r.Context(), d); err != nil {
				api.WriteError(w, r, err)
				return
			}
			w.WriteHeader(http.StatusNoContent)
			return
		}
		h.Serve(w, r, d)
	})
}

// fetchClient returns a client for the global fetch. fetch.NewClient() calls
// fetch on js.Global(), which wasm_exec.js (as generated for syumai/workers)
// makes a Proxy of globalThis; workerd then refuses the call ("Illegal
// invocation": fetch must be called with this = globalThis). So bind it.
func fetchClient() *fetch.Client {
	g := js.Global().Get("globalThis")
	ns := js.Global().Get("Object").New()
	ns.Set("fetch", g.Get("fetch").Call("bind", g))
	return fetch.NewClient(fetch.WithBinding(ns))
}

// misconfigured answers every request with 503 and logs why once, so a
// missing secret or a dev build under a production configuration shows up
// in `wrangler tail` instead of serving anything.
func misconfigured(err error) http.Handler {
	log.Printf("kycvs worker misconfigured, serving nothing: %v", err)
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte(`{"error":"misconfigured","message":"the service is not configured"}` + "\n"))
	})
}

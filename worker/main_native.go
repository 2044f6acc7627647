//go:build !js

// Command worker, built natively, serves the same handler as the Worker on
// SQLite instead of D1: for comparing behaviour and speed with workerd
// without Cloudflare tooling. Configuration is read like wrangler does:
// .dev.vars, then the process environment. It is production unless told
// otherwise (-dev, or ENVIRONMENT=dev); SERVICE_ORIGIN defaults to the
// listen address.
package main

import (
	"bytes"
	"context"
	"flag"
	"log"
	"net/http"
	"os"
	"strings"
	"time"

	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/devenv"
	"github.com/kycvs/kycvs/worker/seed"
	"github.com/kycvs/kycvs/worker/service"
	"github.com/kycvs/kycvs/worker/store"
)

func main() {
	addr := flag.String("addr", "127.0.0.1:8790", "listen address")
	dbPath := flag.String("db", "build/native.sqlite", "SQLite database (created and migrated if missing)")
	varsPath := flag.String("dev-vars", ".dev.vars", "secrets file (SIGNING_KEY, HASH_KEY)")
	seedN := flag.Int("seed", 0, "load the demo seed with this many synthetic beneficiaries")
	dev := flag.Bool("dev", false, "the dev environment (SMS outbox on loopback, dev keys if built with them)")
	shardN := flag.Int("shards", 1, "registry shards when SHARDS is unset: this many SQLite files (-db, then <db>.DB_1.sqlite …), buckets split evenly")
	flag.Parse()

	vars, err := devenv.ReadVars(*varsPath)
	if err != nil {
		log.Fatalf("reading %s (run scripts/dev once to create it): %v", *varsPath, err)
	}
	getenv := func(k string) string {
		if v, ok := os.LookupEnv(k); ok {
			return v
		}
		if v, ok := vars[k]; ok {
			return v
		}
		switch {
		case k == "ENVIRONMENT" && *dev:
			return "dev"
		case k == "SERVICE_ORIGIN":
			return "http://" + *addr
		}
		return ""
	}
	cfg, err := service.FromEnv(getenv)
	if err != nil {
		log.Fatal(err)
	}
	if err := service.CheckBuild(cfg, keys.DevKeysEmbedded()); err != nil {
		log.Fatal(err)
	}
	cfg.Keyset = keys.Trusted()
	ctx := context.Background()
	shards := cfg.Shards
	if os.Getenv("SHARDS") == "" && vars["SHARDS"] == "" {
		shards = store.EvenShardMap(*shardN)
	}
	// One SQLite file per binding of the map, each with every migration.
	dbs := map[string]*store.SQL{}
	for i, name := range shards.Bindings {
		path := *dbPath
		if name != store.DirectoryBinding {
			path = strings.TrimSuffix(*dbPath, ".sqlite") + "." + name + ".sqlite"
		}
		db, err := store.OpenSQLite(ctx, path)
		if err != nil {
			log.Fatal(err)
		}
		if *seedN > 0 {
			// The whole seed, then only this shard's buckets of it.
			var b bytes.Buffer
			if err := seed.WriteSQL(&b, cfg.HashKey, *seedN); err != nil {
				log.Fatal(err)
			}
			if _, err := db.ExecContext(ctx, b.String()); err != nil {
				log.Fatalf("seeding %s: %v", path, err)
			}
			if !shards.Single() {
				if err := store.KeepBuckets(ctx, db, shards.BucketsOf(i)); err != nil {
					log.Fatalf("seeding %s: %v", path, err)
				}
			}
		}
		dbs[name] = &store.SQL{DB: db}
	}
	dir := store.NewDirectory(cfg.DirectoryTTL)
	dbs[store.DirectoryBinding].Directory = dir
	st, err := store.ForMap(shards, dbs, dir)
	if err != nil {
		log.Fatal(err)
	}
	newSender, err := service.SenderFromEnv(getenv, cfg.Environment, http.DefaultClient.Do)
	if err != nil {
		log.Fatal(err)
	}
	h, err := service.New(cfg, st, newSender(st))
	if err != nil {
		log.Fatal(err)
	}
	// The cron trigger's work, natively: queued confirmations and purge.
	go func() {
		for range time.Tick(time.Minute) {
			if err := h.ScheduledFixed(ctx); err != nil {
				log.Printf("scheduled: %v", err)
			}
		}
	}()
	log.Printf("kycvs (native, %s, SQLite %s, %d shards) on http://%s", cfg.Environment, *dbPath, len(shards.Bindings), *addr)
	log.Fatal(http.ListenAndServe(*addr, h))
}

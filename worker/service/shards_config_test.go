package service

import (
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/kycvs/kycvs/keys"
	"github.com/kycvs/kycvs/worker/store"
)

// SHARDS and DIRECTORY_CACHE_SECONDS: unset is one database and a 30 s
// cache; a map that does not cover every bucket stops the worker.
func TestShardsConfig(t *testing.T) {
	k, err := keys.GenerateKey()
	if err != nil {
		t.Fatal(err)
	}
	vars := map[string]string{"SERVICE_ORIGIN": "https://kycvs.example", "SIGNING_KEY": k.SecretText(),
		"HASH_KEY": "00112233445566778899aabbccddeeff"}
	getenv := func(k string) string { return vars[k] }
	c, err := FromEnv(getenv)
	if err != nil || !c.Shards.Single() || c.DirectoryTTL != store.DefaultDirectoryTTL {
		t.Fatalf("defaults: %v, %v %s", err, c.Shards, c.DirectoryTTL)
	}
	vars["SHARDS"] = "000-7ff=DB 800-fff=DB_1"
	vars["DIRECTORY_CACHE_SECONDS"] = "0"
	if c, err = FromEnv(getenv); err != nil || strings.Join(c.Shards.Bindings, " ") != "DB DB_1" || c.DirectoryTTL != 0 {
		t.Fatalf("two shards: %v, %v %s", err, c.Shards, c.DirectoryTTL)
	}
	if s := fmt.Sprint(c); !strings.Contains(s, "Shards: 000-7ff=DB 800-fff=DB_1") || !strings.Contains(s, "DirectoryTTL: 0s") {
		t.Errorf("formatted: %s", s)
	}
	vars["DIRECTORY_CACHE_SECONDS"] = "60"
	if c, _ = FromEnv(getenv); c.DirectoryTTL != time.Minute {
		t.Errorf("DIRECTORY_CACHE_SECONDS 60: %s", c.DirectoryTTL)
	}
	for _, bad := range []string{"000-7ff=DB", "000-fff=db", "000-fff=DB 0a0>DB_1:copy"} {
		vars["SHARDS"] = bad
		if _, err := FromEnv(getenv); err == nil || !strings.Contains(err.Error(), "SHARDS") {
			t.Errorf("SHARDS %q: %v", bad, err)
		}
	}
}

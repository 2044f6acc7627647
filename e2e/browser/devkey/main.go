// Command devkey makes sure a local dev signing key exists for the browser
// tests and the dev server: .dev.vars (wrangler's local secrets file, mode
// 0600, never overwritten) holds SIGNING_KEY and HASH_KEY, and keys/dev.json
// publishes that key so a wasm module built with -tags kycvs_dev accepts
// tokens it signs. Both files are git-ignored. It prints the key id only.
package main

import (
	"bufio"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strings"
	"time"

	"github.com/kycvs/kycvs/keys"
)

func main() {
	if err := run(); err != nil {
		fmt.Fprintln(os.Stderr, "devkey:", err)
		os.Exit(1)
	}
}

func run() error {
	sk, err := ensureDevVars(".dev.vars")
	if err != nil {
		return err
	}
	if ks, err := readKeyset("keys/dev.json"); err == nil {
		if _, err := ks.Lookup(sk.KeyID(), time.Now()); err == nil {
			fmt.Println("dev key", sk.KeyID(), "(already in keys/dev.json)")
			return nil
		}
	}
	ks := &keys.Keyset{}
	if err := ks.Add(sk.Public(), time.Unix(0, 0).UTC(), time.Time{}); err != nil {
		return err
	}
	b, err := ks.MarshalJSON()
	if err != nil {
		return err
	}
	if err := os.WriteFile("keys/dev.json", append(b, '\n'), 0o644); err != nil {
		return err
	}
	fmt.Println("dev key", sk.KeyID(), "(wrote keys/dev.json)")
	return nil
}

func readKeyset(path string) (*keys.Keyset, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return keys.ParseKeyset(b)
}

// ensureDevVars returns the SIGNING_KEY of .dev.vars, creating the file
// (O_EXCL, 0600) with a new key and hash key if it does not exist. An
// existing file without the variables gets them appended.
func ensureDevVars(path string) (*keys.PrivateKey, error) {
	vars, err := ReadDevVars(path)
	if err != nil && !errors.Is(err, fs.ErrNotExist) {
		return nil, err
	}
	var add []string
	var sk *keys.PrivateKey
	if s := vars["SIGNING_KEY"]; s != "" {
		if sk, err = keys.ParsePrivateKey(s); err != nil {
			return nil, fmt.Errorf("%s: SIGNING_KEY: %w", path, err)
		}
	} else {
		if sk, err = keys.GenerateKey(); err != nil {
			return nil, err
		}
		add = append(add, fmt.Sprintf("SIGNING_KEY=%q", sk.String()))
	}
	if vars["HASH_KEY"] == "" {
		var hk [32]byte
		rand.Read(hk[:])
		add = append(add, fmt.Sprintf("HASH_KEY=%q", hex.EncodeToString(hk[:])))
	}
	if len(add) == 0 {
		return sk, nil
	}
	flags := os.O_WRONLY | os.O_APPEND
	if vars == nil {
		flags = os.O_WRONLY | os.O_CREATE | os.O_EXCL
	}
	f, err := os.OpenFile(path, flags, 0o600)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	_, err = f.WriteString(strings.Join(add, "\n") + "\n")
	return sk, err
}

// ReadDevVars parses KEY=value lines (values optionally double-quoted).
func ReadDevVars(path string) (map[string]string, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	vars := map[string]string{}
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		k, v, ok := strings.Cut(line, "=")
		if !ok || strings.HasPrefix(line, "#") {
			continue
		}
		v = strings.TrimSpace(v)
		if len(v) >= 2 && v[0] == '"' && v[len(v)-1] == '"' {
			v = v[1 : len(v)-1]
		}
		vars[strings.TrimSpace(k)] = v
	}
	return vars, sc.Err()
}

// Command kycvs-keys generates issuer keys and maintains keyset files.
//
//	kycvs-keys generate -o FILE            write a new private key to FILE (O_EXCL, 0600); print the public key
//	kycvs-keys public -key FILE            print the public key of the private key in FILE
//	kycvs-keys add -keyset FILE [-not-before T] [-not-after T] PUBLIC-KEY
//	kycvs-keys retire -keyset FILE -kid KID [-at T]
//
// Times are RFC 3339. The private key is never printed: it goes to a file that
// must not exist yet, readable only by its owner, and from there into a secret
// store (wrangler secret put SIGNING_KEY < FILE).
package main

import (
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kycvs/kycvs/keys"
)

func main() {
	if err := run(os.Args[1:], os.Stdout, time.Now()); err != nil {
		fmt.Fprintln(os.Stderr, "kycvs-keys:", err)
		os.Exit(1)
	}
}

var errUsage = errors.New("usage: kycvs-keys generate|public|add|retire [flags] (see go doc ./keys/cmd/kycvs-keys)")

func run(args []string, stdout io.Writer, now time.Time) error {
	if len(args) == 0 {
		return errUsage
	}
	fs := flag.NewFlagSet(args[0], flag.ContinueOnError)
	switch args[0] {
	case "generate":
		out := fs.String("o", "", "file to create for the private key")
		if err := fs.Parse(args[1:]); err != nil || *out == "" || fs.NArg() != 0 {
			return errUsage
		}
		k, err := keys.GenerateKey()
		if err != nil {
			return err
		}
		if err := writeSecret(*out, k.SecretText()+"\n"); err != nil {
			return err
		}
		fmt.Fprintln(stdout, k.Public())
		return nil
	case "public":
		in := fs.String("key", "", "private key file")
		if err := fs.Parse(args[1:]); err != nil || *in == "" {
			return errUsage
		}
		b, err := os.ReadFile(*in)
		if err != nil {
			return err
		}
		k, err := keys.ParsePrivateKey(strings.TrimSpace(string(b)))
		if err != nil {
			return fmt.Errorf("%s: %w", *in, err)
		}
		fmt.Fprintln(stdout, k.Public())
		return nil
	case "add", "retire":
		file := fs.String("keyset", "", "keyset JSON file (created by add if missing)")
		nb := fs.String("not-before", "", "RFC 3339 start of validity (default now)")
		na := fs.String("not-after", "", "RFC 3339 end of validity (default open-ended)")
		kid := fs.String("kid", "", "key id to retire")
		at := fs.String("at", "", "RFC 3339 retirement time (default now)")
		if err := fs.Parse(args[1:]); err != nil || *file == "" {
			return errUsage
		}
		ks, err := loadKeyset(*file, args[0] == "add")
		if err != nil {
			return err
		}
		if args[0] == "add" {
			if fs.NArg() != 1 {
				return errUsage
			}
			pub, err := keys.ParsePublicKeyText(fs.Arg(0))
			if err != nil {
				return err
			}
			start, err := parseTime(*nb, now)
			if err != nil {
				return err
			}
			end, err := parseTime(*na, time.Time{})
			if err != nil {
				return err
			}
			if err := ks.Add(pub, start, end); err != nil {
				return err
			}
		} else {
			t, err := parseTime(*at, now)
			if err != nil {
				return err
			}
			if *kid == "" || fs.NArg() != 0 {
				return errUsage
			}
			if err := ks.Retire(*kid, t); err != nil {
				return err
			}
		}
		b, err := ks.MarshalJSON()
		if err != nil {
			return err
		}
		return os.WriteFile(*file, append(b, '\n'), 0o644)
	}
	return errUsage
}

func loadKeyset(file string, createMissing bool) (*keys.Keyset, error) {
	b, err := os.ReadFile(file)
	if errors.Is(err, os.ErrNotExist) && createMissing {
		return &keys.Keyset{}, nil
	}
	if err != nil {
		return nil, err
	}
	return keys.ParseKeyset(b)
}

func parseTime(s string, def time.Time) (time.Time, error) {
	if s == "" {
		return def.UTC().Truncate(time.Second), nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		return time.Time{}, fmt.Errorf("time %q: %w", s, err)
	}
	return t, nil
}

// writeSecret creates file exclusively with mode 0600: an existing key is
// never overwritten, and no other user can read the new one.
func writeSecret(file, content string) error {
	f, err := os.OpenFile(file, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if err != nil {
		return fmt.Errorf("creating private key file: %w", err)
	}
	if _, err := f.WriteString(content); err != nil {
		f.Close()
		return fmt.Errorf("writing private key file: %w", err)
	}
	return f.Close()
}

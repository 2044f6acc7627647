// Command kycvs is the entity's and operator's tool for KYC-VS tokens.
//
//	kycvs verify --keys FILE --audience ENT --nonce N [--now RFC3339] TOKEN
//
// verify prints the decoded claims as JSON and exits 0 when the token is
// valid; otherwise it prints the reason to stderr and exits 1. FILE is a
// keyset (e.g. a saved /.well-known/kycvs/keys.json); "-" reads TOKEN from
// standard input. It does not remember tokens: single use is the caller's.
package main

import (
	"encoding/hex"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/kycvs/kycvs"
	"github.com/kycvs/kycvs/keys"
)

func main() {
	if err := run(os.Args[1:], os.Stdin, os.Stdout); err != nil {
		fmt.Fprintln(os.Stderr, "kycvs:", err)
		os.Exit(1)
	}
}

type claims struct {
	Valid    bool   `json:"valid"`
	Status   int    `json:"status"`
	Meaning  string `json:"status_name"`
	KeyID    string `json:"kid"`
	Issuer   string `json:"iss"`
	Audience string `json:"aud"`
	Nonce    string `json:"nonce"`
	IssuedAt string `json:"iat"`
	Expires  string `json:"exp"`
	TokenID  string `json:"jti"`
	Subject  string `json:"sub"`
}

func run(args []string, stdin io.Reader, stdout io.Writer) error {
	if len(args) == 0 || args[0] != "verify" {
		return errors.New("usage: kycvs verify --keys FILE --audience ENT --nonce N [--now RFC3339] TOKEN")
	}
	fs := flag.NewFlagSet("verify", flag.ContinueOnError)
	keysFile := fs.String("keys", "", "keyset JSON file")
	aud := fs.String("audience", "", "your entity id")
	nonce := fs.String("nonce", "", "the nonce you issued")
	nowFlag := fs.String("now", "", "verify as of this RFC 3339 time (default: now)")
	if err := fs.Parse(args[1:]); err != nil {
		return err
	}
	if *keysFile == "" || *aud == "" || *nonce == "" || fs.NArg() != 1 {
		return errors.New("verify needs --keys, --audience, --nonce and one TOKEN")
	}
	b, err := os.ReadFile(*keysFile)
	if err != nil {
		return err
	}
	ks, err := keys.ParseKeyset(b)
	if err != nil {
		return err
	}
	var now time.Time
	if *nowFlag != "" {
		if now, err = time.Parse(time.RFC3339, *nowFlag); err != nil {
			return fmt.Errorf("--now: %w", err)
		}
	}
	tok := fs.Arg(0)
	if tok == "-" {
		in, err := io.ReadAll(io.LimitReader(stdin, 4096))
		if err != nil {
			return err
		}
		tok = strings.TrimSpace(string(in))
	}
	a, err := kycvs.Verify(tok, ks, kycvs.Expect{Audience: *aud, Nonce: *nonce, Now: now})
	if err != nil {
		return fmt.Errorf("token not valid: %w", err)
	}
	enc := json.NewEncoder(stdout)
	enc.SetIndent("", "  ")
	return enc.Encode(claims{
		Valid: true, Status: int(a.Status), Meaning: a.Status.String(), KeyID: a.KeyID, Issuer: a.Issuer,
		Audience: a.Audience, Nonce: a.Nonce, IssuedAt: a.IssuedAt.Format(time.RFC3339),
		Expires: a.ExpiresAt.Format(time.RFC3339), TokenID: hex.EncodeToString(a.TokenID[:]), Subject: hex.EncodeToString(a.Subject[:]),
	})
}

//go:build !kycvs_verifyonly

package kycvs

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"flag"
	"math/big"
	"os"
	"testing"
	"time"

	"github.com/kycvs/kycvs/keys"
	"github.com/tinylib/msgp/msgp"
)

//go:generate go test -run ^TestVectors$ -update .

var update = flag.Bool("update", false, "rewrite testdata/vectors.json from the generator")

// Vector file format; the JavaScript test (testdata/js) reads the same file.
type vectorFile struct {
	Comment string          `json:"comment"`
	Keyset  json.RawMessage `json:"keyset"`
	Cases   []vectorCase    `json:"cases"`
}

func vectorKey(t testing.TB, label string) *keys.PrivateKey {
	seed := sha256.Sum256([]byte("kycvs test vector key: " + label))
	k, err := keys.ParsePrivateKey(privateText(seed[:]))
	if err != nil {
		t.Fatal(err)
	}
	return k
}

// privateText builds a private key text form from a seed, the way the key
// tool would; it goes through the public parser so the test stays honest.
func privateText(seed []byte) string {
	k, err := keys.NewPrivateKeyFromSeed(seed)
	if err != nil {
		panic(err)
	}
	return k.SecretText()
}

// Fixed clock for the vectors: 2026-11-25T12:00:00Z.
const vIat = 1795608000

// field is one key/value of a hand-built payload; raw values are appended as
// they are, to build wrong types.
type field struct {
	k string
	v any
}

type rawMsgp []byte

func encodeFields(fs []field) []byte {
	b := msgp.AppendMapHeader(nil, uint32(len(fs)))
	for _, f := range fs {
		b = msgp.AppendString(b, f.k)
		switch v := f.v.(type) {
		case string:
			b = msgp.AppendString(b, v)
		case int:
			b = msgp.AppendInt64(b, int64(v))
		case int64:
			b = msgp.AppendInt64(b, v)
		case []byte:
			b = msgp.AppendBytes(b, v)
		case rawMsgp:
			b = append(b, v...)
		default:
			panic("unsupported field type")
		}
	}
	return b
}

func goodFields(kid string, st int) []field {
	sub := PairwiseSubject([]byte("vector hash key"), "ent_railways", "ben_000001")
	return []field{
		{"v", 1}, {"kid", kid}, {"iss", "https://kycvs.example"}, {"aud", "ent_railways"},
		{"nonce", "n-4f1c2e9a7b3d"}, {"st", st}, {"iat", int64(vIat)}, {"exp", int64(vIat + 300)},
		{"jti", bytes.Repeat([]byte{0xa0 + byte(st)}, 16)}, {"sub", sub[:]},
	}
}

func with(fs []field, k string, v any) []field {
	out := append([]field(nil), fs...)
	for i := range out {
		if out[i].k == k {
			out[i].v = v
			return out
		}
	}
	return append(out, field{k, v})
}

func without(fs []field, k string) []field {
	var out []field
	for _, f := range fs {
		if f.k != k {
			out = append(out, f)
		}
	}
	return out
}

func signRaw(t testing.TB, k *keys.PrivateKey, headerKid string, payload []byte) string {
	sig, err := k.Sign(signedMessage(payload))
	if err != nil {
		t.Fatal(err)
	}
	return encodeToken(headerKid, payload, sig)
}

// flipBit flips one bit in the decoded part i (0 kid, 1 payload, 2 signature)
// of a token and re-encodes it.
func flipPart(tok string, part int) string {
	kid, payload, sig, err := splitToken(tok)
	if err != nil {
		panic(err)
	}
	switch part {
	case 0:
		b := []byte(kid)
		if b[0] == '0' {
			b[0] = '1'
		} else {
			b[0] = '0'
		}
		kid = string(b)
	case 1:
		payload = bytes.Clone(payload)
		payload[len(payload)/2] ^= 0x01
	case 2:
		sig = bytes.Clone(sig)
		sig[10] ^= 0x01
	}
	return encodeToken(kid, payload, sig)
}

// nonCanonicalS adds the group order ℓ to S; the result still satisfies the
// verification equation, so only the S < ℓ check refuses it.
func nonCanonicalS(tok string) string {
	kid, payload, sig, _ := splitToken(tok)
	order, _ := new(big.Int).SetString("1000000000000000000000000000000014def9dea2f79cd65812631a5cf5d3ed", 16)
	s := make([]byte, 32)
	for i := range 32 {
		s[i] = sig[63-i] // little-endian to big-endian
	}
	v := new(big.Int).Add(new(big.Int).SetBytes(s), order)
	be := v.FillBytes(make([]byte, 32))
	out := bytes.Clone(sig)
	for i := range 32 {
		out[32+i] = be[31-i]
	}
	return encodeToken(kid, payload, out)
}

func generateVectors(t testing.TB) vectorFile {
	issuer := vectorKey(t, "issuer")
	other := vectorKey(t, "not published")
	retired := vectorKey(t, "retired")
	ks := &keys.Keyset{}
	start := time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)
	must(t, ks.Add(issuer.Public(), start, time.Time{}))
	must(t, ks.Add(retired.Public(), start, time.Date(2026, 6, 1, 0, 0, 0, 0, time.UTC)))
	ksJSON, err := ks.MarshalJSON()
	must(t, err)

	kid := issuer.KeyID()
	now := int64(vIat + 10)
	good := func(st int) string { return signRaw(t, issuer, kid, encodeFields(goodFields(kid, st))) }
	bad := func(fs []field) string { return signRaw(t, issuer, kid, encodeFields(fs)) }
	g := goodFields(kid, 2)
	viaSign := func() string {
		a := &Attestation{Issuer: "https://kycvs.example", Audience: "ent_hotel", Nonce: "checkin-77",
			Status: PartiallyVaccinated, IssuedAt: time.Unix(vIat, 0), ExpiresAt: time.Unix(vIat+120, 0),
			TokenID: [16]byte{1, 2, 3}, Subject: PairwiseSubject([]byte("vector hash key"), "ent_hotel", "ben_000002")}
		tok, err := Sign(issuer, a)
		must(t, err)
		return tok
	}()
	retiredTok := signRaw(t, retired, retired.KeyID(), encodeFields(goodFields(retired.KeyID(), 2)))
	trailing := encodeFields(g)
	trailing = append(trailing, 0xc0)

	cases := []vectorCase{
		{Name: "valid status 0", Token: good(0)},
		{Name: "valid status 1", Token: good(1)},
		{Name: "valid status 2", Token: good(2)},
		{Name: "valid, made by Sign", Token: viaSign, Audience: "ent_hotel", Nonce: "checkin-77"},
		{Name: "valid one second before expiry", Token: good(2), Now: vIat + 299},
		{Name: "valid iat within skew", Token: good(2), Now: vIat - 60},
		{Name: "valid fields in another order", Token: bad(append(g[5:], g[:5]...))},
		{Name: "wrong audience", Token: good(2), Audience: "ent_airline", Error: "token_audience"},
		{Name: "wrong nonce", Token: good(2), Nonce: "n-4f1c2e9a7b3e", Error: "token_nonce"},
		{Name: "expired at exp", Token: good(2), Now: vIat + 300, Error: "token_expired"},
		{Name: "expired long ago", Token: good(2), Now: vIat + 86400, Error: "token_expired"},
		{Name: "iat in the future beyond skew", Token: good(2), Now: vIat - 61, Error: "token_not_yet_valid"},
		{Name: "unknown key id", Token: signRaw(t, other, other.KeyID(), encodeFields(goodFields(other.KeyID(), 2))), Error: "token_unknown_key"},
		{Name: "key retired before iat", Token: retiredTok, Error: "token_unknown_key"},
		{Name: "bit flipped in kid", Token: flipPart(good(2), 0), Error: "token_unknown_key"},
		{Name: "bit flipped in payload", Token: flipPart(good(2), 1), Error: "token_signature"},
		{Name: "bit flipped in signature", Token: flipPart(good(2), 2), Error: "token_signature"},
		{Name: "non-canonical S (S + l)", Token: nonCanonicalS(good(2)), Error: "token_signature"},
		{Name: "signed by another key under the issuer's kid", Token: signRaw(t, other, kid, encodeFields(g)), Error: "token_signature"},
		{Name: "truncated text", Token: good(2)[:200], Error: "token_malformed"},
		{Name: "signature part truncated", Token: good(2)[:len(good(2))-2], Error: "token_malformed"},
		{Name: "extra text part", Token: good(2) + ".AA", Error: "token_malformed"},
		{Name: "base64 padding", Token: good(2) + "==", Error: "token_malformed"},
		{Name: "wrong prefix", Token: "kycvs2" + good(2)[6:], Error: "token_malformed"},
		{Name: "uppercase kid", Token: "kycvs1." + string(bytes.ToUpper([]byte(retired.KeyID()))) + retiredTok[15:], Error: "token_malformed"},
		{Name: "trailing byte after the map (signed)", Token: signRaw(t, issuer, kid, trailing), Error: "token_malformed"},
		{Name: "version 2", Token: bad(with(g, "v", 2)), Error: "token_malformed"},
		{Name: "payload kid differs from token kid", Token: bad(with(g, "kid", other.KeyID())), Error: "token_malformed"},
		{Name: "status 3", Token: bad(with(g, "st", 3)), Error: "token_malformed"},
		{Name: "status as string", Token: bad(with(g, "st", "2")), Error: "token_malformed"},
		{Name: "exp as string", Token: bad(with(g, "exp", "1795608300")), Error: "token_malformed"},
		{Name: "iat negative", Token: bad(with(g, "iat", -1)), Error: "token_malformed"},
		{Name: "aud as binary", Token: bad(with(g, "aud", []byte("ent_railways"))), Error: "token_malformed"},
		{Name: "jti as string", Token: bad(with(g, "jti", "0123456789abcdef")), Error: "token_malformed"},
		{Name: "sub 15 bytes", Token: bad(with(g, "sub", make([]byte, 15))), Error: "token_malformed"},
		{Name: "nonce nil", Token: bad(with(g, "nonce", rawMsgp{0xc0})), Error: "token_malformed"},
		{Name: "extra field", Token: bad(append(g, field{"name", "Asha"})), Error: "token_malformed"},
		{Name: "missing field exp", Token: bad(without(g, "exp")), Error: "token_malformed"},
		{Name: "duplicate field st", Token: bad(append(without(g, "exp"), field{"st", 0})), Error: "token_malformed"},
		{Name: "lifetime over 5 minutes", Token: bad(with(g, "exp", int64(vIat+301))), Error: "token_malformed"},
		{Name: "exp before iat", Token: bad(with(g, "exp", int64(vIat-1))), Error: "token_malformed"},
		{Name: "payload is an array", Token: signRaw(t, issuer, kid, []byte{0x91, 0x01}), Error: "token_malformed"},
	}
	for i := range cases {
		c := &cases[i]
		if c.Audience == "" {
			c.Audience = "ent_railways"
		}
		if c.Nonce == "" {
			c.Nonce = "n-4f1c2e9a7b3d"
		}
		if c.Now == 0 {
			c.Now = now
		}
		if c.Error == "" {
			a, err := Verify(c.Token, ks, Expect{Audience: c.Audience, Nonce: c.Nonce, Now: time.Unix(c.Now, 0)})
			if err != nil {
				t.Fatalf("generator: valid case %q refused: %v", c.Name, err)
			}
			c.Attestation = &vectorClaimsOut{V: a.Version, Kid: a.KeyID, Iss: a.Issuer, Aud: a.Audience, Nonce: a.Nonce,
				St: int(a.Status), Iat: a.IssuedAt.Unix(), Exp: a.ExpiresAt.Unix(),
				Jti: hex.EncodeToString(a.TokenID[:]), Sub: hex.EncodeToString(a.Subject[:])}
		}
	}
	return vectorFile{
		Comment: "KYC-VS token vectors (SPEC.md). Generated by `go generate` (vectors_test.go); do not edit. " +
			"error is empty for valid tokens, else one of: malformed, unknown_key, signature, audience, nonce, expired, not_yet_valid.",
		Keyset: ksJSON,
		Cases:  cases,
	}
}

// TestVectors checks the committed vectors against the generator (so the file
// cannot drift from the code) and runs every case through Verify.
func TestVectors(t *testing.T) {
	gen := generateVectors(t)
	want, err := json.MarshalIndent(gen, "", "  ")
	must(t, err)
	want = append(want, '\n')
	if *update {
		must(t, os.WriteFile(vectorsFile, want, 0o644))
	}
	got, err := os.ReadFile(vectorsFile)
	must(t, err)
	if !bytes.Equal(got, want) {
		t.Fatalf("%s is out of date: run go generate", vectorsFile)
	}
	// The cases again with a keyset from ParseKeyset (TestVectorCases
	// builds it the browser module's way).
	var vf vectorFile
	must(t, json.Unmarshal(got, &vf))
	ks, err := keys.ParseKeyset(vf.Keyset)
	must(t, err)
	checkVectorCases(t, ks, vf.Cases)
}

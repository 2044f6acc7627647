package kycvs

import (
	"encoding/binary"
	"fmt"
	"math"
	"time"
	"unicode/utf8"
)

// This file is a deliberately small, strict MessagePack reader for the one
// payload shape of SPEC.md. It does not use tinylib/msgp's generated
// UnmarshalMsg because that decoder is lenient in ways a verifier must not be
// (it skips unknown fields and leaves missing ones zero), and because linking
// the msgp package pulls encoding/json and fmt into the browser module
// (~195 KB brotli); see the kycvs_verifyonly build tag.

// Field names and limits, as in SPEC.md.
const (
	fieldCount     = 10
	maxIssuerLen   = 128
	maxAudienceLen = 64
	maxNonceLen    = 128
	maxTime        = 1<<53 - 1 // integers a JavaScript verifier reads exactly
)

type reader struct {
	b   []byte
	err error
}

func (r *reader) fail(format string, args ...any) {
	if r.err == nil {
		r.err = fmt.Errorf("%w: payload: "+format, append([]any{ErrMalformed}, args...)...)
	}
}

func (r *reader) next(n int) []byte {
	if r.err != nil {
		return nil
	}
	if n < 0 || n > len(r.b) {
		r.fail("truncated")
		return nil
	}
	out := r.b[:n]
	r.b = r.b[n:]
	return out
}

func (r *reader) byte1() byte {
	b := r.next(1)
	if b == nil {
		return 0
	}
	return b[0]
}

// length reads a big-endian length of n bytes.
func (r *reader) length(n int) int {
	b := r.next(n)
	if b == nil {
		return 0
	}
	switch n {
	case 1:
		return int(b[0])
	case 2:
		return int(binary.BigEndian.Uint16(b))
	default:
		v := binary.BigEndian.Uint32(b)
		if v > math.MaxInt32 {
			r.fail("length %d too large", v)
			return 0
		}
		return int(v)
	}
}

func (r *reader) mapHeader() int {
	switch t := r.byte1(); {
	case r.err != nil:
		return 0
	case t&0xf0 == 0x80:
		return int(t & 0x0f)
	case t == 0xde:
		return r.length(2)
	case t == 0xdf:
		return r.length(4)
	default:
		r.fail("want a map, got type byte 0x%02x", t)
		return 0
	}
}

func (r *reader) str(field string, min, max int) string {
	var n int
	switch t := r.byte1(); {
	case r.err != nil:
		return ""
	case t&0xe0 == 0xa0:
		n = int(t & 0x1f)
	case t == 0xd9:
		n = r.length(1)
	case t == 0xda:
		n = r.length(2)
	case t == 0xdb:
		n = r.length(4)
	default:
		r.fail("%s: want a string, got type byte 0x%02x", field, t)
		return ""
	}
	b := r.next(n)
	if r.err != nil {
		return ""
	}
	if n < min || n > max {
		r.fail("%s: length %d outside [%d, %d]", field, n, min, max)
		return ""
	}
	if !utf8.Valid(b) {
		r.fail("%s: invalid UTF-8", field)
		return ""
	}
	return string(b)
}

func (r *reader) bin16(field string) (out [16]byte) {
	var n int
	switch t := r.byte1(); {
	case r.err != nil:
		return
	case t == 0xc4:
		n = r.length(1)
	case t == 0xc5:
		n = r.length(2)
	case t == 0xc6:
		n = r.length(4)
	default:
		r.fail("%s: want binary, got type byte 0x%02x", field, t)
		return
	}
	b := r.next(n)
	if r.err == nil && n != 16 {
		r.fail("%s: want 16 bytes, got %d", field, n)
	}
	if r.err == nil {
		copy(out[:], b)
	}
	return
}

// int reads any MessagePack integer format and checks it is in [min, max].
func (r *reader) int(field string, min, max int64) int64 {
	var v int64
	t := r.byte1()
	switch {
	case r.err != nil:
		return 0
	case t <= 0x7f:
		v = int64(t)
	case t >= 0xe0:
		v = int64(int8(t))
	case t == 0xcc:
		v = int64(r.byte1())
	case t == 0xcd:
		v = int64(r.length(2))
	case t == 0xce, t == 0xcf, t == 0xd2, t == 0xd3:
		n := 4
		if t == 0xcf || t == 0xd3 {
			n = 8
		}
		b := r.next(n)
		if b == nil {
			return 0
		}
		var u uint64
		for _, c := range b {
			u = u<<8 | uint64(c)
		}
		switch t {
		case 0xce:
			v = int64(u)
		case 0xcf:
			if u > math.MaxInt64 {
				r.fail("%s: %d out of range", field, u)
				return 0
			}
			v = int64(u)
		case 0xd2:
			v = int64(int32(uint32(u)))
		default:
			v = int64(u)
		}
	case t == 0xd0:
		v = int64(int8(r.byte1()))
	case t == 0xd1:
		b := r.next(2)
		if b == nil {
			return 0
		}
		v = int64(int16(binary.BigEndian.Uint16(b)))
	default:
		r.fail("%s: want an integer, got type byte 0x%02x", field, t)
		return 0
	}
	if r.err == nil && (v < min || v > max) {
		r.fail("%s: %d outside [%d, %d]", field, v, min, max)
	}
	return v
}

// decodePayload decodes the payload strictly: a map of exactly the ten fields
// of SPEC.md, each once, each of its type, and no bytes after the map.
func decodePayload(p []byte) (*Attestation, error) {
	r := &reader{b: p}
	n := r.mapHeader()
	if r.err == nil && n != fieldCount {
		r.fail("want %d fields, got %d", fieldCount, n)
	}
	a := &Attestation{}
	var seen uint16 // one bit per field, to refuse repeated keys without allocating
	for i := 0; i < n && r.err == nil; i++ {
		name := r.str("key", 1, 8)
		if r.err != nil {
			break
		}
		bit := fieldBit(name)
		if seen&bit != 0 {
			r.fail("duplicate field %q", name)
			break
		}
		seen |= bit
		switch name {
		case "v":
			a.Version = int(r.int(name, 0, 255))
		case "kid":
			a.KeyID = r.str(name, 8, 8)
		case "iss":
			a.Issuer = r.str(name, 1, maxIssuerLen)
		case "aud":
			a.Audience = r.str(name, 1, maxAudienceLen)
		case "nonce":
			a.Nonce = r.str(name, 1, maxNonceLen)
		case "st":
			a.Status = Status(r.int(name, 0, int64(FullyVaccinated)))
		case "iat":
			a.IssuedAt = time.Unix(r.int(name, 0, maxTime), 0).UTC()
		case "exp":
			a.ExpiresAt = time.Unix(r.int(name, 0, maxTime), 0).UTC()
		case "jti":
			a.TokenID = r.bin16(name)
		case "sub":
			a.Subject = r.bin16(name)
		default:
			r.fail("unknown field %q", name)
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail("%d trailing bytes", len(r.b))
	}
	if r.err != nil {
		return nil, r.err
	}
	return a, nil
}

// fieldBit returns a distinct bit for each known field name (0 for unknown
// names, which the caller refuses anyway).
func fieldBit(name string) uint16 {
	for i, f := range [fieldCount]string{"v", "kid", "iss", "aud", "nonce", "st", "iat", "exp", "jti", "sub"} {
		if f == name {
			return 1 << i
		}
	}
	return 0
}

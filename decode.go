package kycvs

import (
	"math"
	"strconv"
	"time"
	"unicode/utf8"
)

// This file is a deliberately small, strict MessagePack reader for the one
// payload shape of SPEC.md. It does not use tinylib/msgp's generated
// UnmarshalMsg because that decoder is lenient in ways a verifier must not be
// (it skips unknown fields and leaves missing ones zero), and because linking
// the msgp package pulls encoding/json and fmt into the browser module
// (~195 KB brotli); see the kycvs_verifyonly build tag. For the same reason
// it uses neither fmt nor encoding/binary (which links reflect): errors.go.

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

// fail records the first error: "malformed token: payload: " + detail.
func (r *reader) fail(detail string) {
	if r.err == nil {
		r.err = malformed("payload: " + detail)
	}
}

// typeByte formats a MessagePack type byte for errors, as "0x%02x" would.
func typeByte(t byte) string {
	return "0x" + string([]byte{hexDigits[t>>4], hexDigits[t&0x0f]})
}

const hexDigits = "0123456789abcdef"

// itoa formats a signed integer for errors.
func itoa(v int64) string { return strconv.FormatInt(v, 10) }

// outside formats "<v> outside [<min>, <max>]".
func outside(v, min, max int64) string {
	return itoa(v) + " outside [" + itoa(min) + ", " + itoa(max) + "]"
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
		return int(b[0])<<8 | int(b[1])
	default:
		v := uint32(b[0])<<24 | uint32(b[1])<<16 | uint32(b[2])<<8 | uint32(b[3])
		if v > math.MaxInt32 {
			r.fail("length " + itoa(int64(v)) + " too large")
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
		r.fail("want a map, got type byte " + typeByte(t))
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
		r.fail(field + ": want a string, got type byte " + typeByte(t))
		return ""
	}
	b := r.next(n)
	if r.err != nil {
		return ""
	}
	if n < min || n > max {
		r.fail(field + ": length " + outside(int64(n), int64(min), int64(max)))
		return ""
	}
	if !utf8.Valid(b) {
		r.fail(field + ": invalid UTF-8")
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
		r.fail(field + ": want binary, got type byte " + typeByte(t))
		return
	}
	b := r.next(n)
	if r.err == nil && n != 16 {
		r.fail(field + ": want 16 bytes, got " + strconv.Itoa(n))
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
				r.fail(field + ": " + strconv.FormatUint(u, 10) + " out of range")
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
		v = int64(int16(uint16(b[0])<<8 | uint16(b[1])))
	default:
		r.fail(field + ": want an integer, got type byte " + typeByte(t))
		return 0
	}
	if r.err == nil && (v < min || v > max) {
		r.fail(field + ": " + outside(v, min, max))
	}
	return v
}

// decodePayload decodes the payload strictly: a map of exactly the ten fields
// of SPEC.md, each once, each of its type, and no bytes after the map.
func decodePayload(p []byte) (*Attestation, error) {
	r := &reader{b: p}
	n := r.mapHeader()
	if r.err == nil && n != fieldCount {
		r.fail("want " + strconv.Itoa(fieldCount) + " fields, got " + strconv.Itoa(n))
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
			r.fail("duplicate field " + strconv.Quote(name))
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
			r.fail("unknown field " + strconv.Quote(name))
		}
	}
	if r.err == nil && len(r.b) != 0 {
		r.fail(strconv.Itoa(len(r.b)) + " trailing bytes")
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

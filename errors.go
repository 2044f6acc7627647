package kycvs

// wrapped is what fmt.Errorf("<prefix>%w<suffix>", err) returns, without fmt.
//
// The browser module links this package, and fmt costs it about 124 KB
// brotli of a 600 KB budget (wasm/SIZE.md), so the verifier builds its errors
// from this type, strconv and string concatenation. The messages and the
// wrapped sentinels are the same as with fmt.Errorf; errors.Is and errors.As
// see no difference. sign.go, which only signers build, uses fmt.Errorf as
// usual.
type wrapped struct {
	prefix string
	err    error
	suffix string
}

func (e *wrapped) Error() string { return e.prefix + e.err.Error() + e.suffix }
func (e *wrapped) Unwrap() error { return e.err }

// wrap returns an error reading prefix + err.Error() + suffix that wraps err.
func wrap(prefix string, err error, suffix string) error {
	return &wrapped{prefix: prefix, err: err, suffix: suffix}
}

// malformed returns an error wrapping ErrMalformed: "malformed token: " + detail.
func malformed(detail string) error { return wrap("", ErrMalformed, ": "+detail) }

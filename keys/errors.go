package keys

// wrapped is what fmt.Errorf("<prefix>%w<suffix>", err) returns, without fmt.
//
// The browser module links this package, and fmt costs it about 124 KB
// brotli of a 600 KB budget (wasm/SIZE.md), so the files it links build their
// errors from this type, strconv and string concatenation. The messages and
// the wrapped sentinels are the same as with fmt.Errorf; errors.Is and
// errors.As see no difference. Files that only signers and tools build
// (private.go, keyset_json.go) use fmt.Errorf as usual.
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

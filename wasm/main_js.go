//go:build js && wasm

package main

import (
	"errors"
	"strconv"
	"syscall/js"
	"time"

	"github.com/kycvs/kycvs/keys"
)

func main() {
	// The constructor lives as long as the module, so its func is never
	// released; everything an instance creates is released by release().
	js.Global().Set("newKYCVS", js.FuncOf(newInstance))
	select {} // main must not return: the runtime serves JS calls from here on
}

// instance is one widget's (or one host verifier's) binding: the service
// base URL for fetches, and the entity and nonce every token must carry.
type instance struct {
	base, entity, nonce string
	// nonces are a family check's, one per traveller: every token of
	// finishFamily must carry the nonce of its traveller.
	nonces []string
	lang   string // SMS language for start; "" lets the service choose
	ks     *keys.Keyset
	funcs  []js.Func
}

// newInstance implements newKYCVS(config). It never throws: a bad config
// is reported by the Promise of the first call that needs the missing field,
// because a Go callback cannot throw into JS without corrupting the runtime.
func newInstance(_ js.Value, args []js.Value) (ret any) {
	defer func() {
		if r := recover(); r != nil {
			ret = jsError(&moduleError{Code: "internal", Message: "panic in newKYCVS: " + panicText(r), AttemptsLeft: -1})
		}
	}()
	in := &instance{ks: pinnedKeyset()}
	if len(args) > 0 && args[0].Type() == js.TypeObject {
		in.base = stringField(args[0], "base")
		in.entity = stringField(args[0], "entity")
		in.nonce = stringField(args[0], "nonce")
		in.lang = stringField(args[0], "lang")
		in.nonces = stringsField(args[0], "nonces")
	}
	obj := js.Global().Get("Object").New()
	in.method(obj, "start", guarded(in.needConfig, in.start))
	in.method(obj, "finish", guarded(in.needConfig, in.finish))
	in.method(obj, "startFamily", guarded(in.needFamilyConfig, in.startFamily))
	in.method(obj, "finishFamily", guarded(in.needFamilyConfig, in.finishFamily))
	in.method(obj, "verify", guarded(nil, in.verify))
	in.method(obj, "benchVerify", in.benchVerify)
	release := js.FuncOf(func(js.Value, []js.Value) any {
		for _, f := range in.funcs {
			f.Release()
		}
		in.funcs = nil
		return nil
	})
	in.funcs = append(in.funcs, release)
	obj.Set("release", release)
	return obj
}

// method installs an async method: fn runs on its own goroutine and settles
// the Promise the JS caller gets back immediately.
func (in *instance) method(obj js.Value, name string, fn func(args []js.Value) (any, error)) {
	f := js.FuncOf(func(_ js.Value, args []js.Value) any {
		// Copy: the args slice is reused by syscall/js after we return.
		args = append([]js.Value(nil), args...)
		return newPromise(func() (any, error) { return fn(args) })
	})
	in.funcs = append(in.funcs, f)
	obj.Set(name, f)
}

// guarded runs fn only in a build that may run on this page
// (devKeysRefusal) and, unless need is nil, with the configuration need
// checks: a start is refused before the SMS is sent, as its token would be
// refused anyway.
func guarded(need func() error, fn func(args []js.Value) (any, error)) func(args []js.Value) (any, error) {
	return func(args []js.Value) (any, error) {
		if err := devKeysRefusal(); err != nil {
			return nil, err
		}
		if need != nil {
			if err := need(); err != nil {
				return nil, err
			}
		}
		return fn(args)
	}
}

func (in *instance) start(args []js.Value) (any, error) {
	req := argObject(args, 0)
	body := map[string]any{
		"entity": in.entity,
		"nonce":  in.nonce,
		"mobile": stringField(req, "mobile"),
		"name":   stringField(req, "name"),
	}
	return in.startOTP(body)
}

func (in *instance) finish(args []js.Value) (any, error) {
	req := argObject(args, 0)
	resp, err := in.post("/v1/otp/verify", map[string]any{
		"txn": stringField(req, "txn"),
		"otp": stringField(req, "otp"),
	})
	if err != nil {
		return nil, err
	}
	res, err := verifyToken(stringField(resp, "token"), in.ks, in.entity, []string{in.nonce}, time.Now())
	if err != nil {
		return nil, err
	}
	return res.js(), nil
}

func (in *instance) verify(args []js.Value) (any, error) {
	token := ""
	if len(args) > 0 && args[0].Type() == js.TypeString {
		token = args[0].String()
	}
	opts := argObject(args, 1)
	entity, nonce := in.entity, in.nonce
	if s := stringField(opts, "entity"); s != "" {
		entity = s
	}
	if s := stringField(opts, "nonce"); s != "" {
		nonce = s
	}
	now := time.Now()
	if ms := opts.Get("now"); ms.Type() == js.TypeNumber {
		// The gate's one clock (its page's), so the page's other time
		// checks (how old a challenge is) and the module's agree.
		now = time.UnixMilli(int64(ms.Float()))
	}
	// A gate accepts any of the challenges it showed lately (nonces); the
	// token's nonce must be one of them, all checked in one verification
	// (the signature once, not once per challenge).
	candidates := stringsField(opts, "nonces")
	if len(candidates) == 0 {
		candidates = []string{nonce}
	}
	res, err := verifyToken(token, in.ks, entity, candidates, now)
	if err != nil {
		return nil, err
	}
	out := res.js()
	out["nonce"], out["iat"], out["jti"] = res.Nonce, res.IssuedAt.Unix(), res.TokenID
	return out, nil
}

// benchVerify times n Ed25519 verifications of one signature with the same
// code path tokens use, so the bench can compare it with WebCrypto on the
// same bytes.
func (in *instance) benchVerify(args []js.Value) (any, error) {
	req := argObject(args, 0)
	pub, msg, sig := bytesField(req, "publicKey"), bytesField(req, "message"), bytesField(req, "signature")
	n := intField(req, "iterations", 100)
	pk, err := keys.ParsePublicKey(pub)
	if err != nil {
		return nil, &moduleError{Code: "bad_request", Message: err.Error(), AttemptsLeft: -1}
	}
	perf := js.Global().Get("performance")
	t0 := perf.Call("now").Float()
	ok := true
	for range n {
		ok = pk.Verify(msg, sig) && ok
	}
	return map[string]any{"ms": perf.Call("now").Float() - t0, "ok": ok, "iterations": n}, nil
}

// traveller is one person of a family check, as the page names them.
type traveller struct{ name, nonce string }

// travellers reads req.travellers: 1 to 6 {name, nonce}, every nonce one of
// the configured nonces, so that no token for a nonce the host did not
// issue can come back as this check's.
func (in *instance) travellers(req js.Value) ([]traveller, error) {
	v := req.Get("travellers")
	if v.Type() != js.TypeObject || !js.Global().Get("Array").Call("isArray", v).Bool() || v.Length() < 1 || v.Length() > 6 {
		return nil, &moduleError{Code: "bad_request", Message: "travellers must be an array of 1 to 6 {name, nonce}", AttemptsLeft: -1}
	}
	out := make([]traveller, v.Length())
	for i := range out {
		out[i] = traveller{name: stringField(v.Index(i), "name"), nonce: stringField(v.Index(i), "nonce")}
		known := false
		for _, n := range in.nonces {
			known = known || n == out[i].nonce
		}
		if !known {
			return nil, &moduleError{Code: "bad_request", Message: "traveller " + strconv.Itoa(i+1) + "'s nonce is not one of the configured nonces", AttemptsLeft: -1}
		}
	}
	return out, nil
}

func travellersJSON(ts []traveller) []any {
	out := make([]any, len(ts))
	for i, t := range ts {
		out[i] = map[string]any{"name": t.name, "nonce": t.nonce}
	}
	return out
}

// startFamily implements startFamily({mobile, travellers}): one code to
// mobile for every traveller registered on it.
func (in *instance) startFamily(args []js.Value) (any, error) {
	req := argObject(args, 0)
	ts, err := in.travellers(req)
	if err != nil {
		return nil, err
	}
	body := map[string]any{
		"entity":     in.entity,
		"mobile":     stringField(req, "mobile"),
		"travellers": travellersJSON(ts),
	}
	return in.startOTP(body)
}

// finishFamily implements finishFamily({txn, otp, travellers}): the
// service's answer for each traveller, in their order, each token verified
// with its traveller's nonce first. One token that does not verify rejects
// the whole call: nothing of an answer that was tampered with reaches the
// host.
func (in *instance) finishFamily(args []js.Value) (any, error) {
	req := argObject(args, 0)
	ts, err := in.travellers(req)
	if err != nil {
		return nil, err
	}
	resp, err := in.post("/v1/otp/verify", map[string]any{
		"txn":        stringField(req, "txn"),
		"otp":        stringField(req, "otp"),
		"travellers": travellersJSON(ts),
	})
	if err != nil {
		return nil, err
	}
	tokens := resp.Get("tokens")
	if tokens.Type() != js.TypeObject || tokens.Get("length").Type() != js.TypeNumber || tokens.Length() != len(ts) {
		return nil, &moduleError{Code: "token_malformed", Message: "the answer does not have one result per traveller", AttemptsLeft: -1}
	}
	now := time.Now()
	out := make([]any, len(ts))
	for i, t := range ts {
		item := tokens.Index(i)
		if code := stringField(item, "error"); code != "" {
			out[i] = map[string]any{"error": code}
			continue
		}
		res, err := verifyToken(stringField(item, "token"), in.ks, in.entity, []string{t.nonce}, now)
		if err != nil {
			return nil, err
		}
		out[i] = res.js()
	}
	return out, nil
}

func (in *instance) needFamilyConfig() error {
	if in.base == "" || in.entity == "" || len(in.nonces) == 0 {
		return &moduleError{Code: "bad_config", Message: "newKYCVS needs base, entity and nonces for a family check", AttemptsLeft: -1}
	}
	return nil
}

func (in *instance) needConfig() error {
	if in.base == "" || in.entity == "" || in.nonce == "" {
		return &moduleError{Code: "bad_config", Message: "newKYCVS needs base, entity and nonce", AttemptsLeft: -1}
	}
	return nil
}

// post sends a JSON request with the browser's fetch (not net/http, which
// would add hundreds of KB to the module) and returns the decoded JSON body
// of a 2xx answer, or a moduleError built from the service's error body.
func (in *instance) post(path string, body map[string]any) (js.Value, error) {
	init := map[string]any{
		"method":      "POST",
		"headers":     map[string]any{"content-type": "application/json"},
		"body":        js.Global().Get("JSON").Call("stringify", js.ValueOf(body)),
		"credentials": "omit",
		"cache":       "no-store",
	}
	resp, err := await(js.Global().Call("fetch", in.base+path, init))
	if err != nil {
		return js.Undefined(), &moduleError{Code: "network", Message: err.Error(), AttemptsLeft: -1}
	}
	status := resp.Get("status").Int()
	data, err := await(resp.Call("json"))
	if err != nil || data.Type() != js.TypeObject {
		data = js.Global().Get("Object").New()
	}
	if status >= 200 && status < 300 {
		return data, nil
	}
	me := &moduleError{
		Code:         stringField(data, "error"),
		Message:      stringField(data, "message"),
		HTTPStatus:   status,
		AttemptsLeft: intField(data, "attempts_left", -1),
	}
	if me.Code == "" {
		me.Code = "http_" + strconv.Itoa(status)
	}
	if ra := resp.Get("headers").Call("get", "retry-after"); ra.Type() == js.TypeString {
		me.RetryAfter, _ = strconv.Atoi(ra.String())
	}
	if me.RetryAfter == 0 {
		me.RetryAfter = intField(data, "retry_after", 0)
	}
	return js.Undefined(), me
}

func (r *verifiedResult) js() map[string]any {
	return map[string]any{
		"status":     r.Status,
		"statusName": r.StatusName,
		"token":      r.Token,
		"exp":        r.Expires.Unix(),
		"kid":        r.KeyID,
	}
}

// newPromise returns a Promise settled by fn running on a new goroutine.
// A panic in fn rejects the Promise instead of killing the runtime, which
// would leave every widget on the page dead.
func newPromise(fn func() (any, error)) js.Value {
	executor := js.FuncOf(func(_ js.Value, args []js.Value) any {
		resolve, reject := args[0], args[1]
		go func() {
			defer func() {
				if r := recover(); r != nil {
					reject.Invoke(jsError(&moduleError{Code: "internal", Message: "panic: " + panicText(r), AttemptsLeft: -1}))
				}
			}()
			v, err := fn()
			if err != nil {
				reject.Invoke(jsError(err))
				return
			}
			resolve.Invoke(v)
		}()
		return nil
	})
	defer executor.Release() // the executor runs synchronously inside New
	return js.Global().Get("Promise").New(executor)
}

// await blocks the calling goroutine (never a js.Func callback) until p
// settles.
func await(p js.Value) (js.Value, error) {
	type settled struct {
		v   js.Value
		err error
	}
	ch := make(chan settled, 1)
	onOK := js.FuncOf(func(_ js.Value, a []js.Value) any {
		ch <- settled{v: arg(a, 0)}
		return nil
	})
	onErr := js.FuncOf(func(_ js.Value, a []js.Value) any {
		e := arg(a, 0)
		msg := "rejected"
		if e.Type() == js.TypeObject && e.Get("message").Type() == js.TypeString {
			msg = e.Get("message").String()
		} else if e.Type() == js.TypeString {
			msg = e.String()
		}
		ch <- settled{err: errors.New(msg)}
		return nil
	})
	defer onOK.Release()
	defer onErr.Release()
	p.Call("then", onOK, onErr)
	s := <-ch
	return s.v, s.err
}

func jsError(err error) js.Value {
	me, ok := err.(*moduleError)
	if !ok {
		me = &moduleError{Code: "internal", Message: err.Error(), AttemptsLeft: -1}
	}
	e := js.Global().Get("Error").New(me.Error())
	e.Set("name", "KYCVSError")
	e.Set("code", me.Code)
	if me.HTTPStatus != 0 {
		e.Set("httpStatus", me.HTTPStatus)
	}
	if me.AttemptsLeft >= 0 {
		e.Set("attemptsLeft", me.AttemptsLeft)
	}
	if me.RetryAfter > 0 {
		e.Set("retryAfter", me.RetryAfter)
	}
	return e
}

func arg(a []js.Value, i int) js.Value {
	if i < len(a) {
		return a[i]
	}
	return js.Undefined()
}

func argObject(a []js.Value, i int) js.Value {
	if v := arg(a, i); v.Type() == js.TypeObject {
		return v
	}
	return js.Global().Get("Object").New()
}

func stringField(o js.Value, name string) string {
	if o.Type() != js.TypeObject {
		return ""
	}
	if v := o.Get(name); v.Type() == js.TypeString {
		return v.String()
	}
	return ""
}

// stringsField reads an array of strings; anything else in it is skipped.
func stringsField(o js.Value, name string) []string {
	if o.Type() != js.TypeObject {
		return nil
	}
	v := o.Get(name)
	if v.Type() != js.TypeObject || !js.Global().Get("Array").Call("isArray", v).Bool() {
		return nil
	}
	var out []string
	for i := range v.Length() {
		if s := v.Index(i); s.Type() == js.TypeString {
			out = append(out, s.String())
		}
	}
	return out
}

func intField(o js.Value, name string, def int) int {
	if o.Type() != js.TypeObject {
		return def
	}
	if v := o.Get(name); v.Type() == js.TypeNumber {
		return v.Int()
	}
	return def
}

func bytesField(o js.Value, name string) []byte {
	if o.Type() != js.TypeObject {
		return nil
	}
	v := o.Get(name)
	if !v.InstanceOf(js.Global().Get("Uint8Array")) {
		return nil
	}
	b := make([]byte, v.Get("length").Int())
	js.CopyBytesToGo(b, v)
	return b
}

// panicText describes a recovered value without fmt, which the module
// avoids linking (it is a large part of a Go wasm binary).
func panicText(r any) string {
	switch v := r.(type) {
	case error:
		return v.Error()
	case string:
		return v
	}
	return "non-error value"
}

// startOTP posts a start (one traveller or a family) with the page's
// language and returns the transaction and its timers.
func (in *instance) startOTP(body map[string]any) (any, error) {
	if in.lang != "" {
		body["lang"] = in.lang
	}
	resp, err := in.post("/v1/otp", body)
	if err != nil {
		return nil, err
	}
	return map[string]any{
		"txn":       stringField(resp, "txn"),
		"expiresIn": intField(resp, "expires_in", 180),
		"resendIn":  intField(resp, "resend_in", 30),
	}, nil
}

//go:build js && wasm

package workers

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"sync"
	"syscall/js"

	"github.com/syumai/workers/internal/jshttp"
	"github.com/syumai/workers/internal/jsutil"
	"github.com/syumai/workers/internal/runtimecontext"
)

var (
	httpHandler http.Handler
	doneCh      = make(chan struct{})
	// KYCVS PATCH: a long-lived (pooled) instance serves many requests, and every
	// response body's Close used to close doneCh again, panicking on the second
	// request. Closing it once keeps Done's meaning ("the first response is done").
	doneOnce sync.Once
)

func init() {
	var handleRequestCallback js.Func
	handleRequestCallback = js.FuncOf(func(this js.Value, args []js.Value) any {
		reqObj := args[0]
		var cb js.Func
		cb = js.FuncOf(func(_ js.Value, pArgs []js.Value) any {
			defer cb.Release()
			resolve := pArgs[0]
			reject := pArgs[1]
			go func() {
				if len(args) > 1 {
					reject.Invoke(jsutil.Errorf("too many args given to handleRequest: %d", len(args)))
					return
				}
				res, err := handleRequest(reqObj)
				if err != nil {
					reject.Invoke(jsutil.Error(err.Error()))
					return
				}
				resolve.Invoke(res)
			}()
			return js.Undefined()
		})
		return jsutil.NewPromise(cb)
	})
	jsutil.Binding.Set("handleRequest", handleRequestCallback)
}

type appCloser struct {
	io.ReadCloser
}

func (c *appCloser) Close() error {
	defer doneOnce.Do(func() { close(doneCh) }) // KYCVS PATCH: idempotent, see doneOnce.
	return c.ReadCloser.Close()
}

// handleRequest accepts a Request object and returns Response object.
func handleRequest(reqObj js.Value) (js.Value, error) {
	if httpHandler == nil {
		return js.Value{}, fmt.Errorf("Serve must be called before handleRequest.")
	}
	req, err := jshttp.ToRequest(reqObj)
	if err != nil {
		return js.Value{}, err
	}
	ctx := runtimecontext.New(context.Background(), reqObj)
	req = req.WithContext(ctx)
	if jsutil.RuntimeContext.Get("pooled").Truthy() {
		return serveBuffered(req), nil
	}
	reader, writer := io.Pipe()
	w := &jshttp.ResponseWriter{
		HeaderValue: http.Header{},
		StatusCode:  http.StatusOK,
		Reader:      &appCloser{reader},
		Writer:      writer,
		ReadyCh:     make(chan struct{}),
	}
	go func() {
		defer w.Ready()
		defer writer.Close()
		httpHandler.ServeHTTP(w, req)
	}()
	<-w.ReadyCh
	return w.ToJSResponse(), nil
}

// bufferedResponseWriter collects a whole response.
//
// KYCVS PATCH: the pooling glue reads every response body to its end before
// it returns the instance to the pool, so streaming gains nothing there, and
// the stream bridge costs a goroutine, an io.Pipe and three JS→Go pull round
// trips per response. In pooled mode the handler runs to completion and the
// body is handed to JS as one Uint8Array. (http.Flusher is a no-op, as
// upstream's.)
type bufferedResponseWriter struct {
	header      http.Header
	status      int
	wroteHeader bool
	body        bytes.Buffer
}

func (w *bufferedResponseWriter) Header() http.Header { return w.header }

func (w *bufferedResponseWriter) WriteHeader(status int) {
	if !w.wroteHeader {
		w.wroteHeader = true
		w.status = status
	}
}

func (w *bufferedResponseWriter) Write(p []byte) (int, error) {
	w.WriteHeader(http.StatusOK)
	return w.body.Write(p)
}

func (w *bufferedResponseWriter) Flush() {}

func serveBuffered(req *http.Request) js.Value {
	w := &bufferedResponseWriter{header: http.Header{}, status: http.StatusOK}
	httpHandler.ServeHTTP(w, req)
	init := jsutil.NewObject()
	init.Set("status", w.status)
	init.Set("statusText", http.StatusText(w.status))
	init.Set("headers", jshttp.ToJSHeader(w.header))
	body := jsutil.Null
	switch w.status {
	case http.StatusSwitchingProtocols, http.StatusNoContent, http.StatusResetContent, http.StatusNotModified:
	default:
		if w.body.Len() > 0 {
			body = jsutil.NewUint8Array(w.body.Len())
			js.CopyBytesToJS(body, w.body.Bytes())
		}
	}
	return jsutil.ResponseClass.New(body, init)
}

// Serve serves http.Handler on a JS runtime.
// if the given handler is nil, http.DefaultServeMux will be used.
//
// KYCVS PATCH: when the glue marks the runtime context as pooled (runtime
// context property "pooled" is true), the instance is reused for later
// requests, so Serve never returns: returning would exit the Go program after
// the first response. The upstream glue (one instance per request) does not
// set it and keeps the upstream behaviour.
func Serve(handler http.Handler) {
	ServeNonBlock(handler)
	Ready()
	if jsutil.RuntimeContext.Get("pooled").Truthy() {
		select {}
	}
	<-Done()
}

// ServeNonBlock sets the http.Handler to be served but does not signal readiness or block
// indefinitely. The non-blocking form is meant to be used in conjunction with Ready and WaitForCompletion.
func ServeNonBlock(handler http.Handler) {
	if handler == nil {
		handler = http.DefaultServeMux
	}
	httpHandler = handler
}

//go:wasmimport workers ready
func ready()

// Ready must be called after all setups of the Go side's handlers are done.
func Ready() {
	ready()
}

// Done returns a channel which is closed when the handler is done.
func Done() <-chan struct{} {
	return doneCh
}

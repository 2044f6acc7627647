package api

import (
	"log"
	"net/http"
	"sort"
	"strings"

	"github.com/kycvs/kycvs/worker/otp"
	"github.com/kycvs/kycvs/worker/sms"
	"github.com/kycvs/kycvs/worker/store"
)

// Deps are what one request works with: the store bound to this request's
// database, the OTP engine over that store, and the SMS sender. The worker
// main makes them per request (inside workerd each request brings its own
// D1 binding, which another request may not use) and natively once; either
// way they are passed, never carried in a context.
type Deps struct {
	Store  store.BookingStore
	OTP    *otp.Engine
	Sender sms.Sender
}

// Endpoint is one method of a JSON route. body is the checked request body
// for POST and PATCH (application/json, at most MaxBody, UTF-8), nil
// otherwise. It returns the status and the response to encode, or an error
// that the error table (Public) turns into the response.
type Endpoint func(d *Deps, r *http.Request, body []byte) (int, any, error)

// Route is a path pattern (http.ServeMux syntax, {name} segments allowed)
// and either the JSON endpoints of its methods or, for the few routes that
// answer something else (the widget page, keys.json, the dev outbox), Raw.
type Route struct {
	Pattern string
	Methods map[string]Endpoint
	Raw     func(d *Deps, w http.ResponseWriter, r *http.Request)
}

// Router is the one adapter between HTTP and the endpoints: for every JSON
// route the same origin check (only the service's own pages may call from a
// browser), method check, body checks, and error and response encoding.
// http.ServeMux does the matching only; the request's Deps come with Serve.
type Router struct {
	origin string
	mux    *http.ServeMux
	routes map[string]*Route
}

// NewRouter returns a router for routes; serviceOrigin is the only browser
// origin its JSON routes answer.
func NewRouter(serviceOrigin string, routes ...Route) *Router {
	rt := &Router{origin: serviceOrigin, mux: http.NewServeMux(), routes: map[string]*Route{}}
	nop := http.HandlerFunc(func(http.ResponseWriter, *http.Request) {})
	for i := range routes {
		r := &routes[i]
		if _, dup := rt.routes[r.Pattern]; dup {
			panic("api: route " + r.Pattern + " twice")
		}
		rt.routes[r.Pattern] = r
		rt.mux.Handle(r.Pattern, nop)
	}
	return rt
}

// Serve answers r from its route, or 404 not_found.
func (rt *Router) Serve(w http.ResponseWriter, r *http.Request, d *Deps) {
	_, pattern := rt.mux.Handler(r)
	route := rt.routes[pattern]
	if route == nil {
		WriteError(w, r, E("not_found"))
		return
	}
	setPathValues(r, pattern)
	if route.Raw != nil {
		route.Raw(d, w, r)
		return
	}
	status, v, err := rt.serve(route, d, r)
	if err != nil {
		WriteError(w, r, err)
		return
	}
	WriteJSON(w, status, v)
}

func (rt *Router) serve(route *Route, d *Deps, r *http.Request) (int, any, error) {
	// Entity servers (POST /v1/tokens/verify) and vaccinators' machines
	// send no Origin; browsers send it on every cross-origin request and on
	// same-origin POSTs.
	if err := CheckOrigin(r, rt.origin); err != nil {
		return 0, nil, err
	}
	fn, ok := route.Methods[r.Method]
	if !ok {
		var allow []string
		for m := range route.Methods {
			allow = append(allow, m)
		}
		sort.Strings(allow)
		e := Ef("method_not_allowed", "use %s", strings.Join(allow, " or "))
		e.Header = http.Header{"Allow": {strings.Join(allow, ", ")}}
		return 0, nil, e
	}
	if r.Method != http.MethodPost && r.Method != http.MethodPatch {
		return fn(d, r, nil)
	}
	body, err := ReadBody(r)
	if err != nil {
		return 0, nil, err
	}
	return fn(d, r, body)
}

// setPathValues fills r's {name} path values from the matched pattern
// (ServeMux.Handler matches without setting them).
func setPathValues(r *http.Request, pattern string) {
	if !strings.Contains(pattern, "{") {
		return
	}
	ps := strings.Split(strings.TrimPrefix(pattern[strings.Index(pattern, "/"):], "/"), "/")
	segs := strings.Split(strings.TrimPrefix(r.URL.Path, "/"), "/")
	for i, p := range ps {
		if i < len(segs) && strings.HasPrefix(p, "{") && strings.HasSuffix(p, "}") {
			r.SetPathValue(strings.TrimSuffix(strings.TrimPrefix(p, "{"), "}"), segs[i])
		}
	}
}

// Recover answers a panicking request with a 500 JSON error and logs it;
// http.ErrAbortHandler passes through.
func Recover(w http.ResponseWriter, r *http.Request) {
	if v := recover(); v != nil {
		if v == http.ErrAbortHandler {
			panic(v)
		}
		log.Printf("panic serving %s %s: %v", r.Method, r.URL.Path, v)
		WriteError(w, r, E("internal"))
	}
}

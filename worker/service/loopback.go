package service

import (
	"net/http"
	"strings"

	"github.com/kycvs/kycvs/worker/origin"
)

// onLoopback says whether r was sent to a loopback host (the URL's host,
// else the Host header): the dev routes that hand out secrets or tokens
// answer only there, so even a dev deployment reachable from elsewhere
// shows nothing.
func onLoopback(r *http.Request) bool {
	host := r.URL.Hostname()
	if host == "" {
		host, _, _ = strings.Cut(r.Host, ":")
		if strings.HasPrefix(r.Host, "[") {
			host = strings.TrimPrefix(strings.SplitN(r.Host, "]", 2)[0], "[")
		}
	}
	return origin.IsLoopback(host)
}

module github.com/kycvs/kycvs

go 1.26.0

require (
	filippo.io/edwards25519 v1.2.0
	github.com/syumai/workers v0.32.0
	github.com/tinylib/msgp v1.6.5
	golang.org/x/text v0.44.0
	modernc.org/sqlite v1.62.0
)

// Tests and benchmarks only: headless Chromium for e2e/browser, and
// cloudflare/circl, the Ed25519 implementation keys/internal/signbench
// measures against crypto/ed25519.
require (
	github.com/chromedp/cdproto v0.159.0
	github.com/chromedp/chromedp v0.23.0
	github.com/cloudflare/circl v1.6.5
)

require (
	github.com/dustin/go-humanize v1.1.0 // indirect
	github.com/go-json-experiment/json v0.0.0-20260213210345-44df1a37e875 // indirect
	github.com/google/uuid v1.6.0 // indirect
	github.com/mattn/go-isatty v0.0.24 // indirect
	github.com/ncruces/go-strftime v1.1.0 // indirect
	github.com/philhofer/fwd v1.2.0 // indirect
	github.com/remyoudompheng/bigfft v0.0.0-20230129092748-24d4a6f8daec // indirect
	golang.org/x/crypto v0.54.0 // indirect
	golang.org/x/sys v0.49.0 // indirect
	modernc.org/libc v1.80.1 // indirect
	modernc.org/mathutil v1.7.1 // indirect
	modernc.org/memory v1.12.1 // indirect
)

replace github.com/syumai/workers => ./third_party/workers

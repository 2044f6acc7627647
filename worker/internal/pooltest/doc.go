// Command pooltest is a minimal Go Worker that proves the pooled glue in
// worker/glue: per-request env, ctx, timers and D1 calls stay with their own
// request while Go instances are reused, a panic fails only its own request,
// and memory stays flat. It also serves the benchmark workload that
// bench/jsref implements in plain JavaScript (parse a JSON body, one D1
// UPDATE … RETURNING, Ed25519-sign a 122-byte payload).
//
// It is a test fixture, not part of the service: it runs only in workerd
// (see pool_e2e_test.go and scripts/test.d/60-pool).
package main

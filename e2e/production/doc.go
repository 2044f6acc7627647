// Package production tests the production configuration end to end, the
// way a deployer produces it: a copy of the repository's tracked files with
// a freshly generated issuer key published in keys/published.json,
// scripts/build-site and scripts/build-worker run without flags, and the
// Worker run by `wrangler dev --env production` (workerd, a fresh local D1)
// with the secrets in .dev.vars.production. Only SERVICE_ORIGIN and
// SMS_WEBHOOK_URL are overridden, to the server's loopback URL and to an SMS
// gateway the test runs, which checks every message's signature.
//
// The copy also holds a developer's dev key (kycvs-admin devkeys), as a
// deployer's checkout would; the tests prove the production builds do not
// trust it, in the Worker and in the browser module, and that a development
// build started with the production configuration refuses to serve.
//
// The tests run only with KYCVS_E2E=1 (scripts/test.d/35-production), so
// plain `go test ./...` stays hermetic. The dev environment's end-to-end
// tests use internal/harness.Workerd instead.
package production

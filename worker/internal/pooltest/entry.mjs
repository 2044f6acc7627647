// Test entry for pooltest: wraps the project's glue so each request's env and
// ctx carry the request's own id (header x-request-id). The Go handler reads
// them back after its awaits; any sharing between requests shows as a
// mismatch. GET /__pool reports the glue's poolStats.
import glue, { poolStats } from "./worker.mjs";

export default {
  fetch(req, env, ctx) {
    if (new URL(req.url).pathname === "/__pool") {
      return Response.json(poolStats());
    }
    const id = req.headers.get("x-request-id") ?? "";
    const testEnv = Object.create(env, {
      KYCVS_TEST_REQUEST_ID: { value: id, enumerable: true },
    });
    const testCtx = {
      requestID: id,
      waitUntil: (p) => ctx.waitUntil(p),
      passThroughOnException: () => ctx.passThroughOnException(),
    };
    return glue.fetch(req, testEnv, testCtx);
  },
};

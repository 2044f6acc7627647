// Plain JavaScript reference Worker for scripts/bench.d/60-perf: the same work
// per request as the Go pooltest worker's endpoints (worker/internal/pooltest),
// so the Go numbers have a baseline measured on the same machine, same workerd
// and same local D1.
//
//   GET  /hello  constant JSON
//   POST /sign   parse a JSON body {id}, one D1 UPDATE … RETURNING, Ed25519-sign
//                a 122-byte payload (WebCrypto), JSON {n, sig}; with {"queries": N}
//                N D1 statements in turn (N-1 SELECTs first), about what the
//                service's /v1/otp and /v1/otp/verify make
//
// Like the Go side, the table is created once per isolate, not per request.

const counterRows = 64;

let keyPromise;
let setupPromise;

function signingKey() {
  // The fixed all-zero seed the Go side uses, as a PKCS#8 Ed25519 key.
  keyPromise ??= crypto.subtle.importKey(
    "pkcs8",
    new Uint8Array([
      0x30, 0x2e, 0x02, 0x01, 0x00, 0x30, 0x05, 0x06, 0x03, 0x2b, 0x65, 0x70, 0x04, 0x22, 0x04, 0x20,
      ...new Uint8Array(32),
    ]),
    { name: "Ed25519" },
    false,
    ["sign"],
  );
  return keyPromise;
}

function setup(db) {
  setupPromise ??= db.batch([
    db.prepare("CREATE TABLE IF NOT EXISTS counters (id INTEGER PRIMARY KEY, n INTEGER NOT NULL)"),
    db
      .prepare(
        "WITH RECURSIVE s(v) AS (SELECT 0 UNION ALL SELECT v + 1 FROM s WHERE v < ?1) INSERT OR IGNORE INTO counters (id, n) SELECT v, 0 FROM s",
      )
      .bind(counterRows - 1),
  ]);
  return setupPromise;
}

function json(status, value) {
  return new Response(JSON.stringify(value) + "\n", {
    status,
    headers: { "content-type": "application/json; charset=utf-8" },
  });
}

function base64url(bytes) {
  let s = "";
  for (const b of bytes) {
    s += String.fromCharCode(b);
  }
  return btoa(s).replaceAll("+", "-").replaceAll("/", "_").replace(/=+$/, "");
}

async function sign(req, env) {
  let input;
  try {
    input = await req.json();
  } catch (e) {
    return json(400, { error: "bad_json", message: String(e) });
  }
  await setup(env.DB);
  const row = ((Number(input.id) >>> 0) % counterRows) | 0;
  const queries = Math.min(Number(input.queries) | 0, 16);
  for (let i = 1; i < queries; i++) {
    await env.DB.prepare("SELECT n FROM counters WHERE id = ?1").bind((row + i) % counterRows).first();
  }
  const { n } = await env.DB.prepare("UPDATE counters SET n = n + 1 WHERE id = ?1 RETURNING n").bind(row).first();
  const payload = new Uint8Array(122);
  const view = new DataView(payload.buffer);
  view.setBigUint64(0, BigInt(n));
  view.setBigUint64(8, BigInt(row));
  const sig = new Uint8Array(await crypto.subtle.sign("Ed25519", await signingKey(), payload));
  return json(200, { n, sig: base64url(sig) });
}

export default {
  async fetch(req, env) {
    const { pathname } = new URL(req.url);
    if (req.method === "GET" && pathname === "/hello") {
      return json(200, { hello: "world" });
    }
    if (req.method === "POST" && pathname === "/sign") {
      return sign(req, env);
    }
    return json(404, { error: "not_found", message: "no such endpoint" });
  },
};

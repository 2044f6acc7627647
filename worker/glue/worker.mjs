// KYC-VS Worker glue: runs the Go (js/wasm) program in a bounded pool of
// long-lived instances instead of one fresh instance per request.
//
// Why: github.com/syumai/workers' generated glue instantiates and boots a new
// Go program for every request (~14 ms each, 5-18 % of a plain JS Worker's
// throughput). Reusing instances removes that cost, but a single shared
// instance is unsafe: requests overlapping in one instance read each other's
// env/ctx after an await, timers registered under one request are cancelled
// when that request ends ("code had hung"), and one panic kills every request
// in flight. So each instance serves exactly one request at a time:
//
//   - acquire: take an idle instance, or boot one if fewer than the pool size
//     are alive, or wait for one to be released. Every JS event that enters an
//     instance during a request (D1 results, timers, body reads) therefore
//     belongs to that request's I/O context.
//   - per request: the instance's runtime context gets this request's env and
//     ctx (the library reads both from it on every use). ctx is wrapped so the
//     glue can see every waitUntil promise.
//   - release: only after the response body has been read to the end (the
//     body is buffered here; the Go side serves small JSON and HTML, static
//     files are served by Workers Static Assets; in pooled mode the patched
//     library already hands over the whole body as one Uint8Array) and every
//     waitUntil promise has settled, so nothing of the request still runs in
//     the instance.
//   - exit/panic: an unrecovered Go panic exits the program; the request that
//     was in it gets a 500 JSON error, the instance is dropped, and the next
//     acquire boots a replacement. Other requests run in other instances and
//     are unaffected.
//
// The Go side must keep running after its first response: with "pooled" set
// in the runtime context, the patched workers.Serve (third_party/workers)
// blocks forever instead of returning.
//
// wasm_exec.js is copied from the Go toolchain at build time (it must match
// the compiler). Instead of patching it to expose a per-instance global
// `context` (what the upstream glue does), the glue sets globalThis.context
// only while the instance boots: Go's package initialisation runs
// synchronously inside go.run, and the library captures `context` then.
import "./wasm_exec.js";
import { connect } from "cloudflare:sockets";
import mod from "./app.wasm";

// Upper bound of live Go instances per isolate. Each holds its own wasm heap
// (a few MiB to tens of MiB), and Workers allow 128 MiB per isolate.
// Override with the GO_POOL_SIZE var (1..32).
const defaultPoolSize = 4;

// A request that keeps its instance longer than this is presumed lost (e.g.
// the client went away and workerd dropped the request's continuation, so
// release never ran); its instance is discarded so the pool cannot shrink to
// nothing. Well above the 30 s waitUntil allowance.
const leaseMillis = 120_000;

let poolSize = 0;
let live = 0; // booted or booting instances, idle or leased
const idle = [];
const leased = new Set();
const waiters = [];

globalThis.tryCatch ??= (fn) => {
  try {
    return { result: fn() };
  } catch (e) {
    return { error: e };
  }
};

function configure(env) {
  if (poolSize !== 0) {
    return;
  }
  const n = Number.parseInt(env?.GO_POOL_SIZE ?? "", 10);
  poolSize = Number.isInteger(n) && n >= 1 && n <= 32 ? n : defaultPoolSize;
}

async function boot(env, ctx) {
  const runtime = { env, ctx, connect, binding: {}, pooled: true };
  const go = new Go();
  let ready;
  const readyPromise = new Promise((resolve) => {
    ready = resolve;
  });
  const instance = new WebAssembly.Instance(mod, {
    ...go.importObject,
    workers: { ready: () => ready() },
  });
  const inst = { go, runtime, exited: false, leasedAt: 0, onExit: undefined };
  // wasm_exec calls exit synchronously when the program ends (e.g. an
  // unrecovered panic), inside the event of the request that was running in
  // the instance; the flag must be set before anything can lease it again.
  go.exit = (code) => {
    inst.exited = true;
    inst.onExit?.(new Error(`go program exited with code ${code}`));
  };
  let failed;
  const bootFailed = new Promise((_, reject) => {
    failed = reject;
  });
  inst.onExit = failed;
  globalThis.context = runtime;
  try {
    go.run(instance);
  } finally {
    delete globalThis.context;
  }
  // go.run's own promise settles on exit, possibly from a later request's
  // context, which workerd reports as a cross-request promise resolution.
  // Exit is observed through go.exit instead, so that promise never settles.
  go._resolveExitPromise = () => {};
  await Promise.race([readyPromise, bootFailed]);
  inst.onExit = undefined;
  return inst;
}

function lease(inst) {
  inst.leasedAt = Date.now();
  leased.add(inst);
  return inst;
}

async function acquire(env, ctx) {
  for (;;) {
    while (idle.length > 0) {
      const inst = idle.pop();
      if (!inst.exited) {
        return lease(inst);
      }
      live--;
    }
    if (live < poolSize) {
      live++;
      try {
        return lease(await boot(env, ctx));
      } catch (e) {
        live--;
        wake();
        throw e;
      }
    }
    reapLost();
    if (live < poolSize) {
      continue;
    }
    await waitForRelease();
  }
}

// waitForRelease waits until some instance is released. release() wakes the
// first waiter, but that wake-up comes from another request's context, and a
// request whose only pending work is a promise settled elsewhere is what
// workerd cancels as "hung". A timer of its own keeps the waiting request
// alive and doubles as a re-check should a wake-up be missed.
async function waitForRelease() {
  let wake;
  let timer;
  const woken = new Promise((resolve) => {
    wake = resolve;
  });
  waiters.push(wake);
  try {
    await Promise.race([
      woken,
      new Promise((resolve) => {
        timer = setTimeout(resolve, 20);
      }),
    ]);
  } finally {
    clearTimeout(timer);
    const i = waiters.indexOf(wake);
    if (i >= 0) {
      waiters.splice(i, 1);
    }
  }
}

function reapLost() {
  const now = Date.now();
  for (const inst of leased) {
    if (now - inst.leasedAt > leaseMillis) {
      leased.delete(inst);
      live--;
      console.error("kycvs glue: dropping an instance held for over", leaseMillis, "ms");
    }
  }
}

function wake() {
  const w = waiters.shift();
  if (w) {
    w();
  }
}

function release(inst) {
  if (!leased.delete(inst)) {
    return; // already reaped
  }
  inst.runtime.env = undefined;
  inst.runtime.ctx = undefined;
  if (inst.exited) {
    live--;
  } else {
    idle.push(inst);
  }
  wake();
}

// requestContext wraps the request's ExecutionContext so the glue learns of
// every waitUntil promise and keeps the instance until they have settled.
// Other properties are inherited from ctx.
function requestContext(ctx, pending) {
  return Object.create(ctx, {
    waitUntil: {
      value(p) {
        pending.push(p);
        ctx.waitUntil(p);
      },
    },
    passThroughOnException: {
      value() {
        ctx.passThroughOnException();
      },
    },
    props: {
      get() {
        return ctx.props;
      },
    },
  });
}

async function settle(pending) {
  for (let n = 0; n < pending.length; ) {
    const batch = pending.slice(n);
    n = pending.length;
    await Promise.allSettled(batch);
  }
}

function failure(status, code, message) {
  return new Response(JSON.stringify({ error: code, message }), {
    status,
    headers: {
      "content-type": "application/json; charset=utf-8",
      "cache-control": "no-store",
      "x-content-type-options": "nosniff",
    },
  });
}

async function fetch(req, env, ctx) {
  configure(env);
  let inst;
  try {
    inst = await acquire(env, ctx);
  } catch (e) {
    console.error("kycvs glue: cannot start the Go program:", e);
    return failure(503, "unavailable", "the service could not start");
  }
  const pending = [];
  inst.runtime.env = env;
  inst.runtime.ctx = requestContext(ctx, pending);
  // Created per request: a promise made in another request's context could
  // not wake this one.
  const died = new Promise((_, reject) => {
    inst.onExit = reject;
  });
  let res;
  let body = null;
  try {
    res = await Promise.race([inst.runtime.binding.handleRequest(req), died]);
    if (res.body !== null) {
      body = await Promise.race([res.arrayBuffer(), died]);
    }
  } catch (e) {
    console.error("kycvs glue: request failed:", e);
    res = undefined;
  } finally {
    inst.onExit = undefined;
    died.catch(() => {});
    if (pending.length === 0 || inst.exited) {
      release(inst);
    } else {
      ctx.waitUntil(settle(pending).finally(() => release(inst)));
    }
  }
  if (res === undefined) {
    return failure(500, "internal", "internal error");
  }
  return new Response(body, res);
}

// poolStats reports, per live instance, how many JS values the Go program
// holds references to and the size of its linear memory: the two numbers a
// leak of js.Func callbacks or of Go heap would grow. Not routed by the glue;
// tests and benchmarks wrap the worker to expose it.
export function poolStats() {
  const all = [...idle, ...leased];
  return {
    poolSize,
    live,
    idle: idle.length,
    leased: leased.size,
    instances: all
      .filter((inst) => !inst.exited)
      .map((inst) => ({
        jsValues: inst.go._ids?.size ?? 0,
        memoryBytes: inst.go._inst?.exports.mem.buffer.byteLength ?? 0,
      })),
  };
}

// scheduled runs the cron trigger's work (queued dose confirmations, purge)
// in a pooled instance like a request: a POST to /_kycvs/cron with an env
// that adds KYCVS_CRON=1. The Go side serves that path only when it sees
// that var, which no request from outside can set (its env is the
// Worker's own).
async function scheduled(event, env, ctx) {
  const cronEnv = Object.create(env, { KYCVS_CRON: { value: "1", enumerable: true } });
  const res = await fetch(new Request("https://kycvs.internal/_kycvs/cron", { method: "POST" }), cronEnv, ctx);
  if (!res.ok) {
    throw new Error(`kycvs cron: ${res.status} ${await res.text()}`);
  }
}

export default { fetch, scheduled };

// Test entry (harness Options.CountD1): wraps the Worker's glue so every
// D1 binding of a request's env counts the round trips the request makes
// to D1, and the response says how many, in x-kycvs-d1-round-trips
// (statements on the dev SMS outbox apart, in x-kycvs-d1-outbox: production
// sends SMS through a gateway, not D1). A round trip is a statement run
// (run, all, first, raw) or a batch. Only tests load this entry; the
// Worker that is deployed is the glue itself.
import glue from "GLUE";

function countingStatement(stmt, sql, count) {
  return new Proxy(stmt, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== "function") {
        return v;
      }
      if (prop === "bind") {
        return (...args) => countingStatement(v.apply(target, args), sql, count);
      }
      if (prop === "run" || prop === "all" || prop === "first" || prop === "raw") {
        return (...args) => {
          count(sql);
          return v.apply(target, args);
        };
      }
      return v.bind(target);
    },
  });
}

function countingD1(db, count) {
  return new Proxy(db, {
    get(target, prop) {
      const v = Reflect.get(target, prop, target);
      if (typeof v !== "function") {
        return v;
      }
      if (prop === "prepare") {
        return (sql) => countingStatement(v.call(target, sql), sql, count);
      }
      if (prop === "batch" || prop === "exec") {
        return (...args) => {
          count("");
          return v.apply(target, args);
        };
      }
      return v.bind(target);
    },
  });
}

export default {
  async fetch(req, env, ctx) {
    let trips = 0;
    let outbox = 0;
    const count = (sql) => {
      if (/\bsms_outbox\b/.test(sql)) {
        outbox++;
      } else {
        trips++;
      }
    };
    const props = {};
    for (const name of Object.keys(env)) {
      const b = env[name];
      if (b && typeof b === "object" && typeof b.prepare === "function" && typeof b.batch === "function") {
        props[name] = { value: countingD1(b, count), enumerable: true };
      }
    }
    const res = await glue.fetch(req, Object.create(env, props), ctx);
    const out = new Response(res.body, res);
    out.headers.set("x-kycvs-d1-round-trips", String(trips));
    out.headers.set("x-kycvs-d1-outbox", String(outbox));
    return out;
  },
  scheduled: glue.scheduled,
};

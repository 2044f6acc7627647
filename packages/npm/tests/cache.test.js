// The keyset cache against a real HTTP server that counts requests, on a
// clock the tests move: max-age honoured, unknown-kid refresh at most once a
// minute, the last good keyset kept when the server fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { generateKeyPairSync, sign as cryptoSign } from 'node:crypto';
import { KeysetCache, KEYSET_PATH, verify, keyId, parseKeyset } from '../index.js';
import { maxAgeMs } from '../lib/cache.js';

// An issuer key and a token signer, written here from SPEC.md §2–4 so the
// tests can make tokens for keys they publish.
function issuer() {
  const { publicKey, privateKey } = generateKeyPairSync('ed25519');
  const raw = publicKey.export({ format: 'der', type: 'spki' }).subarray(12);
  const kid = keyId(raw);
  const entry = { kid, key: `kycvs+${kid}+${Buffer.concat([Buffer.from([1]), raw]).toString('base64url')}`, not_before: '2026-01-01T00:00:00Z' };
  const str = (s) => { const b = Buffer.from(s); return Buffer.concat([Buffer.from([0xa0 | b.length]), b]); };
  const u32 = (v) => { const b = Buffer.alloc(5); b[0] = 0xce; b.writeUInt32BE(v, 1); return b; };
  const bin16 = (fill) => Buffer.concat([Buffer.from([0xc4, 16]), Buffer.alloc(16, fill)]);
  let n = 0;
  const token = ({ aud = 'ent_rail', nonce = 'nonce-1', iat = IAT } = {}) => {
    const payload = Buffer.concat([Buffer.from([0x8a]), str('v'), Buffer.from([1]), str('kid'), str(kid), str('iss'), str('https://kycvs.test'),
      str('aud'), str(aud), str('nonce'), str(nonce), str('st'), Buffer.from([2]), str('iat'), u32(iat), str('exp'), u32(iat + 300),
      str('jti'), bin16(++n), str('sub'), bin16(0xaa)]);
    const sig = cryptoSign(null, Buffer.concat([Buffer.from('kycvs/v1/attestation\0'), payload]), privateKey);
    return `kycvs1.${kid}.${payload.toString('base64url')}.${sig.toString('base64url')}`;
  };
  return { kid, entry, token };
}

const IAT = 1795608000;
const expect = { audience: 'ent_rail', nonce: 'nonce-1', now: IAT + 1 };

// A keyset service: the test sets what it answers and reads how often it was asked.
async function service(t) {
  const s = { status: 200, keys: [], cacheControl: 'public, max-age=300', body: null, hits: 0 };
  const server = createServer((req, res) => {
    s.hits++;
    if (req.url !== KEYSET_PATH) { res.writeHead(404).end(); return; }
    res.writeHead(s.status, { 'content-type': 'application/json', 'cache-control': s.cacheControl });
    res.end(s.body ?? JSON.stringify({ keys: s.keys }));
  });
  await new Promise((ok) => server.listen(0, '127.0.0.1', ok));
  t.after(() => new Promise((ok) => server.close(ok)));
  s.url = `http://127.0.0.1:${server.address().port}${KEYSET_PATH}`;
  s.publish = (...issuers) => { s.status = 200; s.body = null; s.keys = issuers.map((i) => i.entry); };
  s.fail = (status, body = '') => { s.status = status; s.body = body; };
  return s;
}

function clock() {
  let t = IAT * 1000;
  return { now: () => t, advance: (ms) => { t += ms; } };
}

async function fixture(t, opts = {}) {
  const a = issuer(), b = issuer(), svc = await service(t), c = clock();
  svc.publish(a);
  const cache = new KeysetCache(svc.url, { now: c.now, ...opts });
  const check = (tok) => verify(tok, { keysetCache: cache, ...expect });
  return { a, b, svc, clock: c, cache, check };
}

test('max-age is honoured', async (t) => {
  const f = await fixture(t);
  for (let i = 0; i < 3; i++) await f.check(f.a.token());
  assert.equal(f.svc.hits, 1, 'three tokens');
  f.clock.advance(299_000);
  await f.check(f.a.token());
  assert.equal(f.svc.hits, 1, '299 s later');
  f.clock.advance(1_000);
  await f.check(f.a.token());
  assert.equal(f.svc.hits, 2, 'at max-age');
});

test('maxAgeMs', () => {
  const h = (cc, age) => new Headers([...(cc ? [['cache-control', cc]] : []), ...(age ? [['age', age]] : [])]);
  const cases = [
    [h(), 300_000], [h('public, max-age=300'), 300_000], [h('Max-Age=90, public'), 90_000], [h('max-age="200"'), 200_000],
    [h('max-age=600', '240'), 360_000], [h('max-age=600', '900'), 60_000], [h('max-age=0'), 60_000], [h('max-age=5'), 60_000],
    [h('no-cache'), 60_000], [h('public, no-store, max-age=3600'), 60_000], [h('max-age=99999999999'), 86_400_000],
    [h('max-age=-5'), 300_000], [h('max-age=soon'), 300_000],
  ];
  for (const [headers, want] of cases) assert.equal(maxAgeMs(headers), want, JSON.stringify([...headers]));
});

test('an unknown key id refreshes at once, but at most once a minute', async (t) => {
  const f = await fixture(t);
  await f.check(f.a.token());
  await assert.rejects(f.check(f.b.token()), { code: 'token_unknown_key' });
  assert.equal(f.svc.hits, 1, 'an unknown key right after the first fetch');
  f.clock.advance(120_000); // still fresh (max-age 300)
  for (let i = 0; i < 20; i++) await assert.rejects(f.check(f.b.token()), { code: 'token_unknown_key' });
  assert.equal(f.svc.hits, 2, '20 tokens of an unknown key');
  f.clock.advance(59_000);
  await assert.rejects(f.check(f.b.token()), { code: 'token_unknown_key' });
  await f.check(f.a.token());
  assert.equal(f.svc.hits, 2, '59 s later');
  f.svc.publish(f.a, f.b);
  f.clock.advance(1_000);
  assert.equal((await f.check(f.b.token())).st, 2);
  assert.equal(f.svc.hits, 3, 'B published, a minute after the last fetch');
  await f.check(f.a.token());
  await f.check(f.b.token());
  assert.equal(f.svc.hits, 3, 'both known');
});

test('a key outside its window prompts no fetch', async (t) => {
  const f = await fixture(t);
  f.svc.keys = [{ ...f.a.entry, not_after: '2026-11-25T11:00:00Z' }];
  await assert.rejects(f.check(f.a.token()), { code: 'token_unknown_key' });
  f.clock.advance(120_000);
  await assert.rejects(f.check(f.a.token()), { code: 'token_unknown_key' });
  assert.equal(f.svc.hits, 1);
});

test('the last good keyset is kept when the server fails', async (t) => {
  const f = await fixture(t);
  await f.check(f.a.token());
  const failures = [[500, '{"error":"internal"}'], [200, '{"keys": ['], [200, JSON.stringify({ keys: [{ ...f.b.entry, kid: '00000000' }] })], [404, '']];
  for (const [status, body] of failures) {
    f.svc.fail(status, body);
    const before = f.svc.hits;
    f.clock.advance(600_000); // past max-age
    assert.ok(await f.cache.keyset());
    await f.check(f.a.token());
    assert.equal(f.svc.hits, before + 1, `${status} ${body}: one refetch`);
    f.clock.advance(59_000);
    await f.check(f.a.token());
    await assert.rejects(f.check(f.b.token()), { code: 'token_unknown_key' });
    assert.equal(f.svc.hits, before + 1, `${status} ${body}: no retry within the minute`);
  }
  f.svc.publish(f.b);
  f.clock.advance(1_000);
  await f.check(f.b.token());
  await assert.rejects(f.check(f.a.token()), { code: 'token_unknown_key' });
});

test('no keyset at all: keyset_unavailable, retried after a minute', async (t) => {
  const f = await fixture(t);
  f.svc.fail(503);
  for (let i = 0; i < 3; i++) {
    await assert.rejects(f.cache.keyset(), { code: 'keyset_unavailable' });
    await assert.rejects(f.check(f.a.token()), (e) => e.code === 'keyset_unavailable' && /status 503/.test(e.message));
  }
  assert.equal(f.svc.hits, 1);
  f.svc.publish(f.a);
  f.clock.advance(60_000);
  await f.check(f.a.token());
  assert.equal(f.svc.hits, 2);
});

test('a fallback keyset until the first fetch succeeds', async (t) => {
  const f = await fixture(t);
  f.cache = new KeysetCache(f.svc.url, { now: f.clock.now, fallback: { keys: [f.b.entry] } });
  f.svc.fail(502);
  await verify(f.b.token(), { keysetCache: f.cache, ...expect });
  f.svc.publish(f.a);
  f.clock.advance(60_000);
  await verify(f.a.token(), { keysetCache: f.cache, ...expect });
  assert.equal(f.svc.hits, 2);
});

test('concurrent callers share one request', async (t) => {
  const f = await fixture(t);
  const results = await Promise.all(Array.from({ length: 20 }, () => f.check(f.a.token())));
  assert.equal(results.length, 20);
  assert.equal(f.svc.hits, 1);
});

test('keysetURL: one cache per URL for the process', async (t) => {
  const a = issuer(), svc = await service(t);
  svc.publish(a);
  for (let i = 0; i < 3; i++) await verify(a.token(), { keysetURL: svc.url, ...expect });
  assert.equal(svc.hits, 1);
  assert.deepEqual(parseKeyset({ keys: [a.entry] }).kids, [a.kid]);
});

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { MemoryReplayStore, VerifyError } from '../index.js';

const T0 = 1795608000_000;
const claims = (id, aud, nonce, t = T0) => ({ jti: id.toString(16).padStart(32, '0'), aud, nonce, exp: t / 1000 + 300 });

function store() {
  let t = T0;
  const s = new MemoryReplayStore({ retentionMs: 15 * 60_000, now: () => t });
  return { s, advance: (ms) => { t += ms; }, now: () => t };
}

const used = (fn, what) => assert.throws(fn, (e) => e instanceof VerifyError && e.code === 'token_used', what);

test('a token is accepted once', () => {
  const { s, advance } = store();
  s.use(claims(1, 'ent_rail', 'n-1'));
  used(() => s.use(claims(1, 'ent_rail', 'n-1')), 'again');
  advance(4 * 60_000);
  used(() => s.use(claims(1, 'ent_rail', 'n-1')), '4 minutes later');
});

test('a nonce is accepted once, per audience; a refused use records nothing', () => {
  const { s } = store();
  s.use(claims(1, 'ent_rail', 'n-1'));
  used(() => s.use(claims(2, 'ent_rail', 'n-1')), 'a second token for n-1');
  s.use(claims(2, 'ent_rail', 'n-2'));
  s.use(claims(3, 'ent_hotel', 'n-1'));
  used(() => s.use(claims(1, 'ent_hotel', 'n-9')), 'token 1 at another audience');
  // An audience and nonce that concatenate alike are still different.
  s.use(claims(4, 'ent_a', 'b n'));
  s.use(claims(5, 'ent_a b', 'n'));
});

test('retention: a used nonce is remembered after its token expired', () => {
  const { s, advance, now } = store();
  s.use(claims(1, 'ent_rail', 'n-1'));
  advance(15 * 60_000 - 1);
  used(() => s.use(claims(2, 'ent_rail', 'n-1', now())), 'n-1 after its token expired');
  advance(1);
  s.use(claims(2, 'ent_rail', 'n-1', now()));
  s.use(claims(1, 'ent_rail', 'n-3', now()));
});

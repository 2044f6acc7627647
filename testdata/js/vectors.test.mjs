import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { verifyToken, parseKeyset, parsePublicKeyText } from './verify.mjs';

const vf = JSON.parse(readFileSync(new URL('../vectors.json', import.meta.url)));
const keyset = parseKeyset(vf.keyset);
const hex = (u) => Buffer.from(u).toString('hex');

test('vector file has cases of every kind', () => {
  const errors = new Set(vf.cases.map((c) => c.error ?? ''));
  for (const e of ['', 'token_malformed', 'token_unknown_key', 'token_signature', 'token_audience', 'token_nonce', 'token_expired', 'token_not_yet_valid']) assert.ok(errors.has(e), e);
});

for (const c of vf.cases) {
  test(c.name, async () => {
    const opts = { audience: c.audience, nonce: c.nonce, now: c.now };
    if (!c.error) {
      const got = await verifyToken(c.token, keyset, opts);
      assert.deepEqual({ ...got, jti: hex(got.jti), sub: hex(got.sub) }, c.attestation);
    } else {
      await assert.rejects(verifyToken(c.token, keyset, opts), (e) => e.code === c.error);
    }
  });
}

test('key text: a changed kid is refused', () => {
  const text = vf.keyset.keys[0].key;
  assert.throws(() => parsePublicKeyText(text.replace(/\+(.)/, (m, c) => '+' + (c === '0' ? '1' : '0'))));
});

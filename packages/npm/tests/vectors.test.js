import { test } from 'node:test';
import assert from 'node:assert/strict';
import { verify, verifyWithKeyset, parseKeyset, VerifyError, CODES } from '../index.js';
import { vectors, caseNamed, expectOf } from './helpers.js';

const keyset = parseKeyset(vectors.keyset);

test('the vector file has cases of every kind', () => {
  assert.ok(vectors.cases.length >= 40, `${vectors.cases.length} cases`);
  const errors = new Set(vectors.cases.map((c) => c.error ?? ''));
  for (const e of ['', 'token_malformed', 'token_unknown_key', 'token_signature', 'token_audience', 'token_nonce', 'token_expired', 'token_not_yet_valid']) assert.ok(errors.has(e), e);
  for (const e of errors) assert.ok(e === '' || CODES.includes(e), `vector error ${e} is not one of CODES`);
});

for (const c of vectors.cases) {
  test(`vector: ${c.name}`, async () => {
    if (!c.error) {
      assert.deepEqual(verifyWithKeyset(c.token, keyset, expectOf(c)), c.attestation);
      assert.deepEqual(await verify(c.token, { keyset: vectors.keyset, ...expectOf(c) }), c.attestation);
      return;
    }
    assert.throws(() => verifyWithKeyset(c.token, keyset, expectOf(c)), (e) => e instanceof VerifyError && e.code === c.error);
    await assert.rejects(verify(c.token, { keyset: JSON.stringify(vectors.keyset), ...expectOf(c) }), (e) => e.code === c.error);
  });
}

test('the worked example of SPEC.md §6: another nonce fails at step 7, 1795608300 at step 10', () => {
  const c = caseNamed('valid status 2');
  assert.equal(verifyWithKeyset(c.token, keyset, expectOf(c)).st, 2);
  assert.throws(() => verifyWithKeyset(c.token, keyset, { ...expectOf(c), nonce: 'n-other' }), { code: 'token_nonce' });
  assert.throws(() => verifyWithKeyset(c.token, keyset, { ...expectOf(c), now: 1795608300 }), { code: 'token_expired' });
  assert.throws(() => verifyWithKeyset(c.token, keyset, { ...expectOf(c), now: new Date(1795608300_000) }), { code: 'token_expired' });
  assert.equal(verifyWithKeyset(c.token, keyset, { ...expectOf(c), now: new Date(1795608299_000) }).st, 2);
});

// Every single-character change and every truncation of a valid token is
// refused, and with the code of the part changed.
test('every changed character and every truncation is refused', () => {
  const c = caseNamed('valid status 2');
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  const payloadStart = c.token.indexOf('.', 7) + 1;
  const sigStart = c.token.lastIndexOf('.') + 1;
  let n = 0;
  for (let i = 0; i < c.token.length; i++) {
    for (const ch of [alphabet[(alphabet.indexOf(c.token[i]) + 1) % 64] ?? 'A', '.', '=']) {
      if (ch === c.token[i]) continue;
      const bad = c.token.slice(0, i) + ch + c.token.slice(i + 1);
      assert.throws(() => verifyWithKeyset(bad, keyset, expectOf(c)), (e) => {
        assert.ok(e instanceof VerifyError, `${i}: ${e}`);
        // A changed character of the payload or signature text that still
        // decodes is a bad signature, never anything the payload says.
        if (i >= payloadStart && i < sigStart - 1 && /[A-Za-z0-9_-]/.test(ch)) assert.ok(['token_signature', 'token_malformed'].includes(e.code), `${i}: ${e.code}`);
        return true;
      }, `changed character ${i} to ${ch}`);
      n++;
    }
  }
  for (let i = 0; i < c.token.length; i++) {
    assert.throws(() => verifyWithKeyset(c.token.slice(0, i), keyset, expectOf(c)), VerifyError, `truncated to ${i}`);
  }
  assert.ok(n > 800, `${n} changes`);
});

test('audience and nonce are required', () => {
  const c = caseNamed('valid status 2');
  assert.throws(() => verifyWithKeyset(c.token, keyset, { audience: 'ent_railways', now: c.now }), TypeError);
  assert.throws(() => verifyWithKeyset(c.token, keyset, { nonce: c.nonce, audience: '', now: c.now }), TypeError);
});

test('exactly one keyset source', async () => {
  const c = caseNamed('valid status 2');
  await assert.rejects(verify(c.token, expectOf(c)), TypeError);
  await assert.rejects(verify(c.token, { keyset: vectors.keyset, keysetURL: 'http://x', ...expectOf(c) }), TypeError);
});

// The error codes are the service's one vocabulary, listed once, in
// docs/API.md's "Token verdicts"; the Go and Python tests read the same table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CODES, VerifyError } from '../index.js';
import { repo, vectors } from './helpers.js';

function documentedCodes() {
  const doc = readFileSync(new URL('docs/API.md', repo), 'utf8');
  const start = doc.indexOf('\n## Token verdicts\n');
  assert.ok(start >= 0, 'docs/API.md has no "## Token verdicts" section');
  let section = doc.slice(start + 1);
  const end = section.indexOf('\n## ', 1);
  if (end >= 0) section = section.slice(0, end);
  return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
}

test('CODES is the table of docs/API.md, in its order', () => {
  assert.deepEqual([...CODES], documentedCodes());
});

test('every vector error is a code', () => {
  for (const c of vectors.cases) if (c.error) assert.ok(CODES.includes(c.error), c.error);
});

test('VerifyError refuses codes outside the list', () => {
  assert.throws(() => new VerifyError('bad_signature', 'x'), TypeError);
  const e = new VerifyError('token_nonce', 'token nonce does not match');
  assert.equal(e.code, 'token_nonce');
  assert.equal(e.message, 'token_nonce: token nonce does not match');
  assert.ok(e instanceof Error);
});

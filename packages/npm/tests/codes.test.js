// The error codes are listed once, in docs/VERIFIERS.md; the Go and Python
// tests read the same table.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { CODES, VerifyError } from '../index.js';
import { repo, vectors } from './helpers.js';

function documentedCodes() {
  const doc = readFileSync(new URL('docs/VERIFIERS.md', repo), 'utf8');
  const start = doc.indexOf('\n## Error codes\n');
  assert.ok(start >= 0, 'docs/VERIFIERS.md has no "## Error codes" section');
  let section = doc.slice(start + 1);
  const end = section.indexOf('\n## ', 1);
  if (end >= 0) section = section.slice(0, end);
  return [...section.matchAll(/^\| `([a-z_]+)` \|/gm)].map((m) => m[1]);
}

test('CODES is the table of docs/VERIFIERS.md, in its order', () => {
  assert.deepEqual([...CODES], documentedCodes());
});

test('every vector error is a code', () => {
  for (const c of vectors.cases) if (c.error) assert.ok(CODES.includes(c.error), c.error);
});

test('VerifyError refuses codes outside the list', () => {
  assert.throws(() => new VerifyError('bad_signature', 'x'), TypeError);
  const e = new VerifyError('nonce', 'token nonce does not match');
  assert.equal(e.code, 'nonce');
  assert.equal(e.message, 'nonce: token nonce does not match');
  assert.ok(e instanceof Error);
});

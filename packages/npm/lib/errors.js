// The codes are a contract shared with the Go package (kycvs.ErrorCode) and
// the Python package, listed once in docs/API.md ("Token verdicts"); tests/codes.test.js
// holds this list to that table.

/** Every code a VerifyError can carry: SPEC.md §5's check names, then the two
 * an entity server's own verification adds. */
export const CODES = Object.freeze([
  'token_malformed', // §5 steps 1, 4, 8
  'token_unknown_key', // 2, 5
  'token_signature', // 3
  'token_audience', // 6
  'token_nonce', // 7
  'token_not_yet_valid', // 9
  'token_expired', // 10
  'token_used', // the token id or the nonce was accepted before
  'keyset_unavailable', // no usable keyset: not a verdict on the token
]);

const known = new Set(CODES);

/** A refusal. `code` is stable (one of CODES); `message` is for logs. */
export class VerifyError extends Error {
  constructor(code, message, options) {
    if (!known.has(code)) throw new TypeError(`unknown VerifyError code ${code}`);
    super(`${code}: ${message}`, options);
    this.name = 'VerifyError';
    this.code = code;
  }
}

export const fail = (code, message, options) => { throw new VerifyError(code, message, options); };

// Key ids, public key text and the keyset document (SPEC.md §1).

import { createHash } from 'node:crypto';
import { fail } from './errors.js';
import { keyObject, publicKeyProblem } from './ed25519.js';

/** Strict base64url (SPEC.md §4): no padding, nothing outside the alphabet,
 * no non-zero trailing bits. Returns null for anything else. */
export function base64url(s) {
  if (typeof s !== 'string' || !/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const b = Buffer.from(s, 'base64url');
  return b.toString('base64url') === s ? new Uint8Array(b) : null;
}

/** The key id of a 32-byte public key: 8 lowercase hex digits. */
export function keyId(raw) {
  return createHash('sha256').update('kycvs/v1/keyid\0').update(Buffer.from([1])).update(raw)
    .digest().subarray(0, 4).toString('hex');
}

/** Parses `kycvs+<kid>+<base64url(0x01 || key)>`, recomputing the kid and
 * refusing non-canonical and small-order keys. Returns {kid, raw, key}. */
export function parsePublicKeyText(text) {
  const m = typeof text === 'string' && /^kycvs\+([0-9a-f]{8})\+([A-Za-z0-9_-]+)$/.exec(text);
  const b = m && base64url(m[2]);
  if (!b || b.length !== 33) throw new Error(`malformed public key ${JSON.stringify(text)}`);
  if (b[0] !== 1) throw new Error(`public key ${JSON.stringify(text)}: algorithm byte ${b[0]}, want 1 (Ed25519)`);
  const raw = b.subarray(1);
  if (keyId(raw) !== m[1]) throw new Error(`public key ${JSON.stringify(text)}: key id is ${keyId(raw)}`);
  const problem = publicKeyProblem(raw);
  if (problem) throw new Error(`public key ${JSON.stringify(text)}: ${problem}`);
  return { kid: m[1], raw, key: keyObject(raw) };
}

// RFC 3339 as the Go service writes it (time.Time's JSON form); Date.parse
// alone would take many other forms.
const RFC3339 = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/;

function seconds(field, s) {
  const ms = typeof s === 'string' && RFC3339.test(s) ? Date.parse(s) : NaN;
  if (Number.isNaN(ms)) throw new Error(`${field} ${JSON.stringify(s)} is not an RFC 3339 time`);
  return ms / 1000;
}

/** A parsed keyset. Build one with parseKeyset. */
export class Keyset {
  #byKid = new Map();

  constructor(entries) {
    for (const e of entries) this.#byKid.set(e.kid, Object.freeze(e));
    Object.freeze(this);
  }

  /** The entry with key id kid, whatever its window, or undefined. */
  get(kid) { return this.#byKid.get(kid); }

  /** The key ids, in document order. */
  get kids() { return [...this.#byKid.keys()]; }
}

/** Parses the keyset document (an object, or its JSON text) as ParseKeyset in
 * Go does: only `keys`; each entry only kid, key, not_before and optional
 * not_after; kid the id of key; not_after after not_before; no key twice.
 * Throws VerifyError('keyset_unavailable') — a verifier with a bad keyset
 * has none. */
export function parseKeyset(doc) {
  try {
    const j = typeof doc === 'string' ? JSON.parse(doc) : doc;
    if (j === null || typeof j !== 'object' || Array.isArray(j)) throw new Error('not a JSON object');
    for (const k of Object.keys(j)) if (k !== 'keys') throw new Error(`unknown field ${JSON.stringify(k)}`);
    if (!Array.isArray(j.keys)) throw new Error('keys is not an array');
    const entries = j.keys.map((e, i) => {
      if (e === null || typeof e !== 'object' || Array.isArray(e)) throw new Error(`keys[${i}] is not an object`);
      for (const k of Object.keys(e)) {
        if (!['kid', 'key', 'not_before', 'not_after'].includes(k)) throw new Error(`keys[${i}]: unknown field ${JSON.stringify(k)}`);
      }
      const pk = parsePublicKeyText(e.key);
      if (e.kid !== pk.kid) throw new Error(`keys[${i}]: kid ${JSON.stringify(e.kid)} is not the id of its key`);
      const notBefore = seconds('not_before', e.not_before);
      const notAfter = e.not_after === undefined || e.not_after === null ? Infinity : seconds('not_after', e.not_after);
      if (!(notAfter > notBefore)) throw new Error(`key ${pk.kid}: not_after is not after not_before`);
      return { ...pk, notBefore, notAfter };
    });
    const kids = new Set(entries.map((e) => e.kid));
    if (kids.size !== entries.length) throw new Error('a key appears twice');
    return new Keyset(entries);
  } catch (e) {
    return fail('keyset_unavailable', `invalid keyset: ${e.message}`, { cause: e });
  }
}

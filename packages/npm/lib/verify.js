// SPEC.md §5, in order.

import { fail, VerifyError } from './errors.js';
import { decodePayload } from './msgpack.js';
import { base64url, Keyset, parseKeyset } from './keyset.js';
import { verifySignature } from './ed25519.js';
import { KeysetCache } from './cache.js';

const MAX_TOKEN_BYTES = 512;
const PREFIX = 'kycvs1.';
const CONTEXT = Buffer.from('kycvs/v1/attestation\0');
const MAX_LIFETIME = 300;
const MAX_SKEW = 60;

/** Splits the text form (§5 step 1). */
export function splitToken(token) {
  if (typeof token !== 'string') fail('token_malformed', 'token is not a string');
  if (Buffer.byteLength(token) > MAX_TOKEN_BYTES) fail('token_malformed', `${Buffer.byteLength(token)} bytes is too long`);
  if (!token.startsWith(PREFIX)) fail('token_malformed', `missing "${PREFIX}" prefix`);
  const parts = token.slice(PREFIX.length).split('.');
  if (parts.length !== 3) fail('token_malformed', 'want 4 dot-separated parts');
  const [kid, p64, s64] = parts;
  if (!/^[0-9a-f]{8}$/.test(kid)) fail('token_malformed', `bad key id ${JSON.stringify(kid)}`);
  const payload = base64url(p64);
  if (!payload || payload.length === 0) fail('token_malformed', 'payload is not base64url');
  const sig = base64url(s64);
  if (!sig || sig.length !== 64) fail('token_malformed', 'signature is not 64 bytes of base64url');
  return { kid, payload, sig };
}

function unixSeconds(now) {
  if (now === undefined) return Math.floor(Date.now() / 1000);
  if (now instanceof Date) return Math.floor(now.getTime() / 1000);
  if (typeof now === 'number' && Number.isFinite(now)) return now;
  throw new TypeError('now must be Unix seconds or a Date');
}

/** verifyWithKeyset is verify with a parsed Keyset, synchronously. */
export function verifyWithKeyset(token, keyset, { audience, nonce, now } = {}) {
  if (!(keyset instanceof Keyset)) throw new TypeError('keyset must come from parseKeyset');
  if (typeof audience !== 'string' || audience === '' || typeof nonce !== 'string' || nonce === '') {
    // A verifier that skipped either check would accept another entity's, or
    // another request's, token.
    throw new TypeError('audience and nonce are required');
  }
  const t = unixSeconds(now);
  const { kid, payload, sig } = splitToken(token);
  const entry = keyset.get(kid);
  if (!entry) fail('token_unknown_key', `unknown key id ${JSON.stringify(kid)}`);
  // The signature covers the bytes received; they are decoded only after.
  if (!verifySignature(entry.key, Buffer.concat([CONTEXT, payload]), sig)) fail('token_signature', 'invalid signature');
  const c = decodePayload(payload);
  if (c.v !== 1) fail('token_malformed', `version ${c.v}`);
  if (c.kid !== kid) fail('token_malformed', `payload key id ${JSON.stringify(c.kid)} differs from ${JSON.stringify(kid)}`);
  if (!(entry.notBefore <= c.iat && c.iat < entry.notAfter)) fail('token_unknown_key', `key ${kid} was not valid when the token was issued`);
  if (c.aud !== audience) fail('token_audience', `token is for ${JSON.stringify(c.aud)}`);
  if (c.nonce !== nonce) fail('token_nonce', 'token nonce does not match');
  if (!(c.iat < c.exp && c.exp <= c.iat + MAX_LIFETIME)) fail('token_malformed', `lifetime ${c.exp - c.iat} s`);
  if (c.iat > t + MAX_SKEW) fail('token_not_yet_valid', `issued at ${new Date(c.iat * 1000).toISOString()}`);
  if (!(t < c.exp)) fail('token_expired', `expired at ${new Date(c.exp * 1000).toISOString()}`);
  return c;
}

const caches = new Map(); // keysetURL → KeysetCache, for the life of the process
const parsed = new WeakMap(); // keyset document object → Keyset

function asKeyset(keyset) {
  if (keyset instanceof Keyset) return keyset;
  if (typeof keyset !== 'object' || keyset === null) return parseKeyset(keyset);
  let ks = parsed.get(keyset);
  if (!ks) parsed.set(keyset, (ks = parseKeyset(keyset)));
  return ks;
}

/**
 * Verifies a token (SPEC.md §5) and returns its claims, or throws a
 * VerifyError whose code names the check that failed. Exactly one of
 * keyset (a Keyset, or the keys.json document as an object or text),
 * keysetURL (fetched and cached, one cache per URL for the life of the
 * process) or keysetCache (a KeysetCache you made). With a cache, a token
 * whose key id the cached keyset lacks makes it fetch again (at most once a
 * minute) and verify once more.
 *
 * Single use is the caller's job afterwards: see MemoryReplayStore.
 */
export async function verify(token, opts = {}) {
  const { keyset, keysetURL, keysetCache } = opts;
  if ([keyset, keysetURL, keysetCache].filter((x) => x !== undefined).length !== 1) {
    throw new TypeError('pass exactly one of keyset, keysetURL, keysetCache');
  }
  if (keyset !== undefined) return verifyWithKeyset(token, asKeyset(keyset), opts);
  let cache = keysetCache;
  if (!cache) {
    cache = caches.get(keysetURL);
    if (!cache) caches.set(keysetURL, (cache = new KeysetCache(keysetURL)));
  }
  if (!(cache instanceof KeysetCache)) throw new TypeError('keysetCache must be a KeysetCache');
  const ks = await cache.keyset();
  try {
    return verifyWithKeyset(token, ks, opts);
  } catch (e) {
    // Refetch only for a key id missing from the set: published windows only close.
    if (!(e instanceof VerifyError && e.code === 'token_unknown_key') || ks.get(splitToken(token).kid)) throw e;
    let fresh;
    try {
      fresh = await cache.refresh();
    } catch {
      throw e;
    }
    if (fresh === ks) throw e;
    return verifyWithKeyset(token, fresh, opts);
  }
}

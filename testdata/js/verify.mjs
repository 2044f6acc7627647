// A KYC-VS token verifier written from SPEC.md alone, with two npm packages:
// @noble/ed25519 for the signature and @msgpack/msgpack for the payload. It
// is what an entity with a Node backend would write; the test below runs it
// on every case of ../vectors.json.
import * as ed from '@noble/ed25519';
import { decode } from '@msgpack/msgpack';
import { createHash } from 'node:crypto';

ed.hashes.sha512 = (m) => new Uint8Array(createHash('sha512').update(m).digest());

export class TokenError extends Error {
  constructor(code, message) { super(`${code}: ${message}`); this.code = code; }
}
const fail = (code, msg) => { throw new TokenError(code, msg); };

// SPEC §4: base64url without padding, strict (no padding, no stray bits).
function b64url(s) {
  if (!/^[A-Za-z0-9_-]*$/.test(s) || s.length % 4 === 1) return null;
  const b = Buffer.from(s, 'base64url');
  if (b.toString('base64url') !== s) return null; // non-zero trailing bits
  return new Uint8Array(b);
}

const sha256 = (...parts) => { const h = createHash('sha256'); for (const p of parts) h.update(p); return h.digest(); };

// SPEC §1: key id and public key text form.
export function keyId(pub) {
  return sha256(Buffer.from('kycvs/v1/keyid\0'), Buffer.from([1]), pub).subarray(0, 4).toString('hex');
}
export function parsePublicKeyText(s) {
  const m = /^kycvs\+([0-9a-f]{8})\+([A-Za-z0-9_-]+)$/.exec(s);
  const raw = m && b64url(m[2]);
  if (!raw || raw.length !== 33 || raw[0] !== 1) throw new Error(`malformed public key ${s}`);
  const pub = raw.subarray(1);
  if (keyId(pub) !== m[1]) throw new Error(`key id mismatch in ${s}`);
  // Canonical encoding, not small order (zip215=false gives the strict decoding).
  const p = ed.Point.fromBytes(pub, false);
  if (p.isSmallOrder()) throw new Error(`small-order key ${s}`);
  return pub;
}
export function parseKeyset(json) {
  return json.keys.map((k) => {
    const pub = parsePublicKeyText(k.key);
    if (k.kid !== keyId(pub)) throw new Error(`keyset kid ${k.kid} is not the id of its key`);
    return { kid: k.kid, pub, notBefore: Date.parse(k.not_before) / 1000, notAfter: k.not_after ? Date.parse(k.not_after) / 1000 : Infinity };
  });
}

const FIELDS = { v: 'int', kid: 'str', iss: 'str', aud: 'str', nonce: 'str', st: 'int', iat: 'int', exp: 'int', jti: 'bin', sub: 'bin' };
const STR_LEN = { kid: [8, 8], iss: [1, 128], aud: [1, 64], nonce: [1, 128] };
const INT_RANGE = { v: [0, 255], st: [0, 2], iat: [0, 2 ** 53 - 1], exp: [0, 2 ** 53 - 1] };
const CONTEXT = new TextEncoder().encode('kycvs/v1/attestation\0');

// SPEC §2: strict payload decoding.
function decodePayload(bytes) {
  let obj;
  try { obj = decode(bytes); } catch (e) { fail('token_malformed', `payload: ${e.message}`); } // also refuses trailing bytes
  if (obj === null || typeof obj !== 'object' || Array.isArray(obj) || obj instanceof Uint8Array) fail('token_malformed', 'payload is not a map');
  // Repeated keys collapse in a JS object: compare with the map header's count.
  const h = bytes[0];
  const count = (h & 0xf0) === 0x80 ? h & 0x0f : h === 0xde ? (bytes[1] << 8) | bytes[2] : h === 0xdf ? new DataView(bytes.buffer, bytes.byteOffset + 1, 4).getUint32(0) : -1;
  const keys = Object.keys(obj);
  if (count !== 10 || keys.length !== 10) fail('token_malformed', `want 10 fields, header says ${count}, got ${keys.length} distinct`);
  for (const k of keys) {
    const t = FIELDS[k], v = obj[k];
    if (!t) fail('token_malformed', `unknown field ${k}`);
    if (t === 'int' && !(Number.isSafeInteger(v) && v >= INT_RANGE[k][0] && v <= INT_RANGE[k][1])) fail('token_malformed', `${k} out of range`);
    if (t === 'str') {
      if (typeof v !== 'string') fail('token_malformed', `${k} is not a string`);
      const n = Buffer.byteLength(v, 'utf8');
      if (n < STR_LEN[k][0] || n > STR_LEN[k][1]) fail('token_malformed', `${k} length ${n}`);
    }
    if (t === 'bin' && !(v instanceof Uint8Array && v.length === 16)) fail('token_malformed', `${k} is not 16 bytes of binary`);
  }
  return obj;
}

// SPEC §5, in order.
export async function verifyToken(token, keyset, { audience, nonce, now }) {
  if (typeof token !== 'string' || token.length > 512) fail('token_malformed', 'too long');
  if (!token.startsWith('kycvs1.')) fail('token_malformed', 'prefix');
  const parts = token.slice(7).split('.');
  if (parts.length !== 3) fail('token_malformed', 'parts');
  const [kid, p64, s64] = parts;
  if (!/^[0-9a-f]{8}$/.test(kid)) fail('token_malformed', 'kid');
  const payload = b64url(p64), sig = b64url(s64);
  if (!payload || payload.length === 0) fail('token_malformed', 'payload encoding');
  if (!sig || sig.length !== 64) fail('token_malformed', 'signature encoding');
  const key = keyset.find((k) => k.kid === kid);
  if (!key) fail('token_unknown_key', kid);
  const msg = new Uint8Array(CONTEXT.length + payload.length);
  msg.set(CONTEXT); msg.set(payload, CONTEXT.length);
  // zip215: false = RFC 8032 strict, as Go's crypto/ed25519 (canonical R and S).
  if (!(await ed.verifyAsync(sig, msg, key.pub, { zip215: false }))) fail('token_signature', 'bad signature');
  const c = decodePayload(payload); // only now: the bytes are authentic
  if (c.v !== 1) fail('token_malformed', `version ${c.v}`);
  if (c.kid !== kid) fail('token_malformed', 'payload kid differs');
  if (!(key.notBefore <= c.iat && c.iat < key.notAfter)) fail('token_unknown_key', 'key not valid at iat');
  if (c.aud !== audience) fail('token_audience', c.aud);
  if (c.nonce !== nonce) fail('token_nonce', 'nonce');
  if (!(c.iat < c.exp && c.exp <= c.iat + 300)) fail('token_malformed', 'lifetime');
  if (c.iat > now + 60) fail('token_not_yet_valid', 'iat');
  if (!(now < c.exp)) fail('token_expired', 'exp');
  return c;
}

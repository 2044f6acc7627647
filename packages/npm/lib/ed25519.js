// Ed25519 as SPEC.md §1 wants it: node:crypto (OpenSSL) checks signatures —
// cofactorless, S < ℓ, R compared as bytes, as Go's crypto/ed25519 — but it
// accepts public keys SPEC.md refuses: non-canonical encodings and the 8
// small-order points (tests/ed25519.test.js shows OpenSSL verifying 122 of
// C2SP CCTV's signatures under such keys). So parsePublicKey refuses those
// keys itself, and verifySignature checks S < ℓ itself too, so that the
// rule does not rest on the OpenSSL build alone.

import { createPublicKey, verify as cryptoVerify } from 'node:crypto';

const P = 2n ** 255n - 19n;
const D = mod(-121665n * modPow(121666n, P - 2n));
const L = 2n ** 252n + 27742317777372353535851937790883648493n; // ℓ, the group order

// The canonical encodings of the 8 points of order dividing 8. A canonical
// key (y < p, no sign bit on x = 0) has small order exactly if it is one of
// these; tests/ed25519.test.js checks this against CCTV's flags.
const SMALL_ORDER = new Set([
  '0100000000000000000000000000000000000000000000000000000000000000', // identity
  'ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f', // order 2
  '0000000000000000000000000000000000000000000000000000000000000000', // order 4
  '0000000000000000000000000000000000000000000000000000000000000080',
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05', // order 8
  '26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a',
  'c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa',
]);

const SPKI_PREFIX = Buffer.from('302a300506032b6570032100', 'hex'); // SubjectPublicKeyInfo, id-Ed25519

function mod(a) { const r = a % P; return r < 0n ? r + P : r; }

function modPow(b, e) {
  let r = 1n;
  b = mod(b);
  for (; e > 0n; e >>= 1n) {
    if (e & 1n) r = (r * b) % P;
    b = (b * b) % P;
  }
  return r;
}

function littleEndian(bytes) {
  let v = 0n;
  for (let i = bytes.length - 1; i >= 0; i--) v = (v << 8n) | BigInt(bytes[i]);
  return v;
}

/** Why the 32 bytes are not a key SPEC.md §1 accepts, or null if they are. */
export function publicKeyProblem(raw) {
  if (raw.length !== 32) return `${raw.length} bytes, want 32`;
  const signBit = raw[31] >> 7;
  const y = littleEndian(raw) & ((1n << 255n) - 1n);
  if (y >= P) return 'non-canonical encoding (y ≥ p)';
  // x² = (y² − 1) / (d·y² + 1); the point exists if that is a square mod p.
  const y2 = mod(y * y);
  const x2 = mod((y2 - 1n) * modPow(D * y2 + 1n, P - 2n));
  if (x2 === 0n && signBit === 1) return 'non-canonical encoding (x = 0 with the sign bit set)';
  if (x2 !== 0n && modPow(x2, (P - 1n) / 2n) !== 1n) return 'not a point on the curve';
  if (SMALL_ORDER.has(Buffer.from(raw).toString('hex'))) return 'small-order point';
  return null;
}

/** A node:crypto KeyObject for 32 raw bytes already checked by publicKeyProblem. */
export function keyObject(raw) {
  return createPublicKey({ key: Buffer.concat([SPKI_PREFIX, raw]), format: 'der', type: 'spki' });
}

/** Verifies a 64-byte Ed25519 signature of message under a KeyObject. */
export function verifySignature(key, message, sig) {
  if (sig.length !== 64 || littleEndian(sig.subarray(32)) >= L) return false;
  return cryptoVerify(null, message, key, sig);
}

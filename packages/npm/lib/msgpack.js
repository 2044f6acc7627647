// A strict MessagePack reader for the one payload of SPEC.md §2, written
// from the spec rather than with a general decoder: a general decoder is
// lenient where a verifier must not be (it collapses repeated keys, keeps
// unknown ones, reads floats as numbers). It refuses anything but a map of
// exactly the ten fields, each once, each of its type and range, with no
// byte after the map. Integers may use any width (SPEC.md: verifiers MUST
// NOT depend on encoding width).

import { fail } from './errors.js';

const MAX_TIME = 2 ** 53 - 1;
const utf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

// field → [kind, min, max]: string length in bytes, or integer range.
const FIELDS = {
  v: ['int', 0, 255],
  kid: ['str', 8, 8],
  iss: ['str', 1, 128],
  aud: ['str', 1, 64],
  nonce: ['str', 1, 128],
  st: ['int', 0, 2],
  iat: ['int', 0, MAX_TIME],
  exp: ['int', 0, MAX_TIME],
  jti: ['bin', 16, 16],
  sub: ['bin', 16, 16],
};
const FIELD_COUNT = Object.keys(FIELDS).length;

const bad = (detail) => fail('token_malformed', `payload: ${detail}`);
const typeByte = (t) => '0x' + t.toString(16).padStart(2, '0');

class Reader {
  constructor(bytes) {
    this.b = bytes;
    this.i = 0;
  }

  next(n) {
    if (n > this.b.length - this.i) bad('truncated');
    const out = this.b.subarray(this.i, this.i + n);
    this.i += n;
    return out;
  }

  u8() { return this.next(1)[0]; }

  // len reads a big-endian length of n bytes (at most 2^32 − 1: exact).
  len(n) {
    let v = 0;
    for (const c of this.next(n)) v = v * 256 + c;
    return v;
  }

  mapHeader() {
    const t = this.u8();
    if ((t & 0xf0) === 0x80) return t & 0x0f;
    if (t === 0xde) return this.len(2);
    if (t === 0xdf) return this.len(4);
    return bad(`want a map, got type byte ${typeByte(t)}`);
  }

  str(field, min, max) {
    const t = this.u8();
    let n;
    if ((t & 0xe0) === 0xa0) n = t & 0x1f;
    else if (t === 0xd9) n = this.len(1);
    else if (t === 0xda) n = this.len(2);
    else if (t === 0xdb) n = this.len(4);
    else bad(`${field}: want a string, got type byte ${typeByte(t)}`);
    const b = this.next(n);
    if (n < min || n > max) bad(`${field}: length ${n} outside [${min}, ${max}]`);
    try {
      return utf8.decode(b);
    } catch {
      return bad(`${field}: invalid UTF-8`);
    }
  }

  bin(field, size) {
    const t = this.u8();
    let n;
    if (t === 0xc4) n = this.len(1);
    else if (t === 0xc5) n = this.len(2);
    else if (t === 0xc6) n = this.len(4);
    else bad(`${field}: want binary, got type byte ${typeByte(t)}`);
    const b = this.next(n);
    if (n !== size) bad(`${field}: want ${size} bytes, got ${n}`);
    return Buffer.from(b).toString('hex');
  }

  int(field, min, max) {
    const t = this.u8();
    let v; // a BigInt, so 64-bit values are exact until the range check
    if (t <= 0x7f) v = BigInt(t);
    else if (t >= 0xe0) v = BigInt(t - 0x100);
    else {
      const widths = { 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8 };
      const n = widths[t];
      if (n === undefined) bad(`${field}: want an integer, got type byte ${typeByte(t)}`);
      const b = this.next(n);
      v = 0n;
      for (const c of b) v = (v << 8n) | BigInt(c);
      if (t >= 0xd0) v = BigInt.asIntN(n * 8, v); // int8–int64: two's complement
    }
    if (v < BigInt(min) || v > BigInt(max)) bad(`${field}: ${v} outside [${min}, ${max}]`);
    return Number(v);
  }
}

/** Decodes payload bytes into the claims, jti and sub as lowercase hex. */
export function decodePayload(bytes) {
  const r = new Reader(bytes);
  const n = r.mapHeader();
  if (n !== FIELD_COUNT) bad(`want ${FIELD_COUNT} fields, got ${n}`);
  const claims = {};
  for (let i = 0; i < n; i++) {
    const name = r.str('key', 1, 8);
    if (!Object.hasOwn(FIELDS, name)) bad(`unknown field ${JSON.stringify(name)}`);
    if (Object.hasOwn(claims, name)) bad(`duplicate field ${JSON.stringify(name)}`);
    const [kind, min, max] = FIELDS[name];
    claims[name] = kind === 'int' ? r.int(name, min, max) : kind === 'str' ? r.str(name, min, max) : r.bin(name, min);
  }
  if (r.i !== bytes.length) bad(`${bytes.length - r.i} trailing bytes`);
  return Object.fromEntries(Object.keys(FIELDS).map((k) => [k, claims[k]])); // in SPEC.md's order
}

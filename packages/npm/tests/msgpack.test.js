// The strict payload reader (SPEC.md §2), with payloads built here byte by
// byte: every integer and length width a verifier must accept, and the
// shapes it must refuse.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { decodePayload } from '../lib/msgpack.js';
import { base64url } from '../lib/keyset.js';
import { caseNamed } from './helpers.js';


// Big-endian bytes of v (two's complement) in n bytes.
function bytesBE(v, n) {
  const out = [];
  let x = BigInt.asUintN(n * 8, BigInt(v));
  for (let i = 0; i < n; i++) { out.unshift(Number(x & 0xffn)); x >>= 8n; }
  return out;
}

const enc = {
  map: (n, w = 'fix') => (w === 'fix' ? [0x80 | n] : w === 16 ? [0xde, ...bytesBE(n, 2)] : [0xdf, ...bytesBE(n, 4)]),
  str(s, w = 'fix') {
    const b = [...Buffer.from(s)];
    if (w === 'fix') return [0xa0 | b.length, ...b];
    return { 8: [0xd9, b.length], 16: [0xda, ...bytesBE(b.length, 2)], 32: [0xdb, ...bytesBE(b.length, 4)] }[w].concat(b);
  },
  bin(hexOrBytes, w = 8) {
    const b = typeof hexOrBytes === 'string' ? [...Buffer.from(hexOrBytes, 'hex')] : hexOrBytes;
    return { 8: [0xc4, b.length], 16: [0xc5, ...bytesBE(b.length, 2)], 32: [0xc6, ...bytesBE(b.length, 4)] }[w].concat(b);
  },
  int(v, t) {
    if (t === undefined) return v >= 0 && v < 128 ? [v] : [0xd3, ...bytesBE(v, 8)];
    const n = { 0xcc: 1, 0xcd: 2, 0xce: 4, 0xcf: 8, 0xd0: 1, 0xd1: 2, 0xd2: 4, 0xd3: 8 }[t];
    return [t, ...bytesBE(v, n)];
  },
};

const claims = caseNamed('valid status 2').attestation;
// fields: [name, encoded value]; the default encoding of claims.
const goodFields = () => [
  ['v', enc.int(1)], ['kid', enc.str(claims.kid)], ['iss', enc.str(claims.iss)], ['aud', enc.str(claims.aud)],
  ['nonce', enc.str(claims.nonce)], ['st', enc.int(2)], ['iat', enc.int(claims.iat, 0xd2)], ['exp', enc.int(claims.exp, 0xd2)],
  ['jti', enc.bin(claims.jti)], ['sub', enc.bin(claims.sub)],
];
const payload = (fields, header = enc.map(fields.length)) => Uint8Array.from([...header, ...fields.flatMap(([k, v]) => [...(Array.isArray(k) ? k : enc.str(k)), ...v])]);
const withField = (name, v) => goodFields().map(([k, old]) => [k, k === name ? v : old]);

test('the encoder here writes SPEC.md §6 exactly', () => {
  const tok = caseNamed('valid status 2').token;
  assert.deepEqual(Buffer.from(payload(goodFields())), Buffer.from(base64url(tok.split('.')[2])));
  assert.deepEqual(decodePayload(payload(goodFields())), claims);
});

test('every integer and length width is accepted', () => {
  const variants = {
    'v uint8': withField('v', enc.int(1, 0xcc)), 'v uint16': withField('v', enc.int(1, 0xcd)),
    'v uint32': withField('v', enc.int(1, 0xce)), 'v uint64': withField('v', enc.int(1, 0xcf)),
    'v int8': withField('v', enc.int(1, 0xd0)), 'v int16': withField('v', enc.int(1, 0xd1)),
    'v int32': withField('v', enc.int(1, 0xd2)), 'v int64': withField('v', enc.int(1, 0xd3)),
    'iat uint32': withField('iat', enc.int(claims.iat, 0xce)), 'iat uint64': withField('iat', enc.int(claims.iat, 0xcf)),
    'iat int64': withField('iat', enc.int(claims.iat, 0xd3)),
    'iss str8': withField('iss', enc.str(claims.iss, 8)), 'nonce str16': withField('nonce', enc.str(claims.nonce, 16)),
    'aud str32': withField('aud', enc.str(claims.aud, 32)),
    'jti bin16': withField('jti', enc.bin(claims.jti, 16)), 'sub bin32': withField('sub', enc.bin(claims.sub, 32)),
  };
  for (const [name, f] of Object.entries(variants)) assert.deepEqual(decodePayload(payload(f)), claims, name);
  assert.deepEqual(decodePayload(payload(goodFields(), enc.map(10, 16))), claims, 'map16');
  assert.deepEqual(decodePayload(payload(goodFields(), enc.map(10, 32))), claims, 'map32');
  assert.deepEqual(decodePayload(payload(goodFields().reverse())), claims, 'another order');
  const keyStr8 = goodFields().map(([k, v]) => [enc.str(k, 8), v]);
  assert.deepEqual(decodePayload(payload(keyStr8)), claims, 'keys as str8');
  // 2^53 − 1 is the largest time, in any width.
  assert.equal(decodePayload(payload(withField('exp', enc.int(2 ** 53 - 1, 0xcf)))).exp, 2 ** 53 - 1);
});

test('refused shapes', () => {
  const fs = goodFields();
  const refuse = {
    'float iat': withField('iat', [0xcb, ...Buffer.from(new Float64Array([claims.iat]).buffer).reverse()]),
    'float32 st': withField('st', [0xca, 0x40, 0, 0, 0]),
    'nil nonce': withField('nonce', [0xc0]),
    'bool st': withField('st', [0xc3]),
    'st 3': withField('st', enc.int(3)),
    'st -1': withField('st', [0xff]),
    'st 2^64-1': withField('st', enc.int(2n ** 64n - 1n, 0xcf)),
    'iat -1 (int8)': withField('iat', enc.int(-1, 0xd0)),
    'iat -2^63': withField('iat', enc.int(-(2n ** 63n), 0xd3)),
    'iat 2^53': withField('iat', enc.int(2 ** 53, 0xcf)),
    'v 256': withField('v', enc.int(256, 0xcd)),
    'iss empty': withField('iss', enc.str('')),
    'iss 129 bytes': withField('iss', enc.str('i'.repeat(129), 8)),
    'aud 65 bytes': withField('aud', enc.str('a'.repeat(65), 8)),
    'nonce 129 bytes': withField('nonce', enc.str('n'.repeat(129), 8)),
    'kid 7 bytes': withField('kid', enc.str('1645168')),
    'iss invalid UTF-8': withField('iss', [0xa2, 0xc3, 0x28]),
    'iss lone surrogate': withField('iss', [0xa3, 0xed, 0xa0, 0x80]),
    'aud as binary': withField('aud', enc.bin([...Buffer.from(claims.aud)])),
    'jti as string': withField('jti', enc.str('a'.repeat(16))),
    'jti 15 bytes': withField('jti', enc.bin(claims.jti.slice(2))),
    'sub 17 bytes': withField('sub', enc.bin(claims.sub + '00')),
    'jti ext type': withField('jti', [0xd8, 0x01, ...Buffer.from(claims.jti, 'hex')]),
  };
  for (const [name, f] of Object.entries(refuse)) assert.throws(() => decodePayload(payload(f)), { code: 'token_malformed' }, name);
  const shapes = {
    'nine fields': payload(fs.slice(1)),
    'eleven fields': payload([...fs, ['x', enc.int(0)]]),
    'an unknown field instead of sub': payload([...fs.slice(0, 9), ['subj', enc.bin(claims.sub)]]),
    'a duplicate field': payload([...fs.slice(0, 9), ['st', enc.int(2)]]),
    'a key longer than any field': payload([...fs.slice(0, 9), ['subject__', enc.bin(claims.sub)]]),
    'a key as binary': payload([...fs.slice(0, 9), [enc.bin([...Buffer.from('sub')]), enc.bin(claims.sub)]]),
    'a header of 10 with 9 fields': payload(fs.slice(1), enc.map(10)),
    'a header of 9 with 10 fields': payload(fs, enc.map(9)),
    'an array': payload(fs, [0x9a]),
    'a trailing byte': Uint8Array.from([...payload(fs), 0xc0]),
    'two maps': Uint8Array.from([...payload(fs), ...payload(fs)]),
    'empty': new Uint8Array(0),
    'map32 of 2^32-1 entries': payload(fs, [0xdf, 0xff, 0xff, 0xff, 0xff]),
  };
  for (const [name, p] of Object.entries(shapes)) assert.throws(() => decodePayload(p), { code: 'token_malformed' }, name);
});

test('every truncation of a valid payload is refused', () => {
  const p = payload(goodFields());
  for (let i = 0; i < p.length; i++) assert.throws(() => decodePayload(p.subarray(0, i)), { code: 'token_malformed' }, `${i} bytes`);
});

// A length prefix that claims more than there is must not read past the end
// (nor allocate it).
test('lengths past the end are refused', () => {
  const fs = goodFields();
  for (const v of [[0xdb, 0xff, 0xff, 0xff, 0xff], [0xc6, 0x7f, 0xff, 0xff, 0xff], [0xda, 0xff, 0xff]]) {
    assert.throws(() => decodePayload(payload([...fs.slice(0, 9), ['sub', v]])), { code: 'token_malformed' });
  }
});

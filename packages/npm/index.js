// KYC-VS token verification for an entity's Node server (SPEC.md, in the
// repository this package comes from). No dependencies: node:crypto checks
// the signatures, lib/msgpack.js reads the payload.

export { CODES, VerifyError } from './lib/errors.js';
export { verify, verifyWithKeyset } from './lib/verify.js';
export { Keyset, parseKeyset, parsePublicKeyText, keyId } from './lib/keyset.js';
export { KeysetCache, KEYSET_PATH, MIN_REFRESH_MS } from './lib/cache.js';
export { MemoryReplayStore } from './lib/replay.js';

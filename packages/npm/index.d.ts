// Types of @kycvs/verify. Hand-written to mirror index.js; tests/types.test.js
// checks that every name declared here is exported and the reverse.

/** Every code a VerifyError carries: SPEC.md §5's check names (as in
 * testdata/vectors.json), then token_used and keyset_unavailable. The same
 * codes as Go's kycvs.ErrorCode and the Python package. */
export type Code =
  | 'token_malformed'
  | 'token_unknown_key'
  | 'token_signature'
  | 'token_audience'
  | 'token_nonce'
  | 'token_not_yet_valid'
  | 'token_expired'
  | 'token_used'
  | 'keyset_unavailable';

export const CODES: readonly Code[];

/** A refusal. Branch on `code`; `message` is for logs and may change. A
 * `keyset_unavailable` is your server's outage (answer 503), not the
 * person's. */
export class VerifyError extends Error {
  readonly name: 'VerifyError';
  readonly code: Code;
  constructor(code: Code, message: string, options?: { cause?: unknown });
}

/** The signed claims (SPEC.md §2); jti and sub in lowercase hex. */
export interface Claims {
  v: 1;
  kid: string;
  iss: string;
  aud: string;
  nonce: string;
  /** 0 not vaccinated, 1 partially, 2 fully */
  st: 0 | 1 | 2;
  /** Unix seconds */
  iat: number;
  /** Unix seconds */
  exp: number;
  /** token id: 32 hex digits; refuse one you have accepted before */
  jti: string;
  /** pairwise subject: 32 hex digits, the same person at your entity every time */
  sub: string;
}

/** The keys.json document (SPEC.md §1). */
export interface KeysetDocument {
  keys: Array<{ kid: string; key: string; not_before: string; not_after?: string | null }>;
}

export interface KeysetEntry {
  readonly kid: string;
  readonly raw: Uint8Array;
  /** Unix seconds */
  readonly notBefore: number;
  /** Unix seconds; Infinity when open-ended */
  readonly notAfter: number;
}

export class Keyset {
  private constructor();
  get(kid: string): KeysetEntry | undefined;
  readonly kids: string[];
}

/** Throws VerifyError('keyset_unavailable') for a document SPEC.md §1 refuses. */
export function parseKeyset(doc: KeysetDocument | string): Keyset;
/** Parses `kycvs+<kid>+…`; throws Error for a key SPEC.md §1 refuses. */
export function parsePublicKeyText(text: string): { kid: string; raw: Uint8Array };
export function keyId(raw: Uint8Array): string;

export interface Expect {
  /** your entity id */
  audience: string;
  /** the nonce your server issued for this request */
  nonce: string;
  /** Unix seconds or a Date; default now */
  now?: number | Date;
}

export type KeysetSource =
  | { keyset: Keyset | KeysetDocument | string; keysetURL?: never; keysetCache?: never }
  | { keysetURL: string; keyset?: never; keysetCache?: never }
  | { keysetCache: KeysetCache; keyset?: never; keysetURL?: never };

/** Verifies token (SPEC.md §5). Resolves to its claims or rejects with a VerifyError. */
export function verify(token: string, opts: Expect & KeysetSource): Promise<Claims>;
/** verify with a parsed keyset, synchronously. */
export function verifyWithKeyset(token: string, keyset: Keyset, expect: Expect): Claims;

export const KEYSET_PATH: '/.well-known/kycvs/keys.json';
export const MIN_REFRESH_MS: 60000;

export interface KeysetCacheOptions {
  /** used until the first fetch succeeds */
  fallback?: Keyset | KeysetDocument | string;
  fetch?: typeof globalThis.fetch;
  /** the cache's clock, ms */
  now?: () => number;
  timeoutMs?: number;
}

/** The issuer's keyset, fetched and cached as Go's kycvs.KeysetCache. */
export class KeysetCache {
  constructor(url: string, opts?: KeysetCacheOptions);
  /** The current keyset; rejects with keyset_unavailable only when there is none. */
  keyset(): Promise<Keyset>;
  /** Fetches now unless a fetch started in the last minute. */
  refresh(): Promise<Keyset>;
}

export interface ReplayStoreOptions {
  /** how long a use is remembered; default 24 h. At least your nonces' lifetime. */
  retentionMs?: number;
  now?: () => number;
}

/** Single use of token ids and nonces, in memory. */
export class MemoryReplayStore {
  constructor(opts?: ReplayStoreOptions);
  /** Records claims' jti and (aud, nonce); throws VerifyError('token_used') if either was. */
  use(claims: Claims): void;
}

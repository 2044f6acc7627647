// Type declarations for the KYC-VS browser module (wasm/, Go compiled to
// GOOS=js GOARCH=wasm). Mirrors main_js.go; keep the two in step.
//
// The module is loaded with wasm_exec.js from the same Go toolchain; after
// `new Go().run(instance)` has been called, `newKYCVS` is defined on the
// global object (window or the worker's self).

export {};

declare global {
  /** Creates one binding. Never throws: a missing config field rejects the first call that needs it (code "bad_config"). */
  function newKYCVS(config?: KYCVSConfig): KYCVSModule;
}

export interface KYCVSConfig {
  /** Service origin the API lives on, e.g. "https://kycvs.example" (no trailing slash). */
  base?: string;
  /** Registered entity id ("ent_…"): the audience every token must carry. */
  entity?: string;
  /** The host server's nonce for this check: every token must carry it. */
  nonce?: string;
  /** A family check's nonces, one per traveller (at most 6): each token must carry its traveller's. */
  nonces?: string[];
  /** Language of the OTP SMS ("en", "hi", "ur", "bn"); default: the entity's. */
  lang?: string;
}

export interface OTPStarted {
  /** Transaction id to pass to finish(). */
  txn: string;
  /** Seconds until the OTP expires. */
  expiresIn: number;
  /** Seconds until another OTP may be requested. */
  resendIn: number;
}

export interface VerifiedResult {
  /** 0 not vaccinated, 1 partially, 2 fully. */
  status: 0 | 1 | 2;
  statusName: "not_vaccinated" | "partially_vaccinated" | "fully_vaccinated";
  /** The signed token, for the host's server to verify again. */
  token: string;
  /** Expiry, Unix seconds. */
  exp: number;
  /** Id of the key that signed it. */
  kid: string;
}

/** One traveller of a family check: the name as registered, and the host server's nonce for them (one of config.nonces). */
export interface Traveller {
  name: string;
  nonce: string;
}

/** One traveller's result: a verified token, or the service's code for that traveller alone ("name_mismatch"). */
export type FamilyResult = VerifiedResult | { error: string };

export interface BenchResult {
  ms: number;
  ok: boolean;
  iterations: number;
}

export interface KYCVSModule {
  /** POST /v1/otp with the configured entity and nonce. */
  start(req: { mobile: string; name: string }): Promise<OTPStarted>;
  /** POST /v1/otp/verify, then verifies the returned token (signature, audience, nonce, expiry). Resolves only for a token that passed. */
  finish(req: { txn: string; otp: string }): Promise<VerifiedResult>;
  /** POST /v1/otp for a family check: one code to `mobile` for every traveller registered on it (1 to 6). Rejects "bad_request", sending nothing, for a nonce not in config.nonces. */
  startFamily(req: { mobile: string; travellers: Traveller[] }): Promise<OTPStarted>;
  /**
   * POST /v1/otp/verify with the same travellers, in the same order. Resolves with one result per traveller, in their
   * order, only after every token passed the checks of finish() with its own traveller's nonce; one token that does not
   * rejects the whole call (a token_* code).
   */
  finishFamily(req: { txn: string; otp: string; travellers: Traveller[] }): Promise<FamilyResult[]>;
  /**
   * Verifies a token against the embedded keyset; entity and nonce default to the config. A gate passes `nonces` (the
   * token's nonce must be one of them) and `now` (Unix ms, its own clock); the result then also says which nonce, `iat`
   * and `jti` (hex) for its replay check.
   */
  verify(token: string, expect?: { entity?: string; nonce?: string; nonces?: string[]; now?: number }): Promise<VerifiedResult & { nonce: string; iat: number; jti: string }>;
  /** Times `iterations` Ed25519 verifications (diagnostics for scripts/bench). */
  benchVerify(req: { publicKey: Uint8Array; message: Uint8Array; signature: Uint8Array; iterations?: number }): Promise<BenchResult>;
  /** Releases the Go funcs behind this object; it must not be used afterwards. */
  release(): void;
}

/** Every rejection is an Error with name "KYCVSError" and these fields. */
export interface KYCVSError extends Error {
  name: "KYCVSError";
  /**
   * Service error codes (e.g. "otp_incorrect", "otp_expired", "name_mismatch", "rate_limited", "http_<status>"),
   * "network", "bad_config", "bad_request", "internal", a token refusal (the verdicts of docs/API.md, the same names
   * as every verifier's): "token_malformed" | "token_unknown_key" | "token_signature" | "token_audience" |
   * "token_nonce" | "token_not_yet_valid" | "token_expired",
   * or "dev_keys_off_loopback": a development build (it trusts the dev key) refuses every call off 127.0.0.1, localhost and [::1].
   */
  code: string;
  httpStatus?: number;
  attemptsLeft?: number;
  /** Seconds, from Retry-After. */
  retryAfter?: number;
}

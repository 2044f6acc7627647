// Type declarations for embed.js, the KYC-VS script-tag loader
// (<script src="https://SERVICE/embed.js[?onload=fnName]" async>). It defines
// one global, KYCVS, and one element, <kycvs-check>.

export {};

declare global {
  const KYCVS: KYCVSLoader;
  interface HTMLElementTagNameMap {
    "kycvs-check": KYCVSCheckElement;
  }
  interface HTMLElementEventMap {
    "kycvs:shown": CustomEvent<{ id: string }>;
    "kycvs:ready": CustomEvent<{ id: string }>;
    "kycvs:result": CustomEvent<KYCVSResult | KYCVSTravellerResult[]>;
    "kycvs:error": CustomEvent<KYCVSError>;
    "kycvs:expired": CustomEvent<KYCVSResult | KYCVSTravellerResult[]>;
  }
}

/**
 * Every code the error callback can get: docs/API.md, "The host page's error codes" (worker/api/codes.go HostCodes;
 * a test holds this union to that list). Never a registry fact the person did not share: a name that matched nobody
 * is "not_verified".
 */
export type KYCVSErrorCode =
  | "unknown_entity"
  | "invalid_origin"
  | "invalid_nonce"
  | "csp_blocked"
  | "widget_timeout"
  | "module_unavailable"
  | "misconfigured"
  | "entity_misconfigured"
  | "network"
  | "unavailable"
  | "sms_unavailable"
  | "rate_limited"
  | "internal"
  | "invalid_mobile"
  | "invalid_name"
  | "invalid_otp"
  | "otp_incorrect"
  | "otp_expired"
  | "otp_locked"
  | "otp_superseded"
  | "otp_used"
  | "txn_unknown"
  | "travellers_mismatch"
  | "not_verified"
  | "token_malformed"
  | "token_unknown_key"
  | "token_signature"
  | "token_audience"
  | "token_nonce"
  | "token_not_yet_valid"
  | "token_expired";

export interface KYCVSError {
  code: KYCVSErrorCode;
  /** The widget can give no result without you: fix the setup, or reset with a fresh nonce. Otherwise the person goes on in the widget. */
  fatal: boolean;
}

export interface KYCVSResult {
  /** 0 not vaccinated, 1 partially, 2 fully. */
  status: 0 | 1 | 2;
  /** Signed token: send it to your server, which MUST verify it (audience, nonce, expiry) and accept it once. */
  token: string;
  /** Expiry, Unix seconds. onExpired fires then. */
  exp: number;
}

/** One traveller's result in a family check: a verified token, or "not_verified" (nobody of that name on the number). */
export type KYCVSTravellerResult = KYCVSResult | { error: KYCVSErrorCode };

export type KYCVSTheme = "auto" | "light" | "dark";

export interface KYCVSRenderOptions {
  /** Your registered entity id ("ent_…"). */
  entity: string;
  /** Nonce your server issued for this check (8–128 of A-Z a-z 0-9 . _ ~ -). Give this or travellers. */
  nonce?: string;
  /**
   * Several travellers (1 to 6), one nonce each, issued by your server exactly as for one. The person proves each
   * mobile number once and names every traveller. onResult and onExpired then get an array in this order; verify each
   * token on your server with its traveller's nonce. Declaratively: data-kycvs-nonces="N1 N2 N3".
   */
  travellers?: { nonce: string }[];
  /** "en" | "hi" | "ur" | "bn" | "mr" | "gu" | "pa" | "ta" | "te" | "kn" | "ml" | "or" | "as"; default: <html lang> if the widget speaks it, else the browser's languages. */
  lang?: string;
  /** "auto" (default) follows the person's prefers-color-scheme. */
  theme?: KYCVSTheme;
  /** Milliseconds until a widget that has not shown is reported ("widget_timeout" or why); default 10000. */
  timeout?: number;
  /** Name of a hidden input (one per traveller) put in the element and filled with the token: for server-rendered forms. Declaratively: data-kycvs-response-field[="name"] (default name "kycvs-response"). */
  responseField?: string;
  /** A result the module inside the widget has verified: one, or with travellers an array of every traveller's. */
  onResult?(r: KYCVSResult | KYCVSTravellerResult[]): void;
  /** Codes only, never personal data. */
  onError?(e: KYCVSError): void;
  /** With travellers: when the first of their tokens expires. */
  onExpired?(r: KYCVSResult | KYCVSTravellerResult[]): void;
  /** The form is on screen and accepts input. */
  onShown?(e: { id: string }): void;
  /** The verifier module has started as well. */
  onReady?(e: { id: string }): void;
}

export interface KYCVSHandle {
  readonly id: string;
  readonly element: Element;
  /** Start over in the same element; pass a fresh nonce (or fresh travellers) if your server consumed the old ones. */
  reset(opts?: { nonce?: string; travellers?: { nonce: string }[] }): void;
  remove(): void;
  /** The last result, or null before one (and after reset). */
  getResult(): KYCVSResult | KYCVSTravellerResult[] | null;
  /** A result came and its (first) token has expired. */
  isExpired(): boolean;
}

/**
 * <kycvs-check entity="ent_…" nonce="…" [nonces="N1 N2"] [lang] [theme] [timeout] [response-field]>: renders when
 * connected, removes itself when disconnected, starts over when its nonce changes. Works as is in plain HTML, React
 * and Vue; listen to the kycvs:* events.
 */
export interface KYCVSCheckElement extends HTMLElement {
  nonce: string;
  reset(opts?: { nonce?: string; travellers?: { nonce: string }[] }): void;
  getResult(): KYCVSResult | KYCVSTravellerResult[] | null;
  isExpired(): boolean;
}

export interface KYCVSLoader {
  readonly version: 1;
  /** The service origin (where embed.js came from); messages from any other origin are ignored. */
  readonly origin: string;
  render(el: Element | string, opts: KYCVSRenderOptions): KYCVSHandle;
  /** Checks a token in this page with the same module (loaded on demand in a Worker). Your server must still verify. */
  verify(token: string, expect: { entity: string; nonce: string }): Promise<{ status: 0 | 1 | 2; statusName: string; token: string; exp: number; kid: string }>;
  /** Renders every [data-kycvs-entity] element under root not rendered yet (done automatically on load). */
  scan(root?: ParentNode): void;
  reset(x: KYCVSHandle | Element | string, opts?: { nonce?: string; travellers?: { nonce: string }[] }): void;
  remove(x: KYCVSHandle | Element | string): void;
  getResult(x: KYCVSHandle | Element | string): KYCVSResult | KYCVSTravellerResult[] | null;
  isExpired(x: KYCVSHandle | Element | string): boolean;
  /** Calls cb(KYCVS), always asynchronously. Before the script has loaded, use embed.js?onload=fnName. */
  ready(cb: (kycvs: KYCVSLoader) => void): void;
  /** How many widgets are live. A widget whose element left the document is removed. */
  count(): number;
}

// Element events (bubbling CustomEvents): "kycvs:shown", "kycvs:ready",
// "kycvs:result" (detail: KYCVSResult, or with travellers KYCVSTravellerResult[]),
// "kycvs:error" (detail: KYCVSError), "kycvs:expired" (detail: as "kycvs:result").

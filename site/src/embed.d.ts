// Type declarations for embed.js, the KYC-VS script-tag loader
// (<script src="https://SERVICE/embed.js" async>). It defines one global.

export {};

declare global {
  const KYCVS: KYCVSLoader;
}

export interface KYCVSResult {
  /** 0 not vaccinated, 1 partially, 2 fully. */
  status: 0 | 1 | 2;
  /** Signed token: send it to your server, which MUST verify it (audience, nonce, expiry) and accept it once. */
  token: string;
  /** Expiry, Unix seconds. onExpired fires then. */
  exp: number;
}

/** One traveller's result in a family check: a verified token, or the service's code for that traveller alone ("name_mismatch": nobody of that name on the number). */
export type KYCVSTravellerResult = KYCVSResult | { error: string };

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
  /** A result the module inside the widget has verified: one, or with travellers an array of every traveller's. */
  onResult?(r: KYCVSResult | KYCVSTravellerResult[]): void;
  /** Codes only, never personal data: "token_refused", "otp_incorrect", "rate_limited", "module_unavailable", … */
  onError?(e: { code: string }): void;
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
}

// Element events (bubbling CustomEvents): "kycvs:shown", "kycvs:ready",
// "kycvs:result" (detail: KYCVSResult, or with travellers KYCVSTravellerResult[]),
// "kycvs:error" (detail: {code}), "kycvs:expired" (detail: as "kycvs:result").

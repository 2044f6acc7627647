// The keyset cache, with the Go package's semantics (kycvs.KeysetCache):
// fresh for the response's Cache-Control max-age less its Age (default 5
// minutes, at least a minute, at most a day); refetched at once for a token
// whose key id it lacks, but at most once a minute; the last good keyset
// kept, however old, when a fetch fails, and the next attempt no sooner than
// a minute later. Concurrent callers share one fetch.

import { fail } from './errors.js';
import { Keyset, parseKeyset } from './keyset.js';

export const KEYSET_PATH = '/.well-known/kycvs/keys.json';
export const DEFAULT_MAX_AGE_MS = 5 * 60_000;
export const MIN_REFRESH_MS = 60_000;
export const MAX_MAX_AGE_MS = 24 * 3_600_000;
const MAX_KEYSET_BYTES = 1 << 16;

/** How long a keyset response may be used, in ms (see the file comment). */
export function maxAgeMs(headers) {
  let ms = DEFAULT_MAX_AGE_MS;
  for (const dir of (headers.get('cache-control') ?? '').split(',')) {
    const [name, val = ''] = dir.trim().toLowerCase().split('=', 2);
    if (name === 'no-store' || name === 'no-cache') return MIN_REFRESH_MS;
    if (name === 'max-age') {
      const v = val.replace(/^"|"$/g, '');
      if (/^\d+$/.test(v)) ms = Math.min(Number(v) * 1000, MAX_MAX_AGE_MS);
    }
  }
  const age = headers.get('age') ?? '';
  if (/^\d+$/.test(age)) ms -= Math.min(Number(age) * 1000, MAX_MAX_AGE_MS);
  return Math.min(Math.max(ms, MIN_REFRESH_MS), MAX_MAX_AGE_MS);
}

export class KeysetCache {
  #url; #fetch; #now; #timeoutMs;
  #keyset; // last good, or the fallback, or undefined
  #freshUntil = -Infinity;
  #tried = -Infinity; // start of the last fetch, good or bad
  #lastError;
  #inflight; // Promise of the running fetch

  /**
   * @param {string} url the keyset document, normally the service origin + KEYSET_PATH
   * @param {object} [opts]
   * @param {Keyset|object|string} [opts.fallback] used until the first fetch succeeds
   * @param {typeof fetch} [opts.fetch] the fetch function (default: globalThis.fetch)
   * @param {() => number} [opts.now] the cache's clock in ms (default: Date.now)
   * @param {number} [opts.timeoutMs] per request (default 10 000)
   */
  constructor(url, { fallback, fetch = globalThis.fetch, now = Date.now, timeoutMs = 10_000 } = {}) {
    this.#url = String(url);
    this.#fetch = fetch;
    this.#now = now;
    this.#timeoutMs = timeoutMs;
    if (fallback !== undefined) this.#keyset = fallback instanceof Keyset ? fallback : parseKeyset(fallback);
  }

  /** The current keyset, fetched first if stale (and no fetch started in the
   * last minute). Rejects with VerifyError('keyset_unavailable') only when
   * there is no keyset at all. */
  keyset() { return this.#get(false); }

  /** Fetches now if the last fetch started at least a minute ago (a token
   * named a key id the keyset lacks); otherwise the current keyset. */
  refresh() { return this.#get(true); }

  async #get(unknownKey) {
    const now = this.#now();
    if (this.#keyset && now < this.#freshUntil && !unknownKey) return this.#keyset;
    if (!this.#inflight) {
      if (now - this.#tried < MIN_REFRESH_MS) return this.#answer();
      this.#tried = now;
      this.#inflight = this.#fetchOnce().finally(() => { this.#inflight = undefined; });
    }
    await this.#inflight;
    return this.#answer();
  }

  #answer() {
    if (this.#keyset) return this.#keyset;
    return fail('keyset_unavailable', `${this.#url}: ${this.#lastError?.message ?? 'no fetch yet'}`, { cause: this.#lastError });
  }

  async #fetchOnce() {
    try {
      const resp = await this.#fetch(this.#url, {
        headers: { accept: 'application/json' },
        signal: AbortSignal.timeout(this.#timeoutMs),
        redirect: 'follow',
      });
      if (resp.status !== 200) throw new Error(`status ${resp.status}`);
      const text = await resp.text();
      if (Buffer.byteLength(text) > MAX_KEYSET_BYTES) throw new Error(`keyset document over ${MAX_KEYSET_BYTES} bytes`);
      const ks = parseKeyset(text);
      this.#keyset = ks;
      this.#freshUntil = this.#now() + maxAgeMs(resp.headers);
      this.#lastError = undefined;
    } catch (e) {
      this.#lastError = e;
    }
  }
}

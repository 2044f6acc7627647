import { fail } from './errors.js';

export const DEFAULT_RETENTION_MS = 24 * 3_600_000;

/**
 * Single use of token ids and nonces in this process's memory, as Go's
 * kycvs.MemoryReplayStore: use(claims) records the token id and the
 * (audience, nonce) pair, or throws VerifyError('token_used') and records
 * nothing if either was recorded before. Each is remembered for the
 * retention (make it at least as long as your nonces stay valid), and a token
 * id at least until its token expires. A server with several processes needs
 * the same in its database instead: a unique key on each, as Go's
 * kycvs.SQLReplayStore has.
 */
export class MemoryReplayStore {
  #used = new Map(); // key → keep until (ms)
  #retentionMs; #now; #swept = -Infinity;

  constructor({ retentionMs = DEFAULT_RETENTION_MS, now = Date.now } = {}) {
    this.#retentionMs = retentionMs;
    this.#now = now;
  }

  use(claims) {
    const now = this.#now();
    if (now - this.#swept >= 60_000) {
      for (const [k, until] of this.#used) if (until <= now) this.#used.delete(k);
      this.#swept = now;
    }
    const keys = [`t ${claims.jti}`, `n ${claims.aud.length} ${claims.aud} ${claims.nonce}`];
    for (const k of keys) {
      if ((this.#used.get(k) ?? -Infinity) > now) {
        fail('token_used', k.startsWith('t') ? `token id ${claims.jti} was accepted before` : 'nonce was used before');
      }
    }
    const until = Math.max(now + this.#retentionMs, claims.exp * 1000);
    for (const k of keys) this.#used.set(k, until);
  }
}

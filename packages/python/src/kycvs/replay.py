"""Single use of token ids and nonces, in memory."""

from __future__ import annotations

import threading
import time
from typing import Callable

from .errors import fail
from .verify import Claims

DEFAULT_RETENTION = 24 * 3600.0


class MemoryReplayStore:
    """As Go's kycvs.MemoryReplayStore: use(claims) records the token id and
    the (audience, nonce) pair, or raises VerifyError('token_used') and
    records nothing if either was recorded before.

    Each is remembered for ``retention`` seconds (make it at least as long as
    your nonces stay valid: once a used nonce is forgotten, a new token for it
    would be accepted), and a token id at least until its token expires. A
    server with several processes needs the same in its database instead: a
    unique key on each, as Go's kycvs.SQLReplayStore has.
    """

    def __init__(self, *, retention: float = DEFAULT_RETENTION, now: Callable[[], float] = time.time) -> None:
        self._retention = retention
        self._now = now
        self._used: dict[tuple[str, str, str], float] = {}  # key → keep until
        self._swept = float("-inf")
        self._lock = threading.Lock()

    def use(self, claims: Claims) -> None:
        now = self._now()
        keys = [("t", "", claims.jti.hex()), ("n", claims.aud, claims.nonce)]
        with self._lock:
            if now - self._swept >= 60:
                self._used = {k: until for k, until in self._used.items() if until > now}
                self._swept = now
            for k in keys:
                if self._used.get(k, float("-inf")) > now:
                    fail("token_used", f"token id {k[2]} was accepted before" if k[0] == "t" else "nonce was used before")
            until = max(now + self._retention, float(claims.exp))
            for k in keys:
                self._used[k] = until

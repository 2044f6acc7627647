"""The keyset cache, with the Go package's semantics (kycvs.KeysetCache).

Fresh for the response's Cache-Control max-age less its Age (5 minutes if it
gives none; at least a minute, at most a day). Fetched again at once for a
token whose key id it lacks, but at most once a minute, so made-up key ids
cannot make a server hammer the service. A failed fetch (network error,
non-200 status, a document that does not parse) keeps the last good keyset,
however old, and the next attempt comes no sooner than a minute later.
Threads share one fetch.
"""

from __future__ import annotations

import threading
import time
import urllib.error
import urllib.request
from email.message import Message
from typing import Callable, Mapping, Optional, Union

from .errors import VerifyError
from .keyset import Keyset, KeysetDocument, parse_keyset

KEYSET_PATH = "/.well-known/kycvs/keys.json"
DEFAULT_MAX_AGE = 300.0
MIN_REFRESH = 60.0
MAX_MAX_AGE = 86400.0
_MAX_KEYSET_BYTES = 1 << 16

Headers = Union[Message, Mapping[str, str]]


def max_age(headers: Headers) -> float:
    """How long a keyset response may be used, in seconds."""
    seconds = DEFAULT_MAX_AGE
    for d in (headers.get("Cache-Control") or "").split(","):
        name, _, val = d.strip().lower().partition("=")
        if name in ("no-store", "no-cache"):
            return MIN_REFRESH
        if name == "max-age":
            v = val.strip('"')
            if v.isascii() and v.isdigit():
                seconds = min(float(v), MAX_MAX_AGE)
    age = headers.get("Age") or ""
    if age.isascii() and age.isdigit():
        seconds -= min(float(age), MAX_MAX_AGE)
    return min(max(seconds, MIN_REFRESH), MAX_MAX_AGE)


class KeysetCache:
    """The issuer's keyset at url (normally the service origin + KEYSET_PATH).

    Create one per service and keep it for the life of the process; it is
    safe to share between threads.
    """

    def __init__(
        self,
        url: str,
        *,
        fallback: Optional[Union[Keyset, KeysetDocument]] = None,
        timeout: float = 10.0,
        now: Callable[[], float] = time.time,
        opener: Optional[urllib.request.OpenerDirector] = None,
    ) -> None:
        """fallback is used until the first fetch succeeds (e.g. the keyset you
        shipped with); now is the cache's clock in seconds (tests); opener
        makes the requests (default: urllib's, which honours proxy settings)."""
        self._url = url
        self._timeout = timeout
        self._now = now
        self._opener = opener or urllib.request.build_opener()
        self._keyset: Optional[Keyset] = None
        if fallback is not None:
            self._keyset = fallback if isinstance(fallback, Keyset) else parse_keyset(fallback)
        self._fresh_until = float("-inf")
        self._tried = float("-inf")  # start of the last fetch, good or bad
        self._last_error: Optional[BaseException] = None
        self._state = threading.Lock()
        self._fetching = threading.Lock()  # one fetch at a time; waiters share its result

    def keyset(self) -> Keyset:
        """The current keyset, fetched first if stale (and no fetch started in
        the last minute). Raises VerifyError('keyset_unavailable') only when
        there is no keyset at all."""
        return self._get(unknown_key=False)

    def refresh(self) -> Keyset:
        """Fetches now unless a fetch started in the last minute (a token
        named a key id the keyset lacks); otherwise the current keyset."""
        return self._get(unknown_key=True)

    def _get(self, unknown_key: bool) -> Keyset:
        with self._state:
            if self._keyset is not None and self._now() < self._fresh_until and not unknown_key:
                return self._keyset
        with self._fetching:
            # Decided again under the fetch lock: a thread that waited here
            # finds the fetch it waited for as the one of the last minute.
            with self._state:
                now = self._now()
                if self._keyset is not None and now < self._fresh_until and not unknown_key:
                    return self._keyset
                if now - self._tried < MIN_REFRESH:
                    return self._answer()
                self._tried = now
            try:
                ks, fresh_for = self._request()
            except Exception as e:  # noqa: BLE001 - any failure keeps the last good keyset
                with self._state:
                    self._last_error = e
                    return self._answer()
            with self._state:
                self._keyset, self._fresh_until, self._last_error = ks, self._now() + fresh_for, None
                return ks

    def _answer(self) -> Keyset:
        if self._keyset is not None:
            return self._keyset
        raise VerifyError("keyset_unavailable", f"{self._url}: {self._last_error or 'no fetch yet'}") from self._last_error

    def _request(self) -> tuple[Keyset, float]:
        req = urllib.request.Request(self._url, headers={"Accept": "application/json"})
        try:
            resp = self._opener.open(req, timeout=self._timeout)
        except urllib.error.HTTPError as e:
            e.close()  # kept as the last error, it would hold the connection open
            raise OSError(f"status {e.code}") from None
        with resp:
            if resp.status != 200:
                raise OSError(f"status {resp.status}")
            body = resp.read(_MAX_KEYSET_BYTES + 1)
            if len(body) > _MAX_KEYSET_BYTES:
                raise ValueError(f"keyset document over {_MAX_KEYSET_BYTES} bytes")
            return parse_keyset(body), max_age(resp.headers)

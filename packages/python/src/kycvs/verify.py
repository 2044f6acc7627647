"""SPEC.md §5, in order."""

from __future__ import annotations

import hmac
import threading
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Optional, Union

from ._ed25519 import verify_signature
from ._msgpack import decode_payload
from .cache import KeysetCache
from .errors import VerifyError, fail
from .keyset import Keyset, KeysetDocument, b64url, parse_keyset

MAX_TOKEN_BYTES = 512
PREFIX = "kycvs1."
CONTEXT = b"kycvs/v1/attestation\x00"
MAX_LIFETIME = 300
MAX_SKEW = 60


@dataclass(frozen=True)
class Claims:
    """The signed claims (SPEC.md §2)."""

    v: int
    kid: str
    iss: str
    aud: str
    nonce: str
    st: int  #: 0 not vaccinated, 1 partially, 2 fully
    iat: int  #: issued at, Unix seconds
    exp: int  #: expires at, Unix seconds
    jti: bytes  #: token id, 16 bytes: refuse one you have accepted before
    sub: bytes  #: pairwise subject, 16 bytes: the same person at your entity every time


def split_token(token: str) -> tuple[str, bytes, bytes]:
    """Splits the text form (§5 step 1) into kid, payload and signature."""
    if not isinstance(token, str):
        fail("token_malformed", "token is not a string")
    n = len(token.encode("utf-8", "surrogatepass"))
    if n > MAX_TOKEN_BYTES:
        fail("token_malformed", f"{n} bytes is too long")
    if not token.startswith(PREFIX):
        fail("token_malformed", f'missing "{PREFIX}" prefix')
    parts = token[len(PREFIX):].split(".")
    if len(parts) != 3:
        fail("token_malformed", "want 4 dot-separated parts")
    kid, p64, s64 = parts
    if len(kid) != 8 or any(c not in "0123456789abcdef" for c in kid):
        fail("token_malformed", f"bad key id {kid!r}")
    payload = b64url(p64)
    if not payload:
        fail("token_malformed", "payload is not base64url")
    sig = b64url(s64)
    if sig is None or len(sig) != 64:
        fail("token_malformed", "signature is not 64 bytes of base64url")
    return kid, payload, sig


Now = Union[int, float, datetime, None]


def _unix(now: Now) -> int:
    if now is None:
        now = datetime.now(timezone.utc)
    if isinstance(now, datetime):
        if now.tzinfo is None:
            raise TypeError("now must be an aware datetime")
        return int(now.timestamp() // 1)
    if isinstance(now, bool) or not isinstance(now, (int, float)):
        raise TypeError("now must be Unix seconds or a datetime")
    return int(now // 1)


def _iso(t: int) -> str:
    return datetime.fromtimestamp(t, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def verify_with_keyset(token: str, keyset: Keyset, *, audience: str, nonce: str, now: Now = None) -> Claims:
    """verify with a parsed Keyset, and no fetching."""
    if not isinstance(keyset, Keyset):
        raise TypeError("keyset must come from parse_keyset")
    if not audience or not nonce or not isinstance(audience, str) or not isinstance(nonce, str):
        # A verifier that skipped either check would accept another entity's,
        # or another request's, token.
        raise TypeError("audience and nonce are required")
    t = _unix(now)
    kid, payload, sig = split_token(token)
    entry = keyset.get(kid)
    if entry is None:
        fail("token_unknown_key", f"unknown key id {kid!r}")
    # The signature covers the bytes received; they are decoded only after.
    if not verify_signature(entry.key, CONTEXT + payload, sig):
        fail("token_signature", "invalid signature")
    c = decode_payload(payload)
    if c["v"] != 1:
        fail("token_malformed", f"version {c['v']}")
    if c["kid"] != kid:
        fail("token_malformed", f"payload key id {c['kid']!r} differs from {kid!r}")
    if not entry.not_before <= c["iat"] < entry.not_after:
        fail("token_unknown_key", f"key {kid} was not valid when the token was issued")
    if not hmac.compare_digest(c["aud"].encode(), audience.encode()):
        fail("token_audience", f"token is for {c['aud']!r}")
    if not hmac.compare_digest(c["nonce"].encode(), nonce.encode()):
        fail("token_nonce", "token nonce does not match")
    if not c["iat"] < c["exp"] <= c["iat"] + MAX_LIFETIME:
        fail("token_malformed", f"lifetime {c['exp'] - c['iat']} s")
    if c["iat"] > t + MAX_SKEW:
        fail("token_not_yet_valid", f"issued at {_iso(c['iat'])}")
    if not t < c["exp"]:
        fail("token_expired", f"expired at {_iso(c['exp'])}")
    return Claims(**c)


_caches: dict[str, KeysetCache] = {}
_caches_lock = threading.Lock()


def verify(
    token: str,
    *,
    audience: str,
    nonce: str,
    keyset: Optional[Union[Keyset, KeysetDocument]] = None,
    keyset_url: Optional[str] = None,
    keyset_cache: Optional[KeysetCache] = None,
    now: Now = None,
) -> Claims:
    """Verifies a token (SPEC.md §5) and returns its claims, or raises a
    VerifyError whose code names the check that failed.

    Give exactly one of keyset (a Keyset, or the keys.json document as text or
    a parsed object), keyset_url (fetched and cached, one cache per URL for
    the life of the process) or keyset_cache (a KeysetCache you made). With a
    cache, a token whose key id the cached keyset lacks makes it fetch again
    (at most once a minute) and verify once more.

    Single use is the caller's job afterwards: see MemoryReplayStore.
    """
    if sum(x is not None for x in (keyset, keyset_url, keyset_cache)) != 1:
        raise TypeError("give exactly one of keyset, keyset_url, keyset_cache")
    if keyset is not None:
        ks = keyset if isinstance(keyset, Keyset) else parse_keyset(keyset)
        return verify_with_keyset(token, ks, audience=audience, nonce=nonce, now=now)
    cache = keyset_cache
    if cache is None:
        assert keyset_url is not None
        with _caches_lock:
            cache = _caches.get(keyset_url)
            if cache is None:
                cache = _caches[keyset_url] = KeysetCache(keyset_url)
    ks = cache.keyset()
    try:
        return verify_with_keyset(token, ks, audience=audience, nonce=nonce, now=now)
    except VerifyError as e:
        # Fetch again only for a key id missing from the set: published
        # windows only ever close.
        if e.code != "token_unknown_key" or ks.get(split_token(token)[0]) is not None:
            raise
        try:
            fresh = cache.refresh()
        except VerifyError:
            raise e from None
        if fresh is ks:
            raise
        return verify_with_keyset(token, fresh, audience=audience, nonce=nonce, now=now)

"""Key ids, public key text and the keyset document (SPEC.md §1)."""

from __future__ import annotations

import base64
import hashlib
import json
import math
import re
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Iterable, Mapping, Optional, Union, cast

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

from ._ed25519 import load_public_key, public_key_problem
from .errors import fail

_B64URL = re.compile(r"[A-Za-z0-9_-]*")


def b64url(s: str) -> Optional[bytes]:
    """Strict base64url (SPEC.md §4): no padding, nothing outside the
    alphabet, no non-zero trailing bits. None for anything else."""
    if not isinstance(s, str) or not _B64URL.fullmatch(s) or len(s) % 4 == 1:
        return None
    b = base64.urlsafe_b64decode(s + "=" * (-len(s) % 4))
    if base64.urlsafe_b64encode(b).rstrip(b"=").decode() != s:
        return None  # non-zero trailing bits
    return b


def key_id(raw: bytes) -> str:
    """The key id of a 32-byte public key: 8 lowercase hex digits."""
    return hashlib.sha256(b"kycvs/v1/keyid\x00\x01" + bytes(raw)).digest()[:4].hex()


@dataclass(frozen=True)
class PublicKey:
    kid: str
    raw: bytes
    key: Ed25519PublicKey


_KEY_TEXT = re.compile(r"kycvs\+([0-9a-f]{8})\+([A-Za-z0-9_-]+)")


def parse_public_key_text(text: Any) -> PublicKey:
    """Parses ``kycvs+<kid>+<base64url(0x01 || key)>``, recomputing the kid and
    refusing non-canonical and small-order keys. Raises ValueError."""
    m = _KEY_TEXT.fullmatch(text) if isinstance(text, str) else None
    b = b64url(m.group(2)) if m else None
    if b is None or len(b) != 33:
        raise ValueError(f"malformed public key {text!r}")
    if b[0] != 1:
        raise ValueError(f"public key {text!r}: algorithm byte {b[0]}, want 1 (Ed25519)")
    raw = b[1:]
    assert m is not None
    if key_id(raw) != m.group(1):
        raise ValueError(f"public key {text!r}: key id is {key_id(raw)}")
    problem = public_key_problem(raw)
    if problem:
        raise ValueError(f"public key {text!r}: {problem}")
    return PublicKey(m.group(1), raw, load_public_key(raw))


@dataclass(frozen=True)
class KeysetEntry:
    kid: str
    raw: bytes
    key: Ed25519PublicKey
    not_before: float  # Unix seconds
    not_after: float  # Unix seconds; math.inf when open-ended


class Keyset:
    """A parsed keyset. Build one with parse_keyset."""

    def __init__(self, entries: Iterable[KeysetEntry]) -> None:
        self._by_kid = {e.kid: e for e in entries}

    def get(self, kid: str) -> Optional[KeysetEntry]:
        """The entry with key id kid, whatever its window, or None."""
        return self._by_kid.get(kid)

    @property
    def kids(self) -> list[str]:
        return list(self._by_kid)


# RFC 3339 as the Go service writes it (time.Time's JSON form).
_RFC3339 = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})")


def _seconds(field: str, s: Any) -> float:
    if not isinstance(s, str) or not _RFC3339.fullmatch(s):
        raise ValueError(f"{field} {s!r} is not an RFC 3339 time")
    main, frac = s, ""
    if "." in s:
        main, rest = s.split(".", 1)
        digits = re.match(r"\d+", rest)
        assert digits
        frac, main = digits.group(0), main + rest[digits.end():]
    t = datetime.fromisoformat(main.replace("Z", "+00:00")).timestamp()
    return t + (int(frac) / 10 ** len(frac) if frac else 0)


KeysetDocument = Union[Mapping[str, Any], str, bytes]


def parse_keyset(doc: KeysetDocument) -> Keyset:
    """Parses the keyset document (its JSON text, or the parsed object) as
    ParseKeyset in Go does: only ``keys``; each entry only kid, key,
    not_before and optional not_after; kid the id of key; not_after after
    not_before; no key twice. Raises VerifyError('keyset_unavailable'): a
    verifier with a bad keyset has none."""
    try:
        return _parse_keyset(json.loads(doc) if isinstance(doc, (str, bytes)) else doc)
    except (ValueError, TypeError, KeyError) as e:
        fail("keyset_unavailable", f"invalid keyset: {e}")


def _parse_keyset(doc: Any) -> Keyset:
    if not isinstance(doc, Mapping):
        raise ValueError("not a JSON object")
    j = cast(Mapping[str, Any], doc)
    for k in j:
        if k != "keys":
            raise ValueError(f"unknown field {k!r}")
    keys: Any = j.get("keys")
    if not isinstance(keys, list):
        raise ValueError("keys is not an array")
    entries: list[KeysetEntry] = []
    for i, item in enumerate(cast(list[Any], keys)):
        if not isinstance(item, Mapping):
            raise ValueError(f"keys[{i}] is not an object")
        e = cast(Mapping[str, Any], item)
        for k in e:
            if k not in ("kid", "key", "not_before", "not_after"):
                raise ValueError(f"keys[{i}]: unknown field {k!r}")
        pk = parse_public_key_text(e.get("key"))
        if e.get("kid") != pk.kid:
            raise ValueError(f"keys[{i}]: kid {e.get('kid')!r} is not the id of its key")
        not_before = _seconds("not_before", e.get("not_before"))
        not_after = math.inf if e.get("not_after") is None else _seconds("not_after", e["not_after"])
        if not not_after > not_before:
            raise ValueError(f"key {pk.kid}: not_after is not after not_before")
        entries.append(KeysetEntry(pk.kid, pk.raw, pk.key, not_before, not_after))
    if len({e.kid for e in entries}) != len(entries):
        raise ValueError("a key appears twice")
    return Keyset(entries)

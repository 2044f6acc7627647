"""A strict MessagePack reader for the one payload of SPEC.md §2.

Written from the spec rather than with a general decoder, which is lenient
where a verifier must not be (repeated keys collapse, unknown keys are kept,
floats read as numbers). It refuses anything but a map of exactly the ten
fields, each once, each of its type and range, with no byte after the map.
Integers may use any width: SPEC.md says verifiers MUST NOT depend on it.
"""

from __future__ import annotations

from typing import Any, NoReturn

from .errors import fail

MAX_TIME = 2**53 - 1

# field → (kind, min, max): string length in bytes, binary length, or integer range.
FIELDS: dict[str, tuple[str, int, int]] = {
    "v": ("int", 0, 255),
    "kid": ("str", 8, 8),
    "iss": ("str", 1, 128),
    "aud": ("str", 1, 64),
    "nonce": ("str", 1, 128),
    "st": ("int", 0, 2),
    "iat": ("int", 0, MAX_TIME),
    "exp": ("int", 0, MAX_TIME),
    "jti": ("bin", 16, 16),
    "sub": ("bin", 16, 16),
}

_INT_WIDTHS = {0xCC: (1, False), 0xCD: (2, False), 0xCE: (4, False), 0xCF: (8, False),
               0xD0: (1, True), 0xD1: (2, True), 0xD2: (4, True), 0xD3: (8, True)}


def _bad(detail: str) -> NoReturn:
    fail("token_malformed", f"payload: {detail}")


class _Reader:
    def __init__(self, b: bytes) -> None:
        self.b = b
        self.i = 0

    def next(self, n: int) -> bytes:
        if n > len(self.b) - self.i:
            _bad("truncated")
        out = self.b[self.i:self.i + n]
        self.i += n
        return out

    def u8(self) -> int:
        return self.next(1)[0]

    def length(self, n: int) -> int:
        return int.from_bytes(self.next(n), "big")

    def map_header(self) -> int:
        t = self.u8()
        if t & 0xF0 == 0x80:
            return t & 0x0F
        if t == 0xDE:
            return self.length(2)
        if t == 0xDF:
            return self.length(4)
        _bad(f"want a map, got type byte 0x{t:02x}")

    def str(self, field: str, lo: int, hi: int) -> str:
        t = self.u8()
        if t & 0xE0 == 0xA0:
            n = t & 0x1F
        elif t == 0xD9:
            n = self.length(1)
        elif t == 0xDA:
            n = self.length(2)
        elif t == 0xDB:
            n = self.length(4)
        else:
            _bad(f"{field}: want a string, got type byte 0x{t:02x}")
        b = self.next(n)
        if not lo <= n <= hi:
            _bad(f"{field}: length {n} outside [{lo}, {hi}]")
        try:
            return b.decode("utf-8")  # strict: refuses invalid UTF-8 and surrogates
        except UnicodeDecodeError:
            _bad(f"{field}: invalid UTF-8")

    def bin(self, field: str, size: int) -> bytes:
        t = self.u8()
        if t == 0xC4:
            n = self.length(1)
        elif t == 0xC5:
            n = self.length(2)
        elif t == 0xC6:
            n = self.length(4)
        else:
            _bad(f"{field}: want binary, got type byte 0x{t:02x}")
        b = self.next(n)
        if n != size:
            _bad(f"{field}: want {size} bytes, got {n}")
        return b

    def int(self, field: str, lo: int, hi: int) -> int:
        t = self.u8()
        if t <= 0x7F:
            v = t
        elif t >= 0xE0:
            v = t - 0x100
        elif t in _INT_WIDTHS:
            n, signed = _INT_WIDTHS[t]
            v = int.from_bytes(self.next(n), "big", signed=signed)
        else:
            _bad(f"{field}: want an integer, got type byte 0x{t:02x}")
        if not lo <= v <= hi:
            _bad(f"{field}: {v} outside [{lo}, {hi}]")
        return v


def decode_payload(payload: bytes) -> dict[str, Any]:
    """Decodes payload bytes into a dict of the ten claims, in SPEC.md's order."""
    r = _Reader(bytes(payload))
    n = r.map_header()
    if n != len(FIELDS):
        _bad(f"want {len(FIELDS)} fields, got {n}")
    claims: dict[str, Any] = {}
    for _ in range(n):
        name = r.str("key", 1, 8)
        if name not in FIELDS:
            _bad(f"unknown field {name!r}")
        if name in claims:
            _bad(f"duplicate field {name!r}")
        kind, lo, hi = FIELDS[name]
        if kind == "int":
            claims[name] = r.int(name, lo, hi)
        elif kind == "str":
            claims[name] = r.str(name, lo, hi)
        else:
            claims[name] = r.bin(name, lo)
    if r.i != len(r.b):
        _bad(f"{len(r.b) - r.i} trailing bytes")
    return {k: claims[k] for k in FIELDS}

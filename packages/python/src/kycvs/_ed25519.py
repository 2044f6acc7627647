"""Ed25519 as SPEC.md §1 wants it.

``cryptography`` (OpenSSL) checks signatures as Go's crypto/ed25519 does
(cofactorless, S < ℓ, R compared as bytes) but accepts public keys SPEC.md
refuses: non-canonical encodings and the 8 small-order points
(tests/test_ed25519.py shows it verifying 122 of C2SP CCTV's signatures under
such keys). So public_key_problem refuses those keys here, and
verify_signature checks S < ℓ itself too, so that the rule does not rest on
the OpenSSL build alone.
"""

from __future__ import annotations

from typing import Optional

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PublicKey

P = 2**255 - 19
D = (-121665 * pow(121666, P - 2, P)) % P
L = 2**252 + 27742317777372353535851937790883648493  # ℓ, the group order

# The canonical encodings of the 8 points of order dividing 8. A canonical
# key (y < p, no sign bit on x = 0) has small order exactly if it is one of
# these; tests/test_ed25519.py checks this against CCTV's flags.
SMALL_ORDER = frozenset(bytes.fromhex(h) for h in (
    "0100000000000000000000000000000000000000000000000000000000000000",  # identity
    "ecffffffffffffffffffffffffffffffffffffffffffffffffffffffffffff7f",  # order 2
    "0000000000000000000000000000000000000000000000000000000000000000",  # order 4
    "0000000000000000000000000000000000000000000000000000000000000080",
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc05",  # order 8
    "26e8958fc2b227b045c3f489f2ef98f0d5dfac05d3c63339b13802886d53fc85",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac037a",
    "c7176a703d4dd84fba3c0b760d10670f2a2053fa2c39ccc64ec7fd7792ac03fa",
))


def public_key_problem(raw: bytes) -> Optional[str]:
    """Why the bytes are not a key SPEC.md §1 accepts, or None if they are."""
    if len(raw) != 32:
        return f"{len(raw)} bytes, want 32"
    sign_bit = raw[31] >> 7
    y = int.from_bytes(raw, "little") & ((1 << 255) - 1)
    if y >= P:
        return "non-canonical encoding (y ≥ p)"
    # x² = (y² − 1) / (d·y² + 1); the point exists if that is a square mod p.
    y2 = y * y % P
    x2 = (y2 - 1) * pow(D * y2 + 1, P - 2, P) % P
    if x2 == 0 and sign_bit:
        return "non-canonical encoding (x = 0 with the sign bit set)"
    if x2 != 0 and pow(x2, (P - 1) // 2, P) != 1:
        return "not a point on the curve"
    if bytes(raw) in SMALL_ORDER:
        return "small-order point"
    return None


def load_public_key(raw: bytes) -> Ed25519PublicKey:
    """The cryptography key for 32 bytes already checked by public_key_problem."""
    return Ed25519PublicKey.from_public_bytes(bytes(raw))


def verify_signature(key: Ed25519PublicKey, message: bytes, sig: bytes) -> bool:
    if len(sig) != 64 or int.from_bytes(sig[32:], "little") >= L:
        return False
    try:
        key.verify(bytes(sig), bytes(message))
    except InvalidSignature:
        return False
    return True

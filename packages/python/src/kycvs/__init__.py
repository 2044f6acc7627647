"""KYC-VS token verification for an entity's Python server.

Written from SPEC.md (in the repository this package comes from): every
check of §5, a strict reader of the MessagePack payload, Ed25519 through
``cryptography`` with the public-key checks OpenSSL lacks, the issuer's keyset
fetched and cached (urllib), and single use of token ids and nonces. Refusals
are VerifyError with a stable ``code``, the same codes as the Go and Node
verifiers (docs/VERIFIERS.md).
"""

from .cache import KEYSET_PATH, MIN_REFRESH, KeysetCache
from .errors import CODES, VerifyError
from .keyset import Keyset, KeysetEntry, PublicKey, key_id, parse_keyset, parse_public_key_text
from .replay import MemoryReplayStore
from .verify import Claims, verify, verify_with_keyset

__all__ = [
    "CODES",
    "Claims",
    "KEYSET_PATH",
    "KeysetCache",
    "Keyset",
    "KeysetEntry",
    "MIN_REFRESH",
    "MemoryReplayStore",
    "PublicKey",
    "VerifyError",
    "key_id",
    "parse_keyset",
    "parse_public_key_text",
    "verify",
    "verify_with_keyset",
]

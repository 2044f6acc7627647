"""The refusal type and its codes.

The codes are a contract shared with the Go package (kycvs.ErrorCode) and the
Node package, listed once in docs/VERIFIERS.md; tests/test_codes.py holds
CODES to that table.
"""

from __future__ import annotations

from typing import NoReturn

#: Every code a VerifyError carries: SPEC.md §5's check names, then the two an
#: entity server's own verification adds.
CODES: tuple[str, ...] = (
    "malformed",  # §5 steps 1, 4, 8
    "unknown_key",  # 2, 5
    "signature",  # 3
    "audience",  # 6
    "nonce",  # 7
    "not_yet_valid",  # 9
    "expired",  # 10
    "already_used",  # the token id or the nonce was accepted before
    "keyset_unavailable",  # no usable keyset: not a verdict on the token
)


class VerifyError(Exception):
    """A refusal. Branch on ``code`` (one of CODES); the message is for logs.

    ``keyset_unavailable`` is the server's own outage (answer 503), not the
    person's.
    """

    code: str

    def __init__(self, code: str, message: str) -> None:
        if code not in CODES:
            raise ValueError(f"unknown VerifyError code {code!r}")
        super().__init__(f"{code}: {message}")
        self.code = code


def fail(code: str, message: str) -> NoReturn:
    raise VerifyError(code, message)

"""The refusal type and its codes.

The codes are a contract shared with the Go package (kycvs.ErrorCode) and the
Node package, listed once in docs/API.md ("Token verdicts"); tests/test_codes.py holds
CODES to that table.
"""

from __future__ import annotations

from typing import NoReturn

#: Every code a VerifyError carries: SPEC.md §5's check names, then the two an
#: entity server's own verification adds.
CODES: tuple[str, ...] = (
    "token_malformed",  # §5 steps 1, 4, 8
    "token_unknown_key",  # 2, 5
    "token_signature",  # 3
    "token_audience",  # 6
    "token_nonce",  # 7
    "token_not_yet_valid",  # 9
    "token_expired",  # 10
    "token_used",  # the token id or the nonce was accepted before
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

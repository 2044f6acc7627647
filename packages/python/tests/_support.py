"""Shared by the tests: the repository's vectors, and a token signer written
from SPEC.md §2–4 so tests can make tokens for keys they publish."""

from __future__ import annotations

import base64
import json
import pathlib
import struct
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

import kycvs

REPO = pathlib.Path(__file__).resolve().parents[3]


def read_json(path: str) -> Any:
    return json.loads((REPO / path).read_text())


VECTORS = read_json("testdata/vectors.json")


def case_named(name: str) -> dict[str, Any]:
    for c in VECTORS["cases"]:
        if c["name"] == name:
            return c
    raise KeyError(name)


def expect_of(c: dict[str, Any]) -> dict[str, Any]:
    return {"audience": c["audience"], "nonce": c["nonce"], "now": c["now"]}


def claims_json(c: kycvs.Claims) -> dict[str, Any]:
    """Claims as the vectors write them: jti and sub in hex."""
    d = dict(c.__dict__)
    d["jti"], d["sub"] = c.jti.hex(), c.sub.hex()
    return d


def b64(b: bytes) -> str:
    return base64.urlsafe_b64encode(b).rstrip(b"=").decode()


IAT = 1795608000


class Issuer:
    def __init__(self) -> None:
        self._sk = Ed25519PrivateKey.generate()
        raw = self._sk.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw)
        self.kid = kycvs.key_id(raw)
        text = f"kycvs+{self.kid}+" + b64(b"\x01" + raw)
        self.entry = {"kid": self.kid, "key": text, "not_before": "2026-01-01T00:00:00Z"}
        self._n = 0

    def token(self, aud: str = "ent_rail", nonce: str = "nonce-1", iat: int = IAT) -> str:
        def s(v: str) -> bytes:
            b = v.encode()
            return bytes([0xA0 | len(b)]) + b

        self._n += 1
        payload = (b"\x8a" + s("v") + b"\x01" + s("kid") + s(self.kid) + s("iss") + s("https://kycvs.test")
                   + s("aud") + s(aud) + s("nonce") + s(nonce) + s("st") + b"\x02"
                   + s("iat") + b"\xce" + struct.pack(">I", iat) + s("exp") + b"\xce" + struct.pack(">I", iat + 300)
                   + s("jti") + b"\xc4\x10" + bytes([self._n]) * 16 + s("sub") + b"\xc4\x10" + b"\xaa" * 16)
        sig = self._sk.sign(b"kycvs/v1/attestation\x00" + payload)
        return f"kycvs1.{self.kid}.{b64(payload)}.{b64(sig)}"

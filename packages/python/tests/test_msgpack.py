"""The strict payload reader (SPEC.md §2), with payloads built here byte by
byte: every integer and length width a verifier must accept, and the shapes
it must refuse."""

from __future__ import annotations

import base64
import struct
import unittest
from typing import Optional, Union

import kycvs
from kycvs._msgpack import decode_payload
from _support import case_named

CLAIMS = case_named("valid status 2")["attestation"]
WIDTHS = {0xCC: 1, 0xCD: 2, 0xCE: 4, 0xCF: 8, 0xD0: 1, 0xD1: 2, 0xD2: 4, 0xD3: 8}


def enc_map(n: int, w: Union[str, int] = "fix") -> bytes:
    return bytes([0x80 | n]) if w == "fix" else bytes([0xDE]) + n.to_bytes(2, "big") if w == 16 else bytes([0xDF]) + n.to_bytes(4, "big")


def enc_str(s: Union[str, bytes], w: Union[str, int] = "fix") -> bytes:
    b = s.encode() if isinstance(s, str) else s
    if w == "fix":
        return bytes([0xA0 | len(b)]) + b
    assert isinstance(w, int)
    return {8: bytes([0xD9, len(b)]), 16: b"\xda" + len(b).to_bytes(2, "big"), 32: b"\xdb" + len(b).to_bytes(4, "big")}[w] + b


def enc_bin(b: Union[str, bytes], w: int = 8) -> bytes:
    b = bytes.fromhex(b) if isinstance(b, str) else b
    return {8: bytes([0xC4, len(b)]), 16: b"\xc5" + len(b).to_bytes(2, "big"), 32: b"\xc6" + len(b).to_bytes(4, "big")}[w] + b


def enc_int(v: int, t: Optional[int] = None) -> bytes:
    if t is None:
        return bytes([v]) if 0 <= v < 128 else b"\xd3" + v.to_bytes(8, "big", signed=True)
    n = WIDTHS[t]
    return bytes([t]) + (v % (1 << (8 * n))).to_bytes(n, "big")


def good_fields() -> list[tuple[bytes, bytes]]:
    c = CLAIMS
    return [(enc_str(k), v) for k, v in (
        ("v", enc_int(1)), ("kid", enc_str(c["kid"])), ("iss", enc_str(c["iss"])), ("aud", enc_str(c["aud"])),
        ("nonce", enc_str(c["nonce"])), ("st", enc_int(2)), ("iat", enc_int(c["iat"], 0xD2)), ("exp", enc_int(c["exp"], 0xD2)),
        ("jti", enc_bin(c["jti"])), ("sub", enc_bin(c["sub"])))]


def payload(fields: list[tuple[bytes, bytes]], header: Optional[bytes] = None) -> bytes:
    return (header if header is not None else enc_map(len(fields))) + b"".join(k + v for k, v in fields)


def with_field(name: str, value: bytes) -> list[tuple[bytes, bytes]]:
    return [(k, value if k == enc_str(name) else v) for k, v in good_fields()]


def as_json(d: dict) -> dict:
    return {**d, "jti": d["jti"].hex(), "sub": d["sub"].hex()}


class TestPayload(unittest.TestCase):
    def test_encoder_writes_the_worked_example(self) -> None:
        tok = case_named("valid status 2")["token"]
        self.assertEqual(payload(good_fields()), base64.urlsafe_b64decode(tok.split(".")[2] + "=="))
        self.assertEqual(as_json(decode_payload(payload(good_fields()))), CLAIMS)

    def test_every_width_accepted(self) -> None:
        c = CLAIMS
        variants = {f"v 0x{t:02x}": with_field("v", enc_int(1, t)) for t in WIDTHS}
        variants.update({
            "iat uint32": with_field("iat", enc_int(c["iat"], 0xCE)), "iat uint64": with_field("iat", enc_int(c["iat"], 0xCF)),
            "iat int64": with_field("iat", enc_int(c["iat"], 0xD3)), "iss str8": with_field("iss", enc_str(c["iss"], 8)),
            "nonce str16": with_field("nonce", enc_str(c["nonce"], 16)), "aud str32": with_field("aud", enc_str(c["aud"], 32)),
            "jti bin16": with_field("jti", enc_bin(c["jti"], 16)), "sub bin32": with_field("sub", enc_bin(c["sub"], 32)),
            "another order": list(reversed(good_fields())), "keys as str8": [(enc_str(k[1:], 8), v) for k, v in good_fields()],
        })
        for name, fs in variants.items():
            with self.subTest(name):
                self.assertEqual(as_json(decode_payload(payload(fs))), CLAIMS)
        self.assertEqual(as_json(decode_payload(payload(good_fields(), enc_map(10, 16)))), CLAIMS)
        self.assertEqual(as_json(decode_payload(payload(good_fields(), enc_map(10, 32)))), CLAIMS)
        self.assertEqual(decode_payload(payload(with_field("exp", enc_int(2**53 - 1, 0xCF))))["exp"], 2**53 - 1)

    def test_refused_values(self) -> None:
        c = CLAIMS
        refuse = {
            "float iat": with_field("iat", b"\xcb" + struct.pack(">d", c["iat"])),
            "float32 st": with_field("st", b"\xca" + struct.pack(">f", 2.0)),
            "nil nonce": with_field("nonce", b"\xc0"),
            "bool st": with_field("st", b"\xc3"),
            "st 3": with_field("st", enc_int(3)),
            "st -1": with_field("st", b"\xff"),
            "st 2^64-1": with_field("st", enc_int(2**64 - 1, 0xCF)),
            "iat -1 (int8)": with_field("iat", enc_int(-1, 0xD0)),
            "iat -2^63": with_field("iat", enc_int(-(2**63), 0xD3)),
            "iat 2^53": with_field("iat", enc_int(2**53, 0xCF)),
            "v 256": with_field("v", enc_int(256, 0xCD)),
            "iss empty": with_field("iss", enc_str("")),
            "iss 129 bytes": with_field("iss", enc_str("i" * 129, 8)),
            "aud 65 bytes": with_field("aud", enc_str("a" * 65, 8)),
            "nonce 129 bytes": with_field("nonce", enc_str("n" * 129, 8)),
            "kid 7 bytes": with_field("kid", enc_str("1645168")),
            "iss invalid UTF-8": with_field("iss", b"\xa2\xc3\x28"),
            "iss lone surrogate": with_field("iss", b"\xa3\xed\xa0\x80"),
            "aud as binary": with_field("aud", enc_bin(c["aud"].encode())),
            "jti as string": with_field("jti", enc_str("a" * 16)),
            "jti 15 bytes": with_field("jti", enc_bin(c["jti"][2:])),
            "sub 17 bytes": with_field("sub", enc_bin(c["sub"] + "00")),
            "jti ext type": with_field("jti", b"\xd8\x01" + bytes.fromhex(c["jti"])),
        }
        for name, fs in refuse.items():
            with self.subTest(name), self.assertRaises(kycvs.VerifyError) as cm:
                decode_payload(payload(fs))
            self.assertEqual(cm.exception.code, "token_malformed")

    def test_refused_shapes(self) -> None:
        fs = good_fields()
        shapes = {
            "nine fields": payload(fs[1:]),
            "eleven fields": payload(fs + [(enc_str("x"), enc_int(0))]),
            "an unknown field instead of sub": payload(fs[:9] + [(enc_str("subj"), enc_bin(CLAIMS["sub"]))]),
            "a duplicate field": payload(fs[:9] + [(enc_str("st"), enc_int(2))]),
            "a key longer than any field": payload(fs[:9] + [(enc_str("subject__"), enc_bin(CLAIMS["sub"]))]),
            "a key as binary": payload(fs[:9] + [(enc_bin(b"sub"), enc_bin(CLAIMS["sub"]))]),
            "a header of 10 with 9 fields": payload(fs[1:], enc_map(10)),
            "a header of 9 with 10 fields": payload(fs, enc_map(9)),
            "an array": payload(fs, b"\x9a"),
            "a trailing byte": payload(fs) + b"\xc0",
            "two maps": payload(fs) * 2,
            "empty": b"",
            "map32 of 2^32-1 entries": payload(fs, b"\xdf\xff\xff\xff\xff"),
            "str32 past the end": payload(fs[:9] + [(enc_str("sub"), b"\xdb\xff\xff\xff\xff")]),
            "bin32 past the end": payload(fs[:9] + [(enc_str("sub"), b"\xc6\x7f\xff\xff\xff")]),
        }
        for name, p in shapes.items():
            with self.subTest(name), self.assertRaises(kycvs.VerifyError) as cm:
                decode_payload(p)
            self.assertEqual(cm.exception.code, "token_malformed")

    def test_every_truncation(self) -> None:
        p = payload(good_fields())
        for i in range(len(p)):
            with self.subTest(i), self.assertRaises(kycvs.VerifyError):
                decode_payload(p[:i])


if __name__ == "__main__":
    unittest.main()

import json
import unittest

import kycvs
from _support import VECTORS, case_named, claims_json, expect_of

KEYSET = kycvs.parse_keyset(VECTORS["keyset"])


class TestVectors(unittest.TestCase):
    def test_cases_of_every_kind(self) -> None:
        self.assertGreaterEqual(len(VECTORS["cases"]), 40)
        errors = {c.get("error", "") for c in VECTORS["cases"]}
        for e in ("", "token_malformed", "token_unknown_key", "token_signature", "token_audience", "token_nonce", "token_expired", "token_not_yet_valid"):
            self.assertIn(e, errors)
        self.assertTrue(errors - {""} <= set(kycvs.CODES))

    def test_every_case(self) -> None:
        for c in VECTORS["cases"]:
            with self.subTest(c["name"]):
                if not c.get("error"):
                    self.assertEqual(claims_json(kycvs.verify_with_keyset(c["token"], KEYSET, **expect_of(c))), c["attestation"])
                    self.assertEqual(claims_json(kycvs.verify(c["token"], keyset=VECTORS["keyset"], **expect_of(c))), c["attestation"])
                    continue
                with self.assertRaises(kycvs.VerifyError) as cm:
                    kycvs.verify_with_keyset(c["token"], KEYSET, **expect_of(c))
                self.assertEqual(cm.exception.code, c["error"], str(cm.exception))
                with self.assertRaises(kycvs.VerifyError) as cm:
                    kycvs.verify(c["token"], keyset=json.dumps(VECTORS["keyset"]), **expect_of(c))
                self.assertEqual(cm.exception.code, c["error"])

    def test_worked_example(self) -> None:
        """SPEC.md §6: another nonce fails at step 7, 1795608300 at step 10."""
        from datetime import datetime, timezone

        c = case_named("valid status 2")
        self.assertEqual(kycvs.verify_with_keyset(c["token"], KEYSET, **expect_of(c)).st, 2)
        for change, code in (({"nonce": "n-other"}, "token_nonce"), ({"now": 1795608300}, "token_expired"),
                             ({"now": datetime.fromtimestamp(1795608300, timezone.utc)}, "token_expired"),
                             ({"audience": "ent_airline"}, "token_audience")):
            with self.assertRaises(kycvs.VerifyError) as cm:
                kycvs.verify_with_keyset(c["token"], KEYSET, **{**expect_of(c), **change})
            self.assertEqual(cm.exception.code, code)
        self.assertEqual(kycvs.verify_with_keyset(c["token"], KEYSET, **{**expect_of(c), "now": 1795608299.9}).st, 2)

    def test_every_changed_character_and_truncation(self) -> None:
        c = case_named("valid status 2")
        tok = c["token"]
        alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
        n = 0
        for i, ch in enumerate(tok):
            nxt = alphabet[(alphabet.index(ch) + 1) % 64] if ch in alphabet else "A"
            for repl in (nxt, ".", "="):
                if repl == ch:
                    continue
                bad = tok[:i] + repl + tok[i + 1:]
                with self.assertRaises(kycvs.VerifyError, msg=f"{i} → {repl}"):
                    kycvs.verify_with_keyset(bad, KEYSET, **expect_of(c))
                n += 1
        for i in range(len(tok)):
            with self.assertRaises(kycvs.VerifyError, msg=f"truncated to {i}"):
                kycvs.verify_with_keyset(tok[:i], KEYSET, **expect_of(c))
        self.assertGreater(n, 800)

    def test_a_flipped_payload_byte_is_a_bad_signature(self) -> None:
        import base64

        c = case_named("valid status 2")
        pre, kid, p64, s64 = c["token"].split(".")
        payload = bytearray(base64.urlsafe_b64decode(p64 + "=="))
        for i in range(len(payload)):
            payload[i] ^= 0x01
            tok = ".".join((pre, kid, base64.urlsafe_b64encode(bytes(payload)).rstrip(b"=").decode(), s64))
            payload[i] ^= 0x01
            with self.assertRaises(kycvs.VerifyError) as cm:
                kycvs.verify_with_keyset(tok, KEYSET, **expect_of(c))
            self.assertEqual(cm.exception.code, "token_signature", f"byte {i}")

    def test_arguments(self) -> None:
        c = case_named("valid status 2")
        with self.assertRaises(TypeError):
            kycvs.verify_with_keyset(c["token"], KEYSET, audience="ent_railways", nonce="", now=c["now"])
        with self.assertRaises(TypeError):
            kycvs.verify(c["token"], audience="a", nonce="n")
        with self.assertRaises(TypeError):
            kycvs.verify(c["token"], audience="a", nonce="n", keyset=VECTORS["keyset"], keyset_url="http://x")
        with self.assertRaises(TypeError):
            kycvs.verify_with_keyset(c["token"], KEYSET, audience="ent_railways", nonce=c["nonce"], now=__import__("datetime").datetime(2026, 11, 25))


if __name__ == "__main__":
    unittest.main()

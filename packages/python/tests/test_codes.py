"""The error codes are the service's one vocabulary, listed once, in
docs/API.md's "Token verdicts"; the Go and Node tests read the same table."""

from __future__ import annotations

import re
import unittest

import kycvs
from _support import REPO, VECTORS


def documented_codes() -> list[str]:
    doc = (REPO / "docs/API.md").read_text()
    _, sep, section = doc.partition("\n## Token verdicts\n")
    if not sep:
        raise AssertionError('docs/API.md has no "## Token verdicts" section')
    section = section.split("\n## ", 1)[0]
    return re.findall(r"(?m)^\| `([a-z_]+)` \|", section)


class CodesTest(unittest.TestCase):
    def test_codes_are_the_documented_table(self) -> None:
        self.assertEqual(list(kycvs.CODES), documented_codes())

    def test_every_vector_error_is_a_code(self) -> None:
        for c in VECTORS["cases"]:
            if c.get("error"):
                self.assertIn(c["error"], kycvs.CODES)

    def test_verify_error(self) -> None:
        with self.assertRaises(ValueError):
            kycvs.VerifyError("bad_signature", "x")
        e = kycvs.VerifyError("token_nonce", "token nonce does not match")
        self.assertEqual((e.code, str(e)), ("token_nonce", "token_nonce: token nonce does not match"))

    def test_all_is_exported(self) -> None:
        for name in kycvs.__all__:
            self.assertTrue(hasattr(kycvs, name), name)


if __name__ == "__main__":
    unittest.main()

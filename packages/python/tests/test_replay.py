from __future__ import annotations

import threading
import unittest

import kycvs

T0 = 1795608000.0


def claims(i: int, aud: str, nonce: str, t: float = T0) -> kycvs.Claims:
    return kycvs.Claims(v=1, kid="16451689", iss="i", aud=aud, nonce=nonce, st=2, iat=int(t), exp=int(t) + 300,
                        jti=i.to_bytes(16, "big"), sub=bytes(16))


class Clock:
    def __init__(self) -> None:
        self.t = T0

    def __call__(self) -> float:
        return self.t


class ReplayTest(unittest.TestCase):
    def setUp(self) -> None:
        self.clock = Clock()
        self.s = kycvs.MemoryReplayStore(retention=15 * 60, now=self.clock)

    def used(self, c: kycvs.Claims) -> None:
        with self.assertRaises(kycvs.VerifyError) as cm:
            self.s.use(c)
        self.assertEqual(cm.exception.code, "token_used")

    def test_token_once(self) -> None:
        self.s.use(claims(1, "ent_rail", "n-1"))
        self.used(claims(1, "ent_rail", "n-1"))
        self.clock.t += 240
        self.used(claims(1, "ent_rail", "n-1"))

    def test_nonce_once_per_audience(self) -> None:
        self.s.use(claims(1, "ent_rail", "n-1"))
        self.used(claims(2, "ent_rail", "n-1"))
        self.s.use(claims(2, "ent_rail", "n-2"))  # the refused use recorded nothing
        self.s.use(claims(3, "ent_hotel", "n-1"))
        self.used(claims(1, "ent_hotel", "n-9"))

    def test_retention(self) -> None:
        self.s.use(claims(1, "ent_rail", "n-1"))
        self.clock.t += 15 * 60 - 1
        self.used(claims(2, "ent_rail", "n-1", self.clock.t))
        self.clock.t += 1
        self.s.use(claims(2, "ent_rail", "n-1", self.clock.t))
        self.s.use(claims(1, "ent_rail", "n-3", self.clock.t))

    def test_concurrent(self) -> None:
        ok, used = [], []

        def run(i: int) -> None:
            try:
                self.s.use(claims(1 if i % 2 else 100 + i, "ent_rail", "n-1"))
                ok.append(i)
            except kycvs.VerifyError:
                used.append(i)

        threads = [threading.Thread(target=run, args=(i,)) for i in range(16)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual((len(ok), len(used)), (1, 15))


if __name__ == "__main__":
    unittest.main()

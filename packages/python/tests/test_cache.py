"""The keyset cache against a real HTTP server that counts requests, on a
clock the tests move: max-age honoured, unknown-kid refresh at most once a
minute, the last good keyset kept when the server fails."""

from __future__ import annotations

import json
import threading
import unittest
import urllib.request
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any, Optional

import kycvs
from kycvs.cache import max_age
from _support import IAT, Issuer

EXPECT = {"audience": "ent_rail", "nonce": "nonce-1", "now": IAT + 1}
NO_PROXY = urllib.request.build_opener(urllib.request.ProxyHandler({}))


class Service:
    """A keyset service: the test sets what it answers and reads how often it was asked."""

    def __init__(self) -> None:
        self.status: int = 200
        self.keys: list[dict[str, Any]] = []
        self.body: Optional[bytes] = None
        self.cache_control = "public, max-age=300"
        self.hits = 0
        self.lock = threading.Lock()
        svc = self

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:  # noqa: N802
                with svc.lock:
                    svc.hits += 1
                    status, body, cc = svc.status, svc.body, svc.cache_control
                    if body is None:
                        body = json.dumps({"keys": svc.keys}).encode()
                if self.path != kycvs.KEYSET_PATH:
                    status, body = 404, b""
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Cache-Control", cc)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *args: Any) -> None:
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.thread = threading.Thread(target=self.server.serve_forever, kwargs={"poll_interval": 0.02}, daemon=True)
        self.thread.start()
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}{kycvs.KEYSET_PATH}"

    def publish(self, *issuers: Issuer) -> None:
        with self.lock:
            self.status, self.body, self.keys = 200, None, [i.entry for i in issuers]

    def fail(self, status: int, body: bytes = b"") -> None:
        with self.lock:
            self.status, self.body = status, body

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


class Clock:
    def __init__(self) -> None:
        self.t = float(IAT)

    def __call__(self) -> float:
        return self.t

    def advance(self, s: float) -> None:
        self.t += s


class CacheTest(unittest.TestCase):
    def setUp(self) -> None:
        self.a, self.b = Issuer(), Issuer()
        self.svc = Service()
        self.addCleanup(self.svc.close)
        self.svc.publish(self.a)
        self.clock = Clock()
        self.cache = kycvs.KeysetCache(self.svc.url, now=self.clock, opener=NO_PROXY)

    def check(self, token: str) -> kycvs.Claims:
        return kycvs.verify(token, keyset_cache=self.cache, **EXPECT)

    def refused(self, token: str, code: str) -> None:
        with self.assertRaises(kycvs.VerifyError) as cm:
            self.check(token)
        self.assertEqual(cm.exception.code, code, str(cm.exception))

    def test_max_age_honoured(self) -> None:
        for _ in range(3):
            self.check(self.a.token())
        self.assertEqual(self.svc.hits, 1)
        self.clock.advance(299)
        self.check(self.a.token())
        self.assertEqual(self.svc.hits, 1)
        self.clock.advance(1)
        self.check(self.a.token())
        self.assertEqual(self.svc.hits, 2)

    def test_max_age(self) -> None:
        for cc, age, want in (
            (None, None, 300), ("public, max-age=300", None, 300), ("Max-Age=90, public", None, 90), ('max-age="200"', None, 200),
            ("max-age=600", "240", 360), ("max-age=600", "900", 60), ("max-age=0", None, 60), ("max-age=5", None, 60),
            ("no-cache", None, 60), ("public, no-store, max-age=3600", None, 60), ("max-age=99999999999", None, 86400),
            ("max-age=-5", None, 300), ("max-age=soon", None, 300),
        ):
            h = {k: v for k, v in (("Cache-Control", cc), ("Age", age)) if v is not None}
            self.assertEqual(max_age(h), want, h)

    def test_unknown_key_refresh_rate_limited(self) -> None:
        self.check(self.a.token())
        self.refused(self.b.token(), "token_unknown_key")
        self.assertEqual(self.svc.hits, 1, "an unknown key right after the first fetch")
        self.clock.advance(120)  # still fresh (max-age 300)
        for _ in range(20):
            self.refused(self.b.token(), "token_unknown_key")
        self.assertEqual(self.svc.hits, 2, "20 tokens of an unknown key")
        self.clock.advance(59)
        self.refused(self.b.token(), "token_unknown_key")
        self.check(self.a.token())
        self.assertEqual(self.svc.hits, 2, "59 s later")
        self.svc.publish(self.a, self.b)
        self.clock.advance(1)
        self.assertEqual(self.check(self.b.token()).st, 2)
        self.assertEqual(self.svc.hits, 3, "B published, a minute after the last fetch")
        self.check(self.a.token())
        self.check(self.b.token())
        self.assertEqual(self.svc.hits, 3)

    def test_key_outside_window_prompts_no_fetch(self) -> None:
        with self.svc.lock:
            self.svc.keys = [{**self.a.entry, "not_after": "2026-11-25T11:00:00Z"}]
        self.refused(self.a.token(), "token_unknown_key")
        self.clock.advance(120)
        self.refused(self.a.token(), "token_unknown_key")
        self.assertEqual(self.svc.hits, 1)

    def test_last_good_kept(self) -> None:
        self.check(self.a.token())
        bad_kid = json.dumps({"keys": [{**self.b.entry, "kid": "00000000"}]}).encode()
        for status, body in ((500, b'{"error":"internal"}'), (200, b'{"keys": ['), (200, bad_kid), (404, b"")):
            with self.subTest(status=status, body=body):
                self.svc.fail(status, body)
                before = self.svc.hits
                self.clock.advance(600)  # past max-age
                self.assertIsNotNone(self.cache.keyset())
                self.check(self.a.token())
                self.assertEqual(self.svc.hits, before + 1, "one refetch")
                self.clock.advance(59)
                self.check(self.a.token())
                self.refused(self.b.token(), "token_unknown_key")
                self.assertEqual(self.svc.hits, before + 1, "no retry within the minute")
        self.svc.publish(self.b)
        self.clock.advance(1)
        self.check(self.b.token())
        self.refused(self.a.token(), "token_unknown_key")

    def test_no_keyset_at_all(self) -> None:
        self.svc.fail(503)
        for _ in range(3):
            with self.assertRaises(kycvs.VerifyError) as cm:
                self.cache.keyset()
            self.assertEqual(cm.exception.code, "keyset_unavailable")
            self.refused(self.a.token(), "keyset_unavailable")
        self.assertEqual(self.svc.hits, 1)
        self.svc.publish(self.a)
        self.clock.advance(60)
        self.check(self.a.token())
        self.assertEqual(self.svc.hits, 2)

    def test_fallback(self) -> None:
        self.cache = kycvs.KeysetCache(self.svc.url, now=self.clock, opener=NO_PROXY, fallback={"keys": [self.b.entry]})
        self.svc.fail(502)
        self.check(self.b.token())
        self.svc.publish(self.a)
        self.clock.advance(60)
        self.check(self.a.token())
        self.assertEqual(self.svc.hits, 2)

    def test_threads_share_one_request(self) -> None:
        errors: list[BaseException] = []

        def run() -> None:
            try:
                self.check(self.a.token())
            except BaseException as e:  # noqa: BLE001
                errors.append(e)

        threads = [threading.Thread(target=run) for _ in range(20)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        self.assertEqual(errors, [])
        self.assertEqual(self.svc.hits, 1)

    def test_keyset_url_one_cache_per_url(self) -> None:
        for _ in range(3):
            kycvs.verify(self.a.token(), keyset_url=self.svc.url, **EXPECT)
        self.assertEqual(self.svc.hits, 1)


if __name__ == "__main__":
    unittest.main()

"""Test servers for the link-checker tests: real HTTP(S) servers on 127.0.0.1.

`Site` serves a fixed set of routes (see `Handler`) and counts requests per (method, path),
so tests can assert what was and was not requested. Requests to `/hold` are held for
`HOLD` seconds and counted in flight (`InFlight`, which several sites may share), so tests
can assert the most requests a client had open at once, per host and overall.
"""
from __future__ import annotations

import socket
import ssl
import struct
import threading
import time
from collections import Counter
from contextlib import contextmanager
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import unquote

HOLD = 0.2  # seconds a /hold request is held before the answer
DRIP = 0.1  # seconds between the bytes of a /drip answer (each well inside any read timeout)


class InFlight:
    """Requests being held right now and the most held at once, per host and overall.

    A request counts from when the server has read it until just before the answer is
    written, a span inside the client's own request: these peaks never exceed what the
    client really had in flight."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.now: Counter = Counter()
        self.peak: Counter = Counter()
        self.total = 0
        self.peak_total = 0

    @contextmanager
    def holding(self, host: str):
        with self.lock:
            self.now[host] += 1
            self.total += 1
            self.peak[host] = max(self.peak[host], self.now[host])
            self.peak_total = max(self.peak_total, self.total)
        try:
            yield
        finally:
            with self.lock:
                self.now[host] -= 1
                self.total -= 1


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def log_message(self, format, *args):  # keep pytest output readable
        return

    def do_HEAD(self):
        self._route("HEAD")

    def do_GET(self):
        self._route("GET")

    def _send(self, code, headers=(), body=b""):
        self.send_response(code)
        for k, v in headers:
            self.send_header(k, v)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command == "GET" and body:
            self.wfile.write(body)

    def _route(self, method):
        site = self.server.site
        with site.lock:
            site.hits[(method, self.path)] += 1
            n = site.hits[("HEAD", self.path)] + site.hits[("GET", self.path)]
        path = self.path.split("?", 1)[0]  # routes ignore the query; hits count it
        if path == "/ok":
            return self._send(200, body=b"hello")
        if path == "/hold":
            with site.inflight.holding(site.host):
                time.sleep(HOLD)
            return self._send(200)
        if path == "/notfound":
            return self._send(404, body=b"no")
        if path == "/gone":
            return self._send(410)
        if path == "/e500":
            return self._send(500)
        if path == "/unauth":
            return self._send(401)
        if path == "/forbidden":
            return self._send(403)
        if path == "/ratelimited":
            return self._send(429, [("Retry-After", "0")])
        if path == "/flaky":  # two 503s, then fine
            return self._send(503 if n <= 2 else 200)
        if path == "/retry-after":  # one 429 asking for a 1 s wait, then fine
            return self._send(429, [("Retry-After", "1")]) if n == 1 else self._send(200)
        if path == "/retry-after-huge":
            return self._send(429, [("Retry-After", "3600")])
        if path == "/head405":
            return self._send(405) if method == "HEAD" else self._send(200, body=b"x")
        if path == "/redir/a":
            return self._send(301, [("Location", "/redir/b")])
        if path == "/redir/b":
            return self._send(302, [("Location", f"http://127.0.0.1:{site.port}/ok")])
        if path == "/perm":
            return self._send(308, [("Location", "/ok")])
        if path == "/redir-404":
            return self._send(301, [("Location", "/notfound")])
        if path == "/loop/a":
            return self._send(302, [("Location", "/loop/b")])
        if path == "/loop/b":
            return self._send(302, [("Location", "/loop/a")])
        if path.startswith("/chain/"):
            k = int(path.rsplit("/", 1)[1])
            return self._send(200) if k == 0 else self._send(302, [("Location", f"/chain/{k - 1}")])
        if path == "/cookie":  # sets a cookie, then insists on it, as some CMSs do
            return self._send(302, [("Set-Cookie", "sess=1; Path=/"), ("Location", "/cookie-check")])
        if path == "/cookie-check":
            if "sess=1" in (self.headers.get("Cookie") or ""):
                return self._send(200)
            return self._send(302, [("Location", "/cookie")])
        if path == "/redirect-elsewhere":
            return self._send(302, [("Location", site.elsewhere)])
        if path == "/slow":
            time.sleep(3)
            return self._send(200)
        if path in ("/huge", "/huge503"):  # /huge503: a retriable error with a huge body
            if method == "HEAD":
                return self._send(405)
            self.send_response(200 if path == "/huge" else 503)
            self.send_header("Content-Length", str(10 * 2**30))
            self.end_headers()
            chunk = b"\0" * 65536
            try:
                for _ in range(10 * 2**30 // len(chunk)):
                    self.wfile.write(chunk)
                    site.body_bytes += len(chunk)
            except OSError:
                self.close_connection = True
            return None
        if path == "/drip":  # the status line and endless headers, one byte every DRIP seconds
            site.drips += 1
            try:
                self.wfile.write(b"HTTP/1.1 200 OK\r\n")
                for _ in range(int(60 / DRIP)):
                    for byte in b"X-Drip: 1\r\n":
                        self.wfile.write(bytes([byte]))
                        time.sleep(DRIP)
            except OSError:  # the client hung up: what the test wants
                pass
            self.close_connection = True
            return None
        if path == "/reset":
            self.connection.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            self.connection.close()
            self.close_connection = True
            return None
        if path.startswith("/wayback/"):  # fake archive: snapshots only of URLs with 'notfound'
            target = unquote(self.path[len("/wayback/"):])
            if "notfound" in target:
                return self._send(302, [("Location", f"/wayback/20190101000000/{target}")])
            return self._send(404)
        return self._send(404)


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def handle_error(self, request, client_address):
        # Clients of these tests hang up on purpose (huge body, deadline); note, don't print.
        self.site.server_errors += 1


class Site:
    """A running test server; use as a context manager."""

    def __init__(self, host: str = "127.0.0.1", tls_context: ssl.SSLContext | None = None,
                 inflight: InFlight | None = None):
        self.hits: Counter = Counter()
        self.inflight = inflight or InFlight()
        self.lock = threading.Lock()
        self.body_bytes = 0
        self.drips = 0  # /drip requests begun
        self.server_errors = 0
        self.elsewhere = ""
        self.httpd = _Server((host, 0), Handler)
        self.httpd.site = self
        if tls_context is not None:
            self.httpd.socket = tls_context.wrap_socket(self.httpd.socket, server_side=True)
        self.host = host
        self.port = self.httpd.server_address[1]
        self.scheme = "https" if tls_context else "http"
        self.thread = threading.Thread(target=self.httpd.serve_forever, kwargs={"poll_interval": 0.05},
                                       daemon=True)

    def url(self, path: str) -> str:
        return f"{self.scheme}://{self.host}:{self.port}{path}"

    def count(self, path: str) -> int:
        with self.lock:
            return self.hits[("HEAD", path)] + self.hits[("GET", path)]

    def total(self) -> int:
        with self.lock:
            return sum(self.hits.values())

    def __enter__(self) -> Site:
        self.thread.start()
        return self

    def __exit__(self, *exc) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


def refused_port() -> int:
    """A port on 127.0.0.1 with nothing listening (bound, then closed)."""
    s = socket.socket()
    s.bind(("127.0.0.1", 0))
    port = s.getsockname()[1]
    s.close()
    return port

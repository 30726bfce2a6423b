"""The urllib3 connection pool the checker sends every request through.

Input: `Settings`. Output: a `Pool` (a `urllib3.PoolManager`) whose connections resolve the
host themselves, refuse non-public addresses (unless allowed) and connect to the exact address
that was checked; TLS is verified against certifi's bundle or `Settings.ca_bundle`. The pool
counts the requests it really sent (`Pool.requests_sent`: a request written to a connection,
not one refused before), and inside `request_limit(seconds, run_deadline)` every attempt
(connect, TLS, request, response headers) ends after `seconds` at most.
Why: checking an address before the request and connecting later would leave a window for
DNS rebinding; doing both in one place closes it and covers every redirect hop. Socket
timeouts bound each read, not a request: a server sending one header byte per second never
trips them. So one watchdog thread shuts down the socket of any attempt past its deadline
(urllib3's `Timeout(total=...)` is also only applied per read); the reading thread then fails
at once and the attempt is reported as `RequestDeadline`.
"""
from __future__ import annotations

import heapq
import itertools
import socket
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import certifi
import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.response import HTTPResponse
from urllib3.util import connection as u3conn

from . import safety
from .classify import DeadlineReached, RequestDeadline
from .model import Settings

if TYPE_CHECKING:
    # The mixin is only ever combined with urllib3's HTTPConnection (see make_pool_manager); the
    # type checker sees that base so that it knows the attributes `_new_conn` uses.
    _Base = HTTPConnection
else:
    _Base = object


class _Counter:
    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.value = 0

    def add(self) -> None:
        with self.lock:
            self.value += 1


class _Attempt:
    """One request attempt's deadline and the socket to shut down when it passes."""

    def __init__(self, seconds: float, limit: float):
        self.expires = time.monotonic() + seconds
        self.limit = limit  # the per-request limit, for the message
        self.sock: socket.socket | None = None
        self.fired = False  # the deadline passed and the socket was shut down
        self.over = False  # the attempt ended; the watchdog forgets it


class _Watchdog:
    """One daemon thread for all attempts: a heap of deadlines, the earliest first."""

    def __init__(self) -> None:
        self.cond = threading.Condition()
        self.heap: list[tuple[float, int, _Attempt]] = []
        self.seq = itertools.count()
        self.thread: threading.Thread | None = None

    def arm(self, attempt: _Attempt) -> None:
        with self.cond:
            heapq.heappush(self.heap, (attempt.expires, next(self.seq), attempt))
            if self.thread is None:
                self.thread = threading.Thread(target=self._run, daemon=True, name="linkcheck-watchdog")
                self.thread.start()
            self.cond.notify()

    def watch(self, attempt: _Attempt, sock: socket.socket) -> None:
        with self.cond:
            attempt.sock = sock
            if attempt.fired:
                _shutdown(sock)

    def end(self, attempt: _Attempt) -> bool:
        """Forget `attempt`; True when its deadline had passed."""
        with self.cond:
            attempt.over = True
            return attempt.fired

    def _run(self) -> None:
        with self.cond:
            while True:
                while self.heap and self.heap[0][2].over:
                    heapq.heappop(self.heap)
                if not self.heap:
                    self.cond.wait()
                    continue
                wait = self.heap[0][0] - time.monotonic()
                if wait > 0:
                    self.cond.wait(wait)
                    continue
                attempt = heapq.heappop(self.heap)[2]
                attempt.fired = True
                if attempt.sock is not None:
                    _shutdown(attempt.sock)


def _shutdown(sock: socket.socket) -> None:
    # socket.socket's own shutdown, also for an SSLSocket (whose override would drop its SSL
    # state under the thread reading it); the reader sees end-of-file or an error at once.
    try:
        socket.socket.shutdown(sock, socket.SHUT_RDWR)
    except OSError:
        pass  # already closed


_WATCHDOG = _Watchdog()
_local = threading.local()  # .limit: (seconds, run deadline) or None; .attempt: _Attempt or None


@contextmanager
def request_limit(seconds: float, run_deadline: float) -> Iterator[None]:
    """Within the block, each request attempt of this thread ends after `seconds` at most
    (and by `run_deadline`, a time.monotonic value); one past it raises `RequestDeadline`."""
    _local.limit, _local.attempt = (seconds, run_deadline), None
    try:
        yield
    finally:
        _local.limit = None
        _end_attempt()


def _begin_attempt(sock: socket.socket | None) -> _Attempt | None:
    attempt: _Attempt | None = getattr(_local, "attempt", None)
    if attempt is None:
        limit = getattr(_local, "limit", None)
        if limit is None:
            return None
        seconds, run_deadline = limit
        left = run_deadline - time.monotonic()
        if left <= 0:
            raise DeadlineReached()
        attempt = _local.attempt = _Attempt(min(seconds, left), seconds)
        _WATCHDOG.arm(attempt)
    if sock is not None:
        _WATCHDOG.watch(attempt, sock)
    return attempt


def _end_attempt() -> _Attempt | None:
    """End this thread's attempt; return it when its deadline had passed."""
    attempt: _Attempt | None = getattr(_local, "attempt", None)
    _local.attempt = None
    if attempt is not None and _WATCHDOG.end(attempt):
        return attempt
    return None


def _deadline_error(attempt: _Attempt) -> RequestDeadline:
    return RequestDeadline(f"request deadline ({attempt.limit:g} s) passed before the response "
                           "headers were read (see --request-timeout)")


class _GuardedConnect(_Base):
    """Mixin replacing urllib3's `_new_conn` with resolve → check → connect to that address,
    counting the requests sent and holding each attempt to its deadline (see module docstring)."""

    allow_private = False
    sent = _Counter()  # replaced per pool by make_pool_manager

    def _new_conn(self) -> socket.socket:
        try:
            infos = safety.checked_addresses(self._dns_host, self.port, self.allow_private)
        except socket.gaierror as e:
            raise NameResolutionError(self.host, self, e) from e
        attempt = _begin_attempt(None)
        last: OSError | None = None
        for info in infos:
            address = info[4][0]
            timeout = self.timeout
            if attempt is not None:  # connecting cannot be shut down from outside: cap it
                left = max(attempt.expires - time.monotonic(), 0.001)
                timeout = left if timeout is None else min(timeout, left)
            try:
                sock = u3conn.create_connection(
                    (address, self.port),
                    timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as e:  # socket.timeout is TimeoutError since 3.10
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={timeout})"
                ) from e
            except OSError as e:
                last = e
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            _begin_attempt(sock)  # from here on (TLS handshake included) the watchdog can act
            return sock
        raise NewConnectionError(self, f"Failed to establish a new connection: {last}") from last

    def connect(self) -> None:
        _begin_attempt(self.sock)
        try:
            super().connect()
        except BaseException as e:
            fired = _end_attempt()
            if fired:
                raise _deadline_error(fired) from e
            raise

    def request(self, *args: Any, **kwargs: Any) -> None:
        _begin_attempt(self.sock)
        try:
            super().request(*args, **kwargs)
        except BaseException as e:
            fired = _end_attempt()
            if fired:
                raise _deadline_error(fired) from e
            raise
        self.sent.add()  # written to the connection: the server may have seen it

    def getresponse(self) -> HTTPResponse:  # type: ignore[override]  # as urllib3's own
        try:
            response = super().getresponse()
        except BaseException as e:
            fired = _end_attempt()
            if fired:
                raise _deadline_error(fired) from e
            raise
        fired = _end_attempt()
        if fired:  # the shut-down socket can look like the end of the headers
            response.close()
            raise _deadline_error(fired)
        return response


class Pool(urllib3.PoolManager):
    """The checker's pool manager; `requests_sent` counts requests written to a connection."""

    sent: _Counter

    @property
    def requests_sent(self) -> int:
        with self.sent.lock:
            return self.sent.value


def make_pool_manager(settings: Settings) -> Pool:
    """A thread-safe pool manager with guarded connections and a pool per host."""
    allow = settings.allow_private
    counter = _Counter()

    class GuardedHTTPConnection(_GuardedConnect, HTTPConnection):
        allow_private = allow
        sent = counter

    class GuardedHTTPSConnection(_GuardedConnect, HTTPSConnection):
        allow_private = allow
        sent = counter

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    pm = Pool(
        num_pools=256,
        maxsize=max(settings.per_host, 1),
        block=False,
        cert_reqs="CERT_REQUIRED",
        ca_certs=settings.ca_bundle or certifi.where(),
        retries=False,
    )
    pm.pool_classes_by_scheme = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}
    pm.sent = counter
    return pm

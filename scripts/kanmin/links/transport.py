"""The urllib3 connection pool the checker sends every request through.

Input: `Settings`. Output: a `urllib3.PoolManager` whose connections resolve the host
themselves, refuse non-public addresses (unless allowed) and connect to the exact address
that was checked; TLS is verified against certifi's bundle or `Settings.ca_bundle`.
Why: checking an address before the request and connecting later would leave a window for
DNS rebinding; doing both in one place closes it and covers every redirect hop.
"""
from __future__ import annotations

import socket
import sys
from typing import TYPE_CHECKING

import certifi
import urllib3
from urllib3.connection import HTTPConnection, HTTPSConnection
from urllib3.connectionpool import HTTPConnectionPool, HTTPSConnectionPool
from urllib3.exceptions import ConnectTimeoutError, NameResolutionError, NewConnectionError
from urllib3.util import connection as u3conn

from . import safety
from .model import Settings

if TYPE_CHECKING:
    # The mixin is only ever combined with urllib3's HTTPConnection (see make_pool_manager); the
    # type checker sees that base so that it knows the attributes `_new_conn` uses.
    _Base = HTTPConnection
else:
    _Base = object


class _GuardedConnect(_Base):
    """Mixin replacing urllib3's `_new_conn` with resolve → check → connect to that address."""

    allow_private = False

    def _new_conn(self) -> socket.socket:
        try:
            infos = safety.checked_addresses(self._dns_host, self.port, self.allow_private)
        except socket.gaierror as e:
            raise NameResolutionError(self.host, self, e) from e
        last: OSError | None = None
        for info in infos:
            address = info[4][0]
            try:
                sock = u3conn.create_connection(
                    (address, self.port),
                    self.timeout,
                    source_address=self.source_address,
                    socket_options=self.socket_options,
                )
            except TimeoutError as e:  # socket.timeout is TimeoutError since 3.10
                raise ConnectTimeoutError(
                    self, f"Connection to {self.host} timed out. (connect timeout={self.timeout})"
                ) from e
            except OSError as e:
                last = e
                continue
            sys.audit("http.client.connect", self, self.host, self.port)
            return sock
        raise NewConnectionError(self, f"Failed to establish a new connection: {last}") from last


def make_pool_manager(settings: Settings) -> urllib3.PoolManager:
    """A thread-safe pool manager with guarded connections and a pool per host."""
    allow = settings.allow_private

    class GuardedHTTPConnection(_GuardedConnect, HTTPConnection):
        allow_private = allow

    class GuardedHTTPSConnection(_GuardedConnect, HTTPSConnection):
        allow_private = allow

    class GuardedHTTPPool(HTTPConnectionPool):
        ConnectionCls = GuardedHTTPConnection

    class GuardedHTTPSPool(HTTPSConnectionPool):
        ConnectionCls = GuardedHTTPSConnection

    pm = urllib3.PoolManager(
        num_pools=256,
        maxsize=max(settings.per_host, 1),
        block=False,
        cert_reqs="CERT_REQUIRED",
        ca_certs=settings.ca_bundle or certifi.where(),
        retries=False,
    )
    pm.pool_classes_by_scheme = {"http": GuardedHTTPPool, "https": GuardedHTTPSPool}
    return pm

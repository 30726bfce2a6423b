"""Turn what the HTTP stack returned into a result status.

Input: a final HTTP status code, or an exception raised by urllib3/sockets. Output: an
`Outcome` (status, error kind, whether a retry may help, one line for people).
Why: one table of decisions, kept apart from the request loop so it can be read and tested
on its own.
"""
from __future__ import annotations

import http.client
import ssl
from dataclasses import dataclass

from urllib3.exceptions import (
    ConnectTimeoutError,
    HTTPError,
    LocationParseError,
    LocationValueError,
    MaxRetryError,
    NameResolutionError,
    NewConnectionError,
    ProtocolError,
    ReadTimeoutError,
    SSLError,
)

from .safety import BlockedAddress

RETRY_STATUSES = frozenset({429}) | frozenset(range(500, 600))
UNKNOWN_STATUSES = frozenset({401, 403, 407, 429})  # cannot tell: not broken
# A HEAD answered with one of these may be the server's HEAD handling, not the page: ask GET.
HEAD_UNRELIABLE = frozenset({400, 403, 404, 405, 406, 410, 500, 501})


class DeadlineReached(Exception):
    """The run's overall deadline passed before this URL could be finished."""


class RequestDeadline(TimeoutError):
    """One request attempt took longer than `Settings.request_timeout` (see transport.py)."""


@dataclass(frozen=True)
class Outcome:
    status: str
    error: str | None = None
    retriable: bool = False
    detail: str = ""


def from_http_status(code: int) -> Outcome:
    """Status of a final (non-redirect) response; `ok` means 2xx."""
    if 200 <= code < 300:
        return Outcome("ok")
    if code in UNKNOWN_STATUSES:
        return Outcome("unknown", detail=f"HTTP {code}: access refused or rate limited")
    if 400 <= code < 600:
        return Outcome("broken", detail=f"HTTP {code} {http.client.responses.get(code, '')}".strip())
    return Outcome("error", "protocol", detail=f"unexpected HTTP {code}")


def _chain(exc: BaseException | None):
    seen = set()
    while exc is not None and id(exc) not in seen:
        seen.add(id(exc))
        yield exc
        yield from (a for a in getattr(exc, "args", ()) if isinstance(a, BaseException))
        exc = exc.__cause__ or exc.__context__


def from_exception(exc: BaseException) -> Outcome:
    """Status of a request that raised `exc` (unexpected exception types propagate)."""
    text = f"{type(exc).__name__}: {exc}"
    if isinstance(exc, MaxRetryError) and exc.reason is not None:
        return from_exception(exc.reason)  # retries spent: judge the last failure
    deadline = next((e for e in _chain(exc) if isinstance(e, RequestDeadline)), None)
    if deadline is not None:  # urllib3 reports it as a read timeout or an aborted connection
        return Outcome("timeout", detail=str(deadline))
    if isinstance(exc, BlockedAddress):
        return Outcome("skipped", detail=f"refused: {exc}")
    if isinstance(exc, DeadlineReached):
        return Outcome("timeout", detail="run deadline reached")
    if isinstance(exc, (LocationParseError, LocationValueError)):
        return Outcome("invalid", detail=text)
    if isinstance(exc, NameResolutionError):
        return Outcome("error", "dns", detail=text)
    if isinstance(exc, NewConnectionError):  # before ConnectTimeoutError: it subclasses it
        return Outcome("error", "connect", retriable=True, detail=text)
    if isinstance(exc, (ConnectTimeoutError, ReadTimeoutError, TimeoutError)):
        return Outcome("timeout", detail=text)
    if isinstance(exc, (SSLError, ssl.SSLError, ssl.CertificateError)):
        return Outcome("error", "tls", detail=text)
    if isinstance(exc, (ProtocolError, HTTPError, http.client.HTTPException, OSError)):
        for e in _chain(exc):
            if isinstance(e, (ConnectionResetError, http.client.RemoteDisconnected,
                              BrokenPipeError, ConnectionAbortedError)):
                return Outcome("error", "reset", retriable=True, detail=text)
            if isinstance(e, (ssl.SSLError, ssl.CertificateError)):
                return Outcome("error", "tls", detail=text)
        return Outcome("error", "protocol", retriable=True, detail=text)
    raise exc

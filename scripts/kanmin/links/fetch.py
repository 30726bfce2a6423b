"""Check one URL over HTTP: HEAD first, GET when HEAD is unreliable, redirects one by one.

Input: a URL, the shared pool manager, `Settings` and the run's deadline (a time.monotonic
value). Output: a `Result` (checked_at, cited_by and caching are filled in by `run.py`).
Why: this is the whole per-URL policy of the issue in one place: retries (urllib3's `Retry`,
with the policy below) with exponential backoff and full jitter for connection errors, 5xx and
429, honouring a Retry-After cut to `retry_after_cap`, never waiting past the run deadline;
each attempt held to `request_timeout` (see transport.py); redirects recorded hop by hop (at
most `max_redirects`, loops detected, permanent or not); no body is ever read (GET responses
are streamed and closed after the headers, a retried answer's body included).
A retry sleeps in the worker thread, which keeps the URL's per-host slot (see schedule.py):
retries never raise the number of requests in flight to a host.
"""
from __future__ import annotations

import http.client
import random
import time
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urljoin

import urllib3
from urllib3.exceptions import HTTPError, InvalidHeader, MaxRetryError, ResponseError
from urllib3.util.retry import Retry

from . import classify, safety, transport
from .classify import DeadlineReached, Outcome
from .model import Hop, Result, Settings

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})


@dataclass
class _Answer:
    code: int
    location: str | None


@dataclass
class _Probe:
    """State of one URL's check while it runs."""

    settings: Settings
    pool: urllib3.PoolManager
    deadline: float
    attempts: int = 0  # tries, whether or not a connection was made (retries included)
    cookies: dict = field(default_factory=dict)  # host -> {name: value}, this chain only
    sleep = staticmethod(time.sleep)

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineReached()
        return left

    def send(self, method: str, url: str) -> _Answer | Outcome:
        """One request with its retries: the last answer, or the Outcome of the last failure."""
        s = self.settings
        try:
            left = self.remaining()
            timeout = urllib3.Timeout(connect=min(s.connect_timeout, left), read=min(s.read_timeout, left))
            headers = {"User-Agent": s.user_agent, "Accept": "*/*", "Accept-Encoding": "identity"}
            host = safety.host_key(url) if self.cookies else None
            if host in self.cookies:
                headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies[host].items())
            self.attempts += 1
            with transport.request_limit(s.request_timeout, self.deadline):
                r = self.pool.urlopen(
                    method, url, headers=headers, redirect=False, retries=_Retry.of(self),
                    preload_content=False, timeout=timeout,
                )
        except (HTTPError, OSError, http.client.HTTPException, safety.BlockedAddress,
                DeadlineReached) as e:
            return classify.from_exception(e)
        try:
            for raw in r.headers.getlist("Set-Cookie"):
                name, sep, value = raw.split(";", 1)[0].partition("=")
                if sep and name.strip():
                    host = host or safety.host_key(url)
                    self.cookies.setdefault(host, {})[name.strip()] = value.strip()
            return _Answer(r.status, r.headers.get("Location"))
        finally:
            if method == "HEAD":
                r.release_conn()  # no body: the connection can be reused
            else:
                r.close()  # never read the body: drop the connection instead
                r.release_conn()


class _Retry(Retry):
    """urllib3's retry loop with the checker's policy (see the module docstring).

    What `Retry` alone does not do, and is added here: a HEAD answered with a status in
    `classify.HEAD_UNRELIABLE` is not retried (GET is asked instead); only errors that
    `classify` calls retriable are retried (not DNS, TLS or timeouts); the first retry waits
    too, with full jitter; a wait that would pass the run deadline ends the retries with what
    we have; each try is counted in the probe's `attempts`; a retried answer's body is not read."""

    probe: _Probe
    wait: float = 0.0

    @classmethod
    def of(cls, probe: _Probe) -> _Retry:
        s = probe.settings
        retry = cls(total=s.retries, redirect=False, allowed_methods=("HEAD", "GET"),
                    status_forcelist=classify.RETRY_STATUSES, backoff_factor=s.backoff,
                    backoff_max=s.backoff_cap, raise_on_status=False,
                    respect_retry_after_header=True, retry_after_max=s.retry_after_cap)  # type: ignore[arg-type]
        retry.probe = probe
        return retry

    def new(self, **kw: Any) -> _Retry:
        retry = super().new(**kw)
        retry.probe = self.probe
        return retry

    def is_retry(self, method: str, status_code: int, has_retry_after: bool = False) -> bool:
        if method == "HEAD" and status_code in classify.HEAD_UNRELIABLE:
            return False  # the server may mishandle HEAD: _follow asks GET instead
        return status_code in self.status_forcelist and self._is_method_retryable(method)

    def increment(self, method: str | None = None, url: str | None = None,
                  response: Any = None, error: Exception | None = None, _pool: Any = None,
                  _stacktrace: Any = None) -> _Retry:
        if error is not None and not classify.from_exception(error).retriable:
            raise error
        retry = super().increment(method, url, response, error, _pool, _stacktrace)
        retry.wait = retry.get_backoff_time()
        if response is not None:
            try:
                after = self.get_retry_after(response)
            except InvalidHeader:  # not seconds nor a date: back off instead
                after = None
            if after is not None:
                retry.wait = after
        if time.monotonic() + retry.wait >= self.probe.deadline:
            # Waiting would pass the run deadline: report what we have (urlopen returns this
            # response; an error surfaces as MaxRetryError around it).
            raise MaxRetryError(_pool, url or "", error or ResponseError("run deadline")) from error
        if response is not None:
            response.close()  # urlopen drains the body before retrying: make that read nothing
        self.probe.attempts += 1
        return retry

    def get_backoff_time(self) -> float:
        # Full jitter over backoff × 2^(retry − 1), capped; urllib3's own waits 0 s before
        # the first retry and adds jitter on top.
        ceiling = min(self.backoff_max, self.backoff_factor * 2 ** max(len(self.history) - 1, 0))
        return random.uniform(0, ceiling)

    def sleep(self, response: Any = None) -> None:
        self.probe.sleep(self.wait)


def check(url: str, pool: urllib3.PoolManager, settings: Settings, deadline: float) -> Result:
    """Check `url`; every outcome (including refusals and timeouts) is a Result."""
    started = time.monotonic()
    probe = _Probe(settings, pool, deadline)
    result = _follow(url, probe)
    result.attempts = probe.attempts
    result.elapsed_ms = int((time.monotonic() - started) * 1000)
    return result


def _follow(url: str, probe: _Probe) -> Result:
    try:
        safety.parse_target(url)
    except safety.InvalidUrl as e:
        return Result(url, "invalid", detail=str(e))
    hops: list[Hop] = []
    seen = {url}
    current = url
    while True:
        method = "HEAD"
        answer = probe.send(method, current)
        if _head_unreliable(answer):
            method = "GET"
            answer = probe.send(method, current)
        if isinstance(answer, Outcome):
            return _result(url, answer, hops, current, method)
        if answer.code in REDIRECT_STATUSES and answer.location:
            target = urljoin(current, answer.location.strip())
            hops.append(Hop(current, answer.code, target))
            try:
                safety.parse_target(target)
            except safety.InvalidUrl as e:
                return _result(url, Outcome("error", "protocol", detail=f"bad redirect: {e}"),
                               hops, target, method, answer.code)
            if target in seen:
                return _result(url, Outcome("error", "redirect_loop",
                                            detail=f"redirect loop back to {target}"),
                               hops, target, method, answer.code)
            if len(hops) > probe.settings.max_redirects:
                return _result(url, Outcome("error", "too_many_redirects",
                                            detail=f"more than {probe.settings.max_redirects} redirects"),
                               hops, target, method, answer.code)
            seen.add(target)
            current = target
            continue
        if answer.code in REDIRECT_STATUSES:
            outcome = Outcome("error", "protocol", detail=f"HTTP {answer.code} without Location")
        else:
            outcome = classify.from_http_status(answer.code)
        return _result(url, outcome, hops, current, method, answer.code)


def _head_unreliable(answer: _Answer | Outcome) -> bool:
    if isinstance(answer, _Answer):
        return answer.code in classify.HEAD_UNRELIABLE
    # A HEAD that broke the connection may be the server's HEAD handling; others won't improve.
    return answer.status == "error" and answer.error in ("reset", "protocol")


def _result(url: str, outcome: Outcome, hops: list[Hop], final: str, method: str,
            code: int | None = None) -> Result:
    status = outcome.status
    if status == "ok" and hops:
        status = "redirected"
    return Result(
        url=url,
        status=status,
        http_status=code,
        final_url=final if hops else None,
        redirects=hops,
        permanent=all(h.permanent for h in hops) if hops else None,
        error=outcome.error,
        method=method,
        detail=outcome.detail or None,
    )


def redirect_location(url: str, pool: urllib3.PoolManager, settings: Settings,
                      deadline: float) -> tuple[int | None, str | None, str | None]:
    """One GET (with retries, no redirect following): (HTTP status, absolute Location, problem)."""
    answer = _Probe(settings, pool, deadline).send("GET", url)
    if isinstance(answer, Outcome):
        return None, None, answer.detail or answer.status
    location = urljoin(url, answer.location.strip()) if answer.location else None
    return answer.code, location, None

"""Check one URL over HTTP: HEAD first, GET when HEAD is unreliable, redirects one by one.

Input: a URL, the shared pool manager, `Settings` and the run's deadline (a time.monotonic
value). Output: a `Result` (checked_at, cited_by and caching are filled in by `run.py`).
Why: this is the whole per-URL policy of the issue in one place: retries with exponential
backoff and full jitter for connection errors, 5xx and 429, honouring a capped Retry-After;
redirects recorded hop by hop (at most `max_redirects`, loops detected, permanent or not);
no body is ever read (GET responses are streamed and closed after the headers).
"""
from __future__ import annotations

import email.utils
import http.client
import itertools
import random
import threading
import time
from dataclasses import dataclass, field
from urllib.parse import urljoin

import urllib3
from urllib3.exceptions import HTTPError

from . import classify, safety
from .classify import DeadlineReached, Outcome
from .model import Hop, Result, Settings

REDIRECT_STATUSES = frozenset({301, 302, 303, 307, 308})
_sent_lock = threading.Lock()
_sent = [0]


def requests_sent() -> int:
    """Requests this process has sent so far (all runs); run.py takes differences."""
    with _sent_lock:
        return _sent[0]


@dataclass
class _Answer:
    code: int
    location: str | None
    retry_after: float | None


@dataclass
class _Probe:
    """State of one URL's check while it runs."""

    settings: Settings
    pool: urllib3.PoolManager
    deadline: float
    attempts: int = 0
    cookies: dict = field(default_factory=dict)  # host -> {name: value}, this chain only
    sleep = staticmethod(time.sleep)

    def remaining(self) -> float:
        left = self.deadline - time.monotonic()
        if left <= 0:
            raise DeadlineReached()
        return left

    def send(self, method: str, url: str) -> _Answer:
        left = self.remaining()
        s = self.settings
        timeout = urllib3.Timeout(connect=min(s.connect_timeout, left), read=min(s.read_timeout, left))
        headers = {"User-Agent": s.user_agent, "Accept": "*/*", "Accept-Encoding": "identity"}
        host = safety.host_key(url) if self.cookies else None
        if host in self.cookies:
            headers["Cookie"] = "; ".join(f"{k}={v}" for k, v in self.cookies[host].items())
        self.attempts += 1
        with _sent_lock:
            _sent[0] += 1
        r = self.pool.urlopen(
            method, url, headers=headers, redirect=False, retries=False,
            preload_content=False, timeout=timeout,
        )
        try:
            for raw in r.headers.getlist("Set-Cookie"):
                name, sep, value = raw.split(";", 1)[0].partition("=")
                if sep and name.strip():
                    host = host or safety.host_key(url)
                    self.cookies.setdefault(host, {})[name.strip()] = value.strip()
            return _Answer(r.status, r.headers.get("Location"), _retry_after(r.headers.get("Retry-After")))
        finally:
            if method == "HEAD":
                r.release_conn()  # no body: the connection can be reused
            else:
                r.close()  # never read the body: drop the connection instead
                r.release_conn()

    def send_with_retries(self, method: str, url: str) -> _Answer | Outcome:
        s = self.settings
        for attempt in itertools.count():
            last: _Answer | Outcome
            try:
                last = self.send(method, url)
            except (HTTPError, OSError, http.client.HTTPException, safety.BlockedAddress,
                    DeadlineReached) as e:
                last = classify.from_exception(e)
                if not last.retriable or attempt >= s.retries:
                    return last
                wait = _backoff(s, attempt)
            else:
                if (last.code not in classify.RETRY_STATUSES or attempt >= s.retries
                        or (method == "HEAD" and last.code in classify.HEAD_UNRELIABLE)):
                    return last  # (a HEAD the server may mishandle goes to GET, not a retry)
                if last.retry_after is not None:
                    wait = min(last.retry_after, s.retry_after_cap)
                else:
                    wait = _backoff(s, attempt)
            if time.monotonic() + wait >= self.deadline:
                return last  # waiting would pass the deadline: report what we have
            self.sleep(wait)
        raise AssertionError("unreachable")


def _backoff(s: Settings, attempt: int) -> float:
    return random.uniform(0, min(s.backoff_cap, s.backoff * (2**attempt)))


def _retry_after(value: str | None) -> float | None:
    """Seconds from a Retry-After header (delta-seconds or an HTTP date), None if absent/bad."""
    if not value:
        return None
    value = value.strip()
    if value.isdigit():
        return float(value)
    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(0.0, when.timestamp() - time.time())


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
        answer = probe.send_with_retries(method, current)
        if _head_unreliable(answer):
            method = "GET"
            answer = probe.send_with_retries(method, current)
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
    answer = _Probe(settings, pool, deadline).send_with_retries("GET", url)
    if isinstance(answer, Outcome):
        return None, None, answer.detail or answer.status
    location = urljoin(url, answer.location.strip()) if answer.location else None
    return answer.code, location, None

"""Entry point of the links stage: check every target and return a dated report.

Input: `Target`s (see inputs.py), `Settings`, accept rules and an optional cache file.
Output: a `RunReport` with one `Result` per target, in input order. Nothing is written
except the cache; `report.py` writes the report files.
Why: reads like the issue's pipeline: screen (invalid, accept-list skips, fresh cache hits)
→ request the rest under the concurrency limits → mark what the deadline cut off → archive
look-ups → apply the accept list → redact credentials in URLs → remember results.
"""
from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from pathlib import Path

from ..urls import redact_userinfo
from . import accept, archive, cache, fetch, safety, schedule
from .model import Hop, Result, RunReport, Settings, Target
from .transport import make_pool_manager


def check_urls(targets: Sequence[Target], settings: Settings, *,
               rules: Sequence[accept.AcceptRule] = (), cache_path: Path | None = None,
               on_result: Callable[[Result], None] | None = None) -> RunReport:
    started, t0 = cache.utcnow(), time.monotonic()
    deadline = t0 + settings.deadline
    previous = cache.load(cache_path) if cache_path and settings.use_cache else {}

    results: dict[int, Result] = {}
    todo: list[int] = []
    hosts: dict[int, str] = {}  # the per-host limit's key (safety.host_key) of each todo item
    for i, t in enumerate(targets):
        screened = _screen(t, settings, rules, previous, started)
        if isinstance(screened, str):
            todo.append(i)
            hosts[i] = screened
        else:
            results[i] = screened
            if on_result:
                on_result(screened)

    pool = make_pool_manager(settings)

    def work(i: int) -> Result:
        r = fetch.check(targets[i].url, pool, settings, deadline)
        r.checked_at = _stamp(cache.utcnow())
        return r

    done = schedule.run(
        todo, key=hosts.__getitem__, work=work,
        concurrency=settings.concurrency, per_host=settings.per_host, deadline=deadline,
        on_done=(lambda i, r: on_result(r)) if on_result else None,
    )
    for j, i in enumerate(todo):
        results[i] = done.get(j) or Result(
            targets[i].url, "timeout", checked_at=_stamp(cache.utcnow()),
            detail=f"run deadline ({settings.deadline:g} s) reached before this URL was finished")
    ordered = [results[i] for i in range(len(targets))]
    for t, r in zip(targets, ordered, strict=True):
        r.cited_by, r.reference_ids = t.cited_by, t.reference_ids

    if settings.archive:
        archive.annotate(ordered, pool, settings, deadline)
    for r in ordered:
        accept.apply(r, accept.rule_for(r.url, list(rules)))
        _without_credentials(r)
    if cache_path and settings.use_cache:
        cache.save(cache_path, ordered)
    pool.clear()
    return RunReport(
        started_at=_stamp(started), finished_at=_stamp(cache.utcnow()),
        elapsed_ms=int((time.monotonic() - t0) * 1000), settings=settings, results=ordered,
        requests_sent=pool.requests_sent,
    )


def _screen(t: Target, settings: Settings, rules, previous, now) -> Result | str:
    """A result that needs no request (invalid URL, accept-list skip, fresh cache), or else
    the URL's host (what `safety.host_key` would return, without parsing the URL again)."""
    try:
        host = safety.parse_target(t.url)[1]
    except safety.InvalidUrl as e:
        return Result(t.url, "invalid", detail=str(e), checked_at=_stamp(now))
    rule = accept.rule_for(t.url, list(rules))
    if rule is not None and rule.expected == "skip":
        return Result(t.url, "skipped", detail=f"accept list: {rule.reason}", checked_at=_stamp(now))
    hit = previous.get(t.url)
    if settings.use_cache and cache.fresh(hit, settings.cache_ttl, now):
        hit.cached = True
        hit.accepted = None
        return hit
    return host


def _without_credentials(r: Result) -> None:
    """Redact the user name and password of every URL of a result (``urls.redact_userinfo``), so
    that no report, cache or terminal line keeps them. A URL with credentials is then cached under
    its redacted form and checked again on the next run."""
    r.url = redact_userinfo(r.url) or ""
    r.final_url, r.detail, r.archive_url = (redact_userinfo(v) for v in (r.final_url, r.detail, r.archive_url))
    r.redirects = [Hop(redact_userinfo(h.url) or "", h.status, redact_userinfo(h.location) or "")
                   for h in r.redirects]


def _stamp(dt) -> str:
    return dt.strftime("%Y-%m-%dT%H:%M:%S.%f")[:-3] + "Z"

"""Look up Wayback Machine snapshots of links that no longer work (`--archive`).

Input: results, the pool manager and `Settings` (`archive_base`, default
https://web.archive.org/web/). Output: the same results with `archive_url` set when the
archive redirects `<base><url>` to a snapshot.
Why: a dead government page is often still readable in the archive; the report should say
where. Only broken, erroring and timed-out links are looked up, at most `per_host` at a time
(all look-ups go to one host), within the run's deadline. Off by default.
"""
from __future__ import annotations

import urllib3

from . import fetch, safety, schedule
from .model import Result, Settings

LOOKUP_STATUSES = ("broken", "error", "timeout")


def snapshot_url(url: str, pool: urllib3.PoolManager, settings: Settings, deadline: float) -> str | None:
    code, location, _problem = fetch.redirect_location(settings.archive_base + url, pool, settings, deadline)
    if code in fetch.REDIRECT_STATUSES and location:
        return location
    return None


def annotate(results: list[Result], pool: urllib3.PoolManager, settings: Settings, deadline: float) -> None:
    wanted = [r for r in results if r.status in LOOKUP_STATUSES]
    host = safety.host_key(settings.archive_base)
    found = schedule.run(
        wanted, key=lambda r: host,
        work=lambda r: snapshot_url(r.url, pool, settings, deadline),
        concurrency=settings.per_host, per_host=settings.per_host, deadline=deadline,
    )
    for i, archived in found.items():
        wanted[i].archive_url = archived

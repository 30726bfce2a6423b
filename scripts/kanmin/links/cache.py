"""A file cache of recent results, so reruns do not re-request links that just worked.

Input/Output: a JSON file (`build/linkcheck/cache.json` by default) mapping url → result.
Why: only `ok` and `redirected` results younger than the TTL are reused; every failure is
always rechecked. A corrupt or foreign cache file is ignored, never fatal: it only costs
requests. Two runs may share an output folder: `save` merges, under an exclusive lock
(`fcntl.flock` on `cache.json.lock`), this run's observations into the file as it is now,
not as it was when the run started, keeping the newer observation of a URL, and replaces the
file atomically. The lock is held only for that read-merge-write, so runs still overlap;
without flock (not POSIX) the merge alone remains, and only truly simultaneous saves can
still lose one run's entries.
"""
from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime
from pathlib import Path

try:
    import fcntl
except ImportError:  # not POSIX
    fcntl = None  # type: ignore[assignment]

from ..files import write_atomic
from .model import Result

REUSABLE = ("ok", "redirected")
VERSION = 1


def load(path: Path) -> dict[str, Result]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        return {}
    if not isinstance(data, dict) or data.get("version") != VERSION:
        return {}
    out = {}
    for url, d in data.get("results", {}).items():
        try:
            out[url] = Result.from_dict(d)
        except (TypeError, KeyError):
            continue  # an entry from an older layout: recheck that URL
    return out


def fresh(result: Result | None, ttl: float, now: datetime) -> bool:
    """True when `result` may stand in for a new request."""
    if result is None or result.status not in REUSABLE or not result.checked_at:
        return False
    try:
        when = datetime.fromisoformat(result.checked_at.replace("Z", "+00:00"))
    except ValueError:
        return False
    age = (now - when).total_seconds()
    return 0 <= age < ttl


def save(path: Path, results: list[Result]) -> None:
    """Merge this run's network observations into the cache file (see module docstring)."""
    with _locked(path):
        merged = load(path)
        for r in results:
            if r.cached or r.status in ("skipped", "invalid"):
                continue
            known = merged.get(r.url)
            if known is None or known.checked_at <= r.checked_at:  # same format: text order is time order
                merged[r.url] = r
        body = {"version": VERSION, "results": {u: merged[u].to_dict() for u in sorted(merged)}}
        write_atomic(path, json.dumps(body, ensure_ascii=False, indent=1))


@contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(path.name + ".lock").open("a") as lock:
        if fcntl is not None:
            fcntl.flock(lock, fcntl.LOCK_EX)  # released when the file is closed
        yield


def utcnow() -> datetime:
    return datetime.now(UTC)

"""A file cache of recent results, so reruns do not re-request links that just worked.

Input/Output: a JSON file (`build/linkcheck/cache.json` by default) mapping url → result.
Why: only `ok` and `redirected` results younger than the TTL are reused; every failure is
always rechecked. A corrupt or foreign cache file is ignored, never fatal: it only costs
requests.
"""
from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

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


def save(path: Path, previous: dict[str, Result], results: list[Result]) -> None:
    """Write previous entries updated with this run's network observations (atomically)."""
    merged = dict(previous)
    for r in results:
        if not r.cached and r.status not in ("skipped", "invalid"):
            merged[r.url] = r
    body = {"version": VERSION, "results": {u: merged[u].to_dict() for u in sorted(merged)}}
    write_atomic(path, json.dumps(body, ensure_ascii=False, indent=1))


def utcnow() -> datetime:
    return datetime.now(UTC)

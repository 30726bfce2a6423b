"""Plain data passed between the link-checker stages.

Input: nothing (definitions only). Output: the dataclasses every other module uses:
`Target` (a distinct URL and who cites it), `Settings` (every knob of a run), `Hop` (one
redirect), `Result` (one dated observation of one URL) and `RunReport` (a whole run).
Why: stages exchange these instead of argparse objects, so the checker can be driven from
tests, the benchmark and the CLI alike.
"""
from __future__ import annotations

import dataclasses
from dataclasses import dataclass, field

from ..settings import DEFAULT_BASE

TOOL = "kanmin-linkcheck/1.0"
CONTACT_URL = DEFAULT_BASE.rstrip("/")  # the dataset's home page (homepage in metadata.json)
USER_AGENT = f"{TOOL} (+{CONTACT_URL}; checks the reference URLs cited by an open-data table)"
WAYBACK_BASE = "https://web.archive.org/web/"

# Every status a result can have, in the order reports list them.
#: Each status a result can have, with its label for people (ja, en), which the dataset site shows.
#: ``timeout`` and ``error`` (DNS, connection, TLS, a reset, a redirect loop) mean that the checker got
#: no usable answer, which an offline or firewalled run gives for every URL: they read as "not
#: checked", never as "broken", which only a server's own answer (404, 410, 5xx…) can say.
STATUS_LABELS = {"ok": ("正常", "ok"), "redirected": ("転送あり", "redirected"), "broken": ("リンク切れ", "broken"),
                 "unknown": ("不明（アクセス制限など）", "unknown"),
                 "timeout": ("未確認（応答なし）", "not checked: no answer"),
                 "error": ("未確認（通信エラー）", "not checked: network error"), "invalid": ("無効なURL", "invalid"),
                 "skipped": ("確認対象外", "skipped")}
#: The statuses that say nothing about the page itself: the checker got no answer (see above).
NOT_CHECKED = ("timeout", "error")
STATUSES = tuple(STATUS_LABELS)
# Kinds of `error` results.
ERROR_KINDS = ("dns", "connect", "tls", "reset", "too_many_redirects", "redirect_loop", "protocol")


@dataclass(frozen=True)
class Target:
    """One distinct URL and the rows that cite it."""

    url: str
    cited_by: tuple[str, ...] = ()  # policy_id values, sorted, distinct
    reference_ids: tuple[str, ...] = ()  # reference_id values, sorted, distinct


@dataclass(frozen=True)
class Settings:
    """Every knob of one run; defaults are the polite ones used by `kanmin linkcheck`."""

    # Requests in flight over all hosts. Politeness is `per_host`; this only bounds threads and
    # sockets, and is high enough not to throttle a many-host list (32 hosts at 4 each).
    concurrency: int = 128
    per_host: int = 4  # requests in flight to one host name
    connect_timeout: float = 10.0
    read_timeout: float = 20.0  # longest wait for one read
    request_timeout: float = 30.0  # one attempt in all: connect, TLS, request, response headers
    deadline: float = 900.0  # seconds for the whole run, archive look-ups included
    retries: int = 2  # extra tries after a connection error, 5xx or 429
    backoff: float = 1.0  # first backoff in seconds; doubles each retry, with full jitter
    backoff_cap: float = 30.0
    retry_after_cap: float = 60.0  # a longer Retry-After is cut to this
    max_redirects: int = 10
    user_agent: str = USER_AGENT
    allow_private: bool = False
    ca_bundle: str | None = None  # PEM file of trusted CAs; None means certifi's bundle
    use_cache: bool = True
    cache_ttl: float = 72 * 3600.0  # seconds an ok/redirected result is reused
    archive: bool = False
    archive_base: str = WAYBACK_BASE
    fail_on: tuple[str, ...] = ("broken", "invalid")


@dataclass(frozen=True)
class Hop:
    """One redirect response: the URL asked for, its status and where it pointed."""

    url: str
    status: int
    location: str

    @property
    def permanent(self) -> bool:
        return self.status in (301, 308)


@dataclass
class Result:
    """A dated observation of one URL (field order is the CSV column order)."""

    url: str
    status: str
    http_status: int | None = None
    final_url: str | None = None
    redirects: list[Hop] = field(default_factory=list)
    permanent: bool | None = None  # all redirects permanent (None when there were none)
    error: str | None = None  # an ERROR_KINDS value for status `error`
    attempts: int = 0  # HTTP requests sent for this URL (retries and HEAD→GET included)
    elapsed_ms: int = 0
    checked_at: str = ""  # UTC, ISO 8601 with a Z
    cited_by: tuple[str, ...] = ()
    reference_ids: tuple[str, ...] = ()
    method: str | None = None  # method of the deciding request (HEAD or GET)
    detail: str | None = None  # one line for people: the reason behind the status
    archive_url: str | None = None
    accepted: str | None = None  # reason from the accept list when the status was expected
    cached: bool = False

    def to_dict(self) -> dict:
        # Field by field rather than dataclasses.asdict, whose deep copy made writing the
        # reports of a 1,000-URL run cost a quarter of a second.
        d = {name: getattr(self, name) for name in _RESULT_FIELDS}
        d["redirects"] = [
            {"url": h.url, "status": h.status, "location": h.location} for h in self.redirects
        ]
        d["cited_by"] = list(self.cited_by)
        d["reference_ids"] = list(self.reference_ids)
        return d

    @classmethod
    def from_dict(cls, d: dict) -> Result:
        kw = {k: v for k, v in d.items() if k in _RESULT_FIELDS}
        kw["redirects"] = [Hop(**h) for h in d.get("redirects", [])]
        kw["cited_by"] = tuple(d.get("cited_by", ()))
        kw["reference_ids"] = tuple(d.get("reference_ids", ()))
        return cls(**kw)


_RESULT_FIELDS = tuple(f.name for f in dataclasses.fields(Result))


@dataclass
class RunReport:
    """A whole run: when, with what settings, and one result per distinct URL."""

    started_at: str
    finished_at: str
    elapsed_ms: int
    settings: Settings
    results: list[Result]
    requests_sent: int = 0

    def counts(self) -> dict[str, int]:
        c = {s: 0 for s in STATUSES}
        for r in self.results:
            c[r.status] += 1
        return c

    def failures(self) -> list[Result]:
        """Results that make the run fail under `settings.fail_on` (accepted ones never do)."""
        return [r for r in self.results if is_failure(r, self.settings.fail_on)]


def is_failure(result: Result, fail_on: tuple[str, ...]) -> bool:
    """True when `result` matches a `--fail-on` token: a status, or `error:KIND`."""
    if result.accepted:
        return False
    for token in fail_on:
        status, _, kind = token.partition(":")
        if result.status == status and (not kind or result.error == kind):
            return True
    return False

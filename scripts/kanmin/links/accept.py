"""The curated accept list: links known to be dead that stay because the source cites them.

Input: `data/curated/linkcheck_accept.csv` with columns pattern, expected_status, reason.
`pattern` is an exact URL or a glob (`*` matches anything, e.g. `http://www.example.go.jp/old/*`).
`expected_status` is a status (`broken`, `unknown`, `timeout`, `error`, `redirected`, …), an
error kind (`error:dns`), or `skip` to not request the URL at all (reported as `skipped`).
Output: `AcceptRule`s, and `apply()` which marks results whose status is the expected one.
Why: accepted links are reported but never fail the run; a rule whose URL works again is
reported too, so the list does not rot.
"""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

from ..errors import Problem
from .inputs import InputError, read_csv, read_text
from .model import ERROR_KINDS, STATUSES, Result

COLUMNS = ("pattern", "expected_status", "reason")


@dataclass(frozen=True)
class AcceptRule:
    pattern: str
    expected: str
    reason: str
    line: int

    def matches_url(self, url: str) -> bool:
        return url == self.pattern or ("*" in self.pattern and fnmatch.fnmatchcase(url, self.pattern))

    def expects(self, result: Result) -> bool:
        status, _, kind = self.expected.partition(":")
        return result.status == status and (not kind or result.error == kind)


def load(path: Path) -> list[AcceptRule]:
    """Read and validate the list; every bad line is reported at once (`InputError`).

    A missing file is an empty list: nothing is accepted."""
    if not path.is_file():
        return []
    file = str(path)
    header, rows = read_csv(path, read_text(path, "--accept expects a CSV file"))
    if tuple(header) != COLUMNS:
        found = ",".join(header) or "nothing"
        raise InputError([Problem(file, 1, f"header must be {','.join(COLUMNS)}, found {found}",
                                  "fix the first line of the accept list")])
    problems: list[Problem] = []
    rules: list[AcceptRule] = []
    seen: dict[str, int] = {}
    for line, row in rows:
        pattern = (row["pattern"] or "").strip()
        expected = (row["expected_status"] or "").strip()
        reason = (row["reason"] or "").strip()
        if not pattern:
            problems.append(Problem(file, line, "empty pattern", "give an exact URL or a glob"))
        elif pattern in seen:
            problems.append(Problem(file, line, f"duplicate pattern {pattern!r} "
                                    f"(first on line {seen[pattern]})", "keep one line per pattern"))
        seen.setdefault(pattern, line)
        status, _, kind = expected.partition(":")
        if not (expected == "skip" or (status in STATUSES and status != "ok" and not kind)
                or (status == "error" and kind in ERROR_KINDS)):
            problems.append(Problem(file, line, f"expected_status {expected!r} is not skip, a status "
                                    f"other than ok ({', '.join(STATUSES[1:])}) or error:KIND "
                                    f"({', '.join(ERROR_KINDS)})"))
        if not reason:
            problems.append(Problem(file, line, f"give a reason why {pattern!r} stays",
                                    "fill in the reason column"))
        rules.append(AcceptRule(pattern, expected, reason, line))
    if problems:
        raise InputError(problems)
    return rules


def rule_for(url: str, rules: list[AcceptRule]) -> AcceptRule | None:
    """The first rule matching `url` (exact URLs win over globs)."""
    exact = [r for r in rules if r.pattern == url]
    return exact[0] if exact else next((r for r in rules if r.matches_url(url)), None)


def apply(result: Result, rule: AcceptRule | None) -> Result:
    """Mark `result` accepted when the rule expects its status; note a stale rule otherwise."""
    if rule is None or rule.expected == "skip":
        return result
    if rule.expects(result):
        result.accepted = rule.reason
    else:
        note = f"accept list (line {rule.line}) expects {rule.expected}"
        result.detail = f"{result.detail}; {note}" if result.detail else note
    return result

"""Write a run's report files.

Input: a `RunReport` and an output folder (default `build/linkcheck/`, git-ignored).
Output: `report.json` (everything), `report.csv` (one row per URL; join to
`data/policy_references.csv` on `url`, or split `reference_ids` on `;`) and `summary.md` (fit for a
GitHub job summary). Returns the paths written; each file is replaced whole (a killed run
leaves the previous file, never half of one).
Why: link results are dated observations, so they live beside the data package, never in it.
Quirk: URLs come from pull requests and details from servers, so neither may act in the files
people open: in summary.md every such value is literal Markdown text (files.md_text / md_url:
no link can hide behind other text), and a report.csv cell starting with `=`, `+`, `-`, `@`,
tab or CR gets a leading `'` so that a spreadsheet shows it instead of running it as a
formula. report.json keeps every value as it was.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

from ..files import markdown_table, md_text, md_url, write_atomic
from ..source import FORMULA_START  # what spreadsheets read as a formula (OWASP), defined once
from .model import STATUSES, Result, RunReport

CSV_COLUMNS = ("url", "status", "http_status", "final_url", "permanent", "redirects", "error",
               "attempts", "elapsed_ms", "checked_at", "cited_by", "reference_ids", "method",
               "detail", "archive_url", "accepted", "cached")
PROBLEMS = ("broken", "error", "timeout", "invalid", "unknown")
UNREACHED = ("error", "timeout")  # no answer from the server: the link was not checked


def to_json(report: RunReport) -> str:
    settings = dataclasses.asdict(report.settings)
    settings["fail_on"] = list(report.settings.fail_on)
    body = {
        "started_at": report.started_at,
        "finished_at": report.finished_at,
        "elapsed_ms": report.elapsed_ms,
        "requests_sent": report.requests_sent,
        "counts": report.counts(),
        "failures": len(report.failures()),
        "settings": settings,
        "results": [],
    }
    # One result per line: readable and grep-able, and encoded by json's C encoder (which
    # `indent` would switch off; the pure-Python one took 0.1 s for 1,000 results).
    head = json.dumps(body, ensure_ascii=False, indent=2).removesuffix("[]\n}")
    rows = ",\n".join("    " + json.dumps(r.to_dict(), ensure_ascii=False) for r in report.results)
    return head + ("[\n" + rows + "\n  ]\n}\n" if rows else "[]\n}\n")


def to_csv(report: RunReport) -> str:
    out = io.StringIO()
    w = csv.writer(out, lineterminator="\n")
    w.writerow(CSV_COLUMNS)
    for r in report.results:
        d = r.to_dict()
        d["redirects"] = " ".join(f"{h.status}>{h.location}" for h in r.redirects)
        d["cited_by"] = ";".join(r.cited_by)
        d["reference_ids"] = ";".join(r.reference_ids)
        w.writerow([_csv_cell(d[c]) for c in CSV_COLUMNS])
    return out.getvalue()


def _csv_cell(value: object) -> object:
    if value is None:
        return ""
    if isinstance(value, str) and value.startswith(FORMULA_START):
        return "'" + value
    return value


PROBLEM_HEADERS = ("status", "URL", "HTTP", "error / detail", "cited by", "archived copy")
PROBLEM_ALIGN = ("left", "left", "right", "left", "left", "left")


def _row(r: Result) -> list:
    return [r.status, md_url(r.url), r.http_status, md_text(r.error or r.detail),
            md_text(" ".join(r.cited_by)), md_url(r.archive_url)]


def _problem_table(results: list[Result]) -> list[str]:
    return [markdown_table(PROBLEM_HEADERS, [_row(r) for r in results], PROBLEM_ALIGN), ""]


def unreached(report: RunReport) -> str:
    """'' when every link got an answer, else e.g. '74 of 74 links got no answer (error: dns 74)'."""
    missed = [r for r in report.results if r.status in UNREACHED and not r.accepted]
    if not missed:
        return ""
    kinds: dict[str, dict[str, int]] = {}
    for r in missed:
        by_kind = kinds.setdefault(r.status, {})
        by_kind[r.error or ""] = by_kind.get(r.error or "", 0) + 1
    parts = []
    for status in UNREACHED:
        if status in kinds:
            named = ", ".join(f"{k} {n}" for k, n in sorted(kinds[status].items()) if k)
            total = sum(kinds[status].values())
            parts.append(f"{status}: {named}" if named else f"{status} {total}")
    return f"{len(missed)} of {len(report.results)} links got no answer ({'; '.join(parts)})"


def verdict(report: RunReport) -> str:
    """One sentence for people: what fails, and whether the links could be checked at all."""
    fail_on = f"`--fail-on {','.join(report.settings.fail_on) or 'none'}`"
    failures = report.failures()
    missed = unreached(report)
    if failures:
        text = f"**{len(failures)} link(s) fail** ({fail_on})"
        return f"{text}; {missed}." if missed else text
    if not missed:
        return "**No failing links.**"
    if missed.startswith(f"{len(report.results)} of "):
        return (f"**No link could be checked:** {missed}. Nothing fails under {fail_on}, but "
                "nothing was verified either: is the network reachable?")
    return f"**No link fails under {fail_on}, but {missed}.**"


def to_markdown(report: RunReport) -> str:
    counts = report.counts()
    lines = [
        "## Link check", "",
        f"{len(report.results)} distinct URLs checked {report.started_at} – {report.finished_at} "
        f"({report.elapsed_ms / 1000:.1f} s, {report.requests_sent} requests). {verdict(report)}", "",
        markdown_table(STATUSES, [[counts[s] for s in STATUSES]], ["right"] * len(STATUSES)), "",
    ]
    problems = [r for r in report.results if r.status in PROBLEMS and not r.accepted]
    if problems:
        order = {s: i for i, s in enumerate(PROBLEMS)}
        lines += ["### Needs attention", ""]
        lines += _problem_table(sorted(problems, key=lambda r: (order[r.status], r.url)))
    moved = [r for r in report.results if r.status == "redirected" and r.permanent]
    if moved:
        lines += ["### Moved permanently (update the citation?)", "",
                  markdown_table(("URL", "now at", "cited by"),
                                 [[md_url(r.url), md_url(r.final_url), md_text(" ".join(r.cited_by))]
                                  for r in moved]),
                  ""]
    accepted = [r for r in report.results if r.accepted]
    if accepted:
        lines += ["### Accepted (known, do not fail)", ""] + _problem_table(accepted)
    stale = [r for r in report.results if r.detail and "accept list (line" in r.detail]
    if stale:
        lines += ["### Accept-list entries that no longer match", ""] + _problem_table(stale)
    return "\n".join(lines)


def write(report: RunReport, out_dir: Path) -> dict[str, Path]:
    """Write the three files (each atomically); returns {"json": path, "csv": path, "markdown": path}."""
    files = {"json": ("report.json", to_json(report)), "csv": ("report.csv", to_csv(report)),
             "markdown": ("summary.md", to_markdown(report))}
    paths = {}
    for kind, (name, text) in files.items():
        paths[kind] = out_dir / name
        write_atomic(paths[kind], text)
    return paths

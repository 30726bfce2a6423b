"""Write a run's report files.

Input: a `RunReport` and an output folder (default `build/linkcheck/`, git-ignored).
Output: `report.json` (everything), `report.csv` (one row per URL; join to
`data/references.csv` on `url`, or split `reference_ids` on `;`) and `summary.md` (fit for a
GitHub job summary). Returns the paths written.
Why: link results are dated observations, so they live beside the data package, never in it.
"""
from __future__ import annotations

import csv
import dataclasses
import io
import json
from pathlib import Path

from .model import STATUSES, Result, RunReport

CSV_COLUMNS = ("url", "status", "http_status", "final_url", "permanent", "redirects", "error",
               "attempts", "elapsed_ms", "checked_at", "cited_by", "reference_ids", "method",
               "detail", "archive_url", "accepted", "cached")
PROBLEMS = ("broken", "error", "timeout", "invalid", "unknown")


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
        w.writerow(["" if d[c] is None else d[c] for c in CSV_COLUMNS])
    return out.getvalue()


def _cell(text) -> str:
    return "" if text is None else str(text).replace("|", "\\|").replace("\n", " ")


def _line(r: Result) -> str:
    code = r.http_status if r.http_status is not None else ""
    why = r.error or r.detail or ""
    cells = [r.status, f"<{r.url}>", code, why, " ".join(r.cited_by), r.archive_url and f"<{r.archive_url}>"]
    return "| " + " | ".join(_cell(c) for c in cells) + " |"


def to_markdown(report: RunReport) -> str:
    counts = report.counts()
    failures = report.failures()
    verdict = (f"**{len(failures)} link(s) fail** (`--fail-on {','.join(report.settings.fail_on)}`)"
               if failures else "**No failing links.**")
    lines = [
        "## Link check", "",
        f"{len(report.results)} distinct URLs checked {report.started_at} – {report.finished_at} "
        f"({report.elapsed_ms / 1000:.1f} s, {report.requests_sent} requests). {verdict}", "",
        "| " + " | ".join(STATUSES) + " |",
        "|" + "---:|" * len(STATUSES),
        "| " + " | ".join(str(counts[s]) for s in STATUSES) + " |", "",
    ]
    head = ["| status | URL | HTTP | error / detail | cited by | archived copy |",
            "|---|---|---:|---|---|---|"]
    problems = [r for r in report.results if r.status in PROBLEMS and not r.accepted]
    if problems:
        order = {s: i for i, s in enumerate(PROBLEMS)}
        lines += ["### Needs attention", ""] + head
        lines += [_line(r) for r in sorted(problems, key=lambda r: (order[r.status], r.url))] + [""]
    moved = [r for r in report.results if r.status == "redirected" and r.permanent]
    if moved:
        lines += ["### Moved permanently (update the citation?)", "",
                  "| URL | now at | cited by |", "|---|---|---|"]
        lines += [f"| <{_cell(r.url)}> | <{_cell(r.final_url)}> | {_cell(' '.join(r.cited_by))} |"
                  for r in moved] + [""]
    accepted = [r for r in report.results if r.accepted]
    if accepted:
        lines += ["### Accepted (known, do not fail)", ""] + head
        lines += [_line(r) for r in accepted] + [""]
    stale = [r for r in report.results if r.detail and "accept list (line" in r.detail]
    if stale:
        lines += ["### Accept-list entries that no longer match", ""] + head
        lines += [_line(r) for r in stale] + [""]
    return "\n".join(lines)


def write(report: RunReport, out_dir: Path) -> dict[str, Path]:
    """Write the three files; returns {"json": path, "csv": path, "markdown": path}."""
    out_dir.mkdir(parents=True, exist_ok=True)
    files = {"json": ("report.json", to_json(report)), "csv": ("report.csv", to_csv(report)),
             "markdown": ("summary.md", to_markdown(report))}
    paths = {}
    for kind, (name, text) in files.items():
        p = out_dir / name
        p.write_text(text, encoding="utf-8")
        paths[kind] = p
    return paths

"""The full build: source text → extract → tidy → checks → package (+ RDF) → publish.

``build`` reads like the table of contents of the project. Nothing is written until every stage
has succeeded and frictionless has validated the new package in a temporary directory next to
the outputs; then the files are moved into place. A failing build leaves the previously
published outputs untouched.
"""

from __future__ import annotations

import os
import shutil
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

from . import checks, curated as curated_mod, extract, package, tidy
from .errors import DataError, Problem

REPO = curated_mod.REPO
DEFAULT_SOURCE = REPO / "data" / "raw" / "kuni-shisaku-ichiran-todofuken-2019.txt"
REPORT_PATH = "build/report.md"


@dataclass
class BuildResult:
    out: Path
    counts: dict[str, int]
    written: list[str] = field(default_factory=list)
    report: str = ""
    rdf: dict | None = None
    seconds: dict[str, float] = field(default_factory=dict)


def build(source: Path = DEFAULT_SOURCE, out: Path = REPO, curated_dir: Path = curated_mod.CURATED_DIR,
          with_rdf: bool = True, validate: bool = True) -> BuildResult:
    """Run every stage; publish into ``out`` only if all of them succeed."""
    clock = _Clock()
    cur = curated_mod.load(curated_dir)
    expected = int(cur.metadata["source_rows"])
    extraction = extract.extract(Path(source), cur, expected)
    clock.lap("extract")
    gaps = extract.coverage_gaps(extraction)
    if gaps:
        raise DataError([Problem(str(source), n, "line is neither in a cell nor page furniture",
                                 "extend the extraction rules or data/curated/page_furniture.txt")
                         for n in gaps])
    tables = tidy.tidy(extraction, cur)
    problems = checks.check(tables, expected)
    if problems:
        raise DataError(problems)
    clock.lap("tidy")
    out = Path(out)
    out.mkdir(parents=True, exist_ok=True)
    staging = Path(tempfile.mkdtemp(prefix=".kanmin-build-", dir=out))
    try:
        package.write_package(tables, cur.metadata, staging)
        report = build_report(extraction, tables, source)
        (staging / "build").mkdir(exist_ok=True)
        (staging / REPORT_PATH).write_text(report, encoding="utf-8")
        clock.lap("package")
        if validate:
            _frictionless_validate(staging / "datapackage.json")
            clock.lap("validate")
        rdf_figures = None
        if with_rdf:
            from .rdf.build import build_rdf
            rdf_figures = build_rdf(staging, staging / "build" / "rdf",
                                    metadata_path=Path(curated_dir) / "metadata.json")
            clock.lap("rdf")
        written = _publish(staging, out)
        clock.lap("publish")
    finally:
        shutil.rmtree(staging, ignore_errors=True)
    counts = {name: len(getattr(tables, name)) for name in
              ("policies", "ministries", "policy_ministries", "kpis", "references",
               "budget_projects", "pillars", "effect_categories")}
    return BuildResult(out=out, counts=counts, written=written, report=report, rdf=rdf_figures,
                       seconds=clock.laps)


class _Clock:
    """Wall time per stage, for the benchmark (never written into outputs)."""

    def __init__(self):
        self.laps: dict[str, float] = {}
        self._t = time.perf_counter()

    def lap(self, name: str) -> None:
        now = time.perf_counter()
        self.laps[name] = now - self._t
        self._t = now


def _frictionless_validate(descriptor: Path) -> None:
    from frictionless import validate as fl_validate

    report = fl_validate(str(descriptor))
    if not report.valid:
        errors = report.flatten(["type", "note", "rowNumber", "fieldName"])
        raise DataError([Problem(str(descriptor), row, f"frictionless: {kind}: {note} ({fieldname})",
                                 "the generated package violates its own schema; this is a bug")
                         for kind, note, row, fieldname in errors[:50]])


def _publish(staging: Path, out: Path) -> list[str]:
    """Move every staged file to its place (os.replace is atomic per file)."""
    written = []
    for path in sorted(p for p in staging.rglob("*") if p.is_file()):
        rel = path.relative_to(staging)
        target = out / rel
        target.parent.mkdir(parents=True, exist_ok=True)
        os.replace(path, target)
        written.append(rel.as_posix())
    return written


def build_report(extraction: extract.Extraction, tables: tidy.Tables, source: Path) -> str:
    """A deterministic Markdown report: counts, inferred rows, corrections, coverage."""
    used = set()
    for row in extraction.rows:
        used |= row.used
    lines = [
        "# Build report",
        "",
        f"Source: `{Path(source).name}` — {len(extraction.nonblank)} non-blank lines: "
        f"{len(used & extraction.nonblank)} in table cells, {len(extraction.furniture)} page furniture, "
        f"{len(extract.coverage_gaps(extraction))} unassigned.",
        "",
        "| table | rows |",
        "| --- | ---: |",
    ]
    for name in ("policies", "ministries", "policy_ministries", "kpis", "references",
                 "budget_projects", "pillars", "effect_categories"):
        lines.append(f"| {name} | {len(getattr(tables, name))} |")
    lines += ["", "## Row numbers inferred (lost at page breaks)", ""]
    for row in extraction.rows:
        if row.number_inferred:
            lines.append(f"- row {row.number}: starts at line {row.line_start} without its number; "
                         f"rows {row.number - 1} and {row.number + 1} are printed around it")
    lines += ["", "## Corrections applied (data/curated/corrections.csv)", "",
              "| row | field | printed | corrected | kind | reason |", "| ---: | --- | --- | --- | --- | --- |"]
    for c in tables.applied:
        cells = [str(c.policy_id), c.field, c.printed, c.corrected, c.kind, c.reason]
        lines.append("| " + " | ".join(x.replace("|", "\\|") for x in cells) + " |")
    unknown = sum(1 for p in tables.policies if p["effect_efficiency"] is None)
    lines += ["", "## Known unknowns", "",
              f"- {unknown} of {len(tables.policies)} policies have 1–3 effect marks: the text does not say "
              "in which of the four columns they stood, so their four effect flags are published empty.", ""]
    return "\n".join(lines)

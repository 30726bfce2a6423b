"""Benchmark of the build (``make bench``): prints figures, asserts nothing.

Each stage is timed from outside, by calling the stage's public function in a fresh child
process (so each peak RSS, ``ru_maxrss``, is its own), on the real source and on synthetic
sources 10× and 100× larger (the 75 printed rows repeated and renumbered, codes renumbered,
corrections repeated for every copy):

- package: extract → tidy → checks → model → CSVs + datapackage.json → frictionless validation
  (what ``kanmin build --no-rdf`` does before its other outputs, one after the other; the build
  runs the validation in a child process beside the writers: ``processes.beside``);
- workbook: the Excel workbook from the model in memory (``write_workbook``);
- analysts: the SQLite database and the Parquet files from the model (``write_database``,
  ``write_parquet``; the build runs them in a process beside the workbook and the ZIP);
- rdf: the RDF stage on the model (``write_rdf``: mapping, the three serialisations, catalog);
- validate: ``validate_rdf`` on the RDF files (``kanmin rdf --validate-only``);
- floor: the pure I/O of the same run: reading the source and writing the same output bytes.

Peak MB is what the stage held at once, workers included (the Turtle writer, the validation's
file comparison, the table checks' forked child): the sum of the proportional set sizes (Pss)
of the stage process and its descendants, sampled from outside every 50 ms (or the stage's own
ru_maxrss, if larger; a shared library's pages are shared with every process on the machine that
maps them, so a busy machine moves the figure by a percent or so); ``own_peak`` in the detail is
the stage process alone. The targets of the issue "RDF at native speed" are printed beside the
figures at 100×.

Also printed: the whole ``kanmin build`` command on the real source (wall time, median of runs),
and the growth from the smallest to the larger scales. Each stage runs ``--pairs`` times (default
1; 3 when comparing) and its median is printed. Compiled modules are cached in the run's own folder
(``PYTHONPYCACHEPREFIX``), so that no run compiles its sources anew even where the environment says
``PYTHONDONTWRITEBYTECODE``.

Side by side (``--baseline DIR``, ``make bench BASELINE=DIR``): DIR is a checkout of another
commit (e.g. ``git worktree add /tmp/main main``). Its own benchmarks/build.py and its own code
run with ``PYTHONPATH=DIR/scripts`` (so its own data/curated and source), under this interpreter
and its installed libraries: each checkout synthesizes its own 10× and 100× inputs with its own
``synthesize``, and each stage runs in a fresh process through the checkout's ``--child`` (the
protocol every version of this script shares: ``--child stage source curated out`` prints the
stage's figures as one JSON object). The runs alternate stage by stage (and so do the runs of the
whole command), so that a machine that slows down or speeds up does it to both, and which of the
two goes first alternates pair by pair (new, baseline, baseline, new, ...). Printed per scale and
stage: wall seconds and peak MB of both (medians), and the ratio new / baseline, the median of the
pairs' ratios, with the range of those ratios (how noisy the machine was) and whether it is
within 5% (ratio ≤ 1.05). The CPU seconds of the stage's
process and its workers (start-up included) are printed too, not counted: less moved than wall
time by other work on a shared machine, though blind to what two cores running at once save. The
floor is the same code in both, a measure of the noise (left out of the verdict: "ref"), and at
1× a stage takes a few hundredths of a second: judge those with more pairs.

``--save FILE`` writes this run's figures (every run, not only medians; with ``--baseline``, the
baseline's too) as JSON; ``--against FILE`` compares this run with such a file, saved on the same
machine (the ratio of the medians: the runs were not alternated).

Usage: python benchmarks/build.py [--scales 1 10 100] [--stages rdf validate ...] [--repeat 3]
       [--no-rdf] [--baseline DIR | --against FILE] [--pairs N] [--save FILE]
The measuring side (processes, memory sampling, checkouts, comparison) is side_by_side.py.
"""

from __future__ import annotations

import contextlib
import csv
import io
import json
import re
import resource
import shutil
import sys
import tempfile
import time
from pathlib import Path

from kanmin import curated, extract, model, package, pipeline, processes, validation, workbook
from kanmin.settings import CURATED_DIR, RAW_SOURCE, RDF_DIR, WORKBOOK_PATH


def synthesize(scale: int, work: Path) -> tuple[Path, Path]:
    """A source ``scale`` times larger and a curated folder that fits it."""
    cur = curated.load()
    rows = extract.extract(RAW_SOURCE, cur, int(cur.metadata["source_rows"])).rows
    lines = RAW_SOURCE.read_text(encoding="utf-8").split("\n")
    first, last = rows[0].line_start, rows[-1].line_end
    numbered = {r.line_start: r for r in rows if not r.number_inferred}
    code_line = {r.code[0]: r for r in rows}
    out: list[str] = lines[: first - 1]
    n = len(rows)
    for copy in range(scale):
        for i in range(first, last + 1):
            text = lines[i - 1]
            if i in numbered:
                text = re.sub(r"\d+", str(numbered[i].number + copy * n), text, count=1)
            if i in code_line:
                g = code_line[i].number - 1 + copy * n
                text = text.replace(code_line[i].code[1], f"{g // 100:02d}-{g % 100:02d}", 1)
            out.append(text)
    out += lines[last:]
    source = work / f"source-x{scale}.txt"
    source.write_text("\n".join(out), encoding="utf-8")

    cdir = work / f"curated-x{scale}"
    shutil.copytree(CURATED_DIR, cdir)
    meta = json.loads((cdir / "metadata.json").read_text(encoding="utf-8"))
    meta["source_rows"] = n * scale
    for res in meta["resources"]:
        for f in res["fields"]:
            if f["name"] == "policy_id" and "maximum" in f.get("constraints", {}):
                f["constraints"]["maximum"] = n * scale
    (cdir / "metadata.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
    with (cdir / "corrections.csv").open(encoding="utf-8", newline="") as fh:
        reader = csv.DictReader(fh)
        fields, corr = reader.fieldnames, [r for r in reader if r["field"] != "policy_code"]
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=list(fields or ()), lineterminator="\n")
    w.writeheader()
    for copy in range(scale):
        for r in corr:
            w.writerow({**r, "policy_id": int(r["policy_id"]) + copy * n})
    (cdir / "corrections.csv").write_text(buf.getvalue(), encoding="utf-8")
    blank = curated.read_table(cdir / "blank_cells.csv", (("policy_id",),), ("policy_id", "cells", "reason"))
    buf = io.StringIO()
    w = csv.DictWriter(buf, fieldnames=["policy_id", "cells", "reason"], lineterminator="\n")
    w.writeheader()
    w.writerows({**r, "policy_id": int(r["policy_id"]) + copy * n} for copy in range(scale) for r in blank)
    (cdir / "blank_cells.csv").write_text(buf.getvalue(), encoding="utf-8")
    return source, cdir


def _model(source: Path, curated_dir: Path) -> tuple[model.Package, float]:
    """The stages up to the model, as the build runs them; and their seconds."""
    t0 = time.perf_counter()
    cur = curated.load(curated_dir)
    _extraction, tables = pipeline.prepare(source, cur)
    pkg = model.from_tables(cur.metadata, tables)
    return pkg, time.perf_counter() - t0


def _child(stage: str, source: str, curated_dir: str, out: str) -> None:
    # Library imports are start-up (measured separately in main()); the figures are the work.
    import frictionless  # noqa: F401

    out_dir = Path(out)
    figures: dict = {}
    t0 = time.perf_counter()
    paused = contextlib.ExitStack()
    if stage in ("package", "workbook"):  # as in ``pipeline.build``: the cyclic collector paused
        paused.enter_context(processes.collector_paused())
    if stage == "package":
        pkg, figures["extract_to_model"] = _model(Path(source), Path(curated_dir))
        t = time.perf_counter()
        package.write_package(pkg, out_dir)
        figures["write"] = time.perf_counter() - t
        t = time.perf_counter()
        validation.staged(pkg, out_dir, source)
        figures["validate"] = time.perf_counter() - t
        figures["rows"] = len(pkg.tables["policies"])
    elif stage == "workbook":
        pkg, _ = _model(Path(source), Path(curated_dir))
        t0 = time.perf_counter()  # the workbook alone, from the model in memory
        workbook.write_workbook(pkg, out_dir / WORKBOOK_PATH)
    elif stage == "analysts":  # the SQLite database, then the Parquet files, from the model in memory
        import pyarrow.parquet  # noqa: F401  (start-up, as frictionless above; about 0.15 s)

        from kanmin import database, parquet
        from kanmin.settings import DATABASE_PATH

        pkg, _ = _model(Path(source), Path(curated_dir))
        t0 = time.perf_counter()
        database.write_database(pkg, out_dir / DATABASE_PATH)
        figures["sqlite_s"] = time.perf_counter() - t0
        t = time.perf_counter()
        parquet.write_parquet(pkg, out_dir)
        figures["parquet_s"] = time.perf_counter() - t
        figures["sqlite_mb"] = (out_dir / DATABASE_PATH).stat().st_size / 1e6
    elif stage == "rdf":
        from kanmin.rdf.build import write_rdf

        pkg, _ = _model(Path(source), Path(curated_dir))
        t0 = time.perf_counter()  # the RDF stage alone, from the model in memory
        figures["triples"] = write_rdf(pkg, out_dir / RDF_DIR, out_dir)["triples"]
    elif stage == "validate":
        from kanmin.rdf.validate import validate_rdf

        t0 = time.perf_counter()
        figures["ok"] = validate_rdf(out_dir / RDF_DIR)["ok"]
    else:  # floor: read the source, write the bytes the build wrote
        sources = [p for p in sorted(out_dir.rglob("*")) if p.is_file()]
        t0 = time.perf_counter()
        Path(source).read_text(encoding="utf-8")
        target = Path(tempfile.mkdtemp())
        for i, p in enumerate(sources):
            (target / str(i)).write_bytes(p.read_bytes())
        shutil.rmtree(target)
    figures["wall_s"] = time.perf_counter() - t0
    figures["own_peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures, default=str))


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    if argv[:1] == ["--child"] and len(argv) == 5:  # a stage's process (side_by_side.run_stage)
        _child(*argv[1:])
        return 0
    import side_by_side  # the measuring side, which the stage processes do not load

    return side_by_side.main(argv, __doc__)


if __name__ == "__main__":
    sys.exit(main())

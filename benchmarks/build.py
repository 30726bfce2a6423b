"""Benchmark of the build (``make bench``): prints figures, asserts nothing.

Each stage is timed from outside, by calling the stage's public function in a fresh child
process (so each peak RSS, ``ru_maxrss``, is its own), on the real source and on synthetic
sources 10× and 100× larger (the 75 printed rows repeated and renumbered, codes renumbered,
corrections repeated for every copy):

- package: extract → tidy → checks → model → CSVs + datapackage.json → frictionless validation
  (what ``kanmin build --no-rdf`` does before its other outputs, one after the other; the build
  runs the validation in a child process beside the writers: ``processes.beside``);
- workbook: the Excel workbook from the model in memory (``write_workbook``);
- rdf: the RDF stage on the model (``write_rdf``: mapping, the three serialisations, catalog);
- validate: ``validate_rdf`` on the RDF files (``kanmin rdf --validate-only``);
- floor: the pure I/O of the same run: reading the source and writing the same output bytes.

Peak MB is what the stage held at once, workers included (the Turtle writer, the validation's
file comparison, the table checks' forked child): the sum of the proportional set sizes (Pss)
of the stage process and its descendants, sampled from outside every 50 ms (or the stage's own
ru_maxrss, if larger); ``own_peak`` in the detail is the stage process alone. The targets of the
issue "RDF at native speed" are printed beside the figures at 100×.

Also printed: the whole ``kanmin build`` command on the real source (wall time, median of runs),
and the growth from the smallest to the larger scales.

Usage: python benchmarks/build.py [--scales 1 10 100] [--repeat 3] [--no-rdf]
"""

from __future__ import annotations

import argparse
import contextlib
import csv
import io
import json
import os
import re
import resource
import shutil
import statistics
import subprocess
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


def _rss_kb(pid: int) -> int:
    """The proportional set size of a process (Pss: its private pages plus its share of pages it
    shares): summed over a process tree it counts a page that a forked child shares with its parent
    once, as the machine holds it, where resident sets would count it once per process."""
    try:
        with open(f"/proc/{pid}/smaps_rollup", encoding="ascii", errors="replace") as fh:
            for line in fh:
                if line.startswith("Pss:"):
                    return int(line.split()[1])
    except OSError:
        pass
    return 0


def _descendants(root: int) -> set[int]:
    """A process and all its descendants now (Linux /proc)."""
    parents: dict[int, int] = {}
    for entry in os.listdir("/proc"):
        if entry.isdigit():
            try:
                with open(f"/proc/{entry}/stat", encoding="ascii", errors="replace") as fh:
                    parents[int(entry)] = int(fh.read().rsplit(")", 1)[1].split()[1])
            except (OSError, ValueError, IndexError):
                continue
    tree, frontier = {root}, [root]
    while frontier:
        pid = frontier.pop()
        children = [c for c, parent in parents.items() if parent == pid and c not in tree]
        tree.update(children)
        frontier += children
    return tree


def _run(stage: str, source: Path, cdir: Path, out: str) -> dict:
    """Run one stage in a fresh process; its peak memory with all its workers is sampled from
    outside every 50 ms (the sum of the process tree's proportional set sizes), its own peak is ru_maxrss."""
    with tempfile.TemporaryFile("w+") as out_file, tempfile.TemporaryFile("w+") as err_file:
        proc = subprocess.Popen([sys.executable, __file__, "--child", stage, str(source), str(cdir), out],
                                stdout=out_file, stderr=err_file, text=True)
        peak, tree, sample = 0.0, {proc.pid}, 0
        while proc.poll() is None:  # cheap samples; the process tree is looked up every 0.5 s
            if sample % 10 == 0:
                tree = _descendants(proc.pid)
            peak = max(peak, sum(_rss_kb(pid) for pid in tree) / 1024)
            sample += 1
            time.sleep(0.05)
        out_file.seek(0)
        err_file.seek(0)
        if proc.returncode:
            raise SystemExit(f"{stage} failed:\n{err_file.read()}")
        figures = json.loads(out_file.read().strip().splitlines()[-1])
    figures["peak_mb"] = max(peak, figures["own_peak_mb"])
    return figures


def _command_seconds(repeat: int) -> list[float]:
    """Wall time of the whole `kanmin build` command on the real source, into a fresh folder."""
    times = []
    kanmin = Path(sys.executable).parent / "kanmin"
    for _ in range(repeat):
        with tempfile.TemporaryDirectory() as out:
            t0 = time.perf_counter()
            subprocess.run([str(kanmin), "build", "--out", out], check=True, capture_output=True)
            times.append(time.perf_counter() - t0)
    return times


#: stage -> (seconds, MB) at 100×, from the issue "RDF at native speed"; `kanmin build` ≤ 0.9 s.
TARGETS = {"package": (4, 250), "rdf": (8, 400), "validate": (30, 1500)}
BUILD_TARGET_S = 0.9


def _figure(key: str, value: object) -> str:
    if isinstance(value, bool):
        return f"{key} {value}"
    if isinstance(value, float):
        return f"{key[:-3]} {value:.1f} MB" if key.endswith("_mb") else f"{key} {value:.2f} s"
    return f"{key} {value:,}"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--repeat", type=int, default=3, help="runs of the whole `kanmin build` command")
    ap.add_argument("--no-rdf", action="store_true")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import kanmin.pipeline, frictionless"], check=True)
    print(f"interpreter start-up incl. imports (kanmin.pipeline, frictionless): {time.perf_counter() - t0:.2f} s")
    times = _command_seconds(args.repeat)
    median = statistics.median(times)
    print(f"`kanmin build` on the real source, wall: median {median:.2f} s "
          f"(min {min(times):.2f}, max {max(times):.2f}, {len(times)} runs); target ≤ {BUILD_TARGET_S} s: "
          f"{'met' if median <= BUILD_TARGET_S else 'MISSED'}")
    stages = ["package", "workbook"] + ([] if args.no_rdf else ["rdf", "validate"]) + ["floor"]
    print(f"{'scale':>5} {'stage':>9} {'rows':>6} {'wall s':>7} {'peak MB':>8}  detail")
    first: dict[str, float] = {}
    with tempfile.TemporaryDirectory() as work:
        for scale in args.scales:
            if scale == 1:
                source, cdir = RAW_SOURCE, CURATED_DIR
            else:
                source, cdir = synthesize(scale, Path(work))
            with tempfile.TemporaryDirectory(dir=work) as out:
                rows = 0
                for stage in stages:
                    fig = _run(stage, source, cdir, out)
                    rows = fig.get("rows", rows)
                    detail = ", ".join(_figure(k, v) for k, v in fig.items() if k not in ("wall_s", "peak_mb", "rows"))
                    growth = ""
                    if stage in first:
                        growth = f"; {fig['wall_s'] / first[stage]:.1f}x the x{args.scales[0]} time"
                    else:
                        first[stage] = fig["wall_s"]
                    target = TARGETS.get(stage) if scale == 100 else None
                    verdict = ""
                    if target:
                        ok = fig["wall_s"] <= target[0] and fig["peak_mb"] <= target[1]
                        verdict = f"; target ≤ {target[0]:g} s, ≤ {target[1]:g} MB: {'met' if ok else 'MISSED'}"
                    print(f"{scale:>5} {stage:>9} {rows:>6} {fig['wall_s']:>7.2f} {fig['peak_mb']:>8.1f}  "
                          f"{detail}{growth}{verdict}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

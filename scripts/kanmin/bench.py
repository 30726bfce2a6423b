"""Benchmark of the full build (``make bench``): prints figures, asserts nothing.

For the real source and for synthetic sources 10× and 100× larger (the 75 printed rows repeated
and renumbered, codes renumbered, corrections repeated for every copy), two fresh child
processes run per scale, so each peak memory (ru_maxrss) is its own: the package build
(extract → tidy → checks → package → frictionless validation → publish) and then the RDF/DCAT
stage on its output. Printed: wall time, time per stage, rows per second, peak RSS, and for the
RDF stage triples and triples per second.

Usage: python -m kanmin.bench [--scales 1 10 100] [--no-rdf]
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import re
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from . import curated, extract, pipeline


def synthesize(scale: int, work: Path) -> tuple[Path, Path]:
    """A source ``scale`` times larger and a curated folder that fits it."""
    cur = curated.load()
    rows = extract.extract(pipeline.DEFAULT_SOURCE, cur, int(cur.metadata["source_rows"])).rows
    lines = pipeline.DEFAULT_SOURCE.read_text(encoding="utf-8").split("\n")
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
    shutil.copytree(curated.CURATED_DIR, cdir)
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
    w = csv.DictWriter(buf, fieldnames=fields, lineterminator="\n")
    w.writeheader()
    for copy in range(scale):
        for r in corr:
            w.writerow({**r, "policy_id": int(r["policy_id"]) + copy * n})
    (cdir / "corrections.csv").write_text(buf.getvalue(), encoding="utf-8")
    return source, cdir


def _child(source: str, curated_dir: str, out: str, stage: str) -> None:
    # Library imports are start-up, measured separately in main(); the figures are the work.
    import frictionless  # noqa: F401
    import rdflib  # noqa: F401

    t0 = time.perf_counter()
    if stage == "package":
        result = pipeline.build(source=Path(source), out=Path(out), curated_dir=Path(curated_dir), with_rdf=False)
        figures = {"stages": result.seconds, "policies": result.counts["policies"]}
    else:
        from .rdf.build import build_rdf
        rdf = build_rdf(Path(out), Path(out) / "build" / "rdf", metadata_path=Path(curated_dir) / "metadata.json")
        figures = {"stages": {"mapping": rdf["seconds_mapping"], "serialising": rdf["seconds_serialising"],
                              "catalog": rdf["seconds_catalog"]}, "triples": rdf["triples"]}
    figures["wall_s"] = time.perf_counter() - t0
    figures["peak_mb"] = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps(figures, default=str))


def _run(source: Path, cdir: Path, out: str, stage: str) -> dict:
    proc = subprocess.run([sys.executable, "-m", "kanmin.bench", "--child", str(source), str(cdir), out, stage],
                          capture_output=True, text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--no-rdf", action="store_true")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(*args.child)
        return 0
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import kanmin.pipeline, frictionless, rdflib"], check=True)
    startup = time.perf_counter() - t0
    print(f"interpreter start-up incl. imports (kanmin, frictionless, rdflib): {startup:.2f} s")
    print(f"{'scale':>5} {'stage':>8} {'rows':>6} {'wall s':>7} {'peak MB':>8}  detail")
    base = None
    with tempfile.TemporaryDirectory() as work:
        for scale in args.scales:
            if scale == 1:
                source, cdir = pipeline.DEFAULT_SOURCE, curated.CURATED_DIR
            else:
                source, cdir = synthesize(scale, Path(work))
            with tempfile.TemporaryDirectory(dir=work) as out:
                pkg = _run(source, cdir, out, "package")
                stages = " ".join(f"{k}={v:.2f}" for k, v in pkg["stages"].items())
                print(f"{scale:>5} {'package':>8} {pkg['policies']:>6} {pkg['wall_s']:>7.2f} {pkg['peak_mb']:>8.1f}"
                      f"  {pkg['policies'] / pkg['wall_s']:,.0f} rows/s; {stages}")
                if not args.no_rdf:
                    rdf = _run(source, cdir, out, "rdf")
                    stages = " ".join(f"{k}={v:.2f}" for k, v in rdf["stages"].items())
                    print(f"{scale:>5} {'rdf':>8} {pkg['policies']:>6} {rdf['wall_s']:>7.2f} {rdf['peak_mb']:>8.1f}"
                          f"  {rdf['triples']:,} triples, {rdf['triples'] / rdf['wall_s']:,.0f} triples/s; {stages}")
            if base is None:
                base = (pkg, None if args.no_rdf else rdf)
            else:
                growth = f"package {pkg['wall_s'] / base[0]['wall_s']:.1f}x"
                if not args.no_rdf:
                    growth += f", rdf {rdf['wall_s'] / base[1]['wall_s']:.1f}x"
                print(f"      time growth vs x{args.scales[0]} for {scale // args.scales[0]}x rows: {growth}")
    return 0


if __name__ == "__main__":
    sys.exit(main())

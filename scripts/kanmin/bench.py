"""Benchmark of the full build (``make bench``): prints figures, asserts nothing.

For the real source and for synthetic sources 10× and 100× larger (the 75 printed rows repeated
and renumbered, codes renumbered, corrections repeated for every copy), each build runs in a
fresh child process, so its peak memory (ru_maxrss) is its own. Printed per scale: wall time of
the whole build, interpreter start-up, time per stage, rows per second, peak RSS, and for the
RDF/DCAT stage triples and triples per second.

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


def _child(source: str, curated_dir: str, out: str, with_rdf: bool) -> None:
    t0 = time.perf_counter()
    result = pipeline.build(source=Path(source), out=Path(out), curated_dir=Path(curated_dir), with_rdf=with_rdf)
    wall = time.perf_counter() - t0
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(json.dumps({"build_s": wall, "stages": result.seconds, "peak_mb": peak_mb,
                      "policies": result.counts["policies"], "rdf": result.rdf}, default=str))


def _run(source: Path, cdir: Path, with_rdf: bool) -> dict:
    with tempfile.TemporaryDirectory() as out:
        t0 = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "kanmin.bench", "--child", str(source), str(cdir), out,
                               "1" if with_rdf else "0"], capture_output=True, text=True, check=True)
        total = time.perf_counter() - t0
    figures = json.loads(proc.stdout.strip().splitlines()[-1])
    figures["process_s"] = total
    return figures


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", type=int, nargs="+", default=[1, 10, 100])
    ap.add_argument("--no-rdf", action="store_true")
    ap.add_argument("--child", nargs=4, help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        _child(*args.child[:3], with_rdf=args.child[3] == "1")
        return 0
    t0 = time.perf_counter()
    subprocess.run([sys.executable, "-c", "import kanmin.pipeline, frictionless, rdflib"], check=True)
    startup = time.perf_counter() - t0
    print(f"interpreter start-up incl. imports (kanmin, frictionless, rdflib): {startup:.2f} s")
    print(f"{'scale':>5} {'rows':>6} {'process s':>9} {'build s':>8} {'rows/s':>8} {'peak MB':>8}  stages (s)  rdf")
    base = None
    with tempfile.TemporaryDirectory() as work:
        for scale in args.scales:
            if scale == 1:
                source, cdir = pipeline.DEFAULT_SOURCE, curated.CURATED_DIR
            else:
                source, cdir = synthesize(scale, Path(work))
            f = _run(source, cdir, not args.no_rdf)
            stages = " ".join(f"{k}={v:.2f}" for k, v in f["stages"].items())
            rdf = ""
            if f.get("rdf"):
                triples = f["rdf"].get("triples") or f["rdf"].get("data_triples")
                rdf_s = f["stages"].get("rdf", 0)
                if triples and rdf_s:
                    rdf = f"{triples} triples, {triples / rdf_s:,.0f} triples/s"
            print(f"{scale:>5} {f['policies']:>6} {f['process_s']:>9.2f} {f['build_s']:>8.2f} "
                  f"{f['policies'] / f['build_s']:>8.0f} {f['peak_mb']:>8.1f}  {stages}  {rdf}")
            if base is None:
                base = f
            elif scale > 1:
                print(f"      growth vs x1: {f['build_s'] / base['build_s']:.1f}x time for {scale}x rows")
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark of the RDF writers and of validate_rdf at 10x and 100x the real data (prints figures).

For each scale a synthetic package is built once (kanmin.bench.synthesize + pipeline.build, RDF
stage skipped) into WORK/pkg-xN. Then two fresh child processes, so each peak RSS is its own:
  write     read the tables and map them to triples (rdf.tables.read_tables + rdf.mapping.data_triples,
            timed apart as "mapping"), then write data.nt, data.ttl, data.jsonld, context.jsonld
            (serialize.write_data_files; with an older tree that lacks it, the old build loop:
            to_graph + to_turtle/to_ntriples/to_jsonld)
  validate  validate_rdf on that output plus vocab.ttl and the repository's catalog.ttl
Printed: wall seconds of the work (imports excluded) and peak RSS (ru_maxrss) of the child.

Usage (from the repository root; not run by pytest):
  PYTHONPATH=scripts .venv/bin/python benchmarks/rdf_writers.py [--scales 10 100] [--work DIR]
Point PYTHONPATH at another checkout's scripts/ to measure that code on the same packages.
"""

from __future__ import annotations

import argparse
import json
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from pathlib import Path

REPO = Path(__file__).resolve().parents[1]


def _peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def child_write(pkg: Path, curated: Path, out: Path) -> dict:
    from kanmin.rdf import serialize
    from kanmin.rdf.mapping import data_triples
    from kanmin.rdf.namespaces import DEFAULT_BASE, PREFIXES, Iris
    from kanmin.rdf.tables import read_metadata, read_tables

    t0 = time.perf_counter()
    metadata = read_metadata(pkg, curated / "metadata.json")
    iris = Iris(DEFAULT_BASE)
    triples = data_triples(read_tables(pkg, metadata), iris, metadata["sources"][0]["path"])
    prefixes = {**PREFIXES, **iris.prefixes()}
    t1 = time.perf_counter()
    mapped_mb = _peak_mb()
    out.mkdir(parents=True, exist_ok=True)
    if hasattr(serialize, "write_data_files"):
        count = serialize.write_data_files(triples, prefixes, out)
    else:  # the writers before pyoxigraph, as rdf/build.py called them
        count = len(triples)
        graph = serialize.to_graph(triples, prefixes)
        del triples
        writers = {"data.ttl": lambda: serialize.to_turtle(graph, prefixes),
                   "data.nt": lambda: serialize.to_ntriples(graph),
                   "data.jsonld": lambda: serialize.to_jsonld(graph, prefixes),
                   "context.jsonld": lambda: json.dumps(serialize.jsonld_context(prefixes),
                                                        ensure_ascii=False, indent=1) + "\n"}
        for name, write in writers.items():
            (out / name).write_text(write(), encoding="utf-8", newline="\n")
    t2 = time.perf_counter()
    return {"triples": count, "mapping_s": t1 - t0, "write_s": t2 - t1, "mapped_mb": mapped_mb,
            "peak_mb": _peak_mb()}


def child_validate(out: Path, dcat_ap: str) -> dict:
    from kanmin.rdf.validate import validate_rdf

    t0 = time.perf_counter()
    report = validate_rdf(out, Path(dcat_ap) if dcat_ap else None)
    return {"validate_s": time.perf_counter() - t0, "peak_mb": _peak_mb(), "ok": report["ok"],
            "problems": report["problems"][:3]}


def _child(*args: str) -> dict:
    proc = subprocess.run([sys.executable, __file__, "--child", *args], capture_output=True,
                          text=True, check=True)
    return json.loads(proc.stdout.strip().splitlines()[-1])


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--scales", type=int, nargs="+", default=[10, 100])
    ap.add_argument("--work", type=Path, help="folder for the synthetic packages (kept; default: temporary)")
    ap.add_argument("--dcat-ap-dir", default="", help="DCAT-AP shapes (default: kanmin.settings)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args(argv)
    if args.child:
        kind, *rest = args.child
        result = child_write(*map(Path, rest)) if kind == "write" else child_validate(Path(rest[0]), rest[1])
        print(json.dumps(result))
        return 0

    from kanmin import bench, pipeline

    work = args.work or Path(tempfile.mkdtemp(prefix="rdf-bench-"))
    work.mkdir(parents=True, exist_ok=True)
    print(f"{'scale':>5} {'triples':>8} {'map s':>6} {'write s':>7} {'write MB':>8} "
          f"{'validate s':>10} {'validate MB':>11}  ok")
    try:
        for scale in args.scales:
            pkg, curated = work / f"pkg-x{scale}", work / f"curated-x{scale}"
            if not (pkg / "data" / "policies.csv").is_file():
                source, curated = bench.synthesize(scale, work)
                pipeline.build(source=source, out=pkg, curated_dir=curated, with_rdf=False)
            out = work / f"rdf-x{scale}"
            shutil.rmtree(out, ignore_errors=True)
            w = _child("write", str(pkg), str(curated), str(out))
            shutil.copyfile(REPO / "scripts" / "kanmin" / "rdf" / "vocab.ttl", out / "vocab.ttl")
            shutil.copyfile(REPO / "build" / "rdf" / "catalog.ttl", out / "catalog.ttl")
            v = _child("validate", str(out), args.dcat_ap_dir)
            print(f"{scale:>5} {w['triples']:>8} {w['mapping_s']:>6.2f} {w['write_s']:>7.2f} "
                  f"{w['peak_mb']:>8.0f} {v['validate_s']:>10.2f} {v['peak_mb']:>11.0f}  {v['ok']} {v['problems']}")
    finally:
        if args.work is None:
            shutil.rmtree(work, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

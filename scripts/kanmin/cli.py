"""``kanmin``: one command, subcommands mirror the pipeline stages (wiring only).

Exit codes: 0 ok; 1 invalid data, failed build or broken links; 2 usage error.
Expected failures print one clear message per problem, never a traceback.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from .errors import DataError

# The pipeline modules are imported inside the handlers, so that `kanmin linkcheck` (a
# separate, timed job) starts without loading the extraction, frictionless or rdflib.


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args = parser.parse_args(argv)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except DataError as exc:
        for problem in exc.problems:
            print(f"error: {problem}", file=sys.stderr)
        return 1


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kanmin",
        description="Build, validate and check the open-data package of "
                    "「都道府県の施策に関する国の施策一覧」 (2019).",
        epilog="example: kanmin build   (then: kanmin validate, kanmin linkcheck)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(metavar="COMMAND")

    p = sub.add_parser("build", help="run the whole pipeline (extract, tidy, package, RDF)",
                       description="Run every stage and publish data/, datapackage.json and build/. "
                                   "Nothing is overwritten unless every stage succeeds.",
                       epilog="example: kanmin build --source data/raw/kuni-shisaku-ichiran-todofuken-2019.txt --out /tmp/pkg")
    p.add_argument("--source", type=Path, help="source text (default: the raw file in data/raw/)")
    p.add_argument("--out", type=Path, help="output root (default: the repository)")
    p.add_argument("--no-rdf", action="store_true", help="skip the RDF/DCAT stage")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=_build)

    p = sub.add_parser("extract", help="cut the source text into raw rows and print them as JSON",
                       epilog="example: kanmin extract --row 51")
    p.add_argument("--source", type=Path, help="source text (default: the raw file in data/raw/)")
    p.add_argument("--row", type=int, help="print only this row")
    p.set_defaults(func=_extract)

    p = sub.add_parser("validate", help="validate the published package (frictionless) and its content checks",
                       epilog="example: kanmin validate --package /tmp/pkg")
    p.add_argument("--package", type=Path, help="folder holding datapackage.json (default: the repository)")
    p.set_defaults(func=_validate)

    from .links.cli import register as register_links
    from .rdf.cli import register as register_rdf
    register_links(sub)
    register_rdf(sub)
    return parser


def _build(args) -> int:
    from . import pipeline

    result = pipeline.build(source=args.source or pipeline.DEFAULT_SOURCE, out=args.out or pipeline.REPO,
                            with_rdf=not args.no_rdf)
    if args.json:
        print(json.dumps({"out": str(result.out), "counts": result.counts, "written": result.written,
                          "rdf": result.rdf}, ensure_ascii=False, indent=2, default=str))
    else:
        print(f"built {result.out}: " + ", ".join(f"{k} {v}" for k, v in result.counts.items()))
        print(f"wrote {len(result.written)} files; report: {pipeline.REPORT_PATH}")
    return 0


def _extract(args) -> int:
    from . import curated, extract, pipeline

    cur = curated.load()
    ex = extract.extract(args.source or pipeline.DEFAULT_SOURCE, cur, int(cur.metadata["source_rows"]))
    rows = [r for r in ex.rows if args.row in (None, r.number)]
    out = [{k: (sorted(v) if isinstance(v, set) else v) for k, v in vars(r).items() if k != "used"} for r in rows]
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


def _validate(args) -> int:
    from frictionless import validate

    from . import pipeline

    report = validate(str(Path(args.package or pipeline.REPO) / "datapackage.json"))
    if report.valid:
        print("datapackage.json: valid")
        return 0
    for kind, note, row, fieldname in report.flatten(["type", "note", "rowNumber", "fieldName"]):
        print(f"error: {kind}: {note} (row {row}, field {fieldname})", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())

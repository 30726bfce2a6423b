"""CLI wiring for `kanmin rdf`: build build/rdf/ and, with --validate, check it (wiring only)."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

from ..errors import DataError, Problem, UsageError
from ..settings import DEFAULT_BASE, DEFAULT_DOWNLOAD_BASE, DESCRIPTOR, REPO, in_checkout

EXAMPLE = """examples:
  kanmin rdf                       build build/rdf/ from the package in the repository
  kanmin rdf --validate            then parse every file and run the SHACL shapes
  kanmin rdf --validate-only --json   only validate the existing build/rdf/, report as JSON"""


def register(subparsers) -> None:
    p = subparsers.add_parser(
        "rdf", help="build the RDF graph and DCAT-AP catalog (build/rdf/); --validate checks them",
        description="Turn the published tables into RDF (Turtle, N-Triples, JSON-LD) and a DCAT-AP 3 "
                    "catalog. --validate parses all serialisations and runs the project's SHACL shapes "
                    "(of the data graph and of the catalog) and the DCAT-AP 3.0.1 shapes (zero violations "
                    "required; recommendations are reported as warnings), and reports the EU metadata quality "
                    "indicators (MQA) that need no network.",
        epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--package", type=Path,
                   help="package folder with data/, datapackage.json (default: the repository)")
    p.add_argument("--out", type=Path, help="output folder (default: PACKAGE/build/rdf)")
    p.add_argument("--base-iri", help="base of the instance IRIs (default: the base the package was built under, "
                                      f"its homepage in datapackage.json with a final slash; {DEFAULT_BASE} unless "
                                      "it was built with --base-url)")
    p.add_argument("--download-base",
                   help=f"base URL of the published files (default: files/ under the base, {DEFAULT_DOWNLOAD_BASE})")
    group = p.add_mutually_exclusive_group()
    group.add_argument("--validate", action="store_true", help="validate after building")
    group.add_argument("--validate-only", action="store_true", help="validate the existing output only")
    p.add_argument("--dcat-ap-dir", type=Path,
                   help="folder with the DCAT-AP shapes (default: $KANMIN_DCAT_AP_DIR or ../shared/dcat-ap)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=run)


def run(args) -> int:
    from .build import build_rdf, default_out_dir
    from .validate import validate_rdf

    args.package = args.package or in_checkout(REPO, "--package")
    out = args.out or default_out_dir(args.package)
    _check_folders(args.package, out, args.out is not None, args.validate_only)
    result: dict = {}
    if not args.validate_only:
        result["build"] = build_rdf(args.package, out, args.base_iri, args.download_base)
    if args.validate or args.validate_only:
        result["validate"] = validate_rdf(out, args.dcat_ap_dir)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1, default=str))
    else:
        _print_human(result)
    report = result.get("validate")
    if report and not report["ok"]:
        raise DataError(_problems(report, out))
    return 0


def _check_folders(package: Path, out: Path, out_given: bool, validate_only: bool) -> None:
    """Raise a UsageError (exit 2, one line) for a folder the command cannot use: a package folder
    that is missing or holds no datapackage.json (to build from), an output folder that is a file
    (to build into), an output folder that is missing or holds none of the RDF files (to validate).
    An output folder missing some of them is no usage error: validation names each one (exit 1)."""
    from .validate import REQUIRED

    if not (validate_only and out_given):  # the package is read, or holds the output folder
        if not package.is_dir():
            what = "not a folder" if package.exists() else "no such folder"
            raise UsageError(f"--package {package}: {what}", "pass a folder holding datapackage.json, "
                             "such as the --out folder of `kanmin build`")
        if not validate_only and not (package / DESCRIPTOR).is_file():
            raise UsageError(f"{package / DESCRIPTOR}: no such file",
                             "pass --package DIR, a folder holding datapackage.json")
    where = f"--out {out}" if out_given else str(out)
    if (out.exists() or out.is_symlink()) and not out.is_dir():
        raise UsageError(f"{where}: not a folder", "pass a folder for the RDF files, made if missing")
    if validate_only and not any((out / name).is_file() for name in REQUIRED):
        what = "holds none of the RDF files" if out.exists() else "no such folder"
        raise UsageError(f"{where}: {what}", "run `kanmin rdf` first to write the RDF files there, or pass --out DIR, "
                         "the folder holding them")


def _problems(report: dict, out: Path) -> list[Problem]:
    """What made the validation fail: unparsable or differing files, then every SHACL violation."""
    problems = list(report["problems"])
    for key, label, graph in (("own_shapes", "project shapes", "data.ttl"),
                              ("catalog_shapes", "project catalog shapes", "catalog.ttl"),
                              ("dcat_ap", "DCAT-AP 3.0.1 shapes", "catalog.ttl")):
        problems += [Problem(str(out / graph), None, f"{label}: {r['focus']} {r['path']}: {r['message']}")
                     for r in report.get(key, []) if r["severity"] == "Violation"]
    return problems


def _print_human(result: dict) -> None:
    if "build" in result:
        b = result["build"]
        print(f"wrote {len(b['paths'])} files to {Path(b['paths'][0]).parent}: {b['triples']} data "
              f"triples, {b['catalog_triples']} catalog triples")
    v = result.get("validate")
    if v is None:
        return
    if "triples" not in v:
        return
    print("parsed: " + ", ".join(f"{name} {n}" for name, n in v["triples"].items()))
    for key, label in (("own_shapes", "project shapes"), ("catalog_shapes", "project catalog shapes"),
                       ("dcat_ap", "DCAT-AP 3.0.1 shapes")):
        bad = [r for r in v[key] if r["severity"] == "Violation"]
        print(f"{label}: {len(bad)} violations, {len(v[key]) - len(bad)} other results")
    print(f"DCAT-AP recommendations: {len(v['dcat_ap_recommended'])} warnings (see README, RDF section)")
    for m in v["mqa"]:
        print(f"EU metadata quality (MQA) of {m['dataset']}: {m['score']} of the {m['offline_maximum']} points "
              f"computable offline ({m['maximum'] - m['offline_maximum']} more when the access and download "
              "URLs answer, not checked)")
    print("valid" if v["ok"] else "INVALID")

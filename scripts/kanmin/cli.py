"""``kanmin``: one command, subcommands mirror the pipeline stages (wiring only).

Exit codes: 0 ok; 1 invalid data, failed build or broken links; 2 usage error.
Expected failures print one clear message per problem, never a traceback. A command line argparse
cannot read gets the usage of the (sub)command it names and, for an unknown option, the nearest
option of that command.
"""

from __future__ import annotations

import argparse
import difflib
import json
import sys
from pathlib import Path
from typing import NoReturn

from . import errors
from .errors import DataError, UsageError
from .settings import (
    CHANGELOG,
    CURATED_DIR,
    DEFAULT_BASE,
    RAW_NAME,
    RAW_SOURCE,
    REPO,
    REPORT_PATH,
    checkout,
    in_checkout,
)

# The pipeline modules are imported inside the handlers, so that `kanmin linkcheck` (a
# separate, timed job) starts without loading the extraction, frictionless or rdflib.


def main(argv: list[str] | None = None) -> int:
    parser = make_parser()
    args, unknown = parser.parse_known_args(argv)
    if unknown:
        _unrecognized(parser, sys.argv[1:] if argv is None else argv, unknown)
    if not hasattr(args, "func"):
        parser.print_help()
        return 2
    try:
        return int(args.func(args) or 0)
    except DataError as exc:  # the one place problems are printed and turned into exit codes
        errors.report(exc.problems)
        return errors.exit_code(exc)
    except OSError as exc:  # the file system said no (a full disk, a read-only --out): one line, no traceback
        problem = errors.os_error(exc, f"kanmin {args.command}")
        if problem is None:
            raise
        errors.report(problem.problems)
        return errors.exit_code(problem)
    except KeyboardInterrupt:  # Ctrl-C: no traceback; a publish it cut short is completed by the next build
        print(f"interrupted: kanmin {args.command} stopped before it finished", file=sys.stderr)
        return 130


def _unrecognized(parser: argparse.ArgumentParser, argv: list[str], unknown: list[str]) -> NoReturn:
    """Stop with the usage of the (sub)command the arguments chose and argparse's "unrecognized
    arguments" error, suggesting the nearest option of that command for each unknown one
    (``kanmin build --sorce x``: "did you mean --source?"); exit 2. Python 3.11's argparse reports
    an unknown option of a subcommand with the top-level usage and no suggestion."""
    chosen = parser
    for token in argv:  # the subcommands named, outermost first ("ckan", "publish")
        commands = next((a.choices for a in chosen._actions if isinstance(a, argparse._SubParsersAction)), {})
        if token in commands:
            chosen = commands[token]
    options = sorted({o for a in chosen._actions for o in a.option_strings})
    near = {}  # unknown option -> the nearest known one
    for name in (t.partition("=")[0] for t in unknown if t.startswith("-")):
        for match in difflib.get_close_matches(name, options, n=1, cutoff=0.6):
            near[name] = match
    guesses = list(near.values()) if len(near) == 1 else [f"{o} instead of {u}" for u, o in near.items()]
    hint = f" (did you mean {', '.join(guesses)}?)" if guesses else ""
    chosen.error(f"unrecognized arguments: {' '.join(unknown)}{hint}")


def make_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="kanmin",
        description="Build, validate and check the open-data package of "
                    "「都道府県の施策に関する国の施策一覧」 (2019).",
        epilog="example: kanmin build   (then: kanmin validate, kanmin linkcheck)",
        formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    p = sub.add_parser("build", help="run the whole pipeline (extract, tidy, package, workbook, RDF, site)",
                       description="Run every stage and publish data/, datapackage.json and build/. "
                                   "Nothing is overwritten unless every stage succeeds.",
                       epilog=f"example: kanmin build --source data/raw/{RAW_NAME} --out /tmp/pkg\n"
                              "         kanmin build --base-url https://example.github.io/kanmin-data/\n"
                              "         kanmin build --repository-url https://github.com/<owner>/<repo>",
                       formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--source", type=str, help="source text (default in a checkout: the raw file in data/raw/)")
    p.add_argument("--curated", type=str, metavar="DIR",
                   help="the curated inputs: metadata.json, code lists, corrections (default in a checkout: "
                        "data/curated/)")
    p.add_argument("--out", type=str,
                   help="output folder: new, empty, or one an earlier build wrote (default in a checkout: the "
                        "checkout itself)")
    p.add_argument("--no-rdf", action="store_true", help="skip the RDF/DCAT stage")
    p.add_argument("--base-url", metavar="URL",
                   help="the dataset's home page for this build, where the site is deployed (default: homepage "
                        f"in data/curated/metadata.json, {DEFAULT_BASE}); the landing page, RDF IRIs and "
                        "download URLs hang off it")
    p.add_argument("--repository-url", metavar="URL",
                   help="the repository's address, whose issue form (.github/ISSUE_TEMPLATE/data-error.yml) the "
                        "site's 'report an error' links open (default: $KANMIN_REPOSITORY_URL; none: the pages say "
                        "how to report instead)")
    p.add_argument("--changelog", metavar="FILE",
                   help="CHANGELOG.md, rendered as the site's update history (default in a checkout: its "
                        "CHANGELOG.md; installed: none, and the site has no such page)")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.set_defaults(func=_build)

    p = sub.add_parser("extract", help="cut the source text into raw rows and print them as JSON",
                       epilog="example: kanmin extract --row 51")
    p.add_argument("--source", type=str, help="source text (default in a checkout: the raw file in data/raw/)")
    p.add_argument("--curated", type=str, metavar="DIR", help="the curated inputs (default in a checkout: "
                                                                  "data/curated/)")
    p.add_argument("--row", type=int, help="print only this row")
    p.set_defaults(func=_extract)

    p = sub.add_parser("validate", help="validate a published package: descriptor, Table Schemas, foreign keys "
                                        "and content checks",
                       description="Check a published package: no interrupted publish; the descriptor (Data "
                                   "Package standard); every table against its Table Schema (frictionless: types, "
                                   "required, unique, patterns, enums, bytes, hash); the foreign keys; and what a "
                                   "schema cannot say (rows 1..N, a lead ministry per policy, no mark, budget "
                                   "heading or bullet marker inside a text cell). Every problem is one error line "
                                   "naming file, row and field.",
                       epilog="example: kanmin validate --package /tmp/pkg")
    p.add_argument("--package", type=Path, help="folder holding datapackage.json (default: the repository)")
    p.set_defaults(func=_validate)

    from .links.cli import register as register_links
    from .portal.cli import register as register_portal
    from .rdf.cli import register as register_rdf
    from .release_cli import register as register_release
    register_links(sub)
    register_rdf(sub)
    register_portal(sub)
    register_release(sub)
    return parser


def _build(args) -> int:
    from . import pipeline

    source = _source_file(args.source)
    curated_dir = _curated_dir(args.curated)
    if args.out == "":
        raise UsageError("--out: the path is empty", "pass the folder to build into, e.g. --out /tmp/pkg")
    out = in_checkout(REPO, "--out") if args.out is None else Path(args.out)
    changelog = Path(args.changelog) if args.changelog else (CHANGELOG if checkout() is not None else None)
    result = pipeline.build(source=source, out=out, curated_dir=curated_dir, with_rdf=not args.no_rdf,
                            base_url=args.base_url, repository_url=args.repository_url, changelog=changelog)
    errors.notify(result.notices)
    if args.json:
        print(json.dumps({"out": str(result.out), "counts": result.counts, "written": result.written,
                          "rdf": result.rdf}, ensure_ascii=False, indent=2, default=str))
    else:
        print(f"built {result.out}: " + ", ".join(f"{k} {v}" for k, v in result.counts.items()))
        print(f"wrote {len(result.written)} files; report: {REPORT_PATH}")
    return 0


def _extract(args) -> int:
    from . import curated, extract

    source = _source_file(args.source)
    cur = curated.load(_curated_dir(args.curated))
    ex = extract.extract(source, cur, int(cur.metadata["source_rows"]))
    rows = [r for r in ex.rows if args.row in (None, r.number)]
    if args.row is not None and not rows:
        raise UsageError(f"--row {args.row}: no such row", f"rows are numbered 1 to {len(ex.rows)}")
    out = [{k: (sorted(v) if isinstance(v, set) else v) for k, v in vars(r).items() if k != "used"} for r in rows]
    print(json.dumps(out, ensure_ascii=False, indent=1))
    return 0


def _source_file(path: str | None) -> Path:
    """The --source path (default in a checkout: the raw source), if it names a regular file (a
    FIFO or /dev/zero would be read forever or not at all); else a usage error saying what it
    names. Given as text: Path("") is ".", a folder."""
    if path is None:
        return in_checkout(RAW_SOURCE, "--source")
    if str(path) == "":
        raise UsageError("--source: the path is empty", "pass the text file extracted from the PDF")
    p = Path(path)
    if not p.is_file():
        what = "a folder" if p.is_dir() else "not a regular file" if p.exists() else "no such file"
        raise UsageError(f"--source {path}: {what}", "pass the text file extracted from the PDF")
    return p


def _curated_dir(path: str | None) -> Path:
    """The --curated folder (default in a checkout: data/curated/), if it is a folder."""
    if path is None:
        return in_checkout(CURATED_DIR, "--curated")
    if not Path(path).is_dir():
        raise UsageError(f"--curated {path}: {'not a folder' if Path(path).exists() else 'no such folder'}",
                         "pass the folder of the curated inputs (data/curated/ of the repository)")
    return Path(path)


def _validate(args) -> int:
    from .settings import DESCRIPTOR
    from .validation import load

    pkg = load(Path(args.package or in_checkout(REPO, "--package")))
    print(f"{DESCRIPTOR}: valid ({', '.join(f'{k} {v}' for k, v in pkg.counts().items())})")
    return 0


if __name__ == "__main__":
    sys.exit(main())

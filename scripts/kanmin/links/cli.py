"""`kanmin linkcheck`: parse options, run the links stage, write and print the reports.

Exit codes: 0 nothing fails, 1 something fails under --fail-on, 2 usage or input error.
Bad input raises `DataError` (see kanmin.errors); `kanmin.cli.main`, or `main` here when run
on its own, prints the problems and turns them into the exit code.
"""
from __future__ import annotations

import argparse
import sys
from pathlib import Path

from .. import errors
from .. import settings as paths
from .model import ERROR_KINDS, STATUSES, WAYBACK_BASE, Settings

DESCRIPTION = f"""\
Check every URL cited by the references table (or a --urls list): HEAD first, GET when HEAD
is unreliable, redirects followed one by one, retries with backoff, polite per-host limits.
Reports go to {paths.LINKCHECK_DIR}/ (report.json, report.csv, summary.md); they are dated
observations and never part of the data package.

exit codes: 0 nothing fails, 1 a link fails under --fail-on, 2 usage or input error

examples:
  kanmin linkcheck
  kanmin linkcheck --urls urls.txt --archive --format json > links.json
  kanmin linkcheck --fail-on broken,error:dns --per-host 2 --no-cache
"""


def _positive_int(text: str) -> int:
    try:
        v = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if v < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return v


def seconds(text: str) -> float:
    try:
        v = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number of seconds") from None
    if not v > 0:
        raise argparse.ArgumentTypeError(f"{text!r} must be more than 0")
    return v


def _fail_on(text: str) -> tuple[str, ...]:
    tokens = tuple(t.strip() for t in text.split(",") if t.strip())
    if tokens == ("none",):
        return ()
    for t in tokens:
        status, _, kind = t.partition(":")
        if status not in STATUSES or (kind and (status != "error" or kind not in ERROR_KINDS)):
            raise argparse.ArgumentTypeError(
                f"{t!r}: use statuses ({', '.join(STATUSES)}), error:KIND "
                f"({', '.join(ERROR_KINDS)}) or none")
    if not tokens:
        raise argparse.ArgumentTypeError("empty list: use none to never fail")
    return tokens


def add_arguments(p: argparse.ArgumentParser) -> None:
    d = Settings()
    src = p.add_mutually_exclusive_group()
    src.add_argument("--references", type=Path, default=Path(paths.REFERENCES_CSV),
                     help="references table to read (default: %(default)s)")
    src.add_argument("--urls", type=Path, help="text file, one URL per line, # comments")
    p.add_argument("--out", type=Path, default=Path(paths.LINKCHECK_DIR),
                   help="folder for report.json, report.csv, summary.md, cache.json (default: %(default)s)")
    p.add_argument("--accept", type=Path, default=paths.LINKCHECK_ACCEPT,
                   help="accept list: pattern,expected_status,reason (default: %(default)s)")
    p.add_argument("--fail-on", type=_fail_on, default=d.fail_on, metavar="LIST",
                   help="comma list of statuses or error:KIND that fail the run, or none "
                        f"(default: {','.join(d.fail_on)})")
    p.add_argument("--format", choices=("text", "json"), default="text",
                   help="text: table for people; json: the JSON report on stdout")
    p.add_argument("--json", dest="format", action="store_const", const="json",
                   help="same as --format json")
    p.add_argument("--concurrency", type=_positive_int, default=d.concurrency,
                   help="requests in flight over all hosts (default: %(default)s)")
    p.add_argument("--per-host", type=_positive_int, default=d.per_host,
                   help="requests in flight to one host (default: %(default)s)")
    p.add_argument("--connect-timeout", type=seconds, default=d.connect_timeout, metavar="S",
                   help="longest wait for a connection (default: %(default)s)")
    p.add_argument("--read-timeout", type=seconds, default=d.read_timeout, metavar="S",
                   help="longest wait for one read (default: %(default)s)")
    p.add_argument("--request-timeout", type=seconds, default=d.request_timeout, metavar="S",
                   help="longest one request may take in all: connect, TLS, response headers; "
                        "a server sending its headers a byte at a time is cut off (default: %(default)s)")
    p.add_argument("--deadline", type=seconds, default=d.deadline, metavar="S",
                   help="the whole run stops after this many seconds (default: %(default)s)")
    p.add_argument("--retries", type=int, choices=range(0, 11), default=d.retries, metavar="N",
                   help="retries after connection errors, 5xx and 429 (default: %(default)s)")
    p.add_argument("--retry-after-cap", type=seconds, default=d.retry_after_cap, metavar="S",
                   help="longest Retry-After honoured (default: %(default)s)")
    p.add_argument("--no-cache", action="store_true",
                   help="request every URL even if it was ok within the cache TTL")
    p.add_argument("--cache-ttl", type=seconds, default=d.cache_ttl / 3600, metavar="HOURS",
                   help="how long an ok result is reused (default: %(default)s)")
    p.add_argument("--archive", action="store_true",
                   help="look up Wayback Machine snapshots of broken/erroring links")
    p.add_argument("--archive-base", default=WAYBACK_BASE, metavar="URL",
                   help="archive endpoint; <URL><link> must redirect to a snapshot (default: %(default)s)")
    p.add_argument("--allow-private", action="store_true",
                   help="allow loopback/private/link-local targets (never in CI)")
    p.add_argument("--ca-bundle", type=Path, metavar="PEM", help="trust these CAs instead of certifi's")
    p.add_argument("--no-progress", action="store_true", help="no progress bar on a terminal")


def register(subparsers) -> argparse.ArgumentParser:
    p = subparsers.add_parser("linkcheck", help="check the cited URLs", description=DESCRIPTION,
                              formatter_class=argparse.RawDescriptionHelpFormatter)
    add_arguments(p)
    p.set_defaults(func=command)
    return p


def settings_from(args: argparse.Namespace) -> Settings:
    return Settings(
        concurrency=args.concurrency, per_host=args.per_host,
        connect_timeout=args.connect_timeout, read_timeout=args.read_timeout,
        request_timeout=args.request_timeout,
        deadline=args.deadline, retries=args.retries, retry_after_cap=args.retry_after_cap,
        allow_private=args.allow_private,
        ca_bundle=str(args.ca_bundle) if args.ca_bundle else None,
        use_cache=not args.no_cache, cache_ttl=args.cache_ttl * 3600,
        archive=args.archive, archive_base=args.archive_base, fail_on=args.fail_on,
    )


def command(args: argparse.Namespace) -> int:
    """Run the check; bad input raises DataError (InputError, UsageError) for the caller to report."""
    from . import accept, console, inputs, report  # the HTTP stack only for this command
    from .run import check_urls

    targets = inputs.from_url_list(args.urls) if args.urls else inputs.from_references(args.references)
    rules = accept.load(args.accept)
    if args.ca_bundle and not args.ca_bundle.is_file():
        raise errors.UsageError("no such CA bundle", "--ca-bundle expects a PEM file",
                                file=str(args.ca_bundle))
    settings = settings_from(args)
    with console.progress(len(targets), enabled=not args.no_progress) as tick:
        result = check_urls(targets, settings, rules=rules, cache_path=args.out / "cache.json",
                            on_result=tick)
    paths = report.write(result, args.out)
    if args.format == "json":
        sys.stdout.write(paths["json"].read_text(encoding="utf-8"))  # the file just written
    else:
        console.print_table(result, list(paths.values()))
    return 1 if result.failures() else 0


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kanmin")
    sub = parser.add_subparsers(dest="command", required=True)
    register(sub)
    args = parser.parse_args(["linkcheck", *(sys.argv[1:] if argv is None else argv)])
    try:
        return args.func(args)
    except errors.DataError as exc:
        errors.report(exc.problems)
        return errors.exit_code(exc)


if __name__ == "__main__":
    sys.exit(main())

"""CLI wiring for `kanmin ckan publish` (wiring only; ckanapi is imported when the command runs).

The portal comes from --url or CKAN_URL; the API token only from CKAN_API_TOKEN (never a flag,
never printed). Without either, the command is a usage error (exit 2) before any call is made;
so is a portal at a link-local or cloud metadata address without --allow-link-local (the check
is ``client.check_target``, made when the ``Portal`` is).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path

from ..errors import UsageError
from ..links.cli import seconds
from ..settings import REPO, in_checkout
from .client import Limits

TOKEN_ENV = "CKAN_API_TOKEN"
URL_ENV = "CKAN_URL"

EXAMPLE = """examples:
  export CKAN_URL=https://ckan.example.org CKAN_API_TOKEN=…   (the token only in the environment)
  kanmin ckan publish --owner-org kanmin --dry-run     show the plan, write nothing
  kanmin ckan publish --owner-org kanmin --datastore   publish, then load the tables into the DataStore
  kanmin ckan publish --owner-org kanmin --json        print the result (calls, seconds) as JSON
  kanmin ckan publish --owner-org kanmin --read-timeout 600   a slow portal, large uploads"""


def register(subparsers) -> None:
    ckan = subparsers.add_parser("ckan", help="publish the package to a CKAN data portal",
                                 description="Publish the package to a CKAN portal (ckanapi).")
    sub = ckan.add_subparsers(metavar="COMMAND")
    p = sub.add_parser(
        "publish", help="create or update the dataset and its resources on a CKAN portal",
        description="Make one CKAN dataset from the package's metadata and one uploaded resource per "
                    "published file (the CSVs, datapackage.json, the Excel workbook, build/rdf/). Idempotent: "
                    "resources are matched by their distribution IRI (uri); only changed files are uploaded, "
                    "files gone from the package are deleted, resources someone else added are kept, and an "
                    "unchanged package writes nothing. A dataset of the same name in another organisation is "
                    "left alone unless --take-over-dataset. On a portal with ckanext-scheming (detected through "
                    "scheming_dataset_schema_show), every field of its schema that the metadata knows is filled "
                    "(ckanext-dcat's DCAT-AP schema: contact point, publisher, creator, coverage, provenance, "
                    f"checksums, …). The API token is read from ${TOKEN_ENV} only.",
        epilog=EXAMPLE, formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--url", help=f"the portal's address (default: ${URL_ENV})")
    p.add_argument("--owner-org", required=True, help="name of the organisation that owns the dataset (must exist)")
    p.add_argument("--license-id",
                   help="licence id offered by the portal (default: the portal's licence with our licence "
                        "URL, else cc-by)")
    p.add_argument("--package", type=Path, help="published package folder (default: the repository)")
    p.add_argument("--dry-run", action="store_true", help="print the plan and write nothing")
    p.add_argument("--datastore", action="store_true", help="also load every table into the CKAN DataStore")
    p.add_argument("--json", action="store_true", help="print the result as JSON")
    p.add_argument("--take-over-dataset", action="store_true",
                   help="move a dataset of the same name that belongs to another organisation into --owner-org "
                        "(its metadata is replaced by ours; resources not ours are kept); without it such a "
                        "dataset is refused")
    p.add_argument("--connect-timeout", type=seconds, default=Limits.connect, metavar="S",
                   help="longest wait for a connection, and for the portal to take more of a request being "
                        "sent, e.g. an upload (default: %(default)s)")
    p.add_argument("--read-timeout", type=seconds, default=Limits.read, metavar="S",
                   help="longest wait for an answer; CKAN answers an upload or a DataStore load only once it "
                        "has stored it, so large files need a long one (default: %(default)s)")
    p.add_argument("--allow-link-local", action="store_true",
                   help="allow a portal at a link-local or cloud metadata address (169.254.0.0/16, fe80::/10, "
                        "169.254.169.254, fd00:ec2::254, 100.100.100.200, metadata.google.internal), refused by "
                        "default so that the API token is not sent there")
    p.set_defaults(func=run)
    ckan.set_defaults(func=lambda _args: ckan.print_help() or 2)


def run(args) -> int:
    url = (args.url or os.environ.get(URL_ENV, "")).strip()
    if not url:
        raise UsageError(f"no portal: pass --url or set {URL_ENV}", "e.g. --url https://ckan.example.org")
    if not url.startswith(("http://", "https://")):
        raise UsageError(f"--url {url!r} is not an http(s) address", "e.g. --url https://ckan.example.org")
    token = os.environ.get(TOKEN_ENV, "").strip()
    if not token:
        raise UsageError(f"no API token: set {TOKEN_ENV}",
                         "create one on the portal (user page → API Tokens); it is read from the "
                         "environment only, never from the command line")
    from .publish import Portal, publish

    progress = None
    if not args.json and sys.stderr.isatty():
        def progress(message: str) -> None:
            print(f"… {message}", file=sys.stderr, flush=True)
    portal = Portal(url, token, limits=Limits(connect=args.connect_timeout, read=args.read_timeout),
                    allow_link_local=args.allow_link_local)
    result = publish(args.package or in_checkout(REPO, "--package"), portal, args.owner_org, args.license_id,
                     dry_run=args.dry_run, datastore=args.datastore, progress=progress,
                     take_over=args.take_over_dataset)
    if args.json:
        print(json.dumps(result, ensure_ascii=False, indent=1))
    else:
        print_human(result)
    return 0


def print_human(result: dict) -> None:
    verb = "plan for" if result["dry_run"] else "published"
    print(f"{verb} {result['url']} (dataset {result['dataset_action']}, licence {result['license_id']}, "
          f"schema: {result['portal_schema']})")
    move = result.get("owner_org_change")
    if move:
        print(f"  owner_org: {move['from'] or '(no organisation)'} → {move['to']}")
    for res in result["resources"]:
        extra = " (upload)" if res["upload"] and res["action"] != "create" else ""
        print(f"  {res['action']:<9} {res['path'] or res['id']}{extra}")
    if "datastore" in result:
        for table, figures in result["datastore"].items():
            print(f"  DataStore {figures['action']:<9} {table} ({figures['rows']} rows)")
    counts = ", ".join(f"{k} {v}" for k, v in result["counts"].items())
    print(f"{counts}; {result['api_calls']} API calls, {result['seconds']:.2f} s "
          f"({result['seconds_in_calls']:.2f} s waiting for the portal)"
          + (" (dry run: nothing written)" if result["dry_run"] else ""))

"""Paths and defaults of the project, each defined once; importing this module reads no file.

Every module takes its default paths, IRIs and the build timestamp from here, so a path or a
default never has two homes. Values that users change are command-line options whose defaults
come from here; ``KANMIN_DCAT_AP_DIR``, ``SOURCE_DATE_EPOCH``, ``KANMIN_CONTACT_EMAIL`` and
``KANMIN_REPOSITORY_URL`` are read here only. (The portal publisher reads its own ``CKAN_URL``
and ``CKAN_API_TOKEN``: the token is kept out of every module but the one that sends it.)

The package runs from a checkout of the repository (where ``data/`` holds the raw source and the
curated inputs, the defaults of ``kanmin build``) or installed from a wheel anywhere else, where
the command line names them (``checkout``). The curated metadata is read by ``curated.load`` and
passed in, never read at import.
"""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

#: The checkout this package runs from (the folder holding datapackage.json), two levels above this
#: package, when it runs from one (``checkout``); an installed wheel has no such folder.
REPO = Path(__file__).absolute().parents[2]
DATA_DIR = "data"
CURATED_DIR = REPO / DATA_DIR / "curated"
RAW_NAME = "kuni-shisaku-ichiran-todofuken-2019.txt"
RAW_SOURCE = REPO / DATA_DIR / "raw" / RAW_NAME
DESCRIPTOR = "datapackage.json"
REPORT_PATH = "build/report.md"
CITATION = "CITATION.cff"
RDF_DIR = "build/rdf"
#: The Excel workbook (kanmin.workbook), named after the package (its ``name`` in metadata.json).
WORKBOOK_PATH = "build/kuni-shisaku-ichiran-todofuken-2019.xlsx"
#: The ZIP of the Data Package (kanmin.archive), named like the workbook.
ARCHIVE_PATH = "build/kuni-shisaku-ichiran-todofuken-2019.zip"
LINKCHECK_DIR = "build/linkcheck"
#: What changed in each version (written by people); the site renders it as its update history.
CHANGELOG = REPO / "CHANGELOG.md"
#: The dataset site (``kanmin.site``): a deployable folder, not committed.
SITE_DIR = "build/site"


def checkout() -> Path | None:
    """The checkout of the repository this package runs from, or None (an installed wheel): the
    folder two levels above the package, if it holds the curated inputs."""
    return REPO if (CURATED_DIR / "metadata.json").is_file() else None


def in_checkout(path: Path, option: str) -> Path:
    """``path`` (a default inside the checkout) when running from a checkout, else a usage error
    asking for ``option``."""
    if checkout() is None:
        from .errors import UsageError

        raise UsageError(f"{option} is required: kanmin runs from an installed package, not from a checkout "
                         "of the repository, so it has no default", f"pass {option} (in a checkout: {path})")
    return path


def table_path(name: str) -> str:
    """Where a published table's CSV is, relative to the package: data/<name>.csv."""
    return f"{DATA_DIR}/{name}.csv"


REFERENCES_CSV = table_path("policy_references")
LINKCHECK_ACCEPT = CURATED_DIR / "linkcheck_accept.csv"
#: The base the code makes every IRI under: the project's w3id.org namespace, in which its
#: vocabulary, shapes and SPARQL queries are written (rdf/vocab.ttl, rdf/shapes.ttl, rdf/queries/).
#: Download URLs of the published files hang off it too. A build publishes under the dataset's
#: home page (``homepage`` in data/curated/metadata.json, the one home of that fact, or
#: ``kanmin build --base-url``): where that is another URL, every URL under this base is moved
#: under it (``rebase_url``). The home page (``dcat:landingPage``) is the root of the dataset site
#: (``build/site/``), and ``files/<path>`` under it is where the site keeps its copy of each
#: published file (the catalog's download URLs).
DEFAULT_BASE = "https://w3id.org/kanmin-data/"
#: The home page under ``DEFAULT_BASE``: the base without its final slash.
HOMEPAGE = DEFAULT_BASE.rstrip("/")
DEFAULT_DOWNLOAD_BASE = DEFAULT_BASE + "files/"


def base_url(url: str | None, homepage: str = HOMEPAGE) -> str:
    """A base URL as the pipeline takes it, with its final slash; for none, the dataset's home page
    (``homepage`` of the curated metadata) with one."""
    if url is None:
        return homepage.rstrip("/#") + "/"
    if not url.startswith(("https://", "http://")) or " " in url:
        from .errors import UsageError

        raise UsageError(f"--base-url {url!r} is not an http(s) URL", "pass the URL the site is deployed at, "
                         "e.g. https://example.github.io/kanmin-data/")
    return url if url.endswith(("/", "#")) else url + "/"


def rebase_url(value: str, base: str) -> str:
    """``value`` moved from the default base to ``base``: a URL under ``DEFAULT_BASE`` keeps its
    path under ``base``, the home page becomes ``base`` without its final slash, anything else stays."""
    if value.startswith(DEFAULT_BASE):
        return base + value[len(DEFAULT_BASE):]
    if value == HOMEPAGE:
        return base.rstrip("/#")
    return value


def unbase_url(value: str, base: str) -> str:
    """The inverse of ``rebase_url``: ``value`` moved from ``base`` back to the default base."""
    if value.startswith(base):
        return DEFAULT_BASE + value[len(base):]
    if value == base.rstrip("/#"):
        return HOMEPAGE
    return value


def package_base(homepage: str, identifier: str) -> str:
    """The base a package was built under (``kanmin build --base-url``; ``DEFAULT_BASE`` for none),
    from what its descriptor records: its home page, which is the base without its final "/" or "#",
    and its identifier, which the build moved under the base and so shows which of the two it was."""
    rest = identifier[len(homepage):] if identifier.startswith(homepage) else ""
    return homepage + (rest[0] if rest[:1] in ("/", "#") else "/")


def download_base(base: str | None = None, download: str | None = None) -> str:
    """Where the published files are downloaded from: ``download`` when given, else ``files/``
    under the base (the site's copies of the files)."""
    if download:
        return download
    return DEFAULT_DOWNLOAD_BASE if base in (None, DEFAULT_BASE) else str(base) + "files/"


def dcat_ap_dir() -> Path:
    """The official DCAT-AP 3.0.1 SHACL shapes: $KANMIN_DCAT_AP_DIR, else ../shared/dcat-ap."""
    env = os.environ.get("KANMIN_DCAT_AP_DIR")
    return Path(env) if env else REPO.parent / "shared" / "dcat-ap"


#: Mail domains reserved for examples (RFC 2606, RFC 6761, JPRS's example.jp): an address there
#: is a placeholder.
PLACEHOLDER_DOMAINS = ("example.org", "example.com", "example.net", "example.jp", "example", "invalid", "test",
                       "localhost")


def contact_email() -> str | None:
    """The publisher's contact address: ``KANMIN_CONTACT_EMAIL``, else none.

    It is a setting, not curated metadata, so that no placeholder is ever published: a build
    without it publishes the contact point's web page only, and a placeholder address is refused."""
    email = os.environ.get("KANMIN_CONTACT_EMAIL", "").strip()
    if not email:
        return None
    domain = email.rpartition("@")[2].lower()
    if "@" not in email or domain in PLACEHOLDER_DOMAINS or domain.endswith(
            tuple("." + d for d in PLACEHOLDER_DOMAINS)):
        from .errors import UsageError

        raise UsageError(f"KANMIN_CONTACT_EMAIL={email!r} is not a real address (placeholder domain {domain!r})",
                         "set it to the publisher's real contact address, or unset it")
    return email


def repository_url(url: str | None = None) -> str | None:
    """The address of the project's repository on GitHub (``https://github.com/<owner>/<repo>``,
    or a GitHub Enterprise server's), where the site's "report an error" links open the issue form
    ``.github/ISSUE_TEMPLATE/data-error.yml``: ``url`` (``kanmin build --repository-url``), else
    ``KANMIN_REPOSITORY_URL``, else none.

    Nothing in the data says where the repository is (a checkout may have no remote, and a fork
    lives elsewhere), so it is a setting and never guessed: without it the pages say how to report
    an error instead of linking to a form. The address is an http(s) URL without a query or
    fragment; its final slash is dropped."""
    value = (url if url is not None else os.environ.get("KANMIN_REPOSITORY_URL", "")).strip()
    if not value:
        return None
    from urllib.parse import urlsplit

    parts = urlsplit(value)
    if parts.scheme not in ("https", "http") or not parts.netloc or parts.query or parts.fragment or " " in value:
        from .errors import UsageError

        raise UsageError(f"repository URL {value!r} is not an http(s) address without a query or fragment",
                         "pass the repository's address, e.g. --repository-url https://github.com/<owner>/<repo> "
                         "(or set KANMIN_REPOSITORY_URL), or leave it unset")
    return value.rstrip("/")


def build_timestamp(fallback: str) -> str:
    """``SOURCE_DATE_EPOCH`` (the reproducible-builds convention) as UTC, else ``fallback``."""
    epoch = os.environ.get("SOURCE_DATE_EPOCH")
    if epoch:
        return datetime.fromtimestamp(int(epoch), tz=UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
    return fallback

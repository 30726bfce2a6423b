"""The `ckan_portal` and `ckan_dcat_portal` fixtures: real CKAN 2.12 portals (PostgreSQL, Redis,
Solr or its test double) for the publishing tests, started once per test session by services.py,
side by side (both start at the first test that needs either):

- ``ckan_portal``: CKAN's core fields, the DataStore and ckanext-dcat (``datastore dcat``);
- ``ckan_dcat_portal``: ckanext-scheming with ckanext-dcat's DCAT-AP schema, ckanext-harvest with
  the DCAT RDF harvester, and a licence register with the package's licence
  (``services.package_licenses``).

    def test_something(ckan_portal):
        ckan = ckan_portal.client()                   # ckanapi.RemoteCKAN as the sysadmin
        ckan.action.package_create(name="x", owner_org=ckan_portal.organization)

Reuse running portals (faster when iterating): ``python tests/ckan/services.py up --dir DIR`` and
``... up --dir DIR2 --dcat-ap``, then ``KANMIN_CKAN_SERVICES=DIR/services.json
KANMIN_CKAN_DCAT_SERVICES=DIR2/services.json pytest tests/ckan`` (those portals are left running).

When the CKAN venv, PostgreSQL, Redis or ckanapi are missing, the tests are skipped with what to
run; in CI (``CI`` or ``KANMIN_CKAN_REQUIRED`` set, as .ci/run and the workflows do) they fail.
A portal that is there but does not come up is always a failure.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import services

#: The environment variable naming a running portal of each kind (its services.json).
REUSE = {"core": "KANMIN_CKAN_SERVICES", "dcat-ap": "KANMIN_CKAN_DCAT_SERVICES"}



def required() -> bool:
    return bool(os.environ.get("CI") or os.environ.get("KANMIN_CKAN_REQUIRED"))


def unavailable(reason: str) -> None:
    message = f"the CKAN test portal cannot run: {reason}"
    if required():
        pytest.fail(message + " (fails because CI or KANMIN_CKAN_REQUIRED is set)", pytrace=False)
    pytest.skip(message)


@dataclass(frozen=True)
class Portal:
    """A running CKAN portal. The token is kept out of repr() so that no report shows it."""

    url: str  # e.g. http://127.0.0.1:41234 (no trailing slash)
    api_token: str = field(repr=False)  # a sysadmin's API token
    organization: str  # name of an existing organization: kanmin-test-org
    sysadmin: str  # the sysadmin's user name
    solr: str  # "test double" or "external" (a real Solr, KANMIN_SOLR_URL)
    services: dict[str, Any] = field(repr=False)  # the whole services.json record (ports, PIDs, logs, ckan_ini)

    @classmethod
    def from_record(cls, record: dict[str, Any]) -> Portal:
        return cls(url=record["url"], api_token=record["api_token"], organization=record["organization"],
                   sysadmin=record["sysadmin"], solr=record["solr"], services=record)

    def client(self, **kwargs: Any):
        """A ckanapi.RemoteCKAN for this portal, authenticated as the sysadmin (kwargs go to RemoteCKAN)."""
        import ckanapi

        kwargs.setdefault("user_agent", "kanmin-tests")
        return ckanapi.RemoteCKAN(self.url, apikey=self.api_token, **kwargs)

    def anonymous(self, **kwargs: Any):
        """A ckanapi.RemoteCKAN without a token (what the public sees)."""
        import ckanapi

        kwargs.setdefault("user_agent", "kanmin-tests")
        return ckanapi.RemoteCKAN(self.url, **kwargs)

    def log(self, name: str = "ckan") -> Path:
        """A service's log file: ckan, solr, redis, postgresql or cli."""
        return Path(self.services["logs"][name])


def status_ok(url: str) -> bool:
    try:
        with urllib.request.urlopen(f"{url}/api/3/action/status_show", timeout=5) as resp:
            return bool(json.loads(resp.read())["success"])
    except (OSError, ValueError, KeyError):
        return False


def _reused(kind: str) -> Portal | None:
    """The running portal named by the environment (``REUSE``), or None."""
    variable = REUSE[kind]
    given = os.environ.get(variable)
    if not given:
        return None
    try:
        record = services.load(Path(given))
    except (OSError, ValueError) as e:
        pytest.fail(f"{variable}={given}: cannot read it: {e}", pytrace=False)
    if "api_token" not in record or not status_ok(record["url"]):
        pytest.fail(f"{variable}={given}: the portal at {record.get('url')} does not answer "
                    f"status_show; log: {record.get('logs', {}).get('ckan')}", pytrace=False)
    return Portal.from_record(record)


@pytest.fixture(scope="session")
def ckan_portals(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Portal]]:
    """Both portals, {"core": …, "dcat-ap": …}: those named by the environment, the others started
    here side by side (two threads: the CKAN command-line calls of one overlap the other's) and
    stopped after the session."""
    try:
        import ckanapi  # noqa: F401
    except ImportError:
        unavailable("ckanapi is not installed in the project venv: .venv/bin/pip install ckanapi==4.11")
    portals = {kind: p for kind in REUSE if (p := _reused(kind)) is not None}
    to_start = [kind for kind in REUSE if kind not in portals]
    if to_start:
        missing = services.missing_prerequisites()
        if missing:
            unavailable("; ".join(missing))
    directories = {kind: tmp_path_factory.mktemp(f"ckan-portal-{kind}") for kind in to_start}

    def start(kind: str) -> dict:
        if kind == "core":
            return services.up(directories[kind])
        return services.up(directories[kind], dcat_ap=True, licenses=services.package_licenses())

    started: list[Path] = []
    try:
        with ThreadPoolExecutor(max_workers=2) as pool:
            futures = {kind: pool.submit(start, kind) for kind in to_start}
            errors = []
            for kind, future in futures.items():
                try:
                    portals[kind] = Portal.from_record(future.result())
                    started.append(directories[kind])
                except services.ServiceError as e:
                    errors.append(f"the CKAN test portal ({kind}) did not come up: {e}")
        if errors:
            pytest.fail("; ".join(errors), pytrace=False)
        yield portals
    finally:
        for directory in started:
            services.down(directory)


@pytest.fixture(scope="session")
def ckan_portal(ckan_portals: dict[str, Portal]) -> Portal:
    """The portal with CKAN's core fields (no scheming), the DataStore and ckanext-dcat."""
    return ckan_portals["core"]


@pytest.fixture(scope="session")
def ckan_dcat_portal(ckan_portals: dict[str, Portal]) -> Portal:
    """The portal with ckanext-scheming's DCAT-AP schema, ckanext-harvest and a licence register."""
    return ckan_portals["dcat-ap"]


# --- shared by the modules that publish (test_portal, test_dcat_ap_portal) -------------------------

@pytest.fixture()
def empty(admin):
    """The portal of the requesting module's ``admin`` client without the dataset (purged, so its
    name is free again)."""
    from ckanapi import NotFound

    from kanmin.settings import DESCRIPTOR, REPO

    try:
        admin.action.dataset_purge(id=json.loads((REPO / DESCRIPTOR).read_text(encoding="utf-8"))["name"])
    except NotFound:
        pass
    return admin


@pytest.fixture()
def package_copy(tmp_path) -> Path:
    """A copy of the published package, for a test to change and publish."""
    from support import copy_published_package

    return copy_published_package(tmp_path / "pkg")


@pytest.fixture()
def publish_env(monkeypatch):
    """No publisher setting from the environment running the tests (each test sets its own)."""
    for key in ("KANMIN_CONTACT_EMAIL", "SOURCE_DATE_EPOCH", "CKAN_URL", "CKAN_API_TOKEN"):
        monkeypatch.delenv(key, raising=False)

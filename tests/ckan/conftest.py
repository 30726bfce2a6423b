"""The `ckan_portal` fixture: a real CKAN 2.12 portal (PostgreSQL, Redis, Solr or its test double,
DataStore, ckanext-dcat) for the publishing tests, started once per test session by services.py.

    def test_something(ckan_portal):
        ckan = ckan_portal.client()                   # ckanapi.RemoteCKAN as the sysadmin
        ckan.action.package_create(name="x", owner_org=ckan_portal.organization)

Reuse a running portal (faster when iterating): ``python tests/ckan/services.py up --dir DIR``
then ``KANMIN_CKAN_SERVICES=DIR/services.json pytest tests/ckan`` (that portal is left running).

When the CKAN venv, PostgreSQL, Redis or ckanapi are missing, the tests are skipped with what to
run; in CI (``CI`` or ``KANMIN_CKAN_REQUIRED`` set, as .ci/run and the workflows do) they fail.
A portal that is there but does not come up is always a failure.
"""

from __future__ import annotations

import json
import os
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import services


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


@pytest.fixture(scope="session")
def ckan_portal(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Portal]:
    try:
        import ckanapi  # noqa: F401
    except ImportError:
        unavailable("ckanapi is not installed in the project venv: .venv/bin/pip install ckanapi==4.11")
    given = os.environ.get("KANMIN_CKAN_SERVICES")
    if given:
        try:
            record = services.load(Path(given))
        except (OSError, ValueError) as e:
            pytest.fail(f"KANMIN_CKAN_SERVICES={given}: cannot read it: {e}", pytrace=False)
        if "api_token" not in record or not status_ok(record["url"]):
            pytest.fail(f"KANMIN_CKAN_SERVICES={given}: the portal at {record.get('url')} does not answer "
                        f"status_show; log: {record.get('logs', {}).get('ckan')}", pytrace=False)
        yield Portal.from_record(record)
        return
    missing = services.missing_prerequisites()
    if missing:
        unavailable("; ".join(missing))
    directory = tmp_path_factory.mktemp("ckan-portal")
    try:
        record = services.up(directory)
    except services.ServiceError as e:
        pytest.fail(f"the CKAN test portal did not come up: {e}", pytrace=False)
    try:
        yield Portal.from_record(record)
    finally:
        services.down(directory)

"""Smoke test of the CKAN test portal (services.py + the ckan_portal fixture): it answers, its
organization exists, and a dataset goes through the paths publishing uses (create, upload,
DataStore, SQL search, search index, delete) with ckanapi. Plus: the fixture fails in CI and skips
locally when the portal cannot run, and services.py refuses a port that already answers."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import textwrap
import uuid
from pathlib import Path

import pytest
import services

HERE = Path(__file__).resolve().parent
ROWS = [{"id": 1, "名前": "東京都", "備考": "改行\nあり"}, {"id": 2, "名前": "大阪府", "備考": ""}]
CSV = "id,名前,備考\r\n1,東京都,\"改行\nあり\"\r\n2,大阪府,\r\n".encode()


def test_status_show(ckan_portal):
    status = ckan_portal.anonymous().action.status_show()
    assert status["ckan_version"] == "2.12.0"
    assert {"datastore", "dcat"} <= set(status["extensions"])
    assert ckan_portal.url.startswith("http://127.0.0.1:")
    assert ckan_portal.api_token not in repr(ckan_portal)


def test_the_organization_exists(ckan_portal):
    org = ckan_portal.client().action.organization_show(id=ckan_portal.organization)
    assert org["name"] == ckan_portal.organization == "kanmin-test-org"
    assert org["state"] == "active"


def test_dataset_upload_datastore_round_trip(ckan_portal, tmp_path):
    ckan = ckan_portal.client()
    name = f"kanmin-smoke-{uuid.uuid4().hex[:10]}"
    pkg = ckan.action.package_create(name=name, title="スモークテスト", owner_org=ckan_portal.organization,
                                     notes="kanmin: test of the test portal", license_id="cc-by")
    try:
        upload = tmp_path / "smoke.csv"
        upload.write_bytes(CSV)
        with upload.open("rb") as f:
            res = ckan.action.resource_create(package_id=pkg["id"], name="smoke.csv", format="CSV",
                                              mimetype="text/csv", upload=f)
        got = ckan.session.get(res["url"], headers={"Authorization": ckan_portal.api_token}, timeout=30)
        assert got.status_code == 200 and got.content == CSV

        ckan.action.datastore_create(
            resource_id=res["id"], force=True, primary_key=["id"], records=ROWS,
            fields=[{"id": "id", "type": "int"}, {"id": "名前", "type": "text"}, {"id": "備考", "type": "text"}])
        sql = f'SELECT "id", "名前", "備考" FROM "{res["id"]}" ORDER BY "id"'
        records = ckan.action.datastore_search_sql(sql=sql)["records"]
        assert records == ROWS
        # the read-only role serves datastore_search_sql: it may not write
        with pytest.raises(Exception, match="(?i)permission|not allowed|read-only|validation"):
            ckan.action.datastore_search_sql(sql=f'DELETE FROM "{res["id"]}"')

        shown = ckan.action.package_show(id=name)
        assert [r["name"] for r in shown["resources"]] == ["smoke.csv"]
        assert shown["organization"]["name"] == ckan_portal.organization
        found = ckan.action.package_search(fq=f'name:"{name}"')
        assert found["count"] == 1 and found["results"][0]["id"] == pkg["id"]
        in_org = ckan.action.package_search(fq=f'owner_org:"{pkg["owner_org"]}"', rows=1000)
        assert name in {p["name"] for p in in_org["results"]}
    finally:
        ckan.action.package_delete(id=pkg["id"])
    assert ckan.action.package_show(id=pkg["id"])["state"] == "deleted"
    assert ckan.action.package_search(fq=f'name:"{name}"')["count"] == 0
    ckan.action.dataset_purge(id=pkg["id"])  # leaves a reused portal as it was


# The fixture, loaded from tests/ckan/conftest.py into a throw-away test tree.
CONFTEST = textwrap.dedent("""
    import importlib.util
    import sys

    sys.path.insert(0, {here!r})
    spec = importlib.util.spec_from_file_location("ckan_conftest", {here!r} + "/conftest.py")
    module = sys.modules["ckan_conftest"] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    ckan_portals, ckan_portal = module.ckan_portals, module.ckan_portal
""")
PROBE = textwrap.dedent("""
    def test_probe(ckan_portal):
        pass
""")


@pytest.mark.parametrize("ci, outcome", [("1", "error"), ("", "skipped")])
def test_a_missing_portal_fails_in_ci_and_skips_locally(tmp_path, ci, outcome):
    probe = tmp_path / "test_probe.py"
    probe.write_text(PROBE, encoding="utf-8")
    (tmp_path / "conftest.py").write_text(CONFTEST.format(here=str(HERE)), encoding="utf-8")
    env = {k: v for k, v in os.environ.items()
           if k not in ("CI", "KANMIN_CKAN_REQUIRED", "KANMIN_CKAN_SERVICES", "KANMIN_CKAN_DCAT_SERVICES")}
    env.update(CI=ci, KANMIN_CKAN_VENV=str(tmp_path / "no-such-venv"))
    proc = subprocess.run([sys.executable, "-m", "pytest", "-q", "-rs", "-p", "no:cacheprovider",
                           "--rootdir", str(tmp_path), str(probe)],
                          capture_output=True, text=True, cwd=tmp_path, env=env, timeout=120)
    assert f"1 {outcome}" in proc.stdout, proc.stdout + proc.stderr
    assert "make ckan-setup" in proc.stdout
    assert proc.returncode == (1 if outcome == "error" else 0)


def test_services_refuse_a_port_that_answers(monkeypatch):
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        monkeypatch.setattr(services, "free_port", lambda: busy.getsockname()[1])
        with pytest.raises(services.ServiceError, match="already answers"):
            services.claim_port("Redis")


def test_services_refuse_a_directory_with_a_record(tmp_path):
    (tmp_path / "services.json").write_text("{}", encoding="utf-8")
    with pytest.raises(services.ServiceError, match="down --dir"):
        services.up(tmp_path)

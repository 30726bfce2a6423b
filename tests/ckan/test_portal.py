"""`kanmin ckan publish` against a real CKAN 2.12 portal (the session fixture ``ckan_portal`` of
tests/ckan/conftest.py: ``url``, a sysadmin's ``api_token``, an ``organization`` and ``client()``).

Each scenario starts from a portal without the dataset (it is purged first) and publishes a copy
of the package, so a test may change files. Figures (API calls, seconds) are printed; run with
``-s`` to see them.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
from pathlib import Path

import pytest

from kanmin import cli, distributions, validation
from kanmin.portal import mapping
from kanmin.portal.publish import Portal, publish
from kanmin.settings import DATA_DIR, DESCRIPTOR, REPO
from support import describe_files_again, published

NAME = json.loads((REPO / DESCRIPTOR).read_text(encoding="utf-8"))["name"]
#: How many files the package publishes, and how many are tables (the registry's, not a fixed number).
N = len(published())
TABLES = sum(d.table is not None for d in published())
#: license_list, scheming_dataset_schema_show (which this portal does not know), package_show.
READS = 3
#: Every test here runs without publisher settings from the environment (conftest.publish_env).
pytestmark = pytest.mark.usefixtures("publish_env")


@pytest.fixture(scope="module")
def portal_parts(ckan_portal) -> tuple[str, str, str]:
    """(url, sysadmin API token, organisation name) of the portal."""
    return ckan_portal.url, ckan_portal.api_token, ckan_portal.organization


@pytest.fixture(scope="module")
def admin(ckan_portal):
    ckan = ckan_portal.client()
    yield ckan
    ckan.close()


def _publish(portal_parts, directory, **kw) -> dict:
    url, token, org = portal_parts
    result = publish(directory, Portal(url, token), org, **kw)
    print(f"\n[publish] dataset {result['dataset_action']}, resources {result['counts']} — {result['api_calls']} calls "
          f"{result['calls']}, {result['seconds']:.2f} s")
    return result


def _download(url: str, token: str) -> bytes:
    import requests

    r = requests.get(url, headers={"Authorization": token}, timeout=30)
    r.raise_for_status()
    return r.content


# --- publishing ----------------------------------------------------------------------------------

def test_fresh_publish_then_unchanged(portal_parts, empty, package_copy):
    first = _publish(portal_parts, package_copy)
    assert first["dataset_action"] == "create"
    assert first["counts"] == {"create": N, "update": 0, "unchanged": 0, "delete": 0, "kept": 0, "uploads": N}
    assert first["portal_schema"] == "core"
    assert first["api_calls"] == READS + 1 + 1 + N  # + organization_list_for_user, package_create
    shown = empty.action.package_show(id=NAME)
    spec = mapping.dataset_spec(validation.load(package_copy), package_copy)
    assert [r["uri"] for r in shown["resources"]] == [r.uri for r in spec.resources]
    for res, want in zip(shown["resources"], spec.resources, strict=True):
        for key in ("hash", "hash_algorithm", "mimetype", "format", "uri", "name", "schema", "rights", "license"):
            assert str(res.get(key, "")) == str(want.fields.get(key, "")), (want.path, key)
        assert int(res["size"]) == want.fields["size"]
        assert res["url_type"] == "upload"
    assert shown["license_id"] == first["license_id"]
    extras = {e["key"]: e["value"] for e in shown["extras"]}
    assert extras == {e["key"]: e["value"] for e in spec.fields["extras"]}
    assert sorted(t["name"] for t in shown["tags"]) == sorted(spec.fields["tags"][i]["name"]
                                                             for i in range(len(spec.fields["tags"])))
    modified = shown["metadata_modified"]

    second = _publish(portal_parts, package_copy)
    assert second["dataset_action"] == "unchanged"
    assert second["counts"] == {"create": 0, "update": 0, "unchanged": N, "delete": 0, "kept": 0, "uploads": 0}
    assert second["api_calls"] == 3
    again = empty.action.package_show(id=NAME)
    assert again["metadata_modified"] == modified
    assert len(again["resources"]) == N


def test_downloads_are_byte_identical(portal_parts, empty, package_copy):
    _publish(portal_parts, package_copy)
    token = portal_parts[1]
    for res in empty.action.package_show(id=NAME)["resources"]:
        data = _download(res["url"], token)
        assert hashlib.sha256(data).hexdigest() == res["hash"], res["url"]


def test_a_changed_csv_its_descriptor_and_the_zip_are_the_only_uploads(portal_parts, empty, package_copy):
    _publish(portal_parts, package_copy)
    path = package_copy / "data" / "pillars.csv"
    path.write_bytes(path.read_bytes().replace("格差の是正".encode(), "格差の解消".encode(), 1))
    describe_files_again(package_copy)  # as the build that changed it would
    result = _publish(portal_parts, package_copy)
    assert result["counts"]["uploads"] == 3 and result["counts"]["create"] == 0  # the CSV, the descriptor, the ZIP
    assert result["calls"].get("resource_patch") == 3 and result["api_calls"] == READS + 1 + 3
    res = next(r for r in empty.action.package_show(id=NAME)["resources"] if r["uri"].endswith("data-pillars.csv"))
    assert _download(res["url"], portal_parts[1]) == path.read_bytes()


def test_a_removed_file_and_a_duplicate_are_deleted_and_resources_not_ours_kept(portal_parts, empty, package_copy,
                                                                                monkeypatch):
    _publish(portal_parts, package_copy)
    shown = empty.action.package_show(id=NAME)
    package_id, first = shown["id"], shown["resources"][0]
    stray = empty.action.resource_create(package_id=package_id, name="stray", url="https://example.org/stray.csv")
    foreign = empty.action.resource_create(package_id=package_id, name="theirs", url="https://example.org/t.csv",
                                           uri="https://example.org/their-dataset/t.csv")
    empty.action.resource_create(package_id=package_id, name="copy", url="https://example.org/c.csv", uri=first["uri"])
    empty.action.package_resource_reorder(id=package_id, order=[foreign["id"], stray["id"]])  # theirs first
    monkeypatch.setattr(distributions, "FILES", tuple(d for d in distributions.FILES if d.name != "data.nt"))
    result = _publish(portal_parts, package_copy)
    assert result["counts"] == {"create": 0, "update": 0, "unchanged": N - 1, "delete": 2, "kept": 2,
                                "uploads": 0}
    assert result["calls"]["package_resource_reorder"] == 1
    resources = empty.action.package_show(id=NAME)["resources"]
    assert [r["id"] for r in resources[-2:]] == [foreign["id"], stray["id"]]  # kept, after ours, in their order
    uris = [r["uri"] for r in resources[:-2]]
    assert len(uris) == N - 1 == len(set(uris)) and not any(u.endswith("data.nt") for u in uris)
    assert resources[0]["id"] == first["id"]
    assert _publish(portal_parts, package_copy)["api_calls"] == 3


@pytest.mark.parametrize("killed_after", [5, 10])  # after package_create; after 5 resources
def test_a_publish_killed_midway_is_completed_by_the_next_run(portal_parts, empty, package_copy, monkeypatch,
                                                              killed_after):
    real_call = Portal.call

    def dying(self, action, upload=None, **data):
        if self.n_calls >= killed_after:
            raise KeyboardInterrupt(f"killed before {action}")
        return real_call(self, action, upload, **data)

    monkeypatch.setattr(Portal, "call", dying)
    with pytest.raises(KeyboardInterrupt):
        _publish(portal_parts, package_copy)
    monkeypatch.setattr(Portal, "call", real_call)
    result = _publish(portal_parts, package_copy)
    assert result["counts"]["delete"] == 0
    resources = empty.action.package_show(id=NAME)["resources"]
    assert len(resources) == N == len({r["uri"] for r in resources})
    assert _publish(portal_parts, package_copy)["api_calls"] == 3


def test_dry_run_writes_nothing(portal_parts, empty, package_copy):
    from ckanapi import NotFound

    result = _publish(portal_parts, package_copy, dry_run=True)
    assert result["counts"]["create"] == N
    with pytest.raises(NotFound):
        empty.action.package_show(id=NAME)


# --- errors through the command line --------------------------------------------------------------

def _cli(argv, monkeypatch, capsys, token):
    monkeypatch.setenv("CKAN_API_TOKEN", token)
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_bad_token(portal_parts, empty, package_copy, monkeypatch, capsys):
    url, _, org = portal_parts
    bad = "not-a-valid-token-0123456789"
    code, out, err = _cli(["ckan", "publish", "--url", url, "--owner-org", org, "--package", str(package_copy)],
                          monkeypatch, capsys, bad)
    assert code == 1 and "CKAN_API_TOKEN" in err and "Traceback" not in err
    assert bad not in out + err


def test_missing_organisation(portal_parts, empty, package_copy, monkeypatch, capsys):
    url, token, _ = portal_parts
    code, out, err = _cli(["ckan", "publish", "--url", url, "--owner-org", "no-such-org", "--package",
                           str(package_copy)], monkeypatch, capsys, token)
    assert code == 1 and "'no-such-org' does not exist" in err
    assert token not in out + err


def test_a_licence_the_portal_lacks(portal_parts, empty, package_copy, monkeypatch, capsys):
    url, token, org = portal_parts
    code, out, err = _cli(["ckan", "publish", "--url", url, "--owner-org", org, "--license-id", "gov-jp-2.0",
                           "--package", str(package_copy)], monkeypatch, capsys, token)
    assert code == 1 and "'gov-jp-2.0'" in err and "cc-by" in err
    assert token not in out + err
    from ckanapi import NotFound

    with pytest.raises(NotFound):
        empty.action.package_show(id=NAME)


def test_json_output_and_token_nowhere(portal_parts, empty, package_copy, monkeypatch, capsys, tmp_path):
    url, token, org = portal_parts
    code, out, err = _cli(["ckan", "publish", "--url", url, "--owner-org", org, "--package", str(package_copy),
                           "--json"], monkeypatch, capsys, token)
    assert code == 0
    result = json.loads(out)
    assert result["url"] == f"{url.rstrip('/')}/dataset/{NAME}" and result["api_calls"] == READS + 2 + N
    assert token not in out + err
    # no file the command could have written holds it: the package it read, the repository's
    # outputs, the test's own folder
    written = [*tmp_path.rglob("*"), *(REPO / "build").rglob("*"), *(REPO / DATA_DIR).rglob("*"),
               REPO / DESCRIPTOR]
    for path in written:
        if path.is_file():
            assert token.encode() not in path.read_bytes(), path


# --- a dataset of another organisation ----------------------------------------------------------------

OTHER_ORG = "kanmin-other-org"
EDITOR = "kanmin-editor"


@pytest.fixture(scope="module")
def other_org(admin) -> str:
    """A second organisation (kept for the session; made again only if missing)."""
    from ckanapi import NotFound

    try:
        admin.action.organization_show(id=OTHER_ORG)
    except NotFound:
        admin.action.organization_create(name=OTHER_ORG, title="another organisation")
    return OTHER_ORG


@pytest.fixture(scope="module")
def editor_token(admin, ckan_portal) -> str:
    """The API token of a user who is an editor of the test organisation only (not a sysadmin)."""
    import secrets

    from ckanapi import NotFound

    try:
        admin.action.user_show(id=EDITOR)
    except NotFound:
        admin.action.user_create(name=EDITOR, email=f"{EDITOR}@example.invalid", password=secrets.token_urlsafe(18))
    admin.action.organization_member_create(id=ckan_portal.organization, username=EDITOR, role="editor")
    return admin.action.api_token_create(user=EDITOR, name=f"kanmin-tests-{secrets.token_hex(4)}")["token"]


def _theirs(admin, org: str, private: bool = False) -> dict:
    """The dataset of our name, made by another organisation with a file of its own."""
    pkg = admin.action.package_create(name=NAME, owner_org=org, title="Their dataset", private=private)
    admin.action.resource_create(package_id=pkg["id"], name="their file", url="https://example.org/theirs.csv")
    return admin.action.package_show(id=NAME)


def test_a_dataset_of_another_organisation(portal_parts, empty, other_org, package_copy, monkeypatch, capsys):
    url, token, org = portal_parts
    before = _theirs(empty, other_org)
    base = ["ckan", "publish", "--url", url, "--owner-org", org, "--package", str(package_copy)]
    code, out, err = _cli(base, monkeypatch, capsys, token)
    assert code == 1 and err.count("error:") == 1
    assert f"belongs to organisation {other_org!r}, not to {org!r}: nothing was written" in err
    assert f"--owner-org {other_org}" in err and "--take-over-dataset" in err
    assert empty.action.package_show(id=NAME) == before

    code, out, err = _cli([*base, "--take-over-dataset", "--dry-run"], monkeypatch, capsys, token)
    assert code == 0 and f"  owner_org: {other_org} → {org}" in out.splitlines()
    assert "  kept      their file" in out.splitlines()
    assert empty.action.package_show(id=NAME) == before

    code, out, err = _cli([*base, "--take-over-dataset", "--json"], monkeypatch, capsys, token)
    assert code == 0
    result = json.loads(out)
    assert result["owner_org_change"] == {"from": other_org, "to": org} and result["counts"]["kept"] == 1
    after = empty.action.package_show(id=NAME)
    assert after["organization"]["name"] == org and after["title"] != "Their dataset"
    assert len(after["resources"]) == N + 1 and after["resources"][-1]["name"] == "their file"


def test_an_editor_is_told_whose_dataset_it_is(portal_parts, empty, other_org, editor_token, package_copy,
                                               monkeypatch, capsys):
    url, _, org = portal_parts
    before = _theirs(empty, other_org)
    base = ["ckan", "publish", "--url", url, "--owner-org", org, "--package", str(package_copy)]
    code, out, err = _cli(base, monkeypatch, capsys, editor_token)
    assert code == 1 and f"belongs to organisation {other_org!r}, not to {org!r}" in err
    assert "CKAN_API_TOKEN" not in err
    code, out, err = _cli([*base, "--take-over-dataset"], monkeypatch, capsys, editor_token)
    assert code == 1 and "CKAN_API_TOKEN" not in err
    assert (f"belongs to organisation {other_org!r}, in which the API token's user may not edit datasets, "
            f"so it cannot be moved into {org!r}") in err
    assert empty.action.package_show(id=NAME) == before
    assert editor_token not in out + err

    empty.action.dataset_purge(id=NAME)
    _theirs(empty, other_org, private=True)
    code, out, err = _cli([*base, "--take-over-dataset"], monkeypatch, capsys, editor_token)
    assert code == 1 and "CKAN_API_TOKEN" not in err
    assert f"a dataset named {NAME!r} exists on the portal that the API token's user may not see" in err
    assert empty.action.package_show(id=NAME)["organization"]["name"] == other_org


# --- the DataStore --------------------------------------------------------------------------------

def _all_records(ckan, resource_id: str) -> list[dict]:
    page = ckan.action.datastore_search(resource_id=resource_id, limit=32000)
    return [{k: v for k, v in rec.items() if k != "_id"} for rec in page["records"]]


def test_datastore_round_trip_filters_and_sql_join(portal_parts, empty, package_copy):
    first = _publish(portal_parts, package_copy, datastore=True)
    assert all(t["action"] == "create" for t in first["datastore"].values())
    assert first["calls"]["datastore_create"] == TABLES
    second = _publish(portal_parts, package_copy, datastore=True)
    assert second["api_calls"] == 3
    pkg = validation.load(package_copy)
    ids = {r["table"]: r["id"] for r in second["resources"] if r["table"]}

    cells = 0
    for name, rows in pkg.tables.items():
        got = _all_records(empty, ids[name])
        assert got == rows, name  # every cell, typed, line breaks included
        cells += sum(len(r) for r in rows)
        info = empty.action.datastore_info(id=ids[name]) if name == "policies" else None
        if info:
            labels = {f["id"]: f.get("info", {}).get("label") for f in info["fields"]}
            assert labels["policy_id"] == "No / Row number" and labels["policy_code"] == "国の施策番号 / National policy code"
    print(f"\n[datastore] {cells} cells round-trip unchanged")

    hits = empty.action.datastore_search(resource_id=ids["policy_ministries"], filters={"policy_id": 1})
    assert [{k: v for k, v in r.items() if k != "_id"} for r in hits["records"]] == [
        r for r in pkg.tables["policy_ministries"] if r["policy_id"] == 1]

    sql = (f'SELECT p.policy_id, p.policy_code, pm.position, m.ministry_id, m.name_ja '
           f'FROM "{ids["policies"]}" p JOIN "{ids["policy_ministries"]}" pm ON pm.policy_id = p.policy_id '
           f'JOIN "{ids["ministries"]}" m ON m.ministry_id = pm.ministry_id '
           f'ORDER BY p.policy_id, pm.position')
    got = [{k: v for k, v in r.items() if k != "_id"}
           for r in empty.action.datastore_search_sql(sql=sql)["records"]]
    policies = {r["policy_id"]: r for r in _csv(package_copy, "policies")}
    ministries = {r["ministry_id"]: r for r in _csv(package_copy, "ministries")}
    want = sorted(({"policy_id": int(pm["policy_id"]), "policy_code": policies[pm["policy_id"]]["policy_code"],
                    "position": int(pm["position"]), "ministry_id": pm["ministry_id"],
                    "name_ja": ministries[pm["ministry_id"]]["name_ja"]}
                   for pm in _csv(package_copy, "policy_ministries")
                   if pm["policy_id"] in policies and pm["ministry_id"] in ministries),
                  key=lambda r: (r["policy_id"], r["position"]))
    assert got == want and len(want) > 100


def test_datastore_upsert_after_a_change(portal_parts, empty, package_copy):
    _publish(portal_parts, package_copy, datastore=True)
    path = package_copy / "data" / "effect_categories.csv"
    lines = path.read_text(encoding="utf-8").splitlines(keepends=True)
    path.write_text("".join(lines[:-1]).replace("利便性", "利便", 1), encoding="utf-8")
    describe_files_again(package_copy)
    result = _publish(portal_parts, package_copy, datastore=True)
    assert result["datastore"]["effect_categories"]["action"] == "upsert"
    assert result["counts"]["uploads"] == 3  # the table, datapackage.json and the ZIP
    rid = next(r["id"] for r in result["resources"] if r["table"] == "effect_categories")
    assert _all_records(empty, rid) == validation.load(package_copy).tables["effect_categories"]


def _csv(directory: Path, name: str) -> list[dict]:
    text = (directory / "data" / f"{name}.csv").read_text(encoding="utf-8")
    return list(csv.DictReader(io.StringIO(text)))

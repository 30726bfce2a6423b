"""`kanmin ckan publish` without a portal: the CKAN dicts, CKAN's own checks, the licence choice,
the plan, and whole publishes against an in-memory portal (tests/ckan_fake.py)."""

from __future__ import annotations

import copy
import json
import shutil
from pathlib import Path

import pytest
from ckan_fake import STOCK_LICENSES, FakeCKAN

from kanmin import cli, distributions, model, validation
from kanmin.errors import DataError, UsageError
from kanmin.files import sha256_file
from kanmin.portal import mapping
from kanmin.portal.publish import Portal, make_plan, publish
from kanmin.rdf.namespaces import DCAT, DCT, SPDX, Iris
from kanmin.settings import ARCHIVE_PATH, DATA_DIR, DESCRIPTOR, RDF_DIR, REPO, WORKBOOK_PATH
from support import copy_published_package, describe_files_again, published

ORG = "kanmin"
TOKEN = "tok-SECRET-7f3a9c"  # a token that must never appear in any output
#: How many files the package publishes, and how many of them are tables (from the registry).
N = len(published())
TABLES = sum(d.table is not None for d in published())
#: The reads of every publish: license_list, scheming_dataset_schema_show, package_show.
READ_CALLS = 3


@pytest.fixture(scope="module")
def pkg() -> model.Package:
    return validation.load(REPO)


@pytest.fixture(scope="module")
def spec(pkg) -> mapping.DatasetSpec:
    return mapping.dataset_spec(pkg, REPO)


@pytest.fixture()
def package_copy(tmp_path) -> Path:
    """The published package (CSVs, descriptor, build/rdf/) copied into a temporary folder."""
    return copy_published_package(tmp_path / "pkg")


@pytest.fixture(autouse=True)
def _no_contact(monkeypatch):
    monkeypatch.delenv("KANMIN_CONTACT_EMAIL", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


# --- CKAN's checks -------------------------------------------------------------------------------

def test_package_name_is_a_ckan_slug(pkg):
    assert mapping.name_problems(pkg.name) == []
    for bad in ("Kanmin", "a", "x" * 101, "new", "官民データ", "kanmin data", "kanmin.data"):
        assert mapping.name_problems(bad), bad


def test_keywords_are_valid_ckan_tags(pkg):
    assert mapping.tag_problems(pkg.metadata["keywords"]) == []


@pytest.mark.parametrize("keyword", ["国・地方", "（括弧）", "施策、KPI", "a/b", "全角　空白", "国", "x" * 101])
def test_a_keyword_ckan_would_refuse_is_named(pkg, keyword):
    metadata = copy.deepcopy(pkg.metadata)
    metadata["keywords"] = [*metadata["keywords"], keyword]
    with pytest.raises(DataError) as err:
        mapping.dataset_spec(model.Package(metadata, pkg.tables), REPO)
    assert len(err.value.problems) == 1
    assert repr(keyword) in str(err.value)


def test_a_package_built_by_an_older_kanmin_is_one_clear_error(pkg, tmp_path):
    metadata = {k: v for k, v in pkg.metadata.items() if k not in ("licence_uri", "access_rights")}
    with pytest.raises(DataError) as err:
        mapping.dataset_spec(model.Package(metadata, pkg.tables), tmp_path)
    assert [p.message for p in err.value.problems] == [
        "the package's metadata has no 'licence_uri' (built by an older kanmin)",
        "the package's metadata has no 'access_rights' (built by an older kanmin)"]
    assert all(p.file == str(tmp_path / DESCRIPTOR) and "kanmin build" in p.hint for p in err.value.problems)


# --- the dataset -------------------------------------------------------------------------------

EXPECTED_EXTRAS = {"uri", "alternate_identifier", "issued", "modified", "language", "theme", "conforms_to",
                   "related_resource", "provenance", "access_rights", "publisher_uri", "publisher_name", "publisher_url", "creator_uri", "creator_name",
                   "creator_url", "contact_uri", "contact_name", "spatial_uri", "spatial_text",
                   "temporal_start", "temporal_end"}


def test_dataset_fields_come_from_the_metadata(pkg, spec):
    md, f = pkg.metadata, spec.fields
    assert f["name"] == md["name"]
    assert f["title"] == f"{md['title']['ja']} / {md['title']['en']}"
    assert f["notes"].startswith(md["description"]["ja"] + "\n\n" + md["description"]["en"])
    assert md["attribution"]["ja"] in f["notes"]
    assert f["author"].startswith("内閣官房")
    assert f["maintainer"] == "kanmin-data project"
    assert f["version"] == md["version"]
    assert [t["name"] for t in f["tags"]] == md["keywords"]
    extras = {e["key"]: e["value"] for e in f["extras"]}
    assert set(extras) == EXPECTED_EXTRAS  # no contact_email without KANMIN_CONTACT_EMAIL
    assert all(isinstance(v, str) for v in extras.values())
    assert extras["uri"] == Iris().dataset(md["name"]) == md["id"]
    assert json.loads(extras["language"]) == ["http://id.loc.gov/vocabulary/iso639-1/ja"]
    assert (extras["temporal_start"], extras["temporal_end"]) == (md["temporal"]["start"], md["temporal"]["end"])


def test_contact_email_only_when_set_and_never_a_placeholder(pkg, monkeypatch):
    monkeypatch.setenv("KANMIN_CONTACT_EMAIL", "opendata@kanmin-data.jp")
    extras = mapping.dataset_extras(pkg.metadata)
    assert extras["contact_email"] == "opendata@kanmin-data.jp"
    monkeypatch.setenv("KANMIN_CONTACT_EMAIL", "someone@example.org")
    with pytest.raises(UsageError, match="placeholder"):
        mapping.dataset_extras(pkg.metadata)


# --- the resources --------------------------------------------------------------------------------

def test_one_resource_per_published_file_with_its_hash(pkg, spec):
    # every distribution of the registry, in its order (the registry's own list is checked by hand
    # in test_distributions.py)
    assert [r.path for r in spec.resources] == [d.path for d in distributions.distributions(pkg.resources, REPO)]
    assert len(spec.resources) == N
    assert [r.path for r in spec.resources][:3] == [WORKBOOK_PATH, ARCHIVE_PATH, "data/policies.csv"]  # for people first
    workbook = next(r.fields for r in spec.resources if r.path == WORKBOOK_PATH)
    assert (workbook["format"], workbook["mimetype"]) == (
        "XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    assert workbook["name"].startswith("Excelブック") and "conforms_to" not in workbook
    archive = next(r.fields for r in spec.resources if r.path == ARCHIVE_PATH)  # uploaded like every entry
    assert (archive["format"], archive["mimetype"]) == ("ZIP", "application/zip") and "conforms_to" not in archive
    assert archive["name"].startswith("データパッケージ一式のZIP")
    for r in spec.resources:
        digest, size = sha256_file(REPO / r.path)
        assert (r.fields["hash"], r.fields["size"], r.fields["hash_algorithm"]) == (digest, size, "sha256")
        assert all(isinstance(v, (str, int)) for v in r.fields.values())
    assert len({r.uri for r in spec.resources}) == len(spec.resources)


def test_the_catalog_resource_has_the_one_title_of_catalog_ttl(spec):
    """The one title of catalog.ttl, which the site gives it too (the CKAN resource had another:
    CHANGELOG.md, Unreleased)."""
    (catalog,) = [r.fields for r in spec.resources if r.path == f"{RDF_DIR}/catalog.ttl"]
    assert catalog["name"] == ("DCAT-AP 3 カタログ（このデータセットと配布ファイルの記述、Turtle） / "
                               "DCAT-AP 3 catalog: the dataset and its distributions (Turtle)")
    assert catalog["description"] == ("DCAT-AP 3 カタログ（このデータセットと配布ファイルの記述、Turtle）\n\n"
                                      "DCAT-AP 3 catalog: the dataset and its distributions (Turtle)")
    assert (catalog["format"], catalog["mimetype"]) == ("Turtle", "text/turtle") and "conforms_to" not in catalog


def test_uris_are_the_catalogs_distribution_iris(spec):
    from rdflib import Graph, URIRef

    g = Graph().parse(REPO / RDF_DIR / "catalog.ttl")
    dataset = URIRef(Iris().dataset(spec.name))
    distributions = {str(d) for d in g.objects(dataset, URIRef(DCAT + "distribution"))}
    catalog = [r for r in spec.resources if r.path.endswith("catalog.ttl")]
    assert [r.uri for r in catalog] == [Iris().catalog()]
    assert (URIRef(Iris().catalog()), None, None) in g
    assert {r.uri for r in spec.resources} - {Iris().catalog()} == distributions
    for r in spec.resources:
        if r in catalog:
            continue
        d = URIRef(r.uri)
        assert int(g.value(d, URIRef(DCAT + "byteSize"))) == r.fields["size"], r.path
        checksum = g.value(d, URIRef(SPDX + "checksum"))
        assert str(g.value(checksum, URIRef(SPDX + "checksumValue"))) == r.fields["hash"], r.path
        standards = {str(o) for o in g.objects(d, URIRef(DCT + "conformsTo"))}
        assert standards == set(json.loads(r.fields.get("conforms_to", "[]"))), r.path


def test_csv_resources_carry_their_table_schema(pkg, spec):
    for r in spec.resources:
        if r.table is None:
            assert "schema" not in r.fields
            continue
        schema = json.loads(r.fields["schema"])
        table = pkg.resource(r.table)
        assert [f["name"] for f in schema["fields"]] == [f["name"] for f in table["fields"]]
        assert schema["primaryKey"] == table["primaryKey"]
        assert r.fields["rights"].startswith("出典：")
        assert r.fields["license"] == pkg.metadata["licence_uri"]  # as catalog.ttl has it


def test_datastore_fields_label_japanese_then_english(pkg):
    fields = mapping.datastore_fields(pkg.resource("policies"))
    first, code = fields[0], fields[1]
    assert first["id"] == "policy_id" and first["type"] == "int"
    assert code["info"]["label"] == "国の施策番号 / National policy code"
    assert code["info"]["notes"] == ("官民データ活用推進基本計画における施策番号（NN-NN）。誤植は訂正ファイルで訂正。\n\n"
                                     "The policy's number in the national basic plan (NN-NN); printing errors fixed "
                                     "via the corrections file.")
    assert {f["type"] for f in fields} <= {"int", "text", "bool"}
    kinds = {f["type"] for t in pkg.resources for f in mapping.datastore_fields(t)}
    assert kinds == {"int", "text", "bool"}


# --- the licence ---------------------------------------------------------------------------------

CC_BY_4 = "https://creativecommons.org/licenses/by/4.0/"


def test_licence_matching_our_url_is_chosen():
    offered = [*STOCK_LICENSES, {"id": "CC-BY-4.0", "url": "http://creativecommons.org/licenses/by/4.0"}]
    assert mapping.choose_license(offered, CC_BY_4) == "CC-BY-4.0"


def test_licence_by_the_eu_iri_when_the_register_lists_that_and_the_cc_url_first(pkg):
    urls = mapping.licence_urls(pkg.metadata)
    assert urls == [CC_BY_4, "http://publications.europa.eu/resource/authority/licence/CC_BY_4_0"]
    eu = {"id": "eu-cc-by-4", "url": urls[1]}
    assert mapping.choose_license([*STOCK_LICENSES, eu], urls) == "eu-cc-by-4"
    cc = {"id": "CC-BY-4.0", "url": CC_BY_4}
    assert mapping.choose_license([*STOCK_LICENSES, eu, cc], urls) == "CC-BY-4.0"
    with pytest.raises(DataError) as err:
        mapping.choose_license(STOCK_LICENSES[:1], urls)
    assert f"{urls[0]} or {urls[1]}" in str(err.value)


def test_licence_falls_back_to_cc_by():
    assert mapping.choose_license(STOCK_LICENSES, CC_BY_4) == "cc-by"


def test_licence_the_portal_lacks_is_refused_naming_the_offered_ids():
    assert mapping.choose_license(STOCK_LICENSES, CC_BY_4, "odc-by") == "odc-by"
    with pytest.raises(DataError) as err:
        mapping.choose_license(STOCK_LICENSES, CC_BY_4, "gov-jp-2.0")
    assert "'gov-jp-2.0'" in str(err.value) and "notspecified, odc-by, cc-by" in str(err.value)
    with pytest.raises(DataError, match="cc-by"):
        mapping.choose_license(STOCK_LICENSES[:1], CC_BY_4)


# --- the plan (from a portal state) ---------------------------------------------------------------

def _portal_state(spec, wanted) -> dict:
    """What package_show returns after a complete publish of ``spec``."""
    resources = [{**r.fields, "id": f"r{i}", "url_type": "upload", "url": f"http://x/{i}"}
                 for i, r in enumerate(spec.resources)]
    return {**copy.deepcopy(wanted), "id": "p1", "owner_org": "org-id", "state": "active",
            "organization": {"id": "org-id", "name": ORG}, "resources": resources}


@pytest.fixture()
def wanted(spec):
    return {**spec.fields, "owner_org": ORG, "license_id": "cc-by"}


def test_plan_without_a_dataset_creates_everything(spec, wanted):
    plan = make_plan(spec, wanted, None)
    assert plan.dataset == "create"
    assert plan.counts() == {"create": N, "update": 0, "unchanged": 0, "delete": 0, "kept": 0, "uploads": N}


def test_plan_of_the_same_state_is_all_unchanged(spec, wanted):
    plan = make_plan(spec, wanted, _portal_state(spec, wanted))
    assert plan.dataset == "unchanged" and plan.dataset_changed == []
    assert plan.counts() == {"create": 0, "update": 0, "unchanged": N, "delete": 0, "kept": 0, "uploads": 0}


def test_plan_decisions(spec, wanted):
    state = _portal_state(spec, wanted)
    res = state["resources"]
    res[0]["hash"] = "0" * 64  # the file changed: upload
    res[1]["description"] = "old text"  # metadata only: patch, no upload
    res[2]["url_type"] = None  # a link, not an upload: upload
    res.append({**res[3], "id": "dup"})  # a duplicate of a uri: delete
    res.append({"id": "gone", "name": "old.csv", "uri": Iris().distribution(spec.name, "data/old.csv")})
    del res[4]  # missing from the portal: create
    state["tags"] = state["tags"][1:]
    state["extras"] = [e for e in state["extras"] if e["key"] != "temporal_end"]
    plan = make_plan(spec, wanted, state)
    by_path = {s.path: s for s in plan.steps}
    paths = [r.path for r in spec.resources]
    assert (by_path[paths[0]].action, by_path[paths[0]].upload, by_path[paths[0]].changed) == ("update", True, ["hash"])
    assert (by_path[paths[1]].action, by_path[paths[1]].upload, by_path[paths[1]].changed) == (
        "update", False, ["description"])
    assert (by_path[paths[2]].action, by_path[paths[2]].upload) == ("update", True)
    assert by_path[paths[4]].action == "create"
    assert sorted(s.id for s in plan.steps if s.action == "delete") == ["dup", "gone"]
    assert plan.dataset == "update" and plan.dataset_changed == ["tags", "extras"]
    assert plan.counts() == {"create": 1, "update": 3, "unchanged": 25, "delete": 2, "kept": 0, "uploads": 3}


def test_plan_keeps_resources_that_are_not_ours(spec, wanted):
    state = _portal_state(spec, wanted)
    res = state["resources"]
    dataset_iri = Iris().dataset(spec.name)
    res.insert(0, {"id": "hand", "name": "notes.pdf", "url": "https://example.org/notes.pdf"})  # no uri
    res.append({"id": "elsewhere", "name": "x", "uri": "https://example.org/other/dataset/x"})
    res.append({"id": "nearly", "name": "y", "uri": dataset_iri + "-old/distribution/data-x.csv"})
    res.append({**res[1], "id": "dup"})  # a second copy of one of ours
    res.append({"id": "gone", "name": "old.csv", "uri": dataset_iri + "/distribution/data-old.csv"})
    plan = make_plan(spec, wanted, state)
    assert [s.id for s in plan.steps if s.action == "kept"] == ["hand", "elsewhere", "nearly"]
    assert [s.id for s in plan.steps if s.action == "delete"] == ["gone", "dup"]
    assert [s.action for s in plan.steps][-3:] == ["kept"] * 3  # listed after ours and the deletions
    assert plan.counts() == {"create": 0, "update": 0, "unchanged": N, "delete": 2, "kept": 3, "uploads": 0}


def test_plan_moves_the_dataset_to_the_given_organisation(spec, wanted):
    state = _portal_state(spec, wanted)
    assert make_plan(spec, {**wanted, "owner_org": "org-id"}, state).dataset == "unchanged"
    assert make_plan(spec, {**wanted, "owner_org": "other"}, state).dataset_changed == ["owner_org"]


# --- whole publishes against the in-memory portal ------------------------------------------------

def _publish(fake, directory, **kw):
    return publish(directory, Portal("http://ckan.test", TOKEN, ckan=fake), ORG, **kw)


def test_fresh_then_unchanged_publish(package_copy):
    fake = FakeCKAN()
    first = _publish(fake, package_copy)
    assert first["counts"] == {"create": N, "update": 0, "unchanged": 0, "delete": 0, "kept": 0, "uploads": N}
    # the reads, organization_list_for_user (before the first write), package_create, one resource_create per file
    assert first["api_calls"] == READ_CALLS + 1 + 1 + N == len(fake.log)
    pkg = next(iter(fake.packages.values()))
    assert [r["uri"] for r in pkg["resources"]] == [r.uri for r in mapping.dataset_spec(
        validation.load(package_copy), package_copy).resources]
    for res in pkg["resources"]:
        assert FakeCKAN.sha256(fake.files[res["id"]]) == res["hash"]
    modified = pkg["metadata_modified"]
    fake.log.clear()
    second = _publish(fake, package_copy)
    assert second["api_calls"] == 3 and fake.writes() == []
    assert second["counts"]["unchanged"] == N and second["dataset_action"] == "unchanged"
    assert pkg["metadata_modified"] == modified


def test_a_changed_csv_uploads_only_that_file_its_descriptor_and_the_zip(package_copy):
    """A table changed by a build: its CSV, datapackage.json (which describes the CSV's size and
    hash) and the ZIP that holds both are the only uploads. (A CSV changed behind the descriptor's
    back is refused: validation.)"""
    fake = FakeCKAN()
    _publish(fake, package_copy)
    csv = package_copy / "data" / "pillars.csv"
    csv.write_bytes(csv.read_bytes().replace("格差の是正".encode(), "格差の解消".encode(), 1))
    describe_files_again(package_copy)  # as the build that changed it would
    fake.log.clear()
    result = _publish(fake, package_copy)
    assert fake.writes() == ["resource_patch", "resource_patch", "resource_patch"]
    assert result["counts"]["uploads"] == 3
    changed = [r for r in result["resources"] if r["action"] != "unchanged"]
    assert [r["path"] for r in changed] == [ARCHIVE_PATH, "data/pillars.csv", "datapackage.json"]
    assert [r["changed"] for r in changed][1:] == [["hash"], ["hash"]]  # the CSV keeps its length
    assert "hash" in changed[0]["changed"]  # the ZIP's compressed size may change or not


def test_a_file_gone_from_the_package_is_deleted(package_copy, monkeypatch):
    fake = FakeCKAN()
    _publish(fake, package_copy)
    monkeypatch.setattr(distributions, "FILES", tuple(d for d in distributions.FILES if d.name != "data.nt"))
    fake.log.clear()
    result = _publish(fake, package_copy)
    assert fake.writes() == ["resource_delete"]
    assert result["counts"]["delete"] == 1
    assert len(next(iter(fake.packages.values()))["resources"]) == N - 1


@pytest.mark.parametrize("killed_after", [3, 4, 5, 12, 20])
def test_a_publish_killed_midway_is_completed_without_duplicates(package_copy, killed_after):
    fake = FakeCKAN()
    fake.fail_after = killed_after
    with pytest.raises(KeyboardInterrupt):
        _publish(fake, package_copy)
    fake.fail_after = None
    result = _publish(fake, package_copy)
    pkg = next(iter(fake.packages.values()))
    assert len(fake.packages) == 1
    assert len(pkg["resources"]) == N == len({r["uri"] for r in pkg["resources"]})
    assert result["counts"]["delete"] == 0
    again = _publish(fake, package_copy)
    assert again["api_calls"] == 3 and again["counts"]["unchanged"] == N


def test_dry_run_writes_nothing(package_copy):
    fake = FakeCKAN()
    result = _publish(fake, package_copy, dry_run=True, datastore=True)
    assert fake.writes() == [] and fake.packages == {}
    assert result["counts"]["create"] == N and result["dry_run"] is True
    assert set(result["datastore"]) == {r["name"] for r in validation.load(package_copy).resources}


def test_datastore_create_then_upsert_with_stale_rows_deleted(package_copy):
    fake = FakeCKAN()
    first = _publish(fake, package_copy, datastore=True)
    assert first["calls"]["datastore_create"] == TABLES and first["api_calls"] == READ_CALLS + 2 + N + TABLES
    pkg = validation.load(package_copy)
    tables = {r["table"]: r["id"] for r in first["resources"] if r["table"]}
    for name, rows in pkg.tables.items():
        assert fake.datastore[tables[name]]["rows"] == rows  # every cell, line breaks included
    fake.log.clear()
    assert _publish(fake, package_copy, datastore=True)["api_calls"] == 3
    csv = package_copy / "data" / "effect_categories.csv"
    lines = csv.read_text(encoding="utf-8").splitlines(keepends=True)
    csv.write_text("".join(lines[:-1]), encoding="utf-8")  # the last row is gone
    describe_files_again(package_copy)
    fake.log.clear()
    third = _publish(fake, package_copy, datastore=True)
    # in publish order: the ZIP, the table (its rows, then its file), the descriptor
    assert fake.writes() == ["resource_patch", "datastore_upsert", "datastore_delete", "resource_patch",
                             "resource_patch"]
    assert third["datastore"]["effect_categories"] == {"action": "upsert", "rows": 3, "deleted_rows": 1}
    assert fake.datastore[tables["effect_categories"]]["rows"] == validation.load(package_copy).tables["effect_categories"]


def test_resources_not_ours_are_kept_after_ours(package_copy, monkeypatch, capsys):
    fake = FakeCKAN()
    _publish(fake, package_copy)
    pkg = next(iter(fake.packages.values()))
    ours = [r["id"] for r in pkg["resources"]]
    hand = fake.resource_create(package_id=pkg["id"], name="hand-added notes", url="https://example.org/n.pdf")
    pkg["resources"].insert(0, pkg["resources"].pop())  # someone put it first
    fake.resource_create(package_id=pkg["id"], **{k: v for k, v in pkg["resources"][3].items()
                                                  if k not in ("id", "package_id")})  # a second copy of ours
    fake.log.clear()
    env = {"CKAN_API_TOKEN": TOKEN, "CKAN_URL": "http://ckan.test"}
    code, out, _ = _run(["ckan", "publish", "--owner-org", ORG, "--package", str(package_copy)], monkeypatch, capsys,
                        fake, env)
    assert code == 0
    assert fake.writes() == ["resource_delete", "package_resource_reorder"]
    assert [r["id"] for r in pkg["resources"]] == [*ours, hand["id"]]
    assert "  kept      hand-added notes" in out.splitlines()
    assert "delete 1, kept 1," in out
    fake.log.clear()
    again = _publish(fake, package_copy)
    assert fake.writes() == [] and again["counts"]["kept"] == 1


def _theirs(fake, name, private=False) -> dict:
    """A dataset of our name in organisation "other", with a file of its own (made without the log)."""
    pkg = fake.package_create(name=name, owner_org="other", title="Their dataset", private=private)
    fake.resource_create(package_id=pkg["id"], name="their file", url="https://example.org/theirs.csv")
    return fake.packages[pkg["id"]]


def test_a_dataset_of_another_organisation_is_left_alone(package_copy):
    fake = FakeCKAN(orgs=(ORG, "other"))
    theirs = _theirs(fake, validation.load(package_copy).name)
    before = copy.deepcopy(theirs)
    for dry_run in (True, False):
        with pytest.raises(DataError) as err:
            _publish(fake, package_copy, dry_run=dry_run)
        text = str(err.value)
        assert "belongs to organisation 'other', not to 'kanmin': nothing was written" in text
        assert "--owner-org other" in text and "--take-over-dataset" in text and "CKAN_API_TOKEN" not in text
    assert fake.writes() == [] and theirs == before


def test_taking_over_a_dataset_shows_the_move_and_keeps_their_files(package_copy, monkeypatch, capsys):
    fake = FakeCKAN(orgs=(ORG, "other"))
    theirs = _theirs(fake, validation.load(package_copy).name)
    env = {"CKAN_API_TOKEN": TOKEN, "CKAN_URL": "http://ckan.test"}
    base = ["ckan", "publish", "--owner-org", ORG, "--package", str(package_copy), "--take-over-dataset"]
    code, out, _ = _run([*base, "--dry-run"], monkeypatch, capsys, fake, env)
    assert code == 0 and fake.writes() == []
    assert out.splitlines()[1] == "  owner_org: other → kanmin"
    code, out, _ = _run([*base, "--dry-run", "--json"], monkeypatch, capsys, fake, env)
    planned = json.loads(out)
    assert planned["owner_org_change"] == {"from": "other", "to": ORG} and "owner_org" in planned["dataset_changed"]
    assert fake.writes() == []
    result = _publish(fake, package_copy, take_over=True)
    assert result["owner_org_change"] == {"from": "other", "to": ORG}
    assert result["counts"]["kept"] == 1 and result["counts"]["create"] == N
    assert theirs["organization"]["name"] == ORG and theirs["title"] != "Their dataset"
    assert [r["name"] for r in theirs["resources"]][-1] == "their file" and len(theirs["resources"]) == N + 1
    again = _publish(fake, package_copy)  # now ours: no flag needed
    assert again["owner_org_change"] is None and again["dataset_action"] == "unchanged"


def test_an_editor_is_told_whose_dataset_it_is(package_copy):
    name = validation.load(package_copy).name
    fake = FakeCKAN(orgs=(ORG, "other"), member_of=(ORG,))
    _theirs(fake, name)
    with pytest.raises(DataError) as err:
        _publish(fake, package_copy)
    assert "belongs to organisation 'other', not to 'kanmin'" in str(err.value)
    assert "CKAN_API_TOKEN" not in str(err.value)
    with pytest.raises(DataError) as err:
        _publish(fake, package_copy, take_over=True)
    assert ("belongs to organisation 'other', in which the API token's user may not edit datasets, so it cannot "
            "be moved into 'kanmin'") in str(err.value)
    assert "CKAN_API_TOKEN" not in str(err.value)
    private = FakeCKAN(orgs=(ORG, "other"), member_of=(ORG,))
    _theirs(private, name, private=True)
    with pytest.raises(DataError) as err:
        _publish(private, package_copy, take_over=True)
    assert (f"a dataset named {name!r} exists on the portal that the API token's user may not see"
            in str(err.value))
    assert "CKAN_API_TOKEN" not in str(err.value)
    assert fake.writes() == private.writes() == []


def test_missing_organisation_and_bad_token_are_clear_errors(package_copy):
    with pytest.raises(DataError, match="organisation 'nope' does not exist"):
        publish(package_copy, Portal("http://ckan.test", TOKEN, ckan=FakeCKAN()), "nope")
    fake = FakeCKAN(token_ok=False)
    with pytest.raises(DataError, match="may not create datasets in organisation 'kanmin'") as err:
        _publish(fake, package_copy)
    assert fake.writes() == [] and TOKEN not in str(err.value)


# --- the command line: exit codes, and the token in no output and no file -------------------------

_PORTAL_INIT = Portal.__init__


def _run(argv, monkeypatch, capsys, fake=None, env=None):
    for key in ("CKAN_URL", "CKAN_API_TOKEN"):
        monkeypatch.delenv(key, raising=False)
    for key, value in (env or {}).items():
        monkeypatch.setenv(key, value)
    if fake is not None:
        def init(self, url, token, ckan=None, **kw):
            _PORTAL_INIT(self, url, token, ckan=fake, **kw)
        monkeypatch.setattr(Portal, "__init__", init)
    code = cli.main(argv)
    out = capsys.readouterr()
    return code, out.out, out.err


def test_usage_errors_without_url_or_token(monkeypatch, capsys, package_copy):
    code, _, err = _run(["ckan", "publish", "--owner-org", ORG], monkeypatch, capsys)
    assert code == 2 and "CKAN_URL" in err
    code, _, err = _run(["ckan", "publish", "--owner-org", ORG, "--url", "http://ckan.test"], monkeypatch, capsys)
    assert code == 2 and "CKAN_API_TOKEN" in err


def test_token_appears_in_no_output_and_no_file(monkeypatch, capsys, package_copy, tmp_path):
    env = {"CKAN_API_TOKEN": TOKEN, "CKAN_URL": "http://ckan.test"}
    base = ["ckan", "publish", "--owner-org", ORG, "--package", str(package_copy)]
    fake = FakeCKAN()
    outputs = []
    for argv in (base + ["--json"], base, base + ["--dry-run"], base + ["--license-id", "nope"]):
        outputs.append(_run(argv, monkeypatch, capsys, fake, env))
    assert [o[0] for o in outputs] == [0, 0, 0, 1]
    assert json.loads(outputs[0][1])["api_calls"] == READ_CALLS + 2 + N
    assert "nope" in outputs[3][2] and "cc-by" in outputs[3][2]
    bad = FakeCKAN(token_ok=False)
    outputs.append(_run(base, monkeypatch, capsys, bad, env))
    assert outputs[-1][0] == 1 and "CKAN_API_TOKEN" in outputs[-1][2]
    for _code, out, err in outputs:
        assert TOKEN not in out and TOKEN not in err
    for path in [*package_copy.rglob("*"), *tmp_path.rglob("*")]:
        if path.is_file():
            assert TOKEN.encode() not in path.read_bytes(), path


def test_unreachable_portal_is_one_clear_error(monkeypatch, capsys, package_copy):
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]  # closed once the block ends: nothing listens there
    env = {"CKAN_API_TOKEN": TOKEN, "CKAN_URL": f"http://127.0.0.1:{port}"}
    from kanmin.portal import client

    monkeypatch.setattr(client, "_sleep", lambda _s: None)  # the reads are tried 3 times
    code, out, err = _run(["ckan", "publish", "--owner-org", ORG, "--package", str(package_copy)],
                          monkeypatch, capsys, env=env)
    assert code == 1
    assert "unreachable" in err and "Traceback" not in err and TOKEN not in err + out
    assert err.count("error:") == 1


def test_resource_uris_follow_the_catalog_when_it_was_rebased(tmp_path):
    """After `kanmin rdf --base-iri …`, the resources' uri are the rebased catalog's distribution IRIs."""

    from rdflib import Graph, Namespace
    from rdflib.namespace import RDF

    from kanmin.portal.mapping import dataset_spec
    from kanmin.rdf import build_rdf
    from kanmin.settings import RDF_DIR, REPO

    pkg_dir = tmp_path / "pkg"
    shutil.copytree(REPO / DATA_DIR, pkg_dir / DATA_DIR, ignore=shutil.ignore_patterns("raw", "curated"))
    shutil.copy2(REPO / DESCRIPTOR, pkg_dir / DESCRIPTOR)
    build_rdf(pkg_dir, pkg_dir / RDF_DIR, base_iri="https://example.org/k/")
    dcat = Namespace("http://www.w3.org/ns/dcat#")
    catalog = Graph().parse(pkg_dir / RDF_DIR / "catalog.ttl", format="turtle")
    distributions = {str(d) for d in catalog.subjects(RDF.type, dcat.Distribution)}
    uris = {r.uri for r in dataset_spec(validation.load(pkg_dir), pkg_dir).resources}
    assert distributions and distributions <= uris
    assert all(u.startswith("https://example.org/k/") for u in uris)


def test_download_urls_are_the_catalogs_also_when_it_moved_them(tmp_path):
    """Each resource's download_url is its distribution's dcat:downloadURL in the package's own
    catalog.ttl (after `kanmin rdf --download-base …` too), and catalog.ttl's is beside the others."""
    from rdflib import Graph, URIRef

    from kanmin.rdf import build_rdf

    pkg_dir = copy_published_package(tmp_path / "pkg")
    for base in (None, "https://downloads.example.org/v3/"):
        if base:
            build_rdf(pkg_dir, pkg_dir / RDF_DIR, download_base=base)
        catalog = Graph().parse(pkg_dir / RDF_DIR / "catalog.ttl", format="turtle")
        spec = mapping.dataset_spec(validation.load(pkg_dir), pkg_dir)
        described = [r for r in spec.resources if not r.path.endswith("catalog.ttl")]
        assert len(described) == N - 1
        for r in described:
            assert r.fields["download_url"] == str(catalog.value(URIRef(r.uri), URIRef(DCAT + "downloadURL"))), r.path
        (own,) = [r for r in spec.resources if r.path.endswith("catalog.ttl")]
        prefix = base or "https://w3id.org/kanmin-data/files/"
        assert own.fields["download_url"] == f"{prefix}{RDF_DIR}/catalog.ttl"
        assert all(r.fields["download_url"].startswith(prefix) for r in spec.resources)

"""`kanmin ckan publish` to a portal with ckanext-scheming, without a portal: the schema read from
the portal's answer, the DCAT-AP fields filled from the one metadata source, the extras they
replace, and whole publishes against the in-memory portal answering with ckanext-dcat's DCAT-AP
schema (tests/fixtures/ckan/dcat_ap_full_schema.json)."""

from __future__ import annotations

import copy
import json
from pathlib import Path

import pytest
from ckan_fake import FakeCKAN
from rdflib import Graph, URIRef

from kanmin import model, validation
from kanmin.portal import mapping, scheming
from kanmin.portal.publish import Portal, multipart, portal_schema, publish
from kanmin.rdf.namespaces import DCAT, ISO639_1, SPDX_SHA256, Iris
from kanmin.settings import RDF_DIR, REPO
from support import copy_published_package, published

SCHEMA_ANSWER = json.loads((REPO / "tests" / "fixtures" / "ckan" / "dcat_ap_full_schema.json").read_text("utf-8"))
DCAT_AP = scheming.Schema.from_answer(SCHEMA_ANSWER)
N = len(published())
TABLES = sum(d.table is not None for d in published())
ORG = "kanmin"


@pytest.fixture(scope="module")
def pkg() -> model.Package:
    return validation.load(REPO)


@pytest.fixture(scope="module")
def core(pkg) -> mapping.DatasetSpec:
    return mapping.dataset_spec(pkg, REPO)


@pytest.fixture(autouse=True)
def _no_contact(monkeypatch):
    monkeypatch.delenv("KANMIN_CONTACT_EMAIL", raising=False)
    monkeypatch.delenv("SOURCE_DATE_EPOCH", raising=False)


def _schema(drop_dataset=(), drop_resource=()) -> scheming.Schema:
    return scheming.Schema(DCAT_AP.dataset_fields - set(drop_dataset), DCAT_AP.resource_fields - set(drop_resource))


# --- the schema ----------------------------------------------------------------------------------

def test_the_schema_is_read_from_the_portals_answer():
    assert {"contact", "publisher", "creator", "temporal_coverage", "spatial_coverage", "provenance",
            "access_rights", "theme", "language", "conforms_to", "identifier", "uri"} <= DCAT_AP.dataset_fields
    assert {"download_url", "access_url", "hash_algorithm", "size", "license", "rights"} <= DCAT_AP.resource_fields
    assert DCAT_AP.dcat_ap and DCAT_AP.describe() == "ckanext-scheming, DCAT-AP (Full DCAT AP (2 and 3) schema)"
    plain = scheming.Schema.from_answer({"dataset_fields": [{"field_name": "title"}],
                                         "resource_fields": [{"field_name": "url"}, {"field_name": "download_url"}]})
    assert not plain.dcat_ap and plain.describe() == "ckanext-scheming"


def test_the_portal_is_asked_once_and_a_portal_without_scheming_has_core_fields():
    with_scheming = FakeCKAN(schema=SCHEMA_ANSWER)
    assert portal_schema(Portal("http://ckan.test", "t", ckan=with_scheming)) == DCAT_AP
    without = FakeCKAN()
    portal = Portal("http://ckan.test", "t", ckan=without)
    assert portal_schema(portal) is None
    assert without.log == ["scheming_dataset_schema_show"] and portal.n_calls == 1  # not retried


# --- the dataset ---------------------------------------------------------------------------------

def test_a_dcat_ap_portal_gets_every_field_the_metadata_knows(pkg, core):
    md = pkg.metadata
    f = mapping.for_schema(core, md, DCAT_AP).fields
    dataset = Iris().dataset(md["name"])
    assert f["uri"] == dataset and f["alternate_identifier"] == [md["id"]] and "identifier" not in f
    assert (f["issued"], f["modified"]) == (md["issued"], md["modified"])
    assert f["language"] == [ISO639_1 + "ja"] and f["theme"] == [md["theme"]]
    assert f["access_rights"] == md["access_rights"] == "http://publications.europa.eu/resource/authority/access-right/PUBLIC"
    assert f["conforms_to"] == ["https://datapackage.org/standard/data-package/"]
    assert f["publisher"] == [{"uri": md["publisher"]["uri"], "url": md["publisher"]["homepage"],
                               "name": "kanmin-data プロジェクト / kanmin-data project"}]
    assert f["creator"][0]["uri"] == md["source_publisher"]["uri"]
    assert f["creator"][0]["name"].startswith("内閣官房 情報通信技術（IT）総合戦略室 / National strategy office")
    assert f["contact"] == [{"uri": dataset + "/contact", "url": md["publisher"]["homepage"],
                             "name": "kanmin-data プロジェクト / kanmin-data project"}]  # no address without the setting
    assert f["temporal_coverage"] == [md["temporal"]]
    assert f["spatial_coverage"] == [{"uri": md["spatial"]["uri"], "text": "日本 / Japan"}]
    for source in md["sources"]:
        assert f"{source['title']} ({source['path']}" in f["provenance"] and source["description"] in f["provenance"]
    assert md["sources"][1]["hash"] in f["provenance"]
    # the extras they replace are gone; the source documents are dct:relation, not dct:source
    assert f["extras"] == [{"key": "related_resource", "value": json.dumps(["https://cio.go.jp/chihou-tebiki"])}]
    # the core fields are as for a portal without scheming
    assert {k: f[k] for k in ("name", "title", "notes", "url", "version", "tags")} == {
        k: core.fields[k] for k in ("name", "title", "notes", "url", "version", "tags")}


def test_the_contact_address_comes_from_the_setting(pkg, core, monkeypatch):
    monkeypatch.setenv("KANMIN_CONTACT_EMAIL", "opendata@kanmin-data.jp")
    f = mapping.for_schema(mapping.dataset_spec(pkg, REPO), pkg.metadata, DCAT_AP).fields
    assert f["contact"][0]["email"] == "opendata@kanmin-data.jp"
    assert not any(e["key"].startswith("contact_") for e in f["extras"])


def test_what_the_schema_lacks_stays_an_extra_and_no_extra_is_named_like_a_field(pkg, core):
    schema = _schema(drop_dataset=("creator", "temporal_coverage", "alternate_identifier"))
    f = mapping.for_schema(core, pkg.metadata, schema).fields
    extras = {e["key"]: e["value"] for e in f["extras"]}
    assert set(extras) == {"creator_uri", "creator_name", "creator_url", "temporal_start", "temporal_end",
                           "alternate_identifier", "related_resource"}
    assert extras == {k: v for k, v in scheming.as_extras(scheming.dataset_values(
        pkg.metadata, Iris())).items() if k in extras}  # as a portal without scheming gets them
    assert "creator" not in f and "temporal_coverage" not in f
    # "identifier" is a field of the schema, which we leave empty (see scheming.py): never an extra
    assert "identifier" not in extras and "identifier" not in f


def test_a_portal_without_scheming_gets_the_core_spec_itself(pkg, core):
    assert mapping.for_schema(core, pkg.metadata, None) is core


# --- the resources -------------------------------------------------------------------------------

def test_dcat_ap_resources_use_the_vocabularies_and_the_catalogs_download_urls(pkg, core):
    spec = mapping.for_schema(core, pkg.metadata, DCAT_AP)
    catalog = Graph().parse(REPO / RDF_DIR / "catalog.ttl")
    assert [r.path for r in spec.resources] == [r.path for r in core.resources]
    for r, plain in zip(spec.resources, core.resources, strict=True):
        fields, dist = r.fields, r.dist
        assert dist is not None
        assert fields["format"] == dist.format.eu_file_type and fields["mimetype"] == dist.format.media_type_iri
        assert fields["hash_algorithm"] == SPDX_SHA256 and fields["hash"] == plain.fields["hash"]
        assert fields["language"] == [ISO639_1 + "ja"]
        assert fields.get("conforms_to", []) == [s.iri for s in dist.conforms_to]
        assert "access_url" not in fields  # the portal's own copy (see scheming.py)
        if r.path.endswith("catalog.ttl"):  # not described by itself: beside the others
            assert fields["download_url"] == "https://w3id.org/kanmin-data/files/" + r.path
        else:
            assert fields["download_url"] == str(catalog.value(URIRef(r.uri), URIRef(DCAT + "downloadURL")))
        assert {k: v for k, v in fields.items() if k not in scheming.resource_values(dist, pkg.metadata)} == {
            k: v for k, v in plain.fields.items() if k not in scheming.resource_values(dist, pkg.metadata)}


def test_a_scheming_schema_that_is_not_dcat_ap_keeps_the_format_names(pkg, core):
    schema = _schema(drop_resource=("access_url", "download_url"))
    spec = mapping.for_schema(core, pkg.metadata, schema)
    for r in spec.resources:
        assert r.dist is not None
        fields = r.fields
        assert (fields["format"], fields["mimetype"], fields["hash_algorithm"]) == (
            r.dist.format.ckan, r.dist.format.media_type, "sha256")
        assert fields["language"] == [ISO639_1 + "ja"]
        assert fields["download_url"] == core.resources[spec.resources.index(r)].fields["download_url"]
    table = next(r.fields for r in spec.resources if r.table)
    assert (table["format"], table["mimetype"]) == ("CSV", "text/csv")


def test_multipart_carries_strings_and_one_item_lists():
    inline, lists = multipart({"name": "x", "size": 3, "language": ["ja"], "conforms_to": ["a", "b"], "e": []})
    assert inline == {"name": "x", "size": 3, "language": "ja"}
    assert lists == {"conforms_to": ["a", "b"], "e": []}


# --- whole publishes against the in-memory portal with the DCAT-AP schema -------------------------

@pytest.fixture()
def package_copy(tmp_path) -> Path:
    return copy_published_package(tmp_path / "pkg")


def _publish(fake, directory, **kw):
    return publish(directory, Portal("http://ckan.test", "tok-SECRET-7f3a9c", ckan=fake), ORG, **kw)


def test_fresh_then_unchanged_publish_to_a_dcat_ap_portal(package_copy):
    fake = FakeCKAN(schema=SCHEMA_ANSWER)
    first = _publish(fake, package_copy)
    assert first["portal_schema"].startswith("ckanext-scheming, DCAT-AP")
    assert first["counts"]["create"] == N and first["counts"]["uploads"] == N
    # 3 reads, the organisation check, package_create, one resource_create per file, and a JSON
    # resource_patch for each list of two items or more (the tables' two standards)
    assert first["calls"]["resource_patch"] == TABLES
    assert first["api_calls"] == 3 + 1 + 1 + N + TABLES == len(fake.log)
    pkg = next(iter(fake.packages.values()))
    assert pkg["publisher"][0]["uri"] == "https://w3id.org/kanmin-data/agent/kanmin-data"
    for res in pkg["resources"]:
        assert res["language"] == [ISO639_1 + "ja"]  # sent as one string, stored as a one-item list
    descriptor = next(r for r in pkg["resources"] if r["uri"].endswith("datapackage.json"))
    assert descriptor["conforms_to"] == ["https://datapackage.org/standard/data-package/"]
    tables = [r for r in pkg["resources"] if r["uri"].endswith(".csv")]
    assert len(tables) == TABLES and all(len(r["conforms_to"]) == 2 for r in tables)
    modified = pkg["metadata_modified"]
    fake.log.clear()
    second = _publish(fake, package_copy)
    assert second["api_calls"] == 3 and fake.writes() == [] and second["counts"]["unchanged"] == N
    assert pkg["metadata_modified"] == modified


def test_a_changed_list_is_sent_as_json_after_the_upload(package_copy):
    fake = FakeCKAN(schema=SCHEMA_ANSWER)
    _publish(fake, package_copy)
    pkg = next(iter(fake.packages.values()))
    table = next(r for r in pkg["resources"] if r["uri"].endswith("data-pillars.csv"))
    table["conforms_to"] = ["https://example.org/old-standard"]
    table["hash"] = "0" * 64
    fake.log.clear()
    result = _publish(fake, package_copy)
    assert fake.writes() == ["resource_patch", "resource_patch"]  # the upload, then the list
    assert result["counts"]["uploads"] == 1
    assert table["conforms_to"] == ["https://datapackage.org/standard/table-schema/",
                                    "https://www.rfc-editor.org/rfc/rfc4180"]
    fake.log.clear()
    assert _publish(fake, package_copy)["api_calls"] == 3 and fake.writes() == []


def test_a_schema_field_changed_on_the_portal_is_patched_back(package_copy):
    fake = FakeCKAN(schema=SCHEMA_ANSWER)
    _publish(fake, package_copy)
    pkg = next(iter(fake.packages.values()))
    pkg["temporal_coverage"] = [{"start": "2017-04-01", "end": "2030-03-31"}]
    pkg["contact"][0]["email"] = ""  # an empty subfield counts as absent
    fake.log.clear()
    result = _publish(fake, package_copy)
    assert result["dataset_changed"] == ["temporal_coverage"] and fake.writes() == ["package_patch"]
    assert pkg["temporal_coverage"] == [{"start": "2017-04-01", "end": "2023-03-31"}]


def test_an_unchanged_publish_does_not_check_the_token_but_a_write_does(package_copy):
    fake = FakeCKAN(schema=SCHEMA_ANSWER)
    _publish(fake, package_copy)
    fake.token_ok = False  # the token expired since
    fake.log.clear()
    assert _publish(fake, package_copy)["dataset_action"] == "unchanged"
    assert "organization_list_for_user" not in fake.log
    pkg = next(iter(fake.packages.values()))
    pkg["version"] = "0.0.1"
    from kanmin.errors import DataError

    with pytest.raises(DataError, match="may not create datasets"):
        _publish(fake, package_copy, dry_run=True)
    assert pkg["version"] == "0.0.1"


def test_an_extra_named_like_a_schema_field_would_be_refused(pkg, core, package_copy):
    """The in-memory portal refuses what ckanext-scheming refuses, so the tests above would see an
    extra that ``for_schema`` forgot to leave out."""
    fake = FakeCKAN(schema=SCHEMA_ANSWER)
    spec = mapping.for_schema(core, pkg.metadata, DCAT_AP)
    bad = copy.deepcopy(spec.fields)
    bad["extras"].append({"key": "issued", "value": "2026-11-26T00:00:00Z"})
    from ckan_fake import ValidationError

    with pytest.raises(ValidationError, match="schema field"):
        fake.package_create(**bad, owner_org=ORG)


#: Calls before the first resource with a list of two items: 3 reads, the organisation check,
#: package_create and the resources before it; killed after its upload, before its list.
FIRST_LIST = 5 + 1 + next(i for i, d in enumerate(published()) if len(d.conforms_to) > 1)


@pytest.mark.parametrize("killed_after", [5, FIRST_LIST, FIRST_LIST + 1, 20])  # after package_create; around a list
def test_a_publish_killed_midway_on_a_dcat_ap_portal_is_completed(package_copy, killed_after):
    fake = FakeCKAN(schema=SCHEMA_ANSWER)
    fake.fail_after = killed_after
    with pytest.raises(KeyboardInterrupt):
        _publish(fake, package_copy)
    fake.fail_after = None
    _publish(fake, package_copy)
    pkg = next(iter(fake.packages.values()))
    assert len(pkg["resources"]) == N == len({r["uri"] for r in pkg["resources"]})
    assert all(len(r["conforms_to"]) == 2 for r in pkg["resources"] if r["uri"].endswith(".csv"))
    fake.log.clear()
    assert _publish(fake, package_copy)["api_calls"] == 3 and fake.writes() == []

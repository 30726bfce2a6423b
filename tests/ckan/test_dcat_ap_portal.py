"""`kanmin ckan publish` against a real CKAN 2.12 with ckanext-scheming and ckanext-dcat's DCAT-AP
schema (the session fixture ``ckan_dcat_portal`` of tests/ckan/conftest.py): the schema is found
without being configured, every field of it that the metadata knows is stored as sent, and a
re-publish reads 3 times and writes nothing. Each scenario starts from a portal without the
dataset and publishes a copy of the package. Figures are printed; run with ``-s`` to see them.
"""

from __future__ import annotations

import hashlib
import json

import pytest

from kanmin import validation
from kanmin.portal import mapping, scheming
from kanmin.portal.publish import Portal, publish, same
from kanmin.settings import DESCRIPTOR, REPO
from support import describe_files_again, published

NAME = json.loads((REPO / DESCRIPTOR).read_text(encoding="utf-8"))["name"]
N = len(published())
#: The published files whose resource gets a list of two items or more (its standards), which a
#: multipart upload cannot carry: one JSON resource_patch each after its upload.
LISTS = sum(len(d.conforms_to) > 1 for d in published())
FIXTURE = REPO / "tests" / "fixtures" / "ckan" / "dcat_ap_full_schema.json"
#: Every test here runs without publisher settings from the environment (conftest.publish_env).
pytestmark = pytest.mark.usefixtures("publish_env")


@pytest.fixture(scope="module")
def admin(ckan_dcat_portal):
    ckan = ckan_dcat_portal.client()
    yield ckan
    ckan.close()


def _publish(portal, directory, **kw) -> dict:
    result = publish(directory, Portal(portal.url, portal.api_token), portal.organization, **kw)
    print(f"\n[publish dcat-ap] dataset {result['dataset_action']}, resources {result['counts']} — "
          f"{result['api_calls']} calls {result['calls']}, {result['seconds']:.2f} s")
    return result


def test_the_portals_schema_is_the_one_the_unit_tests_use(admin):
    """The in-memory portal of the unit tests answers with tests/fixtures/ckan/dcat_ap_full_schema.json."""
    real = scheming.Schema.from_answer(admin.action.scheming_dataset_schema_show(type="dataset"))
    assert real == scheming.Schema.from_answer(json.loads(FIXTURE.read_text(encoding="utf-8")))


def test_fresh_publish_stores_every_field_as_sent_then_unchanged(ckan_dcat_portal, empty, package_copy):
    first = _publish(ckan_dcat_portal, package_copy)
    assert first["portal_schema"] == "ckanext-scheming, DCAT-AP (Full DCAT AP (2 and 3) schema)"
    assert first["counts"]["create"] == N and first["license_id"] == "CC-BY-4.0"  # the portal's register
    assert first["api_calls"] == 3 + 1 + 1 + N + LISTS and first["calls"].get("resource_patch", 0) == LISTS
    shown = empty.action.package_show(id=NAME)
    schema = scheming.Schema.from_answer(empty.action.scheming_dataset_schema_show(type="dataset"))
    pkg = validation.load(package_copy)
    spec = mapping.for_schema(mapping.dataset_spec(pkg, package_copy), pkg.metadata, schema)
    filled = [k for k in spec.fields if k in schema.dataset_fields]
    assert {"contact", "publisher", "creator", "temporal_coverage", "spatial_coverage", "provenance",
            "theme", "language", "conforms_to", "alternate_identifier", "issued", "modified", "uri",
            "access_rights"} <= set(filled)
    for key in filled:
        assert same(spec.fields[key], shown.get(key)), key
    assert {e["key"]: e["value"] for e in shown["extras"]} == {e["key"]: e["value"] for e in spec.fields["extras"]}
    for res, want in zip(shown["resources"], spec.resources, strict=True):
        for key, value in want.fields.items():
            assert same(value, res.get(key)), (want.path, key, res.get(key))
        assert res["url_type"] == "upload"
    modified = shown["metadata_modified"]

    second = _publish(ckan_dcat_portal, package_copy)
    assert second["dataset_action"] == "unchanged" and second["counts"]["unchanged"] == N
    assert second["api_calls"] == 3 and set(second["calls"]) == {"license_list", "scheming_dataset_schema_show",
                                                                 "package_show"}
    assert empty.action.package_show(id=NAME)["metadata_modified"] == modified


def test_downloads_are_byte_identical_and_typed_with_the_media_type_iri(ckan_dcat_portal, empty, package_copy):
    """CKAN sends ``mimetype`` as the download's Content-Type: on a DCAT-AP portal the IANA IRI."""
    import requests

    _publish(ckan_dcat_portal, package_copy)
    for res in empty.action.package_show(id=NAME)["resources"]:
        got = requests.get(res["url"], headers={"Authorization": ckan_dcat_portal.api_token}, timeout=30)
        got.raise_for_status()
        assert hashlib.sha256(got.content).hexdigest() == res["hash"], res["url"]
        assert got.headers["Content-Type"] == res["mimetype"]
        assert res["mimetype"].startswith("https://www.iana.org/assignments/media-types/")


def test_a_changed_csv_uploads_only_it_its_descriptor_and_the_zip(ckan_dcat_portal, empty, package_copy):
    _publish(ckan_dcat_portal, package_copy)
    path = package_copy / "data" / "pillars.csv"
    path.write_bytes(path.read_bytes().replace("格差の是正".encode(), "格差の解消".encode(), 1))
    describe_files_again(package_copy)
    result = _publish(ckan_dcat_portal, package_copy)
    # 3 reads, the organisation check, three uploads; their lists are as they were: no JSON patch
    assert result["counts"]["uploads"] == 3 and result["api_calls"] == 3 + 1 + 3
    res = next(r for r in empty.action.package_show(id=NAME)["resources"] if r["uri"].endswith("data-pillars.csv"))
    assert res["hash"] == hashlib.sha256(path.read_bytes()).hexdigest()
    assert res["conforms_to"] == ["https://datapackage.org/standard/table-schema/",
                                  "https://www.rfc-editor.org/rfc/rfc4180"]
    assert _publish(ckan_dcat_portal, package_copy)["api_calls"] == 3

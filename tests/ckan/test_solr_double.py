"""The Solr test double answers CKAN's requests the way CKAN reads them (no CKAN needed here)."""

from __future__ import annotations

import json
import threading
import urllib.error
import urllib.parse
import urllib.request

import pytest
import solr_double

DOCS = [
    {"index_id": "i1", "id": "a", "name": "alpha", "title": "Alpha データ", "state": "active", "site_id": "s",
     "entity_type": "package", "dataset_type": "dataset", "capacity": "public", "owner_org": "o1",
     "tags": ["x", "y"], "res_format": ["CSV"], "metadata_modified": "2026-01-01T00:00:00Z"},
    {"index_id": "i2", "id": "b", "name": "beta", "title": "Beta", "state": "draft", "site_id": "s",
     "entity_type": "package", "dataset_type": "dataset", "capacity": "private", "owner_org": "o2",
     "tags": ["x"], "metadata_modified": "2026-02-01T00:00:00Z"},
    {"index_id": "i3", "id": "c", "name": "gamma", "title": "Gamma", "state": "active", "site_id": "other",
     "entity_type": "package", "dataset_type": "dataset", "capacity": "public", "owner_org": "o1",
     "metadata_modified": "2026-03-01T00:00:00Z"},
]


@pytest.fixture(scope="module")
def solr():
    server = solr_double.make_server()
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}/solr/ckan"
    post(f"{base}/update/?commit=true", json.dumps(DOCS).encode(), "application/json")
    yield base
    server.shutdown()
    server.server_close()


def post(url: str, body: bytes, ctype: str) -> dict:
    req = urllib.request.Request(url, data=body, headers={"Content-Type": ctype}, method="POST")
    with urllib.request.urlopen(req, timeout=5) as resp:
        return json.loads(resp.read())


def select(base: str, **params) -> dict:
    query = urllib.parse.urlencode({k.replace("_", "."): v for k, v in params.items()}, doseq=True)
    with urllib.request.urlopen(f"{base}/select/?{query}&wt=json", timeout=5) as resp:
        return json.loads(resp.read())


def names(answer: dict) -> list[str]:
    return [d["name"] for d in answer["response"]["docs"]]


def test_schema_names_the_ckan_version(solr):
    with urllib.request.urlopen(f"{solr}/schema?wt=schema.xml", timeout=5) as resp:
        assert '<schema name="ckan-2.12"' in resp.read().decode()


def test_select_as_ckan_queries(solr):
    # package_show's index lookup, package_search's filters, the dataset page's sort
    assert names(select(solr, q='name:"beta" OR id:"beta"', fq='+site_id:"s" +entity_type:package')) == ["beta"]
    answer = select(solr, q="*:*", fq=['+site_id:"s"', "+state:(active OR draft)"], sort="metadata_modified desc",
                    rows=1, start=0)
    assert answer["response"]["numFound"] == 2 and names(answer) == ["beta"]
    assert names(select(solr, q="*:*", fq=['+owner_org:"o1"', "-capacity:private", "+state:active"],
                        sort="name asc")) == ["alpha", "gamma"]
    assert names(select(solr, q="データ", defType="dismax")) == ["alpha"]
    assert names(select(solr, q="metadata_modified:[2026-01-15T00:00:00Z TO *]", sort="name asc")) == ["beta", "gamma"]
    assert names(select(solr, q="tags:x AND NOT tags:y")) == ["beta"]
    assert select(solr, q="*:*", fl="id")["response"]["docs"][0].keys() == {"id"}


def test_facets(solr):
    answer = select(solr, q="*:*", fq="+site_id:s", facet="true", facet_field=["tags", "owner_org"],
                    facet_mincount=1, facet_limit=50)
    assert answer["facet_counts"]["facet_fields"] == {"tags": ["x", 2, "y", 1], "owner_org": ["o1", 1, "o2", 1]}


def test_a_query_it_cannot_parse_is_an_error(solr):
    with pytest.raises(urllib.error.HTTPError) as err:
        select(solr, q="name:(alpha")
    assert err.value.code == 400


def test_xml_delete_by_query_and_by_id(solr):
    post(f"{solr}/update/", b'<add><doc><field name="index_id">i9</field><field name="id">z</field>'
                            b'<field name="name">zeta</field><field name="tags">t</field></doc></add>', "text/xml")
    hit = select(solr, q='name:"zeta"')["response"]["docs"]
    assert hit == [{"index_id": "i9", "id": "z", "name": "zeta", "tags": ["t"]}]
    post(f"{solr}/update/?commit=true", b'<delete><query>+(id:"z" OR name:"z")</query></delete>', "text/xml")
    assert select(solr, q='name:"zeta"')["response"]["numFound"] == 0
    post(f"{solr}/update/", b"<delete><id>i1</id></delete>", "text/xml")
    post(f"{solr}/update/", b"<commit/>", "text/xml")
    assert "alpha" not in names(select(solr, q="*:*"))

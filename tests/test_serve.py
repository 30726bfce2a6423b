"""A real Datasette (``kanmin serve``, the pinned version) on 127.0.0.1, started and stopped by its PID:
the JSON API, facets, full-text search and SQL agree with the CSVs; it refuses writes; the time limit
stops a hostile query while the server goes on answering; its metadata comes from the one source."""

from __future__ import annotations

import json
import time
from collections import Counter

import pytest

from analysts_helpers import SCHEMAS, csv_rows, policies_containing
from datasette_server import DB, start_server
from kanmin.serve import FACETS, SETTINGS, metadata
from kanmin.validation import load
from support import REPO


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    began = time.monotonic()
    srv = start_server(REPO, tmp_path_factory.mktemp("datasette") / "serve.log")
    yield srv
    srv.stop()
    assert srv.process.returncode is not None  # stopped by its PID
    print(f"\nDatasette: started in {srv.started_in_s:.1f} s, module ran {time.monotonic() - began:.1f} s")


def test_the_json_api_returns_the_75_policies(server):
    status, body = server.get(f"/{DB}/policies.json", _shape="array", _size="max")
    assert status == 200 and [p["policy_id"] for p in body] == list(range(1, 76))
    assert [p["name"] for p in body] == [p["name"] for p in csv_rows("policies")]


def test_a_facet_by_lead_ministry_matches_the_csvs(server):
    status, body = server.get(f"/{DB}/policy_ministries.json", role="lead", _facet="ministry_id", _size="0")
    assert status == 200
    counts = {item["value"]: item["count"] for item in body["facet_results"]["ministry_id"]["results"]}
    assert counts == dict(Counter(pm["ministry_id"] for pm in csv_rows("policy_ministries") if pm["role"] == "lead"))
    status, body = server.get(f"/{DB}/policies.json", _facet="pillar_id", _size="0")
    counts = {item["value"]: item["count"] for item in body["facet_results"]["pillar_id"]["results"]}
    expected = Counter(p["pillar_id"] for p in csv_rows("policies"))
    assert counts == {k: v for k, v in expected.items() if k is not None}  # Datasette lists no null facet value
    blank = server.get(f"/{DB}/policies.json", pillar_id__isnull="1", _size="0")[1]["filtered_table_rows_count"]
    assert blank == expected[None] == 8  # the 8 policies that print no pillar


@pytest.mark.parametrize("phrase", ["マイナンバー", "オープンデータ", "ワンストップ"])
def test_a_search_through_the_api_matches_the_csvs(server, phrase):
    status, body = server.get(f"/{DB}/policies.json", _search=phrase, _shape="array", _col="policy_id",
                              _size="max")
    assert status == 200 and sorted(p["policy_id"] for p in body) == policies_containing(phrase)


def test_a_sql_join_returns_what_pandas_returns(server):
    pd = pytest.importorskip("pandas")
    sql = ("SELECT p.policy_id, m.name_ja FROM policies p JOIN policy_ministries pm ON pm.policy_id = p.policy_id "
           "JOIN ministries m ON m.ministry_id = pm.ministry_id WHERE pm.role = 'lead' ORDER BY p.policy_id, m.name_ja")
    status, body = server.get(f"/{DB}.json", sql=sql, _shape="array")
    assert status == 200
    data = REPO / "data"
    frame = (pd.read_csv(data / "policies.csv").merge(pd.read_csv(data / "policy_ministries.csv"), on="policy_id")
             .merge(pd.read_csv(data / "ministries.csv"), on="ministry_id", suffixes=("", "_m")))
    frame = frame[frame["role"] == "lead"].sort_values(["policy_id", "name_ja"])
    assert [(r["policy_id"], r["name_ja"]) for r in body] == list(
        zip(frame["policy_id"].tolist(), frame["name_ja"].tolist(), strict=True))


@pytest.mark.parametrize("sql", ["DELETE FROM policies", "UPDATE policies SET name = 'x'",
                                 "INSERT INTO pillars VALUES ('x', 'x', 'x')"])
def test_a_write_is_refused(server, sql):
    status, body = server.get(f"/{DB}.json", sql=sql)
    assert status == 400 and body["ok"] is False and "Statement must be a SELECT" in body["error"]
    assert server.get(f"/{DB}/policies.json", _size="0")[1]["filtered_table_rows_count"] == 75


def test_a_hostile_query_is_stopped_by_the_time_limit_and_the_server_still_answers(server):
    began = time.monotonic()
    status, body = server.get(f"/{DB}.json", timeout=60, sql="SELECT count(*) FROM policies_fts a, kpis b, kpis c, "
                                                             "policy_ministries d, policy_references e")
    took = time.monotonic() - began
    assert status == 400 and "SQL query took too long" in body["error"]
    assert took < SETTINGS["sql_time_limit_ms"] / 1000 + 10  # stopped, not run to its end (hours)
    assert server.get(f"/{DB}/pillars.json", _size="0")[1]["filtered_table_rows_count"] == 7


def test_the_metadata_is_the_packages(server):
    status, served = server.get("/-/metadata.json")
    md = load(REPO).metadata
    made = json.loads(json.dumps(metadata(md)))
    # Datasette copies the inherited keys (licence, source, …) into the database's entry as it serves them
    assert status == 200 and {k: v for k, v in served.items() if k != "databases"} == {
        k: v for k, v in made.items() if k != "databases"}
    tables = served["databases"][DB]["tables"]
    assert tables == made["databases"][DB]["tables"]
    assert tables["policies"]["fts_table"] == "policies_fts" and tables["policies"]["title"] == "施策 / Policies"
    assert list(tables)[:2] == ["policy_summary", "kpi_summary"]  # the views first
    assert set(tables) == {"policy_summary", "kpi_summary", *SCHEMAS}
    assert tables["policy_summary"]["facets"] == FACETS["policy_summary"]
    assert served["license"] == "CC-BY-4.0" and served["source"].startswith("出典")
    assert tables["policies"]["columns"]["policy_code"].startswith("国の施策番号 / National policy code")
    status, settings = server.get("/-/settings.json")
    assert {k: settings[k] for k in SETTINGS} == SETTINGS

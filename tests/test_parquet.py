"""The Parquet files (kanmin.parquet): one per table, with the Table Schema's types and nullability,
the CSV's values, Japanese text intact, byte-identical rebuilds; DuckDB (no options) and pandas
read them, and a join over the Parquet files equals the same join over the CSVs."""

from __future__ import annotations

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from analysts_helpers import SCHEMAS, csv_rows
from kanmin import validation
from kanmin.parquet import write_parquet
from kanmin.settings import PARQUET_DIR, parquet_path
from support import REPO

ARROW = {"integer": pa.int64(), "boolean": pa.bool_(), "string": pa.string()}


@pytest.mark.parametrize("table", list(SCHEMAS))
def test_each_file_has_the_table_schemas_types_and_the_csvs_values(table):
    read = pq.read_table(REPO / parquet_path(table))
    fields = SCHEMAS[table]["fields"]
    assert [(f.name, f.type, f.nullable) for f in read.schema] == [
        (f["name"], ARROW[f["type"]], not f.get("constraints", {}).get("required")) for f in fields]
    assert read.to_pylist() == csv_rows(table)
    # the data dictionary travels with the file ("ja / en", as the descriptor's titles)
    assert read.schema.field(fields[0]["name"]).metadata[b"title"].decode() == fields[0]["title"]


def test_japanese_text_is_intact():
    names = pq.read_table(REPO / parquet_path("policies"), columns=["name"]).column("name").to_pylist()
    assert names[6] == "企業が行う従業員の社会保険・税手続のワンストップ化・ワンスオンリー化の推進"  # No 7, as printed


def test_two_builds_write_the_same_bytes_as_the_published_files(tmp_path):
    pkg = validation.load(REPO)
    write_parquet(pkg, tmp_path / "a")
    write_parquet(pkg, tmp_path / "b")
    for name in SCHEMAS:
        a, b = (tmp_path / "a" / parquet_path(name)).read_bytes(), (tmp_path / "b" / parquet_path(name)).read_bytes()
        assert a == b == (REPO / parquet_path(name)).read_bytes(), name


def test_duckdb_reads_them_with_no_options_and_a_join_equals_the_join_over_the_csvs():
    duckdb = pytest.importorskip("duckdb")
    folder = REPO / PARQUET_DIR
    got = duckdb.sql(f"""
        SELECT k.kpi_id, p.name, m.name_ja, k.not_set
        FROM '{folder}/kpis.parquet' k
        JOIN '{folder}/policies.parquet' p USING (policy_id)
        JOIN '{folder}/policy_ministries.parquet' pm ON pm.policy_id = k.policy_id AND pm.role = 'lead'
        JOIN '{folder}/ministries.parquet' m USING (ministry_id)
        ORDER BY k.kpi_id, m.name_ja""").fetchall()
    names = {p["policy_id"]: p["name"] for p in csv_rows("policies")}
    ministries = {m["ministry_id"]: m["name_ja"] for m in csv_rows("ministries")}
    leads = [(pm["policy_id"], ministries[pm["ministry_id"]]) for pm in csv_rows("policy_ministries")
             if pm["role"] == "lead"]
    expected = sorted((k["kpi_id"], names[k["policy_id"]], m, k["not_set"])
                      for k in csv_rows("kpis") for pid, m in leads if pid == k["policy_id"])
    assert got == expected and len(got) >= 176
    # the same join over the CSVs, in DuckDB itself
    data = REPO / "data"
    over_csv = duckdb.sql(f"""
        SELECT k.kpi_id, p.name, m.name_ja, k.not_set
        FROM read_csv('{data}/kpis.csv') k
        JOIN read_csv('{data}/policies.csv') p USING (policy_id)
        JOIN read_csv('{data}/policy_ministries.csv') pm ON pm.policy_id = k.policy_id AND pm.role = 'lead'
        JOIN read_csv('{data}/ministries.csv') m USING (ministry_id)
        ORDER BY k.kpi_id, m.name_ja""").fetchall()
    assert over_csv == got


def test_pandas_reads_them():
    pd = pytest.importorskip("pandas")
    frame = pd.read_parquet(REPO / parquet_path("policies"))
    assert frame["policy_id"].tolist() == list(range(1, 76)) and str(frame["policy_id"].dtype) == "int64"
    assert frame.loc[6, "name"] == csv_rows("policies")[6]["name"]

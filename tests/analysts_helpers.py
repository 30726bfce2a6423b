"""What the tests of the SQLite, Parquet and Datasette distributions compare with: the published CSVs,
read with the csv module only (typed by hand from the Table Schema: nothing of kanmin's), and the
texts the full-text search covers, per policy, computed from them."""

from __future__ import annotations

import csv
import json

from support import REPO

DESCRIPTOR = json.loads((REPO / "datapackage.json").read_text(encoding="utf-8"))
SCHEMAS = {r["name"]: r["schema"] for r in DESCRIPTOR["resources"]}
#: Phrases tried against the full-text search (each of three characters or more), checked by the
#: tests against the CSVs' substrings.
PHRASES = ("マイナンバー", "オープンデータ", "地方公共団体", "クラウド", "自治体", "ワンストップ",
           "情報システム", "官民データ", "電子申請", "society", "RPA")


def _typed(value: str, kind: str):
    if value == "":
        return None
    if kind == "integer":
        return int(value)
    if kind == "boolean":
        return {"true": True, "false": False}[value]
    return value


def csv_rows(name: str) -> list[dict]:
    """The typed rows of data/<name>.csv (Table Schema types: integer, boolean, string)."""
    kinds = {f["name"]: f["type"] for f in SCHEMAS[name]["fields"]}
    with (REPO / "data" / f"{name}.csv").open(encoding="utf-8", newline="") as fh:
        return [{k: _typed(v, kinds[k]) for k, v in row.items()} for row in csv.DictReader(fh)]


def searchable_texts() -> dict[int, list[str]]:
    """policy_id -> the texts the search covers: name, overview, support measures, KPIs, budget
    project names, reference captions."""
    texts: dict[int, list[str]] = {}
    for p in csv_rows("policies"):
        texts[p["policy_id"]] = [t for t in (p["name"], p["overview"], p["support_measures"]) if t]
    for k in csv_rows("kpis"):
        texts[k["policy_id"]].append(k["text"])
    names = {b["budget_project_id"]: b["name"] for b in csv_rows("budget_projects")}
    for link in csv_rows("policy_budget_projects"):
        texts[link["policy_id"]].append(names[link["budget_project_id"]])
    for r in csv_rows("policy_references"):
        if r["label"]:
            texts[r["policy_id"]].append(r["label"])
    return texts


def policies_containing(phrase: str) -> list[int]:
    """The policies one of whose searchable texts contains ``phrase`` (ASCII letters in any case, as
    the trigram tokenizer folds them)."""
    return sorted(pid for pid, texts in searchable_texts().items()
                  if any(phrase.casefold() in t.casefold() for t in texts))

"""The SQLite distribution (kanmin.database): the tables as the CSVs say them, typed and constrained
by the Table Schema, foreign keys enforced, the trigram search finding exactly the policies whose
texts hold a phrase (computed from the CSVs), the views, and byte-identical rebuilds."""

from __future__ import annotations

import sqlite3
from collections import defaultdict

import pytest

from analysts_helpers import PHRASES, SCHEMAS, csv_rows, policies_containing
from kanmin import validation
from kanmin.database import SEARCH_TABLE, VIEWS, write_database
from kanmin.settings import DATABASE_PATH
from support import REPO

PUBLISHED = REPO / DATABASE_PATH


@pytest.fixture(scope="module")
def con():
    c = sqlite3.connect(f"file:{PUBLISHED}?mode=ro", uri=True)
    yield c
    c.close()


def _rows(con, table: str) -> list[dict]:
    cur = con.execute(f'SELECT * FROM "{table}" ORDER BY rowid')
    names = [d[0] for d in cur.description]
    return [dict(zip(names, row, strict=True)) for row in cur]


@pytest.mark.parametrize("table", list(SCHEMAS))
def test_every_table_holds_its_csv_with_its_names_and_types(con, table):
    expected = csv_rows(table)
    kinds = {f["name"]: f["type"] for f in SCHEMAS[table]["fields"]}
    columns = [(r[1], r[2], bool(r[3])) for r in con.execute(f'PRAGMA table_info("{table}")')]
    assert [c[0] for c in columns] == list(kinds)  # names and order exactly as the CSV's header
    required = {f["name"] for f in SCHEMAS[table]["fields"] if f.get("constraints", {}).get("required")}
    assert {name: (decl, notnull) for name, decl, notnull in columns} == {
        name: ({"integer": "INTEGER", "boolean": "INTEGER", "string": "TEXT"}[kind], name in required)
        for name, kind in kinds.items()}
    got = _rows(con, table)
    booleans = [n for n, k in kinds.items() if k == "boolean"]
    for row in got:  # SQLite has no boolean: 0/1
        for n in booleans:
            row[n] = None if row[n] is None else bool(row[n])
    assert got == expected


def test_keys_are_declared_and_foreign_keys_hold(con):
    assert con.execute("PRAGMA foreign_key_check").fetchall() == []
    pk = [r[1] for r in sorted(con.execute('PRAGMA table_info("policy_ministries")'), key=lambda r: r[5]) if r[5]]
    assert pk == ["policy_id", "position"]
    fks = {(r[2], r[3], r[4]) for r in con.execute('PRAGMA foreign_key_list("policy_budget_projects")')}
    assert fks == {("policies", "policy_id", "policy_id"), ("budget_projects", "budget_project_id", "budget_project_id")}


@pytest.mark.parametrize("statement", [
    "INSERT INTO kpis VALUES ('999-progress-1', 999, 'progress', 1, NULL, 'x', 0, 1, 1)",  # no policy 999
    "INSERT INTO policy_ministries VALUES (1, 99, 'no-such-ministry', 'co', 'x')",
    "UPDATE policies SET pillar_id = 'no-such-pillar' WHERE policy_id = 1",
])
def test_an_orphan_is_refused(tmp_path, statement):
    copy = tmp_path / "db.sqlite"
    copy.write_bytes(PUBLISHED.read_bytes())
    c = sqlite3.connect(copy)
    c.execute("PRAGMA foreign_keys = ON")  # SQLite enforces them on connections that ask
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY constraint failed"):
        c.execute(statement)
    c.close()


@pytest.mark.parametrize("statement, message", [
    ("UPDATE policies SET name = NULL WHERE policy_id = 1", "NOT NULL constraint failed: policies.name"),
    ("UPDATE policies SET effect_mark_count = 5 WHERE policy_id = 1", "CHECK constraint failed"),  # maximum 4
    ("UPDATE policies SET effect_safety = 2 WHERE policy_id = 1", "CHECK constraint failed"),  # boolean
    ("UPDATE policy_ministries SET role = 'chief' WHERE policy_id = 1", "CHECK constraint failed"),  # enum
    ("UPDATE policies SET policy_code = '01-06' WHERE policy_id = 1", "UNIQUE constraint failed"),
    ("INSERT INTO pillars VALUES ('online-procedures', 'x', 'x')", "UNIQUE constraint failed"),  # the key
])
def test_the_table_schema_constraints_are_enforced(tmp_path, statement, message):
    copy = tmp_path / "db.sqlite"
    copy.write_bytes(PUBLISHED.read_bytes())
    c = sqlite3.connect(copy)
    with pytest.raises(sqlite3.IntegrityError, match=message):
        c.execute(statement)
    c.close()


@pytest.mark.parametrize("phrase", PHRASES)
def test_the_search_finds_exactly_the_policies_whose_texts_hold_the_phrase(con, phrase):
    found = [r[0] for r in con.execute(f"SELECT rowid FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ? "
                                       "ORDER BY rowid", (f'"{phrase}"',))]
    assert found == policies_containing(phrase) and found  # every phrase is somewhere


def test_a_query_shorter_than_three_characters_finds_nothing_and_like_does(con):
    """防災 (two characters, in 11 policies) is below trigram's three: the search finds nothing, and
    the README's fallback, LIKE over the search table's columns, finds them."""
    assert con.execute(f"SELECT count(*) FROM {SEARCH_TABLE} WHERE {SEARCH_TABLE} MATCH ?", ('"防災"',)
                       ).fetchone() == (0,)
    columns = [r[1] for r in con.execute(f"PRAGMA table_info({SEARCH_TABLE})")]
    like = [r[0] for r in con.execute(f"SELECT rowid FROM {SEARCH_TABLE} WHERE "
                                      + " OR ".join(f"{c} LIKE '%防災%'" for c in columns) + " ORDER BY rowid")]
    assert like == policies_containing("防災") and len(like) == 11


def test_the_views_answer_without_a_join(con):
    assert [v.name for v in VIEWS] == ["policy_summary", "kpi_summary"]
    ministries = {m["ministry_id"]: m["name_ja"] for m in csv_rows("ministries")}
    pillars = {p["pillar_id"]: p["name_ja"] for p in csv_rows("pillars")}
    roles: dict[tuple[int, str], list[str]] = defaultdict(list)
    for pm in sorted(csv_rows("policy_ministries"), key=lambda r: (r["policy_id"], r["position"])):
        roles[pm["policy_id"], pm["role"]].append(ministries[pm["ministry_id"]])
    kpis = csv_rows("kpis")
    expected = [{"policy_id": p["policy_id"], "policy_code": p["policy_code"], "name": p["name"],
                 "lead_ministries": "、".join(roles[p["policy_id"], "lead"]) or None,
                 "co_ministries": "、".join(roles[p["policy_id"], "co"]) or None,
                 "pillar_id": p["pillar_id"], "pillar_name": pillars.get(p["pillar_id"]),
                 "start_fiscal_year": p["start_fiscal_year"],
                 "progress_kpis": sum(k["policy_id"] == p["policy_id"] and k["kind"] == "progress" for k in kpis),
                 "effect_kpis": sum(k["policy_id"] == p["policy_id"] and k["kind"] == "effect" for k in kpis)}
                for p in csv_rows("policies")]
    assert _rows(con, "policy_summary") == expected
    # hand-checked: policy 3 prints ◎内閣官房 and six co ministries
    assert expected[2]["lead_ministries"] == "内閣官房" and expected[2]["co_ministries"].startswith("内閣府、金融庁")
    summary = _rows(con, "kpi_summary")
    assert len(summary) == len(kpis) == 176
    names = {p["policy_id"]: p["name"] for p in csv_rows("policies")}
    assert all(r["policy_name"] == names[r["policy_id"]] and r["lead_ministries"] ==
               "、".join(roles[r["policy_id"], "lead"]) for r in summary)


def test_two_builds_write_the_same_bytes_as_the_published_file(tmp_path):
    pkg = validation.load(REPO)
    first, second = write_database(pkg, tmp_path / "a.sqlite"), write_database(pkg, tmp_path / "b.sqlite")
    assert first.read_bytes() == second.read_bytes() == PUBLISHED.read_bytes()
    assert first.read_bytes()[16:18] == b"\x10\x00"  # page size 4096


ON_A_FULL_DISK = """
import errno, json, subprocess, sys
from pathlib import Path
from kanmin import validation
from kanmin.database import write_database
mount = Path(sys.argv[1])
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=256k", "tmpfs", str(mount)], check=True)
pkg = validation.load(sys.argv[2])
try:
    write_database(pkg, mount / "db.sqlite")
    print(json.dumps({"raised": None}))
except OSError as exc:
    print(json.dumps({"raised": "OSError", "errno": exc.errno, "filename": exc.filename}))
"""


def test_a_full_disk_is_the_oserror_every_command_reports(tmp_path):
    """SQLite's SQLITE_FULL from VACUUM INTO becomes OSError(ENOSPC) naming the file, which the CLI
    prints as one error line (errors.os_error), not an apsw.FullError traceback."""
    import errno

    from support import in_a_mount_namespace

    mount = tmp_path / "disk"
    mount.mkdir()
    got = in_a_mount_namespace(ON_A_FULL_DISK, [str(mount), str(REPO)])
    assert got == {"raised": "OSError", "errno": errno.ENOSPC, "filename": str(mount / "db.sqlite")}

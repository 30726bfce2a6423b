"""The SQLite database: every published table, typed and constrained, with Japanese full-text search and views.

Input: the package model (``model.Package``: the metadata's Table Schemas and the typed rows, the
same model the CSVs are written from; nothing is read back from a CSV). Output: one file,
``settings.DATABASE_PATH``, the registry's ``DATABASE`` distribution (``kanmin.distributions``),
which the catalog, the site, ``kanmin ckan publish`` and ``kanmin serve`` (Datasette) use.

What it holds, all derived from the Table Schema (its one home):
  - one table per resource, named and with columns named exactly as the CSVs; ``integer`` and
    ``boolean`` columns are INTEGER (a boolean ``CHECK`` in 0/1), ``string`` TEXT; ``required``
    is ``NOT NULL``, ``unique`` ``UNIQUE``, ``minimum``/``maximum`` and ``enum`` are ``CHECK``s;
    the primary key and every foreign key are declared. (``pattern`` is not: SQLite has no regular
    expressions without an extension; frictionless checks the patterns on the CSVs.) SQLite
    enforces foreign keys on a connection that turns them on (``PRAGMA foreign_keys = ON``); the
    writer checks them (``PRAGMA foreign_key_check``) before the file is written.
  - ``policies_fts``, an FTS5 table with the ``trigram`` tokenizer (SQLite 3.34 or newer), one row
    per policy (rowid = ``policy_id``): its name, overview, support measures, KPIs, budget project
    names and reference captions (``SEARCH_COLUMNS``). Japanese has no spaces between words, so a
    word tokenizer finds nothing inside a sentence; trigrams find any substring of three characters
    or more. A shorter query (マイナ is fine, ＩＴ is not) matches nothing: use ``LIKE '%ＩＴ%'``.
  - the views of ``VIEWS``, which answer the common questions without a join.

Why APSW rather than sqlite-utils or the standard ``sqlite3`` module: the DDL comes from the
Table Schema (CHECKs from constraints, composite keys, FTS5 options, views), which sqlite-utils'
``create`` does not take (it has no CHECK constraints); and the file's bytes depend on the SQLite
library that writes it (its version is in the header, offset 96, and FTS5's internal records
follow the library), while the standard module uses whatever SQLite the system or the Python
build links (Debian 12: 3.40.1, Ubuntu 24.04's setup-python: 3.45). APSW's wheels carry their own
SQLite, so the version pinned in requirements.lock (apsw 3.54.1.0 = SQLite 3.54.1) decides the
bytes everywhere, and the committed file and the catalog's checksum of it hold on any machine.
Readers (Datasette, ``sqlite3``, DuckDB, R) open it with any SQLite 3.34 or newer.

Deterministic bytes: the database is made in memory with a fixed page size, then written by
``VACUUM INTO`` (a fresh, compact file: no free pages, no journal, no timestamp anywhere in
SQLite's format); the same APSW gives the same file (tested by building twice).
"""

from __future__ import annotations

import errno
import os
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

from .errors import DataError, Problem
from .model import Package
from .settings import DATABASE_PATH

if TYPE_CHECKING:
    import apsw

#: SQLite's page size for the file (its default; a fixed value, because another gives other bytes).
PAGE_SIZE = 4096
#: The oldest SQLite whose FTS5 has the trigram tokenizer.
TRIGRAM_SINCE = (3, 34, 0)
#: The search table and what it indexes: column -> (table, its text field, the field joining it to a
#: policy); the policy's own fields come from ``policies``; a policy's several KPIs (or budget
#: projects, references) are joined with a line break, in their published order.
SEARCH_TABLE = "policies_fts"
SEARCH_COLUMNS: dict[str, tuple[str, str]] = {
    "name": ("policies", "name"),
    "overview": ("policies", "overview"),
    "support_measures": ("policies", "support_measures"),
    "kpis": ("kpis", "text"),
    "budget_projects": ("budget_projects", "name"),
    "reference_captions": ("policy_references", "label"),
}
_SQL_TYPES = {"integer": "INTEGER", "boolean": "INTEGER", "string": "TEXT"}


@dataclass(frozen=True)
class View:
    """A view of the database: its name, titles and descriptions ({ja, en}) and its SQL."""

    name: str
    title: dict[str, str]
    description: dict[str, str]
    sql: str


#: The views, in the order Datasette lists them (first, before the tables: ``serve``).
VIEWS: tuple[View, ...] = (
    View("policy_summary",
         {"ja": "施策の概要（府省庁・柱・KPI数つき）", "en": "Policies with ministries, pillar and KPI counts"},
         {"ja": "施策ごとに1行。主担当（◎）と共管の府省庁を印刷順に「、」でつなぎ、対応する柱の名称と"
                "KPI（進捗・効果）の件数を添える。",
          "en": "One row per policy: its lead (◎) and co ministries in printed order joined by 、, the "
                "name of its pillar, and its number of progress and effect KPIs."},
         """SELECT p.policy_id, p.policy_code, p.name,
  (SELECT group_concat(m.name_ja, '、') FROM (SELECT mm.name_ja FROM policy_ministries pm
     JOIN ministries mm ON mm.ministry_id = pm.ministry_id
     WHERE pm.policy_id = p.policy_id AND pm.role = 'lead' ORDER BY pm.position) m) AS lead_ministries,
  (SELECT group_concat(m.name_ja, '、') FROM (SELECT mm.name_ja FROM policy_ministries pm
     JOIN ministries mm ON mm.ministry_id = pm.ministry_id
     WHERE pm.policy_id = p.policy_id AND pm.role = 'co' ORDER BY pm.position) m) AS co_ministries,
  p.pillar_id, pl.name_ja AS pillar_name, p.start_fiscal_year,
  (SELECT count(*) FROM kpis k WHERE k.policy_id = p.policy_id AND k.kind = 'progress') AS progress_kpis,
  (SELECT count(*) FROM kpis k WHERE k.policy_id = p.policy_id AND k.kind = 'effect') AS effect_kpis
FROM policies p LEFT JOIN pillars pl ON pl.pillar_id = p.pillar_id
ORDER BY p.policy_id"""),
    View("kpi_summary",
         {"ja": "KPIの一覧（施策名・主担当府省庁つき）", "en": "KPIs with their policy and lead ministry"},
         {"ja": "KPIごとに1行。施策名と主担当（◎）の府省庁（複数なら印刷順に「、」でつなぐ）を添える。",
          "en": "One row per KPI, with its policy's name and lead (◎) ministry (several joined by 、 in "
                "printed order)."},
         """SELECT k.kpi_id, k.policy_id, p.name AS policy_name,
  (SELECT group_concat(m.name_ja, '、') FROM (SELECT mm.name_ja FROM policy_ministries pm
     JOIN ministries mm ON mm.ministry_id = pm.ministry_id
     WHERE pm.policy_id = k.policy_id AND pm.role = 'lead' ORDER BY pm.position) m) AS lead_ministries,
  k.kind, k.position, k.kpi_group, k.text, k.not_set
FROM kpis k JOIN policies p ON p.policy_id = k.policy_id
ORDER BY k.policy_id, k.kind DESC, k.position"""),
)


def write_database(pkg: Package, target: Path) -> Path:
    """Write the database of the package to ``target`` (see the module docstring); return its path.

    A row that breaks a constraint or a foreign key is a DataError naming the table and row (the
    build checks the same rules earlier, so this is a last line of defence)."""
    import apsw  # its own SQLite (see the module docstring); loaded only when the database is written

    version = tuple(int(part) for part in apsw.sqlite_lib_version().split("."))
    if version < TRIGRAM_SINCE:
        raise RuntimeError(f"SQLite {apsw.sqlite_lib_version()} has no FTS5 trigram tokenizer: the database needs "
                           f"SQLite {'.'.join(map(str, TRIGRAM_SINCE))} or newer (apsw as in requirements.lock)")
    target = Path(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    if target.exists():
        target.unlink()  # VACUUM INTO needs a new file
    con = apsw.Connection(":memory:")
    try:
        con.execute(f"PRAGMA page_size = {PAGE_SIZE}")
        con.execute("BEGIN")
        for statement in schema_sql(pkg):
            con.execute(statement)
        for res in pkg.resources:
            _insert(con, res, pkg.tables[res["name"]])
        _index_search(con, pkg)
        con.execute("COMMIT")
        orphans = con.execute("PRAGMA foreign_key_check").fetchall()
        if orphans:
            raise DataError([Problem(str(DATABASE_PATH), None, f"{table} row {rowid}: no {parent} row for its "
                                     "foreign key", "fix the table; the CSVs' foreign keys are checked the same way")
                             for table, rowid, parent, _fk in orphans])
        con.execute("VACUUM INTO ?", (str(target),))
    except (apsw.FullError, apsw.ReadOnlyError, apsw.CantOpenError, apsw.PermissionsError) as exc:
        raise _os_error(exc, target) from exc
    finally:
        con.close()
    return target


#: SQLite's primary result codes that are the file system saying no, as the OSError they stand for
#: (SQLITE_FULL, SQLITE_READONLY, SQLITE_CANTOPEN, SQLITE_PERM).
_FS_CODES = {13: errno.ENOSPC, 8: errno.EROFS, 14: errno.EACCES, 3: errno.EACCES}


def _os_error(exc: Exception, target: Path) -> OSError:
    """A full disk or a forbidden folder as the OSError every command reports in one line
    (``errors.os_error``)."""
    number = _FS_CODES[getattr(exc, "result", 14) & 0xFF]
    return OSError(number, os.strerror(number), str(target))


def schema_sql(pkg: Package) -> list[str]:
    """The CREATE statements of the database: tables, the search table, views (in that order)."""
    return [*(create_table(res) for res in pkg.resources),
            f"CREATE VIRTUAL TABLE {SEARCH_TABLE} USING fts5({', '.join(SEARCH_COLUMNS)}, tokenize = 'trigram')",
            *(f"CREATE VIEW {v.name} AS {v.sql}" for v in VIEWS)]


def create_table(res: dict) -> str:
    """The CREATE TABLE statement of a Table Schema resource (see the module docstring)."""
    key = res["primaryKey"]
    columns = [_column(res["name"], f, key == [f["name"]]) for f in res["fields"]]
    columns.append(f"PRIMARY KEY ({', '.join(map(_q, res['primaryKey']))})")
    for fk in res.get("foreignKeys", []):
        ref = fk["reference"]
        columns.append(f"FOREIGN KEY ({', '.join(map(_q, fk['fields']))}) REFERENCES {_q(ref['resource'])} "
                       f"({', '.join(map(_q, ref['fields']))})")
    return f"CREATE TABLE {_q(res['name'])} (\n  " + ",\n  ".join(columns) + "\n)"


def _column(table: str, f: dict, key_part: bool) -> str:
    name, kind, c = _q(f["name"]), f["type"], f.get("constraints", {})
    if kind not in _SQL_TYPES:
        raise DataError([Problem("data/curated/metadata.json", None, f"{table}.{f['name']}: type {kind!r} has no "
                                 "SQLite column type here", f"use one of {', '.join(_SQL_TYPES)} or extend "
                                 "kanmin.database")])
    parts = [name, _SQL_TYPES[kind]]
    if c.get("required"):
        parts.append("NOT NULL")
    if c.get("unique") and not key_part:  # a key's own index makes it unique
        parts.append("UNIQUE")
    checks = []
    if kind == "boolean":
        checks.append(f"{name} IN (0, 1)")
    if "minimum" in c:
        checks.append(f"{name} >= {int(c['minimum'])}")
    if "maximum" in c:
        checks.append(f"{name} <= {int(c['maximum'])}")
    if "enum" in c:
        checks.append(f"{name} IN ({', '.join(_literal(v) for v in c['enum'])})")
    if checks:
        parts.append(f"CHECK ({' AND '.join(checks)})")
    return " ".join(parts)


def _q(name: str) -> str:
    return '"' + name.replace('"', '""') + '"'


def _literal(value: str) -> str:
    return "'" + str(value).replace("'", "''") + "'"


def _insert(con: apsw.Connection, res: dict, rows: list[dict]) -> None:
    import apsw

    names = [f["name"] for f in res["fields"]]
    sql = f"INSERT INTO {_q(res['name'])} VALUES ({', '.join('?' * len(names))})"
    try:
        con.executemany(sql, ([row[n] for n in names] for row in rows))
    except apsw.ConstraintError as exc:
        raise DataError([Problem(str(DATABASE_PATH), None, f"table {res['name']}: {exc}",
                                 "the Table Schema and the rows disagree: fix the rows")]) from exc


def search_rows(pkg: Package) -> list[tuple]:
    """One row of the search table per policy: (policy_id, *texts of ``SEARCH_COLUMNS``), each
    text its values in published order joined by a line break (None where there is none)."""
    budget_names = {b["budget_project_id"]: b["name"] for b in pkg.tables["budget_projects"]}
    texts: dict[str, dict[int, list[str]]] = {column: {} for column in SEARCH_COLUMNS}
    for column, (table, field) in SEARCH_COLUMNS.items():
        if table == "budget_projects":  # a policy's projects, through the link table
            for link in pkg.tables["policy_budget_projects"]:
                texts[column].setdefault(link["policy_id"], []).append(budget_names[link["budget_project_id"]])
            continue
        for row in pkg.tables[table]:
            if row[field] is not None:
                texts[column].setdefault(row["policy_id"], []).append(row[field])
    return [(p["policy_id"], *("\n".join(texts[c][p["policy_id"]]) if p["policy_id"] in texts[c] else None
                               for c in SEARCH_COLUMNS))
            for p in pkg.tables["policies"]]


def _index_search(con: apsw.Connection, pkg: Package) -> None:
    con.executemany(f"INSERT INTO {SEARCH_TABLE} (rowid, {', '.join(SEARCH_COLUMNS)}) "
                    f"VALUES (?{', ?' * len(SEARCH_COLUMNS)})", search_rows(pkg))

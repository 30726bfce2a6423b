"""The example SPARQL queries (``queries/*.rq``) with their titles and descriptions, and the graph
they ask.

Input: the ``.rq`` files of ``queries/``, each a query as a user runs it. The files are the one place
of a query and of what it is for: their header comment says it in Japanese and English, so that
the file read alone, the dataset site's query page (``site/sparql.py``) and the tests all tell the
same story. The header is the comment lines before the first line that is not a comment:

    # 題: 柱ごとの施策の数
    # Title: Policies per pillar
    # 説明: 基本計画の柱ごとの施策の数。…
    #   (a line of "#" and two or more spaces continues the field above)
    # Description: The number of policies per pillar of the basic plan, …

``題`` and ``説明`` are the Japanese title and description, ``Title`` and ``Description`` the English
ones; all four are required. A continued Japanese field is joined without a space (Japanese has no
spaces between words), an English one with one. Text between backticks is code (a variable, a
term, a file name), which the site shows as code.

Output: one ``Example`` per file, in file-name order. ``QUERY_GRAPH``: the published files the
examples are written against and that a triple store loads (the data graph, the vocabulary with
the labels of roles, KPI kinds and columns, and the catalog): the README's Oxigraph commands, the
SPARQL server of the tests and the site's query page load exactly these.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

from ..distributions import CATALOG, VOCAB
from ..errors import DataError, Problem
from ..settings import RDF_DIR

QUERY_DIR = Path(__file__).parent / "queries"

#: The files a triple store loads to answer the examples, in the order it loads them (paths
#: relative to the package): the data graph, the vocabulary, the catalog.
QUERY_GRAPH: tuple[str, ...] = (f"{RDF_DIR}/data.ttl", VOCAB.path, CATALOG.path)

#: The header's keys: (field, language).
KEYS = {"題": ("title", "ja"), "Title": ("title", "en"), "説明": ("description", "ja"),
        "Description": ("description", "en")}
_FIELD = re.compile(r"#\s(" + "|".join(KEYS) + r"):\s*(.*)$")
_CONTINUED = re.compile(r"#\s{2,}(\S.*)$")


@dataclass(frozen=True)
class Example:
    """One example query: ``name`` is the file's stem, ``text`` the whole file (header included)."""

    name: str
    title: dict[str, str]
    description: dict[str, str]
    text: str

    @property
    def file(self) -> str:
        return f"{self.name}.rq"


def parse(name: str, text: str) -> Example:
    """The example of one ``.rq`` file's text; a header without one of the four fields, or with a
    comment line that is neither a field nor a continuation, is a ``DataError`` naming the line."""
    fields: dict[tuple[str, str], list[str]] = {}
    current: tuple[str, str] | None = None
    problems = []
    for number, line in enumerate(text.splitlines(), start=1):
        if not line.startswith("#"):
            break
        if match := _FIELD.match(line):
            current = KEYS[match.group(1)]
            if current in fields:
                problems.append(Problem(f"{name}.rq", number, f"{match.group(1)} given twice",
                                        "give each of 題, Title, 説明, Description once"))
            fields[current] = [match.group(2).strip()]
        elif current is not None and (match := _CONTINUED.match(line)):
            fields[current].append(match.group(1).strip())
        else:
            problems.append(Problem(f"{name}.rq", number, f"a header line that is not a field: {line!r}",
                                    "start it with '# 題: ', '# Title: ', '# 説明: ', '# Description: ', "
                                    "or continue the field above with '#' and two spaces"))
    missing = [key for key, field in KEYS.items() if not "".join(fields.get(field, []))]
    if missing:
        problems.append(Problem(f"{name}.rq", 1, f"the header has no {', '.join(missing)}",
                                "begin the file with the comment lines '# 題: ', '# Title: ', '# 説明: ', "
                                "'# Description: ' (see kanmin.rdf.examples)"))
    if problems:
        raise DataError(problems)
    joined = {(field, lang): ("" if lang == "ja" else " ").join(parts) for (field, lang), parts in fields.items()}
    return Example(name, {"ja": joined["title", "ja"], "en": joined["title", "en"]},
                   {"ja": joined["description", "ja"], "en": joined["description", "en"]}, text)


def examples(folder: Path = QUERY_DIR) -> list[Example]:
    """Every example of ``folder``, in file-name order."""
    return [parse(path.stem, path.read_text(encoding="utf-8")) for path in sorted(Path(folder).glob("*.rq"))]


def code_spans(text: str) -> list[tuple[str, bool]]:
    """``text`` cut at its backticks: (part, is_code) pairs, code between a pair of backticks."""
    return [(part, i % 2 == 1) for i, part in enumerate(text.split("`")) if part]

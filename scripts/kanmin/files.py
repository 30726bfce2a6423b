"""File mechanics shared by every stage: hashing, atomic writes, Markdown tables.

``sha256_file`` is the one place a file's size and SHA-256 are computed; ``write_atomic`` writes a
whole file or nothing; ``markdown_table`` is the one Markdown table writer (tabulate, with cells
escaped so that a ``|`` or a line break in a value cannot break the table), and ``md_text`` /
``md_url`` the one way an untrusted value goes into Markdown as literal text. Publishing a package
into an output folder is ``staging``'s.
"""

from __future__ import annotations

import hashlib
import os
import re
import tempfile
from collections.abc import Sequence
from pathlib import Path


def write_atomic(path: Path, data: str | bytes) -> None:
    """Write a whole file or nothing: a temporary sibling, then ``os.replace``."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}-", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode("utf-8") if isinstance(data, str) else data)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def sha256_file(path: Path) -> tuple[str, int]:
    """(SHA-256 hex digest, size in bytes) of a file, read in 1 MiB chunks."""
    digest = hashlib.sha256()
    size = 0
    with Path(path).open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
            size += len(chunk)
    return digest.hexdigest(), size


def sha256_bytes(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def md_cell(value: object) -> str:
    """A value as one Markdown table cell: ``|`` escaped, line breaks as spaces."""
    return "" if value is None else str(value).replace("|", "\\|").replace("\r", " ").replace("\n", " ")


# Characters Markdown may read as inline syntax (emphasis, code, links, images, raw HTML,
# entities, strikethrough, GitHub math); `|` is md_cell's. Backslash escapes are CommonMark.
_MD_SYNTAX = re.compile(r"([\\`*_\[\]<>&~$])")
# A CommonMark autolink: scheme, then no space, control character, `<` or `>`.
_AUTOLINK = re.compile(r"[A-Za-z][A-Za-z0-9+.-]{1,31}:[^\x00-\x20<>\x7f]*")


def md_text(value: object) -> str:
    """A value shown literally in Markdown (e.g. text from a data file, a server or a PR): its
    inline syntax escaped, and its line breaks spaces (a line break could start a heading, a list
    or an HTML block)."""
    return "" if value is None else _MD_SYNTAX.sub(r"\\\1", " ".join(str(value).splitlines()))


def md_url(url: str | None) -> str:
    """A URL as a Markdown autolink `<url>`, or as literal text when it cannot be one: a URL
    like `http://a/x>[click](https://b/)<` must not turn into a link with other text."""
    if not url:
        return ""
    return f"<{url}>" if _AUTOLINK.fullmatch(url) else md_text(url)


def markdown_table(headers: Sequence[str], rows: Sequence[Sequence[object]],
                   align: Sequence[str] | None = None) -> str:
    """A GitHub-flavoured Markdown table (tabulate), every cell escaped with ``md_cell``."""
    from tabulate import tabulate

    body = [[md_cell(c) for c in row] for row in rows]
    text = tabulate(body, headers=[md_cell(h) for h in headers], tablefmt="pipe",
                    colalign=tuple(align) if align else None, disable_numparse=True)
    return text

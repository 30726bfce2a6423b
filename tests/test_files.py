"""File mechanics shared by the stages: atomic writes, hashing, Markdown tables."""

from __future__ import annotations

import hashlib

from kanmin import files


def test_write_atomic_replaces_whole_files(tmp_path):
    target = tmp_path / "d" / "r.json"
    files.write_atomic(target, "one")
    files.write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["r.json"]


def test_sha256_file_and_size(tmp_path):
    blob = bytes(range(256)) * 5000
    (tmp_path / "x").write_bytes(blob)
    assert files.sha256_file(tmp_path / "x") == (hashlib.sha256(blob).hexdigest(), len(blob))
    assert files.sha256_bytes(blob) == hashlib.sha256(blob).hexdigest()


def test_markdown_table_escapes_cells():
    text = files.markdown_table(["a", "b"], [["x|y", 1], ["line\nbreak", None]], ["left", "right"])
    lines = text.split("\n")
    assert len(lines) == 4
    assert lines[1].startswith("|:") and lines[1].endswith(":|")
    assert "x\\|y" in lines[2] and "line break" in lines[3]
    assert all(line.count("|") - line.count("\\|") == 3 for line in lines)


def test_md_text_and_md_url_keep_values_literal():
    assert files.md_text("a*b*_c_ `d` [e](f) <g> &amp; ~~h~~ $x$ \\") == (
        "a\\*b\\*\\_c\\_ \\`d\\` \\[e\\](f) \\<g\\> \\&amp; \\~\\~h\\~\\~ \\$x\\$ \\\\")
    assert files.md_text(None) == "" and files.md_url(None) == ""
    assert files.md_url("https://example.org/a_(b)*c") == "<https://example.org/a_(b)*c>"
    assert files.md_url("http://a/x>[click](https://b/)<") == "http://a/x\\>\\[click\\](https://b/)\\<"
    assert files.md_url("not a url") == "not a url"

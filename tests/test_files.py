"""File mechanics shared by the stages: atomic writes, hashing, Markdown tables."""

from __future__ import annotations

import pytest

from kanmin import files


def test_write_atomic_replaces_whole_files(tmp_path):
    target = tmp_path / "d" / "r.json"
    files.write_atomic(target, "one")
    files.write_atomic(target, b"two")
    assert target.read_bytes() == b"two"
    assert [p.name for p in target.parent.iterdir()] == ["r.json"]


# Known digests, not hashlib's output: SHA-256 of the empty string and of "abc" (FIPS 180-2, appendix
# B.1) and of one million "a" (appendix B.3).
EMPTY = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
ABC = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
MILLION_A = "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0"


@pytest.mark.parametrize("data, digest", [(b"", EMPTY), (b"abc", ABC), (b"a" * 1_000_000, MILLION_A)])
def test_sha256_of_known_values(tmp_path, data, digest):
    (tmp_path / "x").write_bytes(data)
    assert files.sha256_bytes(data) == digest
    assert files.sha256_file(tmp_path / "x") == (digest, len(data))


def test_sha256_file_reads_past_its_first_chunk(tmp_path):
    """A file of several 1 MiB chunks and a partial one: every byte counts (one changed byte in the
    last chunk changes the digest), and the size is the file's."""
    blob = bytes(range(256)) * (4096 * 3 + 1)  # 3 MiB and 256 bytes
    (tmp_path / "x").write_bytes(blob)
    (tmp_path / "y").write_bytes(blob[:-1] + b"\x00")
    digest, size = files.sha256_file(tmp_path / "x")
    assert size == 3 * (1 << 20) + 256
    assert digest == files.sha256_bytes(blob)  # sha256_bytes: pinned to the known digests above
    assert files.sha256_file(tmp_path / "y")[0] != digest


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

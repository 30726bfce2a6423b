"""The command line: exit codes, exact error messages for bad input, and that a failed build
leaves the previously published outputs untouched."""

from __future__ import annotations

import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from support import SOURCE

KANMIN = str(Path(sys.executable).parent / "kanmin")
LINES = SOURCE.read_text(encoding="utf-8").split("\n")


def _write(path: Path, lines: list[str]) -> Path:
    path.write_text("\n".join(lines), encoding="utf-8")
    return path


def bad_inputs(tmp: Path) -> dict[str, tuple[Path, str]]:
    empty = tmp / "empty.txt"
    empty.write_bytes(b"")
    sjis = tmp / "sjis.txt"
    sjis.write_bytes(SOURCE.read_text(encoding="utf-8").encode("cp932", errors="replace"))
    no_code = _write(tmp / "no_code.txt", LINES[:54] + LINES[55:])          # drop "01-05" (line 55)
    duplicated = _write(tmp / "dup.txt", LINES[:98] + LINES[58:98] + LINES[98:])  # row 2 twice
    truncated = _write(tmp / "truncated.txt", LINES[:2450])
    assert LINES[243] == "産業省、国土交"  # row 5's ministries, printed over lines 239-245
    typo = _write(tmp / "typo.txt", LINES[:243] + ["産業省、国士交"] + LINES[244:])
    return {
        "empty": (empty, f"error: {empty}: the file is empty (pass the PDF-to-text extraction of the table (data/raw/…))"),
        "shift_jis": (sjis, f"error: {sjis}:2: not UTF-8 (byte 0x87 at offset 1) (convert the file to UTF-8, e.g. iconv -f SHIFT_JIS -t UTF-8)"),
        "no_code": (no_code, f"error: {no_code}:55: row 1 (from line 25) has ministries but no policy code before them "
                             "(expected a line with the code NN-NN (国の施策番号) before the ◎ line)"),
        "duplicated": (duplicated, f"error: {duplicated}:99: row number 2 where row 3 was expected (rows must be numbered "
                                   "1, 2, 3, … without gaps or repeats; remove the duplicated or misplaced row)"),
        # LINES[2449] is blank, so the file ends "…\n": 2449 lines, the last one named
        "truncated": (truncated, f"error: {truncated}:2449: row 50 (from line 2429) has no policy code before the end "
                                 "of the file (the file looks truncated; use the complete extraction)"),
        # the misprinted name starts on line 244 and ends on 245; the list starts on 239
        "ministry_typo": (typo, f"error: {typo}:244: row 5: unknown ministry '国士交通省', printed over lines 244-245 "
                                "(did you mean 国土交通省? fix the source, or, if it is a real name, add it to "
                                "data/curated/ministries.csv or ministry_aliases.csv)"),
    }


@pytest.fixture()
def published(fresh_build, tmp_path) -> Path:
    out = tmp_path / "published"
    shutil.copytree(fresh_build, out)
    return out


def _snapshot(root: Path) -> dict[str, bytes]:
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*")) if p.is_file()}


@pytest.mark.parametrize("case", ["empty", "shift_jis", "no_code", "duplicated", "truncated", "ministry_typo"])
def test_bad_input_gives_one_clear_error_and_leaves_outputs(tmp_path, published, case):
    path, message = bad_inputs(tmp_path)[case]
    before = _snapshot(published)
    run = subprocess.run([KANMIN, "build", "--no-rdf", "--source", str(path), "--out", str(published)],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert run.stderr.strip().split("\n") == [message]
    assert "Traceback" not in run.stderr
    assert _snapshot(published) == before


def test_build_into_folder_succeeds(tmp_path):
    run = subprocess.run([KANMIN, "build", "--no-rdf", "--out", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"built {tmp_path}: policies 75, ministries 17")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".kanmin-build-")]


def test_usage_error_exits_2():
    run = subprocess.run([KANMIN, "build", "--no-such-option"], capture_output=True, text=True)
    assert run.returncode == 2
    assert "unrecognized arguments: --no-such-option" in run.stderr


def test_extract_prints_one_row():
    import json

    run = subprocess.run([KANMIN, "extract", "--row", "51"], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    (row,) = json.loads(run.stdout)
    assert row["number"] == 51 and row["number_inferred"] is True
    assert row["code"] == [2506, "08-01"]


def test_help_has_examples():
    for cmd in (["--help"], ["build", "--help"], ["extract", "--help"], ["validate", "--help"]):
        run = subprocess.run([KANMIN, *cmd], capture_output=True, text=True)
        assert run.returncode == 0 and "example" in run.stdout, cmd


BASE_URL = "https://example.test/kd/"


def test_build_with_base_url_moves_every_home_page_landing_page_and_download_url(tmp_path, capsys):
    """`kanmin build --base-url` (a fork's own Pages URL): the dataset's home page, the landing
    page, the RDF's IRIs and every download URL are under the new base in every output, also inside
    the workbook, and the default home page (metadata.json's ``homepage``) is nowhere."""
    import json
    import zipfile
    from html.parser import HTMLParser

    import rdflib

    from kanmin import model
    from kanmin.cli import main
    from kanmin.portal.mapping import dataset_spec
    from kanmin.settings import HOMEPAGE

    assert main(["build", "--out", str(tmp_path), "--base-url", BASE_URL]) == 0
    home = BASE_URL.rstrip("/")
    texts = {}
    for path in sorted(p for p in tmp_path.rglob("*") if p.is_file()):
        rel = path.relative_to(tmp_path).as_posix()
        if path.suffix == ".xlsx":
            with zipfile.ZipFile(path) as z:
                texts[rel] = "\n".join(z.read(n).decode("utf-8") for n in z.namelist() if n.endswith(".xml"))
        else:
            texts[rel] = path.read_text(encoding="utf-8")
    assert [rel for rel, text in texts.items() if HOMEPAGE in text] == []
    assert home in texts["build/kuni-shisaku-ichiran-todofuken-2019.xlsx"]  # 説明's ホームページ

    descriptor = json.loads(texts["datapackage.json"])
    assert descriptor["homepage"] == home and descriptor["id"].startswith(BASE_URL)
    assert [c["path"] for c in descriptor["contributors"] if "publisher" in c["roles"]] == [home]
    assert f'website: "{home}"' in texts["CITATION.cff"]

    dcat = rdflib.Namespace("http://www.w3.org/ns/dcat#")
    catalog = rdflib.Graph().parse(tmp_path / "build" / "rdf" / "catalog.ttl")
    dataset = rdflib.URIRef(descriptor["id"])
    assert str(catalog.value(dataset, dcat.landingPage)) == home
    downloads = {str(o) for o in catalog.objects(None, dcat.downloadURL)}
    assert downloads and all(url.startswith(BASE_URL + "files/") for url in downloads)
    assert f"<{BASE_URL}policy/7>" in texts["build/rdf/data.nt"]  # the instance IRIs

    class Index(HTMLParser):
        canonical = jsonld = None
        _in_jsonld = False

        def handle_starttag(self, tag, attrs):
            a = dict(attrs)
            if tag == "link" and a.get("rel") == "canonical":
                self.canonical = a["href"]
            self._in_jsonld = tag == "script" and a.get("type") == "application/ld+json"

        def handle_data(self, data):
            if self._in_jsonld:
                self.jsonld = json.loads(data)
                self._in_jsonld = False

    index = Index()
    index.feed(texts["build/site/index.html"])
    assert index.canonical == home
    assert (index.jsonld["url"], index.jsonld["publisher"]["url"]) == (home, home)
    assert {d["contentUrl"] for d in index.jsonld["distribution"]} == downloads
    assert f"{BASE_URL}files/data/policies.csv" in texts["build/site/downloads.html"]

    assert dataset_spec(model.load(tmp_path), tmp_path).fields["url"] == home  # CKAN's url
    capsys.readouterr()


def test_base_url_that_is_not_a_web_url_is_a_usage_error(capsys):
    from kanmin.cli import main

    assert main(["build", "--base-url", "w3id.org/kanmin-data"]) == 2
    assert "--base-url 'w3id.org/kanmin-data' is not an http(s) URL" in capsys.readouterr().err

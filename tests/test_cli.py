"""The command line: exit codes, exact error messages for bad input, and that a failed build
leaves the previously published outputs untouched."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from kanmin import validation
from kanmin.settings import WORKBOOK_PATH
from support import REPO, SOURCE

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
    xlsx = tmp / "table.xlsx"
    shutil.copy2(REPO / WORKBOOK_PATH, xlsx)  # the workbook the build writes: a ZIP archive
    pdf = tmp / "table.pdf"
    pdf.write_bytes(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n1 0 obj\n<< /Type /Catalog >>\nendobj\n")
    binary = tmp / "table.bin"
    binary.write_bytes(bytes(range(256)) * 8)
    return {
        "empty": (empty, f"error: {empty}: the file is empty (pass the PDF-to-text extraction of the table (data/raw/…))"),
        # Ⅲ on line 2 is one of CP932's own characters, not in Shift_JIS: iconv -f SHIFT_JIS stops there
        "shift_jis": (sjis, f"error: {sjis}:2: not UTF-8 (byte 0x87 at offset 1); it reads as CP932 (Shift_JIS with "
                            "Microsoft's extensions, as Windows saves Japanese text) (convert it first: iconv -f CP932 "
                            f"-t UTF-8 {sjis} > {tmp}/sjis.utf8.txt; -f SHIFT_JIS fails on CP932's own characters, "
                            "such as Ⅲ and ①)"),
        "xlsx": (xlsx, f"error: {xlsx}: not a text file: a ZIP archive (an .xlsx, .docx or .ods file is one) (pass the "
                       "PDF-to-text extraction of the table: a UTF-8 text file like the one in data/raw/)"),
        "pdf": (pdf, f"error: {pdf}: not a text file: a PDF document (extract the table's text first, e.g. pdftotext "
                     f"{pdf} {tmp}/table.txt, and pass the text file: the rules expect one printed line per line, like "
                     "the source in data/raw/)"),
        "binary": (binary, f"error: {binary}: not a text file: binary data (not UTF-8, and control byte 0x00 at "
                           "offset 0) (pass the PDF-to-text extraction of the table: a UTF-8 text file like the one "
                           "in data/raw/)"),
        "readme": (REPO / "README.md", f"error: {REPO / 'README.md'}: not the table: none of its lines is a page title "
                                       "or column header of the table, a policy code (NN-NN) or a ministries list (◎…) "
                                       "(pass the PDF-to-text extraction of the table, like the one in data/raw/)"),
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


@pytest.mark.parametrize("case", ["empty", "shift_jis", "xlsx", "pdf", "binary", "readme", "no_code", "duplicated",
                                  "truncated", "ministry_typo"])
def test_bad_input_gives_one_clear_error_and_leaves_outputs(tmp_path, published, case):
    path, message = bad_inputs(tmp_path)[case]
    before = _snapshot(published)
    run = subprocess.run([KANMIN, "build", "--no-rdf", "--source", str(path), "--out", str(published)],
                         capture_output=True, text=True)
    assert run.returncode == 1
    assert run.stderr.strip().split("\n") == [message]
    assert "Traceback" not in run.stderr
    assert _snapshot(published) == before


@pytest.mark.skipif(not shutil.which("iconv"), reason="no iconv on this machine")
def test_the_cp932_hint_converts_the_file(tmp_path):
    """The command the CP932 error suggests turns the file back into the UTF-8 source (the one
    character CP932 lacks, a no-break space, aside)."""
    import shlex

    text = SOURCE.read_text(encoding="utf-8").replace("\xa0", " ")
    cp932 = tmp_path / "cp932 copy.txt"
    cp932.write_bytes(text.encode("cp932"))
    run = subprocess.run([KANMIN, "build", "--source", str(cp932), "--out", str(tmp_path / "o")],
                         capture_output=True, text=True)
    assert run.returncode == 1
    command = run.stderr.split("convert it first: ", 1)[1].split(";", 1)[0]
    assert command == f"iconv -f CP932 -t UTF-8 {shlex.quote(str(cp932))} > " \
                      f"{shlex.quote(str(tmp_path / 'cp932 copy.utf8.txt'))}"
    assert subprocess.run(command, shell=True, capture_output=True).returncode == 0
    assert (tmp_path / "cp932 copy.utf8.txt").read_text(encoding="utf-8") == text


def test_source_in_another_legacy_or_unicode_encoding_is_named(tmp_path):
    """UTF-16 (by its byte order mark) and EUC-JP (Japanese text only in it) are named, with their
    iconv command; text in an encoding no rule can tell gets a generic one."""
    from kanmin.errors import DataError
    from kanmin.source import read

    cases = {"utf16.txt": ("\ufeff施策\n".encode("utf-16-le"),
                           "not UTF-8 (byte 0xff at offset 0); it is UTF-16 text (byte order mark)",
                           "convert it first: iconv -f UTF-16 -t UTF-8 {path} > {tmp}/utf16.utf8.txt"),
             "euc.txt": ("施策の一覧です\n".encode("euc_jp"),
                         "not UTF-8 (byte 0xbb at offset 0); it reads as EUC-JP (a Unix encoding of Japanese)",
                         "convert it first: iconv -f EUC-JP -t UTF-8 {path} > {tmp}/euc.utf8.txt"),
             "latin1.txt": ("café\n".encode("latin-1"), "not UTF-8 (byte 0xe9 at offset 3)",
                            "convert it to UTF-8 first: iconv -f ITS-ENCODING -t UTF-8 {path} > {tmp}/latin1.utf8.txt "
                            "(`file -i` may tell the encoding)")}
    for name, (data, message, hint) in cases.items():
        path = tmp_path / name
        path.write_bytes(data)
        with pytest.raises(DataError) as caught:
            read(path, 75)
        (problem,) = caught.value.problems
        assert (problem.line, problem.message, problem.hint) == (1, message, hint.format(path=path, tmp=tmp_path))
    # without a byte order mark, UTF-16 is told from binary data by nothing but its NUL bytes
    path = tmp_path / "utf16-no-bom.txt"
    path.write_bytes("No 施策名\n".encode("utf-16-le"))
    with pytest.raises(DataError) as caught:
        read(path, 75)
    assert [str(p) for p in caught.value.problems] == [
        f"{path}: not a text file: binary data, or UTF-16 or UTF-32 text without a byte order mark (4 of the 14 "
        "bytes read are NUL) (pass the PDF-to-text extraction of the table: a UTF-8 text file like the one in "
        "data/raw/)"]


def test_build_into_folder_succeeds(tmp_path):
    run = subprocess.run([KANMIN, "build", "--no-rdf", "--out", str(tmp_path)], capture_output=True, text=True)
    assert run.returncode == 0, run.stderr
    assert run.stdout.startswith(f"built {tmp_path}: policies 75, ministries 17")
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".kanmin-build-")]


def test_usage_error_exits_2():
    run = subprocess.run([KANMIN, "build", "--no-such-option"], capture_output=True, text=True)
    assert run.returncode == 2
    assert "unrecognized arguments: --no-such-option" in run.stderr


@pytest.mark.parametrize(("argv", "usage", "error"), [
    (["build", "--sorce", "x"], "usage: kanmin build [-h] [--source SOURCE] [--curated DIR] [--out OUT]",
     "kanmin build: error: unrecognized arguments: --sorce x (did you mean --source?)"),
    (["build", "--sorce=x", "--otu", "y"], "usage: kanmin build [-h] [--source SOURCE] [--curated DIR] [--out OUT]",
     "kanmin build: error: unrecognized arguments: --sorce=x --otu y "
     "(did you mean --source instead of --sorce, --out instead of --otu?)"),
    (["rdf", "--validat-only"], "usage: kanmin rdf [-h] [--package PACKAGE]",
     "kanmin rdf: error: unrecognized arguments: --validat-only (did you mean --validate-only?)"),
    (["ckan", "publish", "--owner-org", "o", "--dry-rn"], "usage: kanmin ckan publish [-h] [--url URL]",
     "kanmin ckan publish: error: unrecognized arguments: --dry-rn (did you mean --dry-run?)"),
    (["extract", "--row", "3", "--zzz"], "usage: kanmin extract [-h] [--source SOURCE] [--curated DIR]",
     "kanmin extract: error: unrecognized arguments: --zzz"),
    (["--sorce"], "usage: kanmin [-h] COMMAND ...", "kanmin: error: unrecognized arguments: --sorce"),
])
def test_unknown_option_gets_the_usage_of_its_command_and_the_nearest_option(argv, usage, error):
    """An unknown option of a subcommand prints that subcommand's usage, not the top-level one, and
    the nearest option of that subcommand when one is near; exit 2."""
    run = subprocess.run([KANMIN, *argv], capture_output=True, text=True, env={**os.environ, "COLUMNS": "400"})
    assert run.returncode == 2
    lines = run.stderr.rstrip("\n").split("\n")
    assert len(lines) == 2 and lines[0].startswith(usage), run.stderr
    assert lines[1] == error


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

    from kanmin.cli import main
    from kanmin.portal.mapping import dataset_spec
    from kanmin.settings import HOMEPAGE

    assert main(["build", "--out", str(tmp_path), "--base-url", BASE_URL]) == 0
    home = BASE_URL.rstrip("/")
    texts = {}
    for path in sorted(p for p in tmp_path.rglob("*") if p.is_file()):
        rel = path.relative_to(tmp_path).as_posix()
        if path.suffix in (".xlsx", ".zip"):  # the workbook's XML, the ZIP's descriptor and CSVs
            with zipfile.ZipFile(path) as z:
                texts[rel] = "\n".join(z.read(n).decode("utf-8") for n in z.namelist()
                                       if n.endswith((".xml", ".json", ".csv")))
        else:
            texts[rel] = path.read_text(encoding="utf-8")
    # but in the update history, CHANGELOG.md as people wrote it, which speaks of the project's home page
    assert [rel for rel, text in texts.items() if HOMEPAGE in text] == ["build/site/changes.html"]
    assert home in texts["build/kuni-shisaku-ichiran-todofuken-2019.xlsx"]  # 説明's ホームページ
    assert home in texts["build/kuni-shisaku-ichiran-todofuken-2019.zip"]  # its datapackage.json

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

    assert dataset_spec(validation.load(tmp_path), tmp_path).fields["url"] == home  # CKAN's url
    capsys.readouterr()


@pytest.mark.parametrize("base", [BASE_URL, "https://w3id.org/kanmin-data/fork/"])
def test_rdf_of_a_package_built_with_base_url_is_what_the_build_wrote(tmp_path, capsys, base):
    """`kanmin rdf --package` without --base-iri rebuilds the RDF of a `--base-url` build under
    the package's own base, byte for byte what the build wrote, with no IRI of the default home page
    (was: 112 of them in catalog.ttl). The second base lies under the default one: the package's
    URLs are moved back to the default once, not twice."""
    import re

    from kanmin.cli import main
    from kanmin.settings import DEFAULT_BASE, HOMEPAGE

    assert main(["build", "--out", str(tmp_path), "--base-url", base]) == 0
    rdf = tmp_path / "build" / "rdf"
    written = {p.name: p.read_bytes() for p in sorted(rdf.iterdir())}
    shutil.rmtree(rdf)
    assert main(["rdf", "--package", str(tmp_path)]) == 0
    assert sorted(p.name for p in rdf.iterdir() if not p.name.startswith(".")) == sorted(written)  # not the lock
    assert [name for name, data in written.items() if (rdf / name).read_bytes() != data] == []
    # the default home page, but not where it starts the new base (https://w3id.org/kanmin-data/fork/)
    under = "/" + base[len(DEFAULT_BASE):].rstrip("/") if base.startswith(DEFAULT_BASE) else ""
    default = re.compile(re.escape(HOMEPAGE) + (f"(?!{re.escape(under)})" if under else ""))
    assert {name: len(default.findall(data.decode("utf-8"))) for name, data in written.items()} == \
        dict.fromkeys(written, 0)
    assert base.encode() in written["catalog.ttl"]
    capsys.readouterr()


def test_base_url_that_is_not_a_web_url_is_a_usage_error(capsys):
    from kanmin.cli import main

    assert main(["build", "--base-url", "w3id.org/kanmin-data"]) == 2
    assert "--base-url 'w3id.org/kanmin-data' is not an http(s) URL" in capsys.readouterr().err


def test_the_parser_loads_no_http_or_pipeline_library():
    """Every command builds the whole parser first: importing urllib3 there (the portal options'
    defaults came from a module that imported the link checker's) cost every `kanmin build` 90 ms."""
    probe = ("import sys; from kanmin.cli import make_parser; make_parser(); "
             "print(sorted({m.split('.')[0] for m in sys.modules} & "
             "{'urllib3', 'requests', 'ckanapi', 'frictionless', 'rdflib', 'pyoxigraph', 'pandas'}))")
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, check=True).stdout
    assert out.strip() == "[]"


def test_outside_a_checkout_the_inputs_and_output_are_asked_for(monkeypatch, capsys, tmp_path):
    """An installed package has no data/ beside it: the defaults that live in a checkout become
    usage errors that name the option, and --curated names the curated inputs."""
    from kanmin import settings
    from kanmin.cli import main

    monkeypatch.setattr(settings, "checkout", lambda: None)
    assert main(["build"]) == 2
    assert capsys.readouterr().err == (
        "error: kanmin: --source is required: kanmin runs from an installed package, not from a checkout of the "
        f"repository, so it has no default (pass --source (in a checkout: {settings.RAW_SOURCE}))\n")
    assert main(["build", "--source", str(SOURCE), "--curated", str(tmp_path / "none")]) == 2
    assert capsys.readouterr().err == (
        f"error: kanmin: --curated {tmp_path / 'none'}: no such folder (pass the folder of the curated inputs "
        "(data/curated/ of the repository))\n")
    curated = str(settings.CURATED_DIR)
    assert main(["build", "--source", str(SOURCE), "--curated", curated]) == 2
    assert "--out is required" in capsys.readouterr().err
    assert main(["build", "--no-rdf", "--source", str(SOURCE), "--curated", curated,
                 "--out", str(tmp_path / "o")]) == 0
    assert (tmp_path / "o" / "datapackage.json").is_file()
    assert main(["validate"]) == 2 and "--package is required" in capsys.readouterr().err

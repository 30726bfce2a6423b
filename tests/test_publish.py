"""Publishing is all or nothing for the package (issue 10): a build killed with SIGKILL at any
moment leaves the previous package, or the new one, or a journal with which the next build
completes the new one — never a mix that validates.

The kills are real (``SIGKILL``, no cleanup runs): a child ``kanmin build`` is killed either at a
random moment, or exactly after its k-th ``os.replace`` (the journal write and each file move
count), which reaches every step of the publish window, a few milliseconds wide, that a random
moment would rarely hit.
"""

from __future__ import annotations

import os
import random
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from kanmin import files, pipeline
from kanmin.cli import main
from support import SOURCE

CHILD = """
import os, signal, sys
limit, calls, real = int(sys.argv[1]), [0], os.replace
def replace(a, b):
    if calls[0] >= limit:
        os.kill(os.getpid(), signal.SIGKILL)
    calls[0] += 1
    real(a, b)
if limit >= 0:
    os.replace = replace
from kanmin.cli import main
sys.exit(main(["build", "--no-rdf", "--source", sys.argv[2], "--out", sys.argv[3]]))
"""


def _published(root: Path) -> dict[str, bytes]:
    """Every file of the package folder but the publish machinery (journal, staging folders)."""
    return {p.relative_to(root).as_posix(): p.read_bytes() for p in sorted(root.rglob("*"))
            if p.is_file() and not p.name.startswith((files.JOURNAL, "." + files.JOURNAL, files.LOCK))
            and not any(part.startswith(files.STAGING_PREFIX) for part in p.relative_to(root).parts)}


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
    if child.returncode == 0:
        state = "finished"
    else:
        assert child.returncode == -signal.SIGKILL, child.stderr.read() if child.stderr else ""
        state = "interrupted" if files.interrupted(out) else "before publish"
    after_kill = _published(out)
    if state == "before publish":
        assert after_kill == old
    elif state == "interrupted":
        assert main(["validate", "--package", str(out)]) == 1  # a possibly mixed package is reported
        files.recover(out)  # what the next `kanmin build` does first
    else:
        assert after_kill == new
    assert _published(out) in (old, new)
    assert _published(out) == (old if state == "before publish" else new)
    files.recover(out)
    assert not [p for p in out.iterdir() if p.name.startswith((files.STAGING_PREFIX, files.JOURNAL, "." + files.JOURNAL))]
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
    assert set(states) <= {"before publish", "interrupted", "finished"}
    capsys.readouterr()


def test_next_build_completes_an_interrupted_publish(tmp_path, packages, capsys):
    assert _kill_and_check(tmp_path / "k", packages, 4) == "interrupted"
    out = tmp_path / "again"
    shutil.copytree(packages[0], out)
    subprocess.run([sys.executable, "-c", CHILD, "4", str(SOURCE), str(out)], stderr=subprocess.DEVNULL)
    assert files.interrupted(out)
    assert main(["build", "--no-rdf", "--source", str(SOURCE), "--out", str(out)]) == 0
    assert "note: " in capsys.readouterr().err and _published(out) == packages[2]
    assert main(["validate", "--package", str(out)]) == 0


def _interrupt_after(monkeypatch, moves: int, exc: type[BaseException]) -> None:
    """files' os.replace raises `exc` (Ctrl-C, a full disk) once `moves` files have moved."""
    real, calls = os.replace, [0]

    def replace(a, b):
        if Path(b).name != files.JOURNAL and not Path(b).name.startswith("." + files.JOURNAL):
            if calls[0] >= moves:
                raise exc("interrupted by the test")
            calls[0] += 1
        real(a, b)
    monkeypatch.setattr(files.os, "replace", replace)


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
    assert files.interrupted(out) and [p for p in out.iterdir() if p.name.startswith(files.STAGING_PREFIX)]
    assert _published(out) not in (old, new)  # mixed, and reported as such:
    assert main(["validate", "--package", str(out)]) == 1
    bad = tmp_path / "bad.txt"
    bad.write_bytes(SOURCE.read_bytes().replace(b"01-05", "0１-05".encode(), 1))
    assert main(["build", "--no-rdf", "--source", str(bad), "--out", str(out)]) == 1  # fails on its data:
    assert files.interrupted(out) and main(["validate", "--package", str(out)]) == 1  # still reported
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
    for staging in out.glob(files.STAGING_PREFIX + "*"):
        shutil.rmtree(staging)  # the staged files are lost (a cleaner, another tool...)
    notes = files.recover(out)
    assert "cannot be completed" in notes[0] and files.interrupted(out)
    assert main(["validate", "--package", str(out)]) == 1
    assert main(["build", "--no-rdf", "--source", str(SOURCE), "--out", str(out)]) == 0
    assert _published(out) == new and not files.interrupted(out)
    assert main(["validate", "--package", str(out)]) == 0
    capsys.readouterr()


def test_one_build_at_a_time_per_folder(tmp_path, packages, capsys):
    import fcntl

    out = tmp_path / "pkg"
    shutil.copytree(packages[0], out)
    with open(out / files.LOCK, "a+b") as held:
        fcntl.flock(held, fcntl.LOCK_EX | fcntl.LOCK_NB)  # another build is publishing
        assert main(["build", "--no-rdf", "--source", str(SOURCE), "--out", str(out)]) == 1
        assert "another kanmin build is publishing into this folder" in capsys.readouterr().err
        assert _published(out) == packages[1]
    assert main(["build", "--no-rdf", "--source", str(SOURCE), "--out", str(out)]) == 0
    assert _published(out) == packages[2]

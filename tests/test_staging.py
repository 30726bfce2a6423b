"""Staged publishing into an output folder (kanmin.staging): all or nothing, and nothing outside
the folder, whatever is planted in it (issue 16)."""

from __future__ import annotations

import errno
import hashlib
import json
import os
from pathlib import Path

import pytest

from kanmin import staging
from kanmin.errors import DataError, UsageError


def test_staged_publishes_only_on_success(tmp_path):
    out = tmp_path / "out"
    with staging.staged(out) as stage:
        (stage / "a.txt").write_text("new", encoding="utf-8")
        (stage / "sub").mkdir()
        (stage / "sub" / "b.txt").write_text("b", encoding="utf-8")
        assert staging.staged_files(stage) == ["a.txt", "sub/b.txt"]
    assert (out / "a.txt").read_text(encoding="utf-8") == "new"
    with pytest.raises(RuntimeError):
        with staging.staged(out, owner=staging.Owner("a.txt")) as stage:
            (stage / "a.txt").write_text("half", encoding="utf-8")
            raise RuntimeError("a stage failed")
    assert (out / "a.txt").read_text(encoding="utf-8") == "new"
    assert sorted(p.name for p in out.iterdir()) == [staging.LOCK, "a.txt", "sub"]  # no staging folder left


# --- the output folder is not trusted (issue 16) ------------------------------------------------

def _tree(root) -> dict[str, bytes | str]:
    """Every entry under ``root``: files by content, links by target, folders as 'dir'."""
    out: dict[str, bytes | str] = {}
    for p in sorted(root.rglob("*")):
        rel = p.relative_to(root).as_posix()
        out[rel] = f"-> {os.readlink(p)}" if p.is_symlink() else "dir" if p.is_dir() else p.read_bytes()
    return out


def _interrupted_folder(tmp_path):
    """A published folder with a planted journal: (world, out, staging folder name)."""
    world = tmp_path / "world"
    out = world / "shared" / "out"
    out.mkdir(parents=True)
    (out / "a.txt").write_text("old", encoding="utf-8")
    (world / "victim").mkdir()
    (world / "victim" / "precious.txt").write_text("keep me", encoding="utf-8")
    (world / "escaped.txt").write_text("stay here", encoding="utf-8")
    stage = out / (staging.STAGING_PREFIX + "abc123")
    stage.mkdir()
    (stage / "a.txt").write_text("new", encoding="utf-8")
    return world, out, stage.name


def _plant(out, journal) -> None:
    (out / staging.JOURNAL).write_text(json.dumps(journal), encoding="utf-8")


def _digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()


@pytest.mark.parametrize("case", ["staging-outside", "file-outside", "absolute-file", "staging-absolute",
                                  "staging-is-a-link", "file-behind-a-link", "staged-file-altered",
                                  "staged-file-is-a-link", "not-json", "journal-is-a-link"])
def test_recovery_touches_nothing_outside_the_folder_and_nothing_it_cannot_vouch_for(tmp_path, case):
    """The publish journal is input: a planted one that names a folder or a file outside the
    output folder, or a staged file that is not the journalled one, stops recovery before it
    moves or removes anything (old code: exit 0 and `../../victim` deleted, or
    `../../escaped.txt` moved)."""
    world, out, stage = _interrupted_folder(tmp_path)
    good = {"a.txt": _digest("new")}
    journal: dict = {"staging": stage, "files": good}
    if case == "staging-outside":
        journal["staging"] = "../../victim"
    elif case == "staging-absolute":
        journal["staging"] = str(world / "victim")
    elif case == "file-outside":
        journal["files"] = {"../../escaped.txt": _digest("stay here")}
    elif case == "absolute-file":
        journal["files"] = {str(world / "escaped.txt"): _digest("stay here")}
    elif case == "staging-is-a-link":
        link = staging.STAGING_PREFIX + "link"
        (out / link).symlink_to(world / "victim")
        journal = {"staging": link, "files": {"precious.txt": _digest("keep me")}}
    elif case == "file-behind-a-link":
        (out / stage / "sub").symlink_to(world / "victim")
        journal["files"] = {"sub/precious.txt": _digest("keep me")}
    elif case == "staged-file-altered":
        (out / stage / "a.txt").write_text("planted", encoding="utf-8")
    elif case == "staged-file-is-a-link":
        (out / stage / "a.txt").unlink()
        (out / stage / "a.txt").symlink_to(world / "escaped.txt")
        journal["files"] = {"a.txt": _digest("stay here")}
    if case == "not-json":
        (out / staging.JOURNAL).write_text("{oops", encoding="utf-8")
    elif case == "journal-is-a-link":
        (world / "elsewhere.json").write_text(json.dumps(journal), encoding="utf-8")
        (out / staging.JOURNAL).symlink_to(world / "elsewhere.json")
    else:
        _plant(out, journal)
    before = _tree(world)
    with pytest.raises(DataError) as failed:
        staging.recover(out)
    assert _tree(world) == before  # nothing moved, nothing removed, inside or outside
    problem = failed.value.problems[0]
    assert "nothing was changed" in problem.hint
    with pytest.raises(DataError):  # and a build into the folder stops the same way
        with staging.staged(out, owner=staging.Owner("a.txt")):
            pass
    assert _tree(world) == {**before, "shared/out/" + staging.LOCK: b""}


def test_a_genuine_interrupted_publish_is_still_completed(tmp_path):
    world, out, stage = _interrupted_folder(tmp_path)
    (out / stage / "sub").mkdir()
    (out / stage / "sub" / "b.txt").write_text("b", encoding="utf-8")
    _plant(out, {"staging": stage, "files": {"a.txt": _digest("new"), "sub/b.txt": _digest("b")}})
    assert staging.recover(out) == [f"{out}: completed an interrupted publish (2 files moved into place)"]
    assert (out / "a.txt").read_text(encoding="utf-8") == "new" and (out / "sub" / "b.txt").is_file()
    assert not staging.interrupted(out) and not (out / stage).exists()
    assert (world / "victim" / "precious.txt").is_file()


def test_a_staging_folder_name_that_is_a_link_is_not_followed_when_cleaning_up(tmp_path):
    world, out, _stage = _interrupted_folder(tmp_path)
    (out / (staging.STAGING_PREFIX + "zzz")).symlink_to(world / "victim")
    staging.recover(out)  # no journal: only stale staging folders are removed
    assert (world / "victim" / "precious.txt").read_text(encoding="utf-8") == "keep me"


@pytest.mark.parametrize("link", ["build/site", "build"])
def test_writing_follows_no_symbolic_link_out_of_the_folder(tmp_path, link):
    """`build/site` -> elsewhere made the site be written outside the output folder."""
    out, elsewhere = tmp_path / "out", tmp_path / "elsewhere"
    out.mkdir()
    elsewhere.mkdir()
    (out / "a.txt").write_text("old", encoding="utf-8")
    (out / link).parent.mkdir(parents=True, exist_ok=True)
    (out / link).symlink_to(elsewhere)
    before = _tree(tmp_path)
    with pytest.raises(DataError) as failed:
        with staging.staged(out, owner=staging.Owner("a.txt")) as stage:
            (stage / "build" / "site").mkdir(parents=True)
            (stage / "build" / "site" / "index.html").write_text("<p>", encoding="utf-8")
            (stage / "a.txt").write_text("new", encoding="utf-8")
    assert _tree(tmp_path) == {**before, "out/" + staging.LOCK: b""}  # nothing written, the old file kept
    assert str(failed.value.problems[0]) == (
        f"{out / link}: a symbolic link (to {elsewhere}); the build writes only inside the output folder "
        f"(replace the link with a folder (rm {out / link}), or build into another --out; nothing was changed)")


def test_a_folder_where_a_file_goes_is_refused_before_anything_moves(tmp_path):
    out = tmp_path / "out"
    (out / "b.txt").mkdir(parents=True)
    (out / "a.txt").write_text("old", encoding="utf-8")
    with pytest.raises(DataError, match="a folder where the build writes a file"):
        with staging.staged(out, owner=staging.Owner("a.txt")) as stage:
            (stage / "a.txt").write_text("new", encoding="utf-8")
            (stage / "b.txt").write_text("b", encoding="utf-8")
    assert (out / "a.txt").read_text(encoding="utf-8") == "old" and not staging.interrupted(out)


def test_a_planted_lock_link_creates_no_file_elsewhere(tmp_path):
    out = tmp_path / "out"
    out.mkdir()
    (out / staging.LOCK).symlink_to(tmp_path / "created-elsewhere")
    with pytest.raises(DataError, match="a symbolic link where kanmin keeps its lock file"):
        with staging.staged(out):
            pass
    assert not (tmp_path / "created-elsewhere").exists()


def test_output_folder_must_be_new_empty_or_an_earlier_builds(tmp_path):
    owner = staging.Owner("datapackage.json", lambda p: b"ours" in p.read_bytes())
    assert staging.output_folder(tmp_path / "new" / "deep", owner) == (tmp_path / "new" / "deep").resolve()
    only_machinery = tmp_path / "m"
    (only_machinery / (staging.STAGING_PREFIX + "x1")).mkdir(parents=True)
    (only_machinery / staging.LOCK).touch()
    assert staging.output_folder(only_machinery, owner) == only_machinery.resolve()
    ours = tmp_path / "ours"
    ours.mkdir()
    (ours / "datapackage.json").write_text("ours", encoding="utf-8")
    (ours / "data").mkdir()
    assert staging.output_folder(ours, owner) == ours.resolve()
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "datapackage.json").write_text("theirs", encoding="utf-8")
    (foreign / (staging.STAGING_PREFIX + "theirs")).mkdir()
    (tmp_path / "a-file").write_text("x", encoding="utf-8")
    (tmp_path / "dangling").symlink_to(tmp_path / "nowhere")
    cases = {
        foreign: f"--out {foreign}: the folder is not empty (datapackage.json) and not the output of an earlier "
                 "build (no datapackage.json of an earlier build)",
        tmp_path / "a-file": f"--out {tmp_path / 'a-file'}: a file, not a folder",
        tmp_path / "dangling": f"--out {tmp_path / 'dangling'}: a symbolic link to {tmp_path / 'nowhere'}, which is "
                               "not a folder",
        Path("/"): "--out /: the folder is not empty (",
    }
    for path, message in cases.items():
        with pytest.raises(UsageError) as failed:
            staging.output_folder(path, owner)
        assert failed.value.problems[0].message.startswith(message)
    assert (foreign / (staging.STAGING_PREFIX + "theirs")).is_dir() and not (tmp_path / "nowhere").exists()


def test_the_file_system_saying_no_is_one_problem_naming_the_path():
    full = staging.fs_error(OSError(errno.ENOSPC, "No space left on device", "/o/data/x.csv"), Path("/o"))
    assert isinstance(full, DataError) and not isinstance(full, UsageError)
    assert str(full.problems[0]) == ("/o/data/x.csv: no space left on the device (free some space and run the command "
                                     "again; the previous outputs are unchanged)")
    ro = staging.fs_error(OSError(errno.EROFS, "Read-only file system", "/o/.kanmin-build.lock"), Path("/o"))
    assert isinstance(ro, UsageError) and str(ro.problems[0]) == (
        "/o/.kanmin-build.lock: the file system is read-only (write into a folder you may write (--out), or fix its "
        "permissions; nothing was changed)")
    late = staging.fs_error(OSError(errno.ENOSPC, "No space left on device"), Path("/o"), journaled=True)
    assert "completes the publish first" in str(late) and not isinstance(late, UsageError)
    other = OSError(errno.ENOENT, "No such file")
    assert staging.fs_error(other, Path("/o")) is other  # a bug stays a bug

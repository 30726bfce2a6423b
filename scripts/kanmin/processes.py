"""Process mechanics shared by the stages: pausing the cyclic garbage collector, running a check
in a forked child process beside other work, and starting a Python worker process.
"""

from __future__ import annotations

import gc
import os
import pickle
import signal
import subprocess
import sys
import traceback
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

from .errors import DataError

__all__ = ["beside", "collector_paused", "python_worker"]


@contextmanager
def collector_paused() -> Iterator[None]:
    """Python's cyclic garbage collector paused for the block, and on again after it if it was on.

    Why: the build (``pipeline.build``) and the RDF validation (``rdf.validate``) make hundreds of
    thousands of small objects (lines, cells, rows, rdflib terms) that live until they end and form
    no cycles worth collecting, and the collector walked them again and again. Measured side by side
    (issue 19, the benchmark's 100×): the package stage took 4.0 s with the collector running
    against 3.3 s paused, ``kanmin build`` on the real source 0.96 s against 0.86 s, and
    ``kanmin rdf --validate-only`` 20.5-23 s of CPU against 15.4-16 s, with the same peak memory
    (the validation's own pausing and freezing of the collector before did no better). The RDF
    writers gained nothing from it (6.8 s of CPU either way), so they no longer pause it.
    Reference counting still frees everything that is dropped."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


@contextmanager
def beside(check: Callable[..., None], *args: Any) -> Iterator[None]:
    """Run ``check(*args)`` in a forked child process while the block runs, then raise what it
    raised (a ``DataError``, with its problems, or an ``OSError``: a writer run so, such as
    ``pipeline.write_for_analysts``, can meet a full disk) when the block ends; where there is no
    ``os.fork``, run it before the block.

    Why: frictionless' validation of the staged package (0.35 s on the real source, half of it
    importing frictionless) needs nothing the workbook, RDF and site writers make, and they need
    nothing from it; on a second core the two take the time of the longer. Measured side by side
    (issue 19): ``kanmin build`` on the real source took 0.75 s with the validation before the
    writers, 0.47 s beside them; the package stage at 100× 3.8 s with its tables checked in one
    process, 3.2 s in two halves (``validation.staged``; on a machine whose second core is
    busy the two are equal). The child only reads
    the staged files and reports through a pipe; if the block fails, the child is killed, and if
    the parent is killed (``kill -9``), the kernel kills the child (``_die_with``). The child holds
    no copy of the publish lock (``staging._HELD_LOCKS``), so the lock goes with the parent."""
    if not hasattr(os, "fork"):
        check(*args)
        yield
        return
    read, write = os.pipe()
    parent = os.getpid()
    pid = os.fork()
    if pid == 0:  # the child: run the check, report, and leave without running the parent's exit code
        os.close(read)
        try:
            _die_with(parent)
            check(*args)
            outcome: tuple[str, Any] = ("ok", None)
        except DataError as exc:
            outcome = ("problems", exc.problems)
        except OSError as exc:  # the file system said no (a full disk): the parent reports it as its own
            outcome = ("oserror", exc)
        except BaseException:
            outcome = ("crash", traceback.format_exc())
        with os.fdopen(write, "wb") as fh:
            pickle.dump(outcome, fh)
        os._exit(0)
    os.close(write)
    try:
        yield
    except BaseException:
        os.kill(pid, signal.SIGKILL)
        raise
    finally:
        with os.fdopen(read, "rb") as fh:
            data = fh.read()
        os.waitpid(pid, 0)
    kind, value = pickle.loads(data) if data else ("crash", "the process died without a report")  # type: tuple[str, Any]
    if kind == "problems":
        raise DataError(value)
    if kind == "oserror":
        raise value
    if kind == "crash":
        raise RuntimeError(f"{check.__name__} failed in its process:\n{value}")


_PACKAGE_ROOT = Path(__file__).resolve().parents[1]  # the folder holding the kanmin package


def python_worker(code: str, *args: str, stdout: int | None = subprocess.DEVNULL) -> subprocess.Popen:
    """A Python process running ``code`` (``python -c``, which reads ``args`` from sys.argv) with
    this kanmin importable, its errors on a pipe. Not multiprocessing: a spawned multiprocessing
    child re-runs the caller's main script, which need not be guarded by ``if __name__ ==
    "__main__"``. Used for work that holds Python's lock and would fight this process for it in a
    thread: the Turtle writer (``rdf.serialize``) and the data files' comparison (``rdf.validate``)."""
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(filter(None, [str(_PACKAGE_ROOT),
                                                                      os.environ.get("PYTHONPATH")]))}
    return subprocess.Popen([sys.executable, "-c", code, *args], env=env, stdin=subprocess.DEVNULL,
                            stdout=stdout, stderr=subprocess.PIPE)


#: prctl(2) option: the signal the kernel sends this process when its parent ends (Linux).
PR_SET_PDEATHSIG = 1


def _die_with(parent: int) -> None:
    """Make this (forked) process end when ``parent`` ends, however it ends (``kill -9``
    included): on Linux the kernel sends it SIGKILL (``prctl(PR_SET_PDEATHSIG)``). Elsewhere
    the check simply runs to its end, and its report goes nowhere."""
    import ctypes

    if not sys.platform.startswith("linux"):
        return
    libc = ctypes.CDLL(None, use_errno=True)
    if libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0) != 0:
        raise OSError(ctypes.get_errno(), "prctl(PR_SET_PDEATHSIG) failed")
    if os.getppid() != parent:  # the parent ended before the call
        os._exit(1)

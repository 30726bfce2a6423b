"""Expected failures, reported one way for every command.

A ``Problem`` names where (the file, and the line of that file when there is one; for a
published table the row and the field), what was found or expected, and what to do next. Stages collect
problems and raise ``DataError`` once, so a user sees every problem of a run together; a wrong
command line raises ``UsageError``. ``report`` is the one place that prints them (``notify``
prints the notes of a run that succeeded), and
``exit_code`` the one place that turns them into exit codes (0 ok, 1 bad data or a failed check,
2 usage). ``os_error`` turns the file system saying no (a full disk, a read-only folder) into a
problem. Real bugs are neither and still raise with a traceback.
"""

from __future__ import annotations

import errno
import sys
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TextIO

OK, FAILED, USAGE = 0, 1, 2


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str
    hint: str = ""
    field: str | None = None
    row: int | None = None  # a record of a published table (the header is row 1)

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        if self.row is not None:
            where += f", row {self.row}"
        if self.field:
            where += f", field {self.field}"
        text = f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class DataError(Exception):
    """One or more problems with the input or the outputs; the message lists them all (exit 1)."""

    exit_code = FAILED

    def __init__(self, problems: Iterable[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))


class UsageError(DataError):
    """The command line asks for something that cannot be done (exit 2)."""

    exit_code = USAGE

    def __init__(self, message: str, hint: str = "", file: str = "kanmin"):
        super().__init__([Problem(file, None, message, hint)])


#: errno values that mean "the file system says no", each with what it is and whether it is the
#: place the user named that cannot be used (a usage error, exit 2) or the run that failed (exit 1).
FS_ERRORS = {
    errno.ENOSPC: ("no space left on the device", False),
    errno.EDQUOT: ("the disk quota is exceeded", False),
    errno.EFBIG: ("a file is too large for the file system", False),
    errno.EROFS: ("the file system is read-only", True),
    errno.EACCES: ("permission denied", True),
    errno.EPERM: ("operation not permitted", True),
}


def os_error(exc: OSError, where: object) -> DataError | None:
    """The file system saying no (``FS_ERRORS``) as one problem naming the path (the error's own
    file name, else ``where``) and what to do; None for any other OSError, which is a bug."""
    if exc.errno not in FS_ERRORS:
        return None
    what, usage = FS_ERRORS[exc.errno]
    path = str(exc.filename or where)
    if usage:
        return UsageError(what, "write into a folder you may write (--out), or fix its permissions; nothing was "
                          "changed", file=path)
    return DataError([Problem(path, None, what,
                              "free some space and run the command again; the previous outputs are unchanged")])


def report(problems: Iterable[Problem], stream: TextIO | None = None) -> None:
    """Print each problem as one ``error: …`` line on stderr (or ``stream``)."""
    out = stream or sys.stderr
    for problem in problems:
        print(f"error: {problem}", file=out)


def notify(notices: Iterable[str], stream: TextIO | None = None) -> None:
    """Print each notice of a successful run as one ``note: …`` line on stderr (or ``stream``)."""
    out = stream or sys.stderr
    for notice in notices:
        print(f"note: {notice}", file=out)


def exit_code(error: DataError) -> int:
    return error.exit_code

"""Expected failures: bad input and invalid data, reported as one clear message each.

A ``Problem`` names the file, the line (or row), what was expected and what to do next. Stages
collect problems and raise ``DataError`` once, so a user sees every problem of a run together.
The CLI turns ``DataError`` into its message and exit code 1; real bugs still raise tracebacks.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Problem:
    file: str
    line: int | None
    message: str
    hint: str = ""

    def __str__(self) -> str:
        where = f"{self.file}:{self.line}" if self.line else self.file
        text = f"{where}: {self.message}"
        return f"{text} ({self.hint})" if self.hint else text


class DataError(Exception):
    """One or more problems with the input; the message lists them all."""

    def __init__(self, problems: list[Problem]):
        self.problems = list(problems)
        super().__init__("\n".join(str(p) for p in self.problems))

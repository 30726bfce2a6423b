"""What a person sees in a terminal: a progress bar while checking, a table at the end.

Input: the number of URLs, then each `Result` as it arrives; finally the `RunReport`.
Output: text on stderr (progress) and stdout (table); rich is used on a terminal, plain
lines otherwise (CI logs).
Why: kept out of `run.py` so the stage itself prints nothing.
"""
from __future__ import annotations

import contextlib
import sys
from collections.abc import Callable, Iterator

from .model import STATUSES, Result, RunReport
from .report import PROBLEMS, unreached


@contextlib.contextmanager
def progress(total: int, enabled: bool) -> Iterator[Callable[[Result], None]]:
    if not enabled or not sys.stderr.isatty():
        yield lambda r: None
        return
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

    with Progress(TextColumn("checking links"), BarColumn(), MofNCompleteColumn(),
                  TimeElapsedColumn(), transient=True) as bar:
        task = bar.add_task("links", total=total)
        yield lambda r: bar.advance(task)


def print_table(report: RunReport, paths, stream=None) -> None:
    stream = stream or sys.stdout
    counts = report.counts()
    shown = [r for r in report.results if r.status in PROBLEMS or r.accepted
             or (r.status == "redirected" and r.permanent)]
    summary = ", ".join(f"{counts[s]} {s}" for s in STATUSES if counts[s])
    failures = report.failures()
    if stream.isatty():
        from rich.console import Console
        from rich.table import Table

        table = Table(title=f"{len(report.results)} URLs: {summary}")
        for col in ("status", "url", "HTTP", "error / detail", "cited by"):
            table.add_column(col, overflow="fold")
        for r in shown:
            style = "green" if r.accepted else ("red" if r in failures else "yellow")
            table.add_row(r.status + (" (accepted)" if r.accepted else ""), r.url,
                          str(r.http_status or ""), r.error or r.detail or (r.final_url or ""),
                          " ".join(r.cited_by), style=style)
        Console(file=stream).print(table)
    else:
        for r in shown:
            extra = r.error or r.detail or r.final_url or ""
            flag = " (accepted)" if r.accepted else ""
            print(f"{r.status}{flag}\t{r.http_status or ''}\t{r.url}\t{extra}", file=stream)
        print(f"{len(report.results)} URLs: {summary}", file=stream)
    missed = unreached(report)
    print(f"{len(failures)} failing (--fail-on {','.join(report.settings.fail_on)}); "
          + (f"{missed}; " if missed else "")
          + f"reports: {', '.join(str(p) for p in paths)}", file=stream)

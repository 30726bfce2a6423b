"""Run work items on worker threads under a global and a per-host concurrency limit.

Input: items, a function giving each item's host, the work function, the two limits and a
deadline (time.monotonic value). Output: {item index: work result} for the items finished
before the deadline (plus a grace period); unfinished ones are simply absent.
Why: a worker never waits on a busy host while another host has work (no head-of-line
blocking), so N URLs over H hosts take about max(N/global, per-host share/per_host)
request latencies. No more workers start than the two limits let work at once. Workers are
daemon threads, so a server that never answers cannot hold the process past the deadline.
The deadline is read on a ``Clock`` (``time.monotonic`` and a condition wait by default), which a
test replaces to pass the deadline without waiting for it.
"""
from __future__ import annotations

import threading
import time
from collections import deque
from collections.abc import Callable, Sequence
from typing import TypeVar

T = TypeVar("T")
R = TypeVar("R")

GRACE = 2.0  # seconds past the deadline allowed for in-flight requests to come back


class Clock:
    """What the scheduler reads the time on, and how it waits: real time."""

    def now(self) -> float:
        return time.monotonic()

    def wait(self, cond: threading.Condition, timeout: float) -> None:
        """Wait on ``cond`` (held by the caller) until notified or ``timeout`` seconds have passed."""
        cond.wait(timeout=timeout)


REAL_TIME = Clock()


class _Dispatcher:
    def __init__(self, keys: Sequence[str], per_host: int):
        self.cond = threading.Condition()
        self.queues: dict[str, deque[int]] = {}
        for i, k in enumerate(keys):
            self.queues.setdefault(k, deque()).append(i)
        self.order = list(self.queues)  # round robin over hosts
        self.cursor = 0
        self.inflight = {k: 0 for k in self.queues}
        self.per_host = per_host
        self.pending = len(keys)
        self.unfinished = len(keys)

    def take(self) -> tuple[int, str] | None:
        with self.cond:
            while True:
                if self.pending == 0:
                    return None
                n = len(self.order)
                for step in range(n):
                    k = self.order[(self.cursor + step) % n]
                    q = self.queues[k]
                    if q and self.inflight[k] < self.per_host:
                        self.cursor = (self.cursor + step + 1) % n
                        self.inflight[k] += 1
                        self.pending -= 1
                        return q.popleft(), k
                self.cond.wait()

    def done(self, key: str) -> None:
        with self.cond:
            self.inflight[key] -= 1
            self.unfinished -= 1
            # One freed slot makes at most one item runnable; wake everyone only at the end.
            if self.pending and self.unfinished:
                self.cond.notify()
            else:
                self.cond.notify_all()

    def abort(self) -> None:
        with self.cond:
            self.unfinished -= self.pending
            self.pending = 0
            self.cond.notify_all()

    def wait_all(self, until: float, clock: Clock) -> None:
        with self.cond:
            while self.unfinished and (left := until - clock.now()) > 0:
                clock.wait(self.cond, left)


def run(items: Sequence[T], key: Callable[[T], str], work: Callable[[T], R], *,
        concurrency: int, per_host: int, deadline: float,
        on_done: Callable[[T, R], None] | None = None, clock: Clock = REAL_TIME) -> dict[int, R]:
    """Apply `work` to every item (see module docstring); exceptions in `work` propagate.
    `deadline` is a time on `clock`."""
    if not items:
        return {}
    dispatcher = _Dispatcher([key(it) for it in items], per_host)
    results: dict[int, R] = {}
    errors: list[BaseException] = []

    def worker() -> None:
        while not errors:
            got = dispatcher.take()
            if got is None:
                return
            i, k = got
            try:
                r = work(items[i])
                with dispatcher.cond:
                    results[i] = r
                if on_done is not None:
                    on_done(items[i], r)
            except BaseException as e:  # a bug: stop everything and re-raise in the caller
                errors.append(e)
                dispatcher.abort()
            finally:
                dispatcher.done(k)

    # More workers than the per-host limits can ever keep busy would only wait (and cost
    # start-up and wake-ups): 20 hosts at 4 each need 80 workers, whatever the global limit.
    useful = sum(min(per_host, len(q)) for q in dispatcher.queues.values())
    for _ in range(min(concurrency, useful)):
        threading.Thread(target=worker, daemon=True, name="linkcheck-worker").start()
    dispatcher.wait_all(deadline + GRACE, clock)
    if errors:
        raise errors[0]
    with dispatcher.cond:
        return dict(results)

"""Benchmarks for ``make bench``. Each ``bench/bench_*.py`` module has ``run() -> list[Result]``."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from typing import Any


@dataclass
class Result:
    """One measured figure, with the target the issue sets for it."""

    name: str
    value: float
    unit: str
    target: str = ""
    ok: bool | None = None

    def line(self) -> str:
        verdict = "" if self.ok is None else ("  OK" if self.ok else "  BELOW TARGET")
        target = f"  (target {self.target})" if self.target else ""
        return f"{self.name:<60} {self.value:>14,.2f} {self.unit:<10}{target}{verdict}"


def percentile(samples: Sequence[float], pct: float) -> float:
    ordered = sorted(samples)
    if not ordered:
        return float("nan")
    k = max(0, min(len(ordered) - 1, round(pct / 100 * (len(ordered) - 1))))
    return ordered[k]


def time_each(func: Callable[[], object], repeat: int) -> list[float]:
    """Run ``func`` ``repeat`` times and return each duration in milliseconds."""
    samples = []
    for _ in range(repeat):
        start = time.perf_counter()
        func()
        samples.append((time.perf_counter() - start) * 1000)
    return samples


def summary_ms(samples: Sequence[float]) -> tuple[float, float, float]:
    """p50, p99 and mean of samples in milliseconds."""
    return percentile(samples, 50), percentile(samples, 99), statistics.fmean(samples)


def processes_cpu_seconds(belongs: Callable[[int, str], bool]) -> float | None:
    """CPU time (user + system, s) used so far by the processes for which ``belongs(session id,
    command line)`` is true, from Linux's ``/proc``; None where there is no ``/proc``. (Kept in
    ``bench.side_by_side.proc_cpu``, which the side-by-side driver reads without this package.)"""
    from bench.side_by_side.proc_cpu import processes_cpu_seconds as read

    return read(belongs)


def python_reference_seconds() -> float:
    """Seconds this machine takes for 10⁷ additions in a pure-Python loop, now. The intake figures
    are CPU-bound and the same code gives very different ones as a shared machine's speed changes;
    printed beside them, this says how fast the machine was when they were taken."""
    started = time.perf_counter()
    total = 0
    for n in range(10_000_000):
        total += n
    return time.perf_counter() - started


def anywhere_operator() -> Any:
    """An operator who may report anywhere in the demo city: one of the city centre's (a district's
    operator is refused the other district's points), for the intake benches' tokens."""
    from cityloop.demo.simulate import Staff

    staff = Staff.load()
    city = staff.centres.get(None)
    return ((city.operators if city else []) or staff.operators)[0]


def client_environment() -> None:
    """Django's test environment (the test client's host and in-memory mail), set once for every
    benchmark that times pages through the test client in this run."""
    from django.test import utils

    # Django refuses a second set-up; it marks the first by saving the settings it replaced.
    if not hasattr(utils._TestState, "saved_data"):
        utils.setup_test_environment()

"""Benchmarks for ``make bench``. Each ``bench/bench_*.py`` module has ``run() -> list[Result]``."""

from __future__ import annotations

import statistics
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass


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

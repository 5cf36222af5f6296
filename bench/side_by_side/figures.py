"""What one side-by-side run measures, summed over its rounds, and the arithmetic on it (pure: no
Django, no processes)."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import TypeVar

from bench import percentile
from bench.bench_cases import TARGET_INTAKE_P99_MS, TARGET_INTAKE_PER_S, TARGET_LOOPS_PER_S

T = TypeVar("T")


def alternating(variants: Sequence[T], round_index: int) -> list[T]:
    """The order the variants run in a round: as given in even rounds, reversed in odd ones (A, B
    then B, A …), so neither always runs first, on a cooler or a warmer machine."""
    return list(variants) if round_index % 2 == 0 else list(reversed(variants))


def _per(total: float, count: int, scale: float = 1.0) -> float:
    return total / count * scale if count else math.nan


@dataclass
class Intake:
    """HTTP report intake of one variant: every batch's figures, added up."""

    reports: int = 0
    wall: float = 0.0
    latencies: list[float] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)
    server_cpu: float = 0.0
    postgres_cpu: float = 0.0
    rates: list[float] = field(default_factory=list)  # per batch, for the noise

    def add(
        self, wall: float, latencies: list[float], failures: list[str], server_cpu: float, postgres_cpu: float
    ) -> None:
        self.reports += len(latencies)
        self.wall += wall
        self.latencies += latencies
        self.failures += failures
        self.server_cpu += server_cpu
        self.postgres_cpu += postgres_cpu
        self.rates.append(len(latencies) / wall if wall else math.nan)

    @property
    def rate(self) -> float:
        return self.reports / self.wall if self.wall else math.nan

    @property
    def p50(self) -> float:
        return percentile(self.latencies, 50)

    @property
    def p99(self) -> float:
        return percentile(self.latencies, 99)

    @property
    def server_ms(self) -> float:
        return _per(self.server_cpu, self.reports, 1000)

    @property
    def postgres_ms(self) -> float:
        return _per(self.postgres_cpu, self.reports, 1000)


@dataclass
class Work:
    """Case loops of one variant, or the raw limit's reports: count, wall and CPU, added up."""

    count: int = 0
    wall: float = 0.0
    cpu: float = 0.0  # the process doing the work (the driver, or the raw limit's clients)
    postgres_cpu: float = 0.0
    rates: list[float] = field(default_factory=list)

    def add(self, count: int, wall: float, cpu: float, postgres_cpu: float) -> None:
        self.count += count
        self.wall += wall
        self.cpu += cpu
        self.postgres_cpu += postgres_cpu
        self.rates.append(count / wall if wall else math.nan)

    @property
    def rate(self) -> float:
        return self.count / self.wall if self.wall else math.nan

    @property
    def cpu_ms(self) -> float:
        return _per(self.cpu, self.count, 1000)

    @property
    def postgres_ms(self) -> float:
        return _per(self.postgres_cpu, self.count, 1000)


def ratio(current: float, baseline: float) -> str:
    """``current / baseline`` as printed: "0.97", or "n/a" where either is missing."""
    if not (math.isfinite(current) and math.isfinite(baseline)) or baseline == 0:
        return "n/a"
    return f"{current / baseline:.2f}"


def of_raw(rate: float, raw_rate: float) -> str:
    """A rate as a fraction of the raw limit's: "0.31 of raw"."""
    if not (math.isfinite(rate) and math.isfinite(raw_rate)) or raw_rate == 0:
        return ""
    return f"{rate / raw_rate:.2f} of raw"


def times_raw(cost: float, raw_cost: float) -> str:
    """A CPU cost per report as a multiple of the raw limit's: "5.1× raw"."""
    if not (math.isfinite(cost) and math.isfinite(raw_cost)) or raw_cost == 0:
        return ""
    return f"{cost / raw_cost:.1f}× raw"


def number(value: float, digits: int = 1) -> str:
    return f"{value:,.{digits}f}" if math.isfinite(value) else "—"


def verdict(ok: bool) -> str:
    return "OK" if ok else "BELOW TARGET"


def targets(vendor: str, intake: Intake, loops: Work) -> list[tuple[str, str, str]]:
    """(what, the current variant's figure, verdict) for each target the issue sets."""
    rows = [
        (
            f"intake ≥ {TARGET_INTAKE_PER_S} reports/s, no failures",
            number(intake.rate),
            verdict(intake.rate >= TARGET_INTAKE_PER_S and not intake.failures),
        ),
        (
            f"intake p99 < {TARGET_INTAKE_P99_MS} ms",
            number(intake.p99),
            verdict(intake.p99 < TARGET_INTAKE_P99_MS),
        ),
    ]
    if vendor == "sqlite":
        rows.append(
            (
                f"loops ≥ {TARGET_LOOPS_PER_S}/s (SQLite)",
                number(loops.rate),
                verdict(loops.rate >= TARGET_LOOPS_PER_S),
            )
        )
    else:
        rows.append(
            (f"loops (target ≥ {TARGET_LOOPS_PER_S}/s is set for SQLite)", number(loops.rate), "no verdict")
        )
    return rows

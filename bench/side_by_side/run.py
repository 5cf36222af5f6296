"""One engine's side-by-side run: set both variants up, serve both, interleave the rounds, print."""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import Any

import bench
from bench.bench_cases import CLIENTS, LOOP_PROCESSES, RAW_PROCESSES

from . import figures
from .checkouts import Variant, check_origin
from .figures import Intake, Work, alternating, number, of_raw, ratio, times_raw
from .scratch import DEFAULT_POSTGRES_URL, Place, places
from .servers import Server, intake_batch, requests, run_driver, server_origin, warm

ENGINE_NAMES = {"sqlite": "SQLite", "postgresql": "PostgreSQL"}


@dataclass(frozen=True)
class Sizes:
    rounds: int
    reports: int  # HTTP reports per variant per round (also the raw limit's per round)
    loops: int  # case loops per variant per round


@dataclass
class EngineResult:
    engine: str
    sizes: Sizes
    variants: list[Variant]
    origins: dict[str, str] = field(default_factory=dict)
    intake: dict[str, Intake] = field(default_factory=dict)
    loops: dict[str, Work] = field(default_factory=dict)
    raw: Work = field(default_factory=Work)
    raw_notes: list[str] = field(default_factory=list)
    reference: list[float] = field(default_factory=list)
    seconds: float = 0.0


def run_engine(
    engine: str, variants: list[Variant], sizes: Sizes, postgres_url: str = DEFAULT_POSTGRES_URL
) -> EngineResult:
    """Both variants on one engine: scratch databases, set-up, servers, the rounds; all removed after."""
    started = time.perf_counter()
    result = EngineResult(engine, sizes, variants)
    result.intake = {v.name: Intake() for v in variants}
    result.loops = {v.name: Work() for v in variants}
    with places(engine, variants, postgres_url) as where:
        setups = {}
        for place in where:
            print(f"   {place.variant.name}: migrating, building the demo city …", flush=True)
            # One point per report of every round, and one for the warm-up.
            setups[place.variant.name] = run_driver(
                place, "setup", "--points", str(sizes.rounds * sizes.reports + 1)
            )
            result.origins[place.variant.name] = setups[place.variant.name]["cityloop"]
        servers = {place.variant.name: Server(place) for place in where}
        try:
            for server in servers.values():
                check_origin(server.place.variant, server_origin(server.place))
                server.start()
            _rounds(result, servers, setups)
        finally:
            for server in servers.values():
                server.stop()
    result.seconds = time.perf_counter() - started
    return result


def _rounds(result: EngineResult, servers: dict[str, Server], setups: dict[str, dict[str, Any]]) -> None:
    """Warm both servers, then each round: intake, loops (each in an order that alternates), raw."""
    sizes, engine = result.sizes, result.engine
    run_tag = f"sbs{time.time():.0f}"
    for name, server in servers.items():
        server.wait_up()
        warm(server, setups[name]["token"], setups[name]["points"][-1], f"{run_tag}-warm-{name}")
    raw_place = _raw_place(result, servers)
    result.reference.append(bench.python_reference_seconds())
    for r in range(sizes.rounds):
        order = alternating(result.variants, r)
        for v in order:
            points = setups[v.name]["points"][r * sizes.reports : (r + 1) * sizes.reports]
            batch = requests(servers[v.name], setups[v.name]["token"], points, f"{run_tag}-{v.name}-{r}")
            intake_batch(servers[v.name], batch, result.intake[v.name])
        for v in order:
            done = run_driver(
                servers[v.name].place,
                "loops",
                str(sizes.loops),
                "--seed",
                str(5 + r),
                "--processes",
                str(LOOP_PROCESSES),
            )
            result.loops[v.name].add(
                done["loops"], done["wall_seconds"], done["cpu_seconds"], done["postgres_cpu_seconds"]
            )
        if raw_place is None:
            print(f"   round {r + 1}/{sizes.rounds}: {round_line(result, r)}", flush=True)
            continue
        processes = str(RAW_PROCESSES[engine])
        raw = run_driver(
            raw_place,
            "raw",
            str(sizes.reports),
            "--processes",
            processes,
            "--tag",
            f"{run_tag}-raw-{r}",
        )
        result.raw.add(raw["reports"], raw["wall_seconds"], raw["cpu_seconds"], raw["postgres_cpu_seconds"])
        result.raw_notes += [n for n in raw["notes"] if n not in result.raw_notes]
        print(f"   round {r + 1}/{sizes.rounds}: {round_line(result, r)}", flush=True)
    result.reference.append(bench.python_reference_seconds())


def _raw_place(result: EngineResult, servers: dict[str, Server]) -> Place | None:
    """Where the raw limit runs: the current variant's database, or the baseline's when only its
    schema has what the raw statements write (comparing two older versions); none if neither has."""
    why = []
    for name in ("current", "baseline"):
        checked = run_driver(servers[name].place, "raw-check")
        if checked["ok"]:
            if name != "current":
                result.raw_notes.append("the raw limit ran in the baseline's database")
            return servers[name].place
        why.append(f"{name}: {checked['why']}")
    result.raw_notes.append("no raw limit: " + "; ".join(why))
    return None


def round_line(result: EngineResult, r: int) -> str:
    parts = [
        f"{name} {number(intake.rates[r])} reports/s, {number(result.loops[name].rates[r])} loops/s"
        for name, intake in result.intake.items()
    ]
    first = alternating(result.variants, r)[0].name
    raw = f"; raw {number(result.raw.rates[r])} reports/s" if r < len(result.raw.rates) else ""
    return f"({first} first) " + "; ".join(parts) + raw


def _row(label: str, cells: list[str], last: str = "") -> str:
    return f"  {label:<34}" + "".join(f"{c:<24}" for c in cells) + last


def table(result: EngineResult) -> list[str]:
    """The engine's figures per variant, the ratios current/baseline, rates as fractions of the raw limit."""
    base, cur = result.intake["baseline"], result.intake["current"]
    lb, lc = result.loops["baseline"], result.loops["current"]
    raw = result.raw
    raw_ms = raw.cpu_ms + (0 if math.isnan(raw.postgres_ms) else raw.postgres_ms)
    on_pg = result.engine == "postgresql"
    sizes = result.sizes

    def total_ms(intake: Intake) -> float:
        return intake.server_ms + (intake.postgres_ms if on_pg else 0)

    lines = [
        f"== {ENGINE_NAMES[result.engine]}: {sizes.rounds} rounds; per round and variant "
        f"{sizes.reports} HTTP reports and {sizes.loops} case loops, and {sizes.reports} raw reports "
        f"({result.seconds:.0f} s)",
    ]
    for v in result.variants:
        lines.append(f"   {v.describe()}\n     cityloop imported from {result.origins.get(v.name, '?')}")
    lines.append(_row("", ["baseline", "current", "current/baseline"]))
    lines.append(f"  HTTP report intake, 2 gunicorn workers, {CLIENTS} clients")
    lines.append(
        _row(
            "reports/s",
            [f"{number(i.rate)} ({of_raw(i.rate, raw.rate)})" for i in (base, cur)],
            ratio(cur.rate, base.rate),
        )
    )
    lines.append(_row("p50 ms", [number(base.p50), number(cur.p50)], ratio(cur.p50, base.p50)))
    lines.append(_row("p99 ms", [number(base.p99), number(cur.p99)], ratio(cur.p99, base.p99)))
    lines.append(
        _row(
            "server CPU ms/report",
            [number(i.server_ms, 2) for i in (base, cur)],
            ratio(cur.server_ms, base.server_ms),
        )
    )
    if on_pg:
        lines.append(
            _row(
                "PostgreSQL CPU ms/report",
                [number(i.postgres_ms, 2) for i in (base, cur)],
                ratio(cur.postgres_ms, base.postgres_ms),
            )
        )
    lines.append(
        _row(
            "all CPU ms/report",
            [f"{number(total_ms(i), 2)} ({times_raw(total_ms(i), raw_ms)})" for i in (base, cur)],
            ratio(total_ms(cur), total_ms(base)),
        )
    )
    lines.append(_row("failures (not 201)", [str(len(base.failures)), str(len(cur.failures))]))
    for name, intake in (("baseline", base), ("current", cur)):
        if intake.failures:
            lines.append(f"    {name}'s failures, first: {sorted(set(intake.failures))[:3]}")
    lines.append(
        f"  full case loops, report → close through the actions ({LOOP_PROCESSES} processes at once, as "
        "two server workers; a loop is 8 transitions)"
    )
    lines.append(
        _row(
            "loops/s",
            [f"{number(w.rate)} ({of_raw(w.rate, raw.rate)})" for w in (lb, lc)],
            ratio(lc.rate, lb.rate),
        )
    )
    lines.append(
        _row("driver CPU ms/loop", [number(w.cpu_ms, 2) for w in (lb, lc)], ratio(lc.cpu_ms, lb.cpu_ms))
    )
    if on_pg:
        lines.append(
            _row(
                "PostgreSQL CPU ms/loop",
                [number(w.postgres_ms, 2) for w in (lb, lc)],
                ratio(lc.postgres_ms, lb.postgres_ms),
            )
        )
    lines.append(
        f"  raw limit: a report's rows by one hand-written SQL transaction each, "
        f"{RAW_PROCESSES[result.engine]} processes, in current's database"
    )
    lines.append(_row("reports/s", ["", number(raw.rate)]))
    lines.append(_row("client CPU ms/report", ["", number(raw.cpu_ms, 2)]))
    if on_pg:
        lines.append(_row("PostgreSQL CPU ms/report", ["", number(raw.postgres_ms, 2)]))
    lines += [f"    note: {note}" for note in result.raw_notes]
    lines.append("  targets, current variant")
    for what, value, verdict in figures.targets(result.engine, cur, lc):
        lines.append(f"    {what:<48} {value:>10}  {verdict}")
    lines.append("  per round (reports/s, loops/s; the order alternates): ")
    lines += [f"    {r + 1}: {round_line(result, r)}" for r in range(sizes.rounds)]
    ref = ", ".join(f"{s:.2f} s" for s in result.reference)
    lines.append(f"  machine speed: 10⁷ additions in pure Python took {ref} (before and after the rounds)")
    return lines

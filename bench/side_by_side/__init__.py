"""``make bench-side-by-side`` (``python -m bench.side_by_side``, ``python -m bench --side-by-side``):
the same case loop and the same HTTP intake run through two versions of CityLoop on the same machine
at the same time, on SQLite and on PostgreSQL, and the engine's raw limit beside them.

The two versions are a BASELINE commit (by default the last commit of the fastsql write path) and
the CURRENT code (by default the working tree; ``--current REF`` takes a commit instead). A commit is
checked out as a git worktree under ``var/bench/checkouts/``; each version runs with the project's
interpreter, its checkout first on ``PYTHONPATH`` and as the working directory, so its own
``cityloop`` is imported (checked: the driver and the server say where theirs came from).

Per engine, each version gets a scratch database and its own gunicorn (2 workers). Then in every
round, in an order that alternates (A, B then B, A …): a batch of HTTP reports to each server through
bench_cases' load client, a batch of full case loops in each version's driver process, and one batch
of the raw limit: the rows a report writes, by one hand-written SQL transaction per report
(``raw_sql``), in the current version's database, from as many processes as the server has database
connections (2 on SQLite, 4 on PostgreSQL). Printed: reports/s, p50, p99, server (and PostgreSQL)
CPU per report, loops/s and CPU per loop, for each version, the ratios current/baseline, every rate
as a fraction of the raw limit, and the issue's targets for the current version.
"""

from __future__ import annotations

import argparse
import os
import platform
import signal
import sys
import time

from .checkouts import BASELINE_REF, variant
from .run import Sizes, run_engine, table
from .scratch import DEFAULT_POSTGRES_URL

__all__ = ["BASELINE_REF", "main"]

FULL = Sizes(rounds=4, reports=600, loops=100)
QUICK = Sizes(rounds=2, reports=60, loops=10)


def _arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.side_by_side",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument(
        "--baseline", default=BASELINE_REF, help=f"git ref of the baseline (default {BASELINE_REF})"
    )
    parser.add_argument(
        "--current", default=None, help="git ref of the current code (default: the working tree)"
    )
    for side in ("baseline", "current"):
        parser.add_argument(
            f"--{side}-env",
            action="append",
            metavar="NAME=VALUE",
            help=f"an environment variable for the {side}'s processes only (repeatable)",
        )
    parser.add_argument("--engine", choices=["sqlite", "postgresql", "both"], default="both")
    parser.add_argument("--quick", action="store_true", help="small sizes, to check the mode runs")
    parser.add_argument("--rounds", type=int, help=f"rounds (default {FULL.rounds}, quick {QUICK.rounds})")
    parser.add_argument(
        "--reports", type=int, help=f"HTTP reports per round and variant (default {FULL.reports})"
    )
    parser.add_argument("--loops", type=int, help=f"case loops per round and variant (default {FULL.loops})")
    parser.add_argument(
        "--postgres-url",
        default=os.environ.get("BENCH_POSTGRES_URL", DEFAULT_POSTGRES_URL),
        help="a PostgreSQL server where scratch databases may be made (default $BENCH_POSTGRES_URL or "
        f"{DEFAULT_POSTGRES_URL})",
    )
    args = parser.parse_args(argv)
    for name in ("rounds", "reports", "loops"):
        value = getattr(args, name)
        if value is not None and value < 1:
            parser.error(f"--{name} must be at least 1")
    return args


def _terminate(signum: int, _frame: object) -> None:
    raise SystemExit(128 + signum)  # run the clean-ups: servers stopped, scratch databases dropped


def main(argv: list[str] | None = None) -> int:
    args = _arguments(argv)
    base = QUICK if args.quick else FULL
    sizes = Sizes(args.rounds or base.rounds, args.reports or base.reports, args.loops or base.loops)
    signal.signal(signal.SIGTERM, _terminate)
    signal.signal(signal.SIGHUP, _terminate)
    started = time.perf_counter()
    variants = [
        variant("baseline", args.baseline, args.baseline_env),
        variant("current", args.current, args.current_env),
    ]
    engines = ["sqlite", "postgresql"] if args.engine == "both" else [args.engine]
    print(f"CityLoop side by side ({'quick' if args.quick else 'full'} sizes)")
    interpreter = os.path.realpath(getattr(sys, "_base_executable", sys.executable))
    compiler = platform.python_compiler()
    print(f"Python {platform.python_version()} ({interpreter}), {compiler}, {os.cpu_count()} cores")
    for v in variants:
        print(f"   {v.describe()}")
    try:
        for engine in engines:
            print(f"\n-- {engine} …", flush=True)
            result = run_engine(engine, variants, sizes, args.postgres_url)
            print()
            print("\n".join(table(result)), flush=True)
    except KeyboardInterrupt:
        print("\ninterrupted (servers stopped, scratch databases removed)", file=sys.stderr)
        return 130
    print(f"\n({time.perf_counter() - started:.0f} s in all)")
    return 0

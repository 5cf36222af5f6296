"""``python -m bench [NAME ...]``: run the benchmarks on a scratch database and print the figures.

The scratch database is ``var/bench/bench.sqlite3`` (made anew each run), or the PostgreSQL database
named by ``BENCH_DATABASE_URL``; the development database is never touched.
"""

from __future__ import annotations

import argparse
import importlib
import os
import pkgutil
import sys
import time
from pathlib import Path


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="run only these benchmarks (e.g. geo assets)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, to check the benchmarks run")
    args = parser.parse_args()

    root = Path(__file__).resolve().parent.parent
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        scratch = root / "var" / "bench"
        scratch.mkdir(parents=True, exist_ok=True)
        for suffix in ("", "-wal", "-shm"):
            (scratch / f"bench.sqlite3{suffix}").unlink(missing_ok=True)
        os.environ["DATABASE_URL"] = f"sqlite:///{scratch / 'bench.sqlite3'}"
    if args.quick:
        os.environ["BENCH_QUICK"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.settings")

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connection

    modules = sorted(m.name for m in pkgutil.iter_modules([str(Path(__file__).parent)]) if m.name.startswith("bench_"))
    if args.names:
        modules = [m for m in modules if m.removeprefix("bench_") in args.names]
    print(f"CityLoop benchmarks on {connection.vendor} ({'quick' if args.quick else 'full'} sizes)")
    failures = 0
    for name in modules:
        module = importlib.import_module(f"bench.{name}")
        print(f"\n== {name.removeprefix('bench_')}: {(module.__doc__ or '').strip().splitlines()[0]}")
        started = time.perf_counter()
        for result in module.run():
            print(result.line(), flush=True)
            failures += result.ok is False
        print(f"   ({time.perf_counter() - started:.1f} s)")
    return 1 if failures and os.environ.get("BENCH_STRICT") else 0


if __name__ == "__main__":
    sys.exit(main())

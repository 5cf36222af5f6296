"""``python -m bench [NAME ...]``: run the benchmarks on a scratch database and print the figures.

The scratch database is ``var/bench/bench-<pid>.sqlite3`` (made for the run, removed after it), or
the PostgreSQL database named by ``BENCH_DATABASE_URL``; the development database is never touched.
"""

from __future__ import annotations

import argparse
import atexit
import importlib
import os
import pkgutil
import platform
import sys
import time
from pathlib import Path


def _remove_sqlite_files(db_file: Path) -> None:
    for suffix in ("", "-wal", "-shm"):
        Path(f"{db_file}{suffix}").unlink(missing_ok=True)


def main() -> int:
    if "--side-by-side" in sys.argv[1:]:  # two versions of the code compared: no Django here
        from bench.side_by_side import main as side_by_side

        return side_by_side([arg for arg in sys.argv[1:] if arg != "--side-by-side"])
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("names", nargs="*", help="run only these benchmarks (e.g. geo assets)")
    parser.add_argument("--quick", action="store_true", help="smaller sizes, to check the benchmarks run")
    parser.add_argument(
        "--side-by-side",
        action="store_true",
        help="compare two versions instead: see python -m bench.side_by_side -h",
    )
    args = parser.parse_args()

    root = Path(__file__).resolve().parent.parent
    if os.environ.get("BENCH_DATABASE_URL"):
        os.environ["DATABASE_URL"] = os.environ["BENCH_DATABASE_URL"]
    else:
        # One scratch file per run, so two benchmark runs never share (or delete) each other's data.
        scratch = root / "var" / "bench"
        scratch.mkdir(parents=True, exist_ok=True)
        db_file = scratch / f"bench-{os.getpid()}.sqlite3"
        os.environ["DATABASE_URL"] = f"sqlite:///{db_file}"
        atexit.register(_remove_sqlite_files, db_file)
    if args.quick:
        os.environ["BENCH_QUICK"] = "1"
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.settings")

    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0, interactive=False)
    from django.db import connection

    here = [str(Path(__file__).parent)]
    modules = sorted(m.name for m in pkgutil.iter_modules(here) if m.name.startswith("bench_"))
    if args.names:
        modules = [m for m in modules if m.removeprefix("bench_") in args.names]
    print(f"CityLoop benchmarks on {connection.vendor} ({'quick' if args.quick else 'full'} sizes)")
    # The build of the interpreter matters as much as a code change (docs/setup.md): say which ran.
    base = getattr(sys, "_base_executable", sys.executable)
    print(f"Python {platform.python_version()} ({os.path.realpath(base)}), {platform.python_compiler()}")
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

"""The side-by-side mode's driver: runs inside one checkout of CityLoop and prints one JSON line.

Run as a script, ``python bench/side_by_side/driver.py <command>``, with ``PYTHONPATH`` and the
working directory set to the checkout under test, ``DATABASE_URL`` to its scratch database,
``DJANGO_SETTINGS_MODULE=cityloop.settings`` and ``CITYLOOP_VAR_DIR`` to a scratch directory. It never
imports the ``bench`` package (that would be one checkout's): only ``cityloop`` functions that both
the fastsql write path and the plain ORM have, and its standard-library siblings (``proc_cpu``,
``raw_sql``, ``raw_run``), found by this file's directory (first on ``sys.path`` for a script).

Commands:

- ``setup --points N``: migrate, build the demo city (seed 1) if it is not there, write the raw
  limit's template report; print an API token of the first operator and N random report points;
- ``loops N [--processes P]``: N full case loops (report → close) through the actions, after 2 not
  counted, from P processes at once;
- ``raw N --processes P``: N reports written by ``raw_sql``'s hand-written statements, one
  transaction each, from P processes at once (as many as the server's database connections).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import multiprocessing
import os
import random
import sys
import threading
import time
from typing import Any

if __package__:  # imported as bench.side_by_side.driver (type checks, tests)
    from bench.side_by_side import proc_cpu, raw_run, raw_sql
else:  # run as a script: this file's directory is first on sys.path
    import proc_cpu  # type: ignore[no-redef]
    import raw_run  # type: ignore[no-redef]
    import raw_sql  # type: ignore[no-redef]

TEMPLATE_EXTERNAL_ID = "sbs-raw-template"
REPORT = {
    "channel": "hotline_12345",
    "description": "基准测试：热线投诉噪音扰民",
    "reporter_phone": "13800000000",
}


def _django() -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "cityloop.settings")
    import django

    django.setup()


def _vendor() -> str:
    from django.db import connection

    return str(connection.vendor)


def _database_name() -> str:
    from django.db import connection

    return str(connection.settings_dict["NAME"])


def _postgres_cpu() -> float:
    """CPU seconds so far of PostgreSQL's processes for this database (nan elsewhere)."""
    if _vendor() != "postgresql":
        return float("nan")
    found = proc_cpu.postgres_cpu_seconds([_database_name()])
    return float("nan") if found is None else found


def _points(count: int, rng: random.Random) -> list[tuple[float, float, int]]:
    """Random points inside the grids: (lon, lat, community id), as bench_cases._points."""
    from cityloop.geo.index import get_index

    index = get_index()
    out = []
    for _ in range(count):
        pos = rng.randrange(len(index.locations))
        point = index.geoms[pos].representative_point()
        out.append((point.x, point.y, index.locations[pos].community_id))
    return out


def ensure_template() -> None:
    """The report the raw limit copies its values from, written through the application."""
    from cityloop.cases.actions import submit_report
    from cityloop.cases.models import Case
    from cityloop.demo.simulate import Staff

    if Case.objects.filter(external_id=TEMPLATE_EXTERNAL_ID).exists():
        return
    lon, lat, _ = _points(1, random.Random(1))[0]
    operator = Staff.load().operators[0]
    submit_report(
        actor=operator,
        channel=REPORT["channel"],
        description=REPORT["description"],
        reporter_phone=REPORT["reporter_phone"],
        lon=lon,
        lat=lat,
        external_id=TEMPLATE_EXTERNAL_ID,
    )


def setup(points: int) -> dict[str, Any]:
    _django()
    from django.core.management import call_command

    import cityloop

    call_command("migrate", verbosity=0, interactive=False)
    from cityloop.core.actions import create_api_token
    from cityloop.core.audit import system_actor
    from cityloop.demo.build import build_demo_city, demo_loaded
    from cityloop.demo.simulate import Staff

    if not demo_loaded():
        build_demo_city(1, actor=system_actor())
    ensure_template()
    operator = Staff.load().operators[0]
    try:  # a load test is no abuse: no rate limit on its token (versions before 0.2 have none)
        _, token = create_api_token(
            actor=system_actor(), user=operator, name="side-by-side", rate_limit="none"
        )
    except TypeError:
        _, token = create_api_token(actor=system_actor(), user=operator, name="side-by-side")
    rng = random.Random(11)
    return {
        "cityloop": cityloop.__file__,
        "vendor": _vendor(),
        "token": token,
        "points": [[lon, lat] for lon, lat, _ in _points(points, rng)],
    }


def loops(count: int, seed: int, processes: int = 1) -> dict[str, Any]:
    """As bench_cases.full_loops: report → accept → register → dispatch → dispose (with a photo)
    → send_for_check → check_pass → close, each through the actions; ``processes`` at once (as the
    server's workers would), each on a connection of its own, started together after a warm-up."""
    _django()
    import cityloop

    if processes == 1:
        postgres_before = _postgres_cpu()
        done = _loops_here(count, seed, None)
        postgres_used = _postgres_cpu() - postgres_before
    else:
        from django.db import connections

        connections.close_all()  # each forked process opens its own
        context = multiprocessing.get_context("fork")
        results, release = context.Queue(), context.Event()
        barrier = context.Barrier(processes + 1)  # the children, warmed up, and this process
        shares = [count // processes + (i < count % processes) for i in range(processes)]
        children = [
            context.Process(target=_loops_child, args=(results, share, seed + 100 * i, barrier, release))
            for i, share in enumerate(shares)
        ]
        for child in children:
            child.start()
        try:
            try:
                barrier.wait(timeout=600)
            except threading.BrokenBarrierError:
                raise RuntimeError(str(results.get(timeout=30).get("error"))) from None
            # The children's connections are open from here until released: their PostgreSQL
            # backends are alive, so their CPU can be read.
            postgres_before = _postgres_cpu()
            found = [results.get(timeout=3600) for _ in children]
            postgres_used = _postgres_cpu() - postgres_before
        finally:
            release.set()
            for child in children:
                child.join(timeout=60)
        if any("error" in f for f in found):
            raise RuntimeError("; ".join(str(f["error"]) for f in found if "error" in f))
        done = {
            "loops": sum(f["loops"] for f in found),
            # They started together at the barrier: the run took as long as the slowest.
            "wall_seconds": max(f["wall_seconds"] for f in found),
            "cpu_seconds": sum(f["cpu_seconds"] for f in found),
        }
    return {
        "cityloop": cityloop.__file__,
        "processes": processes,
        **done,
        "postgres_cpu_seconds": postgres_used,
    }


def _loops_child(results: Any, count: int, seed: int, barrier: Any, release: Any) -> None:
    try:
        results.put(_loops_here(count, seed, barrier))
    except Exception as exc:  # reported to the parent, which raises it
        barrier.abort()
        results.put({"error": f"{type(exc).__name__}: {exc}"})
    release.wait(timeout=600)  # keep the connection (and its backend) until the parent has measured


def _loops_here(count: int, seed: int, barrier: Any) -> dict[str, Any]:
    from cityloop.cases.actions import submit_report
    from cityloop.cases.attachments import upload_attachment
    from cityloop.cases.engine import perform
    from cityloop.demo.dispatching import choose_unit
    from cityloop.demo.simulate import Staff, _png

    staff = Staff.load()
    rng = random.Random(seed)
    points: list[tuple[float, float, int]] = []
    while len(points) < count + 2:
        points += [p for p in _points(count * 3, rng) if p[2] in staff.supervisor_of]
    operator, leader, dispatcher = staff.operators[0], staff.shift_leaders[0], staff.dispatchers[0]

    def loop(lon: float, lat: float, community: int) -> None:
        supervisor = staff.supervisor_of[community]
        case, _ = submit_report(
            actor=supervisor,
            channel="supervisor",
            description="基准测试：暴露垃圾",
            lon=lon,
            lat=lat,
            category="0102",
            kind="event",
        )
        case = perform(case, "accept", actor=operator, payload={"category": "0102", "kind": "event"})
        case = perform(case, "register", actor=leader, payload={"condition": 1})
        case = perform(case, "dispatch", actor=dispatcher, payload={"unit": choose_unit(case).code})
        handler = staff.handlers[case.responsible_unit_id or 0]
        photo = upload_attachment(actor=handler, name="after.png", content=_png(rng)).pk
        case = perform(case, "dispose", actor=handler, payload={"feedback": "已清理", "attachments": [photo]})
        case = perform(case, "send_for_check", actor=operator, payload={})
        case = perform(case, "check_pass", actor=supervisor, payload={})
        perform(case, "close", actor=leader, payload={})

    for point in points[:2]:  # warm-up, not counted
        loop(*point)
    if barrier is not None:
        barrier.wait(timeout=600)
    cpu_before, started = time.process_time(), time.perf_counter()
    for point in points[2 : count + 2]:
        loop(*point)
    return {
        "loops": count,
        "wall_seconds": time.perf_counter() - started,
        "cpu_seconds": time.process_time() - cpu_before,
    }


def raw(count: int, processes: int, tag: str, turns: bool, ahead: bool) -> dict[str, Any]:
    _django()
    import zoneinfo

    from django.conf import settings
    from django.db import connection

    ensure_template()
    vendor = _vendor()
    dialect = raw_sql.dialect(vendor)
    db = {k: connection.settings_dict.get(k) for k in ("NAME", "USER", "PASSWORD", "HOST", "PORT")}
    connection.close()  # the raw limit's processes have connections of their own
    with contextlib.closing(raw_run.connect(vendor, db)) as conn:
        cursor = conn.cursor()
        notes = raw_sql.check_schema(cursor, dialect)
        zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
        template = raw_run.read_template(cursor, dialect, TEMPLATE_EXTERNAL_ID, zone)
    measured = raw_run.run(
        vendor, db, template, count=count, processes=processes, tag=tag, turns=turns, ahead=ahead
    )
    return {**measured, "notes": notes}


def raw_check() -> dict[str, Any]:
    """Whether this variant's schema has what the raw limit's statements write."""
    _django()
    from django.db import connection

    try:
        with connection.cursor() as cursor:
            raw_sql.check_schema(cursor.cursor, raw_sql.dialect(_vendor()))
    except RuntimeError as exc:
        return {"ok": False, "why": str(exc)}
    return {"ok": True}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    commands = parser.add_subparsers(dest="command", required=True)
    commands.add_parser("setup").add_argument("--points", type=int, default=100)
    loop_parser = commands.add_parser("loops")
    loop_parser.add_argument("count", type=int)
    loop_parser.add_argument("--seed", type=int, default=5)
    loop_parser.add_argument("--processes", type=int, default=1, help="loop from this many processes at once")
    commands.add_parser("raw-check")
    raw_parser = commands.add_parser("raw")
    raw_parser.add_argument("count", type=int)
    raw_parser.add_argument("--processes", type=int, default=2)
    raw_parser.add_argument("--tag", default=f"raw-{os.getpid()}-{time.time():.0f}")
    raw_parser.add_argument("--turns", action="store_true", help="SQLite: writers take turns on a file lock")
    raw_parser.add_argument(
        "--in-transaction-number", action="store_true", help="PostgreSQL: no number ahead"
    )
    args = parser.parse_args(argv)
    if args.command == "setup":
        out = setup(args.points)
    elif args.command == "raw-check":
        out = raw_check()
    elif args.command == "loops":
        out = loops(args.count, args.seed, args.processes)
    else:
        out = raw(args.count, args.processes, args.tag, args.turns, not args.in_transaction_number)
    print(json.dumps(out), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())

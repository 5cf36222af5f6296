"""Running the raw limit (:mod:`raw_sql`'s statements): the template read once, then reports written
by several processes at once, one transaction per report, on connections of their own set up as the
project's settings set up Django's.

Standard library only (and the engine's DB-API module): the side-by-side driver imports this module
by its file's directory.
"""

from __future__ import annotations

import datetime as dt
import fcntl
import json
import math
import multiprocessing
import os
import threading
import time
from collections.abc import Sequence
from typing import Any

if __package__:  # imported as bench.side_by_side.raw_run (type checks, tests)
    from bench.side_by_side import proc_cpu, raw_sql
else:  # imported by the driver run as a script: this file's directory is first on sys.path
    import proc_cpu  # type: ignore[no-redef]
    import raw_sql  # type: ignore[no-redef]

SQLITE_PRAGMAS = (
    "journal_mode=WAL",
    "synchronous=NORMAL",
    "foreign_keys=ON",
    "mmap_size=268435456",
    "wal_autocheckpoint=10000",
    "busy_timeout=20000",
)


def connect(vendor: str, settings: dict[str, Any]) -> Any:
    """A DB-API connection in autocommit mode (transactions are opened explicitly)."""
    if vendor == "sqlite":
        import sqlite3

        conn = sqlite3.connect(settings["NAME"], timeout=20, isolation_level=None)
        for pragma in SQLITE_PRAGMAS:
            conn.execute(f"PRAGMA {pragma}")
        # The audit tables' triggers ask each connection whether maintenance is on
        # (cityloop.core.audit_guard.SQLITE_FUNCTION, registered by Django on its own connections):
        # never, for these writers, which chain their entries as the application does.
        conn.create_function("cityloop_audit_maintenance", 0, lambda: 0)
        return conn
    import psycopg

    return psycopg.connect(
        dbname=settings["NAME"],
        user=settings.get("USER") or None,
        password=settings.get("PASSWORD") or None,
        host=settings.get("HOST") or None,
        port=settings.get("PORT") or None,
        autocommit=True,
    )


def _row(cursor: Any, dialect: raw_sql.Dialect, sql: str, params: Sequence[Any], what: str) -> dict[str, Any]:
    found = dialect.execute(cursor, sql, params).fetchone()
    if found is None:
        raise LookupError(f"no {what} for the raw limit's template report")
    return dict(zip([d[0] for d in cursor.description], found, strict=True))


def _decoded(row: dict[str, Any], *names: str) -> dict[str, Any]:
    """JSON columns come back as text from SQLite (PostgreSQL's driver decodes them itself)."""
    return row | {name: json.loads(row[name]) for name in names if isinstance(row[name], str)}


def _moment(value: Any) -> dt.datetime:
    moment = dt.datetime.fromisoformat(value) if isinstance(value, str) else value
    assert isinstance(moment, dt.datetime)
    return moment if moment.tzinfo else moment.replace(tzinfo=dt.UTC)


def read_template(
    cursor: Any, dialect: raw_sql.Dialect, external_id: str, zone: dt.tzinfo
) -> raw_sql.Template:
    """The rows of the report with this ticket id (written through the application), read once."""
    case = _row(
        cursor,
        dialect,
        "SELECT * FROM cases_case WHERE external_id = %s ORDER BY id LIMIT 1",
        [external_id],
        f"case with external_id {external_id!r}",
    )
    pk = case["id"]
    step = _row(
        cursor, dialect, "SELECT * FROM cases_casestep WHERE case_id = %s ORDER BY id LIMIT 1", [pk], "step"
    )
    timer = _row(
        cursor, dialect, "SELECT * FROM timeclock_steptimer WHERE id = %s", [step["timer_id"]], "timer"
    )
    event = _row(
        cursor, dialect, "SELECT * FROM cases_caseevent WHERE case_id = %s AND seq = 1", [pk], "event"
    )
    audit = _row(cursor, dialect, "SELECT * FROM core_auditentry WHERE id = %s", [event["audit_id"]], "audit")
    text = _row(cursor, dialect, "SELECT terms FROM cases_casetext WHERE case_id = %s", [pk], "case text")
    district = _row(
        cursor, dialect, "SELECT code FROM core_unit WHERE id = %s", [case["district_id"]], "unit"
    )
    started = _moment(timer["started_at"])
    return raw_sql.Template(
        case=case,
        step=_decoded(step, "limit_ref"),
        timer=_decoded(timer, "rule_ref"),
        event=_decoded(event, "data"),
        actor_label=str(audit["actor_label"]),
        district_code=str(district["code"]),
        terms=" ".join(str(text["terms"]).split()[4:]),  # after the number (3 parts) and tracking code
        zone=zone,
        deadline_after=_moment(timer["deadline_at"]) - started,
        warn_after=_moment(timer["warn_at"]) - started,
    )


def _worker(
    job: dict[str, Any], template: raw_sql.Template, barriers: Any, results: Any, release: Any
) -> None:
    try:
        _write_reports(job, template, barriers, results, release)
    except BaseException as exc:
        # Tell the parent instead of leaving it waiting; break the barriers the others wait at.
        for barrier in barriers:
            barrier.abort()
        results.put(f"{type(exc).__name__}: {exc}")
        raise


def _write_reports(
    job: dict[str, Any], template: raw_sql.Template, barriers: Any, results: Any, release: Any
) -> None:
    vendor, settings = job["vendor"], job["settings"]
    dialect = raw_sql.dialect(vendor)
    conn = connect(vendor, settings)
    cursor = conn.cursor()
    # SQLite, optionally: writers take turns on a file lock, as release 0.1's core.writelock did.
    turns = os.open(f"{settings['NAME']}-writelock", os.O_RDWR | os.O_CREAT, 0o644) if job["turns"] else None
    district = int(template.case["district_id"])
    barriers[0].wait()  # connected: PostgreSQL's CPU is read now
    barriers[1].wait()
    cpu_before = time.process_time()
    for n in range(job["count"]):
        now = dt.datetime.now(dt.UTC)
        day = now.astimezone(template.zone).date()
        external_id = f"{job['tag']}-{job['index']}-{n}"
        if vendor == "sqlite":
            if turns is not None:
                fcntl.flock(turns, fcntl.LOCK_EX)
            conn.execute("BEGIN IMMEDIATE")
            raw_sql.write_report(cursor, dialect, template, external_id=external_id, now=now, local_day=day)
            conn.execute("COMMIT")
            if turns is not None:
                fcntl.flock(turns, fcntl.LOCK_UN)
        else:
            # The number taken ahead, in a statement of its own, as the application does there.
            ahead = raw_sql.take_number(cursor, dialect, district, day, ahead=True) if job["ahead"] else None
            with conn.transaction():
                raw_sql.write_report(
                    cursor, dialect, template, external_id=external_id, now=now, local_day=day, sequence=ahead
                )
    results.put(time.process_time() - cpu_before)
    release.wait()  # PostgreSQL's backends are measured before they go
    conn.close()


def run(
    vendor: str,
    settings: dict[str, Any],
    template: raw_sql.Template,
    *,
    count: int,
    processes: int,
    tag: str,
    turns: bool = False,
    ahead: bool = True,
) -> dict[str, float]:
    """``count`` reports from ``processes`` processes at once: wall time from the moment all are
    connected, their CPU, and PostgreSQL's (its processes for this database) meanwhile."""
    context = multiprocessing.get_context("fork")
    barriers = [context.Barrier(processes + 1) for _ in range(2)]
    results, release = context.Queue(), context.Event()
    job = {"vendor": vendor, "settings": settings, "tag": tag, "turns": turns and vendor == "sqlite"}
    job["ahead"] = ahead and vendor == "postgresql"
    shares = [count // processes + (i < count % processes) for i in range(processes)]
    workers = [
        context.Process(
            target=_worker, args=({**job, "index": i, "count": n}, template, barriers, results, release)
        )
        for i, n in enumerate(shares)
    ]

    def postgres() -> float:
        found = proc_cpu.postgres_cpu_seconds([settings["NAME"]]) if vendor == "postgresql" else None
        return math.nan if found is None else found

    for worker in workers:
        worker.start()
    try:
        try:
            barriers[0].wait(timeout=120)
            postgres_before = postgres()
            barriers[1].wait(timeout=120)
        except threading.BrokenBarrierError:
            raise RuntimeError(f"a raw-limit process failed: {results.get(timeout=30)}") from None
        started = time.perf_counter()
        found = [results.get(timeout=1800) for _ in workers]
        failed = [f for f in found if isinstance(f, str)]
        if failed:
            raise RuntimeError(f"a raw-limit process failed: {failed[0]}")
        cpu = sum(found)
        wall = time.perf_counter() - started
        postgres_used = postgres() - postgres_before
    finally:
        release.set()
        for worker in workers:
            worker.join(timeout=60)
    if any(worker.exitcode != 0 for worker in workers):
        raise RuntimeError(f"a raw-limit process failed: exit codes {[w.exitcode for w in workers]}")
    return {
        "reports": count,
        "processes": processes,
        "wall_seconds": wall,
        "cpu_seconds": cpu,
        "postgres_cpu_seconds": postgres_used,
    }

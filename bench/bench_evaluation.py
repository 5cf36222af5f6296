"""Evaluation: a month of 1,000,000 cases evaluated for every subject (target < 30 s).

The month is synthetic and written straight into the tables (bench only): an organisation of 8
streets, 40 communities and 400 grids, 18 departments and companies, centre staff and supervisors;
then per case its ``Case`` row, its ``CaseStep`` facts (accept, verify for public reports, register,
dispatch, dispose with reworks and returns, send-for-check, check, close) and the ``CaseEvent``
facts the evaluation reads (extensions, holds). Quick mode (``BENCH_QUICK=1``): 20,000 cases.
The month's city and rows are generated in :mod:`bench.evaluation_month`; here they are written
(:class:`Writer`, :func:`load_month`) and evaluated.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Sequence
from typing import Any

import bench
from bench.evaluation_month import CASE_COLUMNS, STEP_COLUMNS, TIMER_COLUMNS, Month, build_city

TARGET_SECONDS = 30.0


def _size() -> int:
    return 20_000 if os.environ.get("BENCH_QUICK") else 1_000_000


class Writer:
    """Fast inserts: COPY on PostgreSQL, executemany on SQLite; values for every column not given
    come from the model's defaults, so new nullable or defaulted columns need no change here."""

    def __init__(self, model: Any, columns: Sequence[str]) -> None:
        from django.db import connection

        self.connection = connection
        self.model = model
        fields = [f for f in model._meta.concrete_fields if not f.primary_key or f.column in columns]
        self.columns = list(columns) + [f.column for f in fields if f.column not in columns]
        self.extra = tuple(self._default(f) for f in fields if f.column not in columns)
        self.postgres = connection.vendor == "postgresql"

    def _default(self, field: Any) -> Any:
        from django.db.models import JSONField

        value = field.get_default()
        if isinstance(field, JSONField):
            return "{}" if value in (None, {}) else __import__("json").dumps(value)
        return value

    def write(self, rows: list[tuple[Any, ...]]) -> None:
        table = self.model._meta.db_table
        with self.connection.cursor() as cursor:
            if self.postgres:
                raw = cursor.cursor
                with raw.copy(f'COPY "{table}" ({", ".join(self.columns)}) FROM STDIN') as copy:
                    for row in rows:
                        copy.write_row(row + self.extra)
            else:
                marks = ", ".join(["%s"] * len(self.columns))
                cursor.executemany(
                    f'INSERT INTO "{table}" ({", ".join(self.columns)}) VALUES ({marks})',
                    [row + self.extra for row in rows],
                )


def _loaded_indexes() -> list[tuple[Any, Any]]:
    """The declared indexes (``Meta.indexes``) of the tables the month is loaded into: dropped while
    loading and built once at the end, as a bulk load would."""
    from cityloop.cases.models import Case, CaseEvent, CaseStep

    return [(model, index) for model in (Case, CaseStep, CaseEvent) for index in model._meta.indexes]


def load_month(count: int) -> tuple[dict[str, Any], float]:
    from django.db import connection, transaction
    from django.db.models import Max

    from cityloop.cases.models import Case, CaseEvent, CaseStep
    from cityloop.core import audit_chain
    from cityloop.core.models import AuditEntry
    from cityloop.timeclock.models import StepTimer

    started = time.perf_counter()
    city = build_city()
    first = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    first_audit = (AuditEntry.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    case_writer, step_writer = Writer(Case, CASE_COLUMNS), Writer(CaseStep, (*STEP_COLUMNS, "timer_id"))
    # Every step occurrence has its timer (the clock the sweep moves): one row each, as the loop writes.
    timer_writer = Writer(StepTimer, TIMER_COLUMNS)
    timer_id = (StepTimer.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    audit_writer = Writer(
        AuditEntry, ("id", "at", "actor_id", "actor_label", "action", "object_type", "object_id")
    )
    event_writer = Writer(
        CaseEvent, ("case_id", "seq", "transition", "from_state", "to_state", "actor_id", "at", "audit_id")
    )
    audit_id = first_audit
    indexes = _loaded_indexes()
    # Bulk loading: the tables' indexes are built once at the end, not row by row.
    with connection.schema_editor() as editor:
        for model, index in indexes:
            editor.remove_index(model, index)
    for cases, steps, events in Month(city, random.Random(8)).chunks(count, first):
        with transaction.atomic():
            case_writer.write(cases)
            timers, timed = [], []
            for row in steps:
                step = dict(zip(STEP_COLUMNS, row, strict=True))
                timers.append(
                    (
                        timer_id,
                        "cases.case",
                        str(step["case_id"]),
                        *(step[c] for c in TIMER_COLUMNS[3:]),
                    )
                )
                timed.append((*row, timer_id))
                timer_id += 1
            timer_writer.write(timers)
            step_writer.write(timed)
            audits, lines = [], []
            for seq, (case_id, transition, actor, at) in enumerate(events, start=100):
                audits.append(
                    (audit_id, at, actor, "bench", f"case.{transition}", "cases.case", str(case_id))
                )
                lines.append((case_id, seq, transition, "dispatched", "dispatched", actor, at, audit_id))
                audit_id += 1
            audit_writer.write(audits)
            event_writer.write(lines)
    with connection.schema_editor() as editor:
        for model, index in indexes:
            editor.add_index(model, index)
    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('cases_case', 'id'), (SELECT max(id) FROM cases_case))"
            )
            cursor.execute(
                "SELECT setval(pg_get_serial_sequence('timeclock_steptimer', 'id'), "
                "(SELECT max(id) FROM timeclock_steptimer))"
            )
    # The loaded entries join the audit chain (as record() would have chained them), so the head
    # moves past them and the application's next entry follows on.
    audit_chain.rebuild(after_id=first_audit - 1)
    with connection.cursor() as cursor:
        # Fresh statistics and (PostgreSQL) the visibility map that lets index-only scans skip the
        # table, as autovacuum or a nightly ANALYZE would give a database that is not just loaded.
        cursor.execute("VACUUM ANALYZE" if connection.vendor == "postgresql" else "ANALYZE")
    return city, time.perf_counter() - started


def run() -> list[bench.Result]:
    from django.db import connection
    from django.utils import timezone

    from cityloop.cases.models import Case
    from cityloop.core.audit import system_actor
    from cityloop.core.models import Unit
    from cityloop.evaluation.actions import compute_period
    from cityloop.evaluation.compute import evaluate
    from cityloop.evaluation.periods import parse_period

    count = _size()
    existing = Unit.objects.filter(code="B00000").first()
    if existing is not None:
        # A kept database (BENCH_DATABASE_URL) already holds a synthetic month: evaluate that one.
        count = Case.objects.filter(district__code="B00100").count()
        city: dict[str, Any] = {"city": existing}
        print(f"   reusing the {count:,} cases already loaded ({connection.vendor})", flush=True)
    else:
        city, load_seconds = load_month(count)
        print(f"   loaded {count:,} cases in {load_seconds:.0f} s ({connection.vendor})", flush=True)
    period = parse_period("2026-10")
    now = timezone.make_aware(dt.datetime(2026, 11, 5, 9, 0))
    started = time.perf_counter()
    result = evaluate(period, city["city"], now=now)
    seconds = time.perf_counter() - started
    listed = sum(len(v) for v in result.scores.values())
    started = time.perf_counter()
    compute_period(actor=system_actor(), period=period, scope=city["city"], now=now)
    stored = time.perf_counter() - started
    scale = f"{count:,} cases"
    return [
        bench.Result(
            f"evaluate every subject, {scale} ({listed} scores)",
            seconds,
            "s",
            f"< {TARGET_SECONDS:.0f} s",
            seconds < TARGET_SECONDS,
        ),
        bench.Result(
            f"compute and store the draft, {scale}",
            stored,
            "s",
            f"< {TARGET_SECONDS:.0f} s",
            stored < TARGET_SECONDS,
        ),
        bench.Result("queries per evaluation", float(result.queries), "queries"),
    ]

"""Evaluation: a month of 1,000,000 cases evaluated for every subject (target < 30 s).

The month is synthetic and written straight into the tables (bench only): an organisation of 8
streets, 40 communities and 400 grids, 18 departments and companies, centre staff and supervisors;
then per case its ``Case`` row, its ``CaseStep`` facts (accept, verify for public reports, register,
dispatch, dispose with reworks and returns, send-for-check, check, close) and the ``CaseEvent``
facts the evaluation reads (extensions, holds). Quick mode (``BENCH_QUICK=1``): 20,000 cases.
"""

from __future__ import annotations

import datetime as dt
import os
import random
import time
from collections.abc import Iterator, Sequence
from typing import Any

import bench

TARGET_SECONDS = 30.0
MONTH_START = dt.datetime(2026, 9, 30, 16, 0, tzinfo=dt.UTC)  # 2026-10-01 00:00 in Shanghai
MONTH_SECONDS = 31 * 86400
CHUNK = 20_000


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


def _when(seconds: float) -> Any:
    """A moment of the month, as the database driver wants it (SQLite: naive UTC text)."""
    from django.db import connection

    moment = MONTH_START + dt.timedelta(seconds=seconds)
    if connection.vendor == "postgresql":
        return moment
    return moment.replace(tzinfo=None).isoformat(sep=" ")


def build_city() -> dict[str, Any]:
    """Units, grids and people of the synthetic district (through the real actions, except grids)."""
    import shapely

    from cityloop.core.actions import create_unit, create_user
    from cityloop.core.audit import system_actor
    from cityloop.core.models import Role
    from cityloop.geo.models import Grid

    actor = system_actor()
    city = create_unit(actor=actor, code="B00000", name="基准市", kind="city")
    district = create_unit(actor=actor, code="B00100", name="基准区", kind="district", parent=city)
    streets, communities, grids = [], [], []
    units = [
        create_unit(
            actor=actor, code=f"B00100-D{n:02d}", name=f"专业部门{n}", kind="department", parent=district
        )
        for n in range(12)
    ]
    units += [
        create_unit(actor=actor, code=f"B00100-C{n:02d}", name=f"公司{n}", kind="company", parent=district)
        for n in range(6)
    ]
    supervisors = []
    for s in range(8):
        street = create_unit(
            actor=actor, code=f"B00100{s:03d}", name=f"街道{s}", kind="street", parent=district
        )
        streets.append(street)
        for c in range(5):
            community = create_unit(
                actor=actor,
                code=f"{street.code}{c:03d}",
                name=f"社区{s}-{c}",
                kind="community",
                parent=street,
            )
            communities.append(community)
            supervisors.append(
                create_user(
                    actor=actor,
                    username=f"b_sup_{s}_{c}",
                    password=None,
                    roles=[(community, Role.SUPERVISOR)],
                )
            )
            for g in range(10):
                x, y = 120 + (s * 5 + c) * 0.01 + g * 0.001, 30.0
                grid = Grid(
                    code=f"{community.code}{g:03d}",
                    community=community,
                    area_m2=10_000.0,
                    centroid_lon=x,
                    centroid_lat=y,
                )
                grid.set_geometry(shapely.box(x, y, x + 0.001, y + 0.0009))
                grids.append(grid)
    Grid.objects.bulk_create(grids)
    staff = {
        role: [
            create_user(actor=actor, username=f"b_{role}_{n}", password=None, roles=[(district, role)])
            for n in range(count)
        ]
        for role, count in ((Role.OPERATOR, 6), (Role.SHIFT_LEADER, 4), (Role.DISPATCHER, 4))
    }
    grid_rows = list(
        Grid.objects.filter(community__in=communities).values_list(
            "pk", "community_id", "community__parent_id"
        )
    )
    return {
        "city": city,
        "district": district,
        "grids": grid_rows,
        "units": [u.pk for u in units + streets],
        "supervisor_of": {sup.memberships.get().unit_id: sup.pk for sup in supervisors},
        "staff": {role: [u.pk for u in users] for role, users in staff.items()},
        "system": actor.pk,
    }


STEP_COLUMNS = (
    "case_id", "district_id", "step", "occurrence", "unit_id", "started_at", "started_by_id", "limit_amount",
    "limit_unit", "deadline_at", "ended_at", "ended_by_id", "ended_by_transition", "on_time", "elapsed",
)  # fmt: skip
CASE_COLUMNS = (
    "id", "number", "tracking_code", "state", "channel_id", "reporter_id", "description", "lon", "lat", "h3",
    "grid_id", "community_id", "street_id", "district_id", "responsible_unit_id", "reported_at",
    "registered_at", "dispatched_at", "closed_at", "updated_at",
)  # fmt: skip


class Month:
    """Generates the month's rows, case by case, in chunks."""

    def __init__(self, city: dict[str, Any], rng: random.Random) -> None:
        from cityloop.cases.models import Channel

        self.city, self.rng = city, rng
        self.channels = dict(Channel.objects.values_list("code", "pk"))
        self.district, self.system = city["district"].pk, city["system"]
        self.cases: list[Any] = []
        self.steps: list[Any] = []
        self.events: list[Any] = []

    def step(
        self, case_id: int, name: str, start: float, minutes: float, by: int, transition: str, **kw: int
    ) -> float:
        """A step that ended ``minutes`` after ``start``, on time nine times in ten."""
        end = start + minutes * 60
        limit = 30 * 60 if name != "dispose" else 4 * 3600
        unit, started_by = kw.get("unit", self.district), kw.get("started_by", self.system)
        self.occurrence[name] = occurrence = self.occurrence.get(name, 0) + 1
        self.steps.append(
            (case_id, self.district, name, occurrence, unit, _when(start), started_by, 30.0, "minute",
             _when(start + limit), _when(end), by, transition, self.rng.random() < 0.9, minutes)
        )  # fmt: skip
        return end

    def case(self, case_id: int) -> None:
        rng, city, step = self.rng, self.city, self.step
        self.occurrence: dict[str, int] = {}
        grid, community, street = rng.choice(city["grids"])
        supervisor = city["supervisor_of"][community]
        t = reported = rng.uniform(0, MONTH_SECONDS - 3 * 86400)
        is_public = rng.random() < 0.3
        channel = self.channels[rng.choice(["hotline_12345", "citizen_app"]) if is_public else "supervisor"]
        staff = city["staff"]
        operator, leader = rng.choice(staff["operator"]), rng.choice(staff["shift_leader"])
        dispatcher = rng.choice(staff["dispatcher"])
        t = step(
            case_id,
            "accept",
            t,
            rng.uniform(2, 40),
            operator,
            "send_for_verification" if is_public else "accept",
        )
        if is_public:
            t = step(case_id, "verify", t, rng.uniform(5, 40), supervisor, "verify")
        state, registered, dispatched, closed, unit = "not_registered", None, None, None, None
        roll = rng.random()
        if roll < 0.04:
            t = step(case_id, "register", t, rng.uniform(2, 40), leader, "not_register")
        else:
            t = registered = step(case_id, "register", t, rng.uniform(2, 40), leader, "register")
            if roll < 0.05:
                step(case_id, "dispatch", t, 10, leader, "void")
                state = "voided"
            else:
                unit = rng.choice(city["units"])
                t = dispatched = step(case_id, "dispatch", t, rng.uniform(2, 40), dispatcher, "dispatch")
                if rng.random() < 0.05:  # returned by a wrong unit, then dispatched again
                    kw = {"unit": unit, "started_by": dispatcher}
                    t = step(case_id, "dispose", t, rng.uniform(20, 200), dispatcher, "approve_return", **kw)
                    t = step(case_id, "dispatch", t, rng.uniform(2, 30), dispatcher, "dispatch")
                    unit = rng.choice(city["units"])
                if rng.random() < 0.05:
                    self.events.append((case_id, "approve_extension", dispatcher, _when(t + 1800)))
                if rng.random() < 0.03:
                    self.events.append((case_id, "approve_hold", leader, _when(t + 900)))
                    self.events.append((case_id, "resume", dispatcher, _when(t + 7200)))
                if rng.random() < 0.03:  # still with the unit at the end of the month
                    self.steps.append(
                        (case_id, self.district, "dispose", self.occurrence.get("dispose", 0) + 1, unit,
                         _when(t), dispatcher, 4.0,
                         "working_hour", _when(t + 4 * 3600), None, None, "", None, None)
                    )  # fmt: skip
                    state = "dispatched"
                else:
                    kw = {"unit": unit, "started_by": dispatcher}
                    t = step(case_id, "dispose", t, rng.uniform(30, 600), self.system, "dispose", **kw)
                    t = step(case_id, "send_check", t, rng.uniform(2, 40), operator, "send_for_check")
                    if rng.random() < 0.08:  # rework after a failed check
                        t = step(case_id, "check", t, rng.uniform(10, 150), supervisor, "check_fail")
                        kw = {"unit": unit, "started_by": supervisor}
                        t = step(case_id, "dispose", t, rng.uniform(30, 600), self.system, "dispose", **kw)
                        t = step(case_id, "send_check", t, rng.uniform(2, 40), operator, "send_for_check")
                    t = step(case_id, "check", t, rng.uniform(10, 150), supervisor, "check_pass")
                    t = closed = step(case_id, "close", t, rng.uniform(5, 60), leader, "close")
                    state = "closed"
        self.cases.append(
            (case_id, f"B{case_id:012d}", f"B{case_id:011d}", state, channel,
             None if is_public else supervisor, "基准案件", 120.0, 30.0, "8b309a", grid, community, street,
             self.district, unit, _when(reported),
             _when(registered) if registered else None, _when(dispatched) if dispatched else None,
             _when(closed) if closed else None, _when(t))
        )  # fmt: skip

    def chunks(self, count: int, first_id: int) -> Iterator[tuple[list[Any], list[Any], list[Any]]]:
        """(case rows, step rows, event rows) for ``count`` cases, ``CHUNK`` cases at a time."""
        for n in range(count):
            self.case(first_id + n)
            if len(self.cases) >= CHUNK or n == count - 1:
                yield self.cases, self.steps, self.events
                self.cases, self.steps, self.events = [], [], []


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

    started = time.perf_counter()
    city = build_city()
    first = (Case.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    first_audit = (AuditEntry.objects.aggregate(m=Max("id"))["m"] or 0) + 1
    case_writer, step_writer = Writer(Case, CASE_COLUMNS), Writer(CaseStep, STEP_COLUMNS)
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
            step_writer.write(steps)
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

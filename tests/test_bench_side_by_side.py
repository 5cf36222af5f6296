"""The side-by-side benchmark mode (bench/side_by_side): the raw limit's hand-written statements
write a report's rows in every table the application writes, and the orchestrator's arithmetic and
order are right. No git worktrees, servers or subprocesses here."""

from __future__ import annotations

import datetime as dt
import math
import sqlite3
import zoneinfo
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import connection, transaction
from django.test import override_settings

from bench.side_by_side import checkouts, figures, proc_cpu, raw_run, raw_sql
from bench.side_by_side.driver import TEMPLATE_EXTERNAL_ID, ensure_template
from cityloop.core import audit_chain

TABLES = ["cases_case", "cases_casetext", "timeclock_steptimer", "cases_casestep", "core_auditentry"]
TABLES.append("cases_caseevent")


@pytest.fixture(scope="module")
def demo_with_template(django_db_setup: Any, django_db_blocker: Any) -> Iterator[None]:
    """The demo city's base (units, grids, people, channels: what a hotline report needs) and one
    report written through the application (the raw limit copies it), made once for the module
    inside a transaction rolled back after it."""
    from cityloop.core.audit import system_actor
    from cityloop.demo.build import build_base_city
    from cityloop.geo import index

    hashers = ["django.contrib.auth.hashers.MD5PasswordHasher"]
    with django_db_blocker.unblock(), override_settings(PASSWORD_HASHERS=hashers), transaction.atomic():
        index.reset()
        build_base_city(1, actor=system_actor())
        ensure_template()
        yield
        transaction.set_rollback(True)
    index.reset()


def _cursor() -> Any:
    """A DB-API cursor on the test database's own connection (inside the test's transaction)."""
    connection.ensure_connection()
    raw = connection.connection
    if connection.vendor == "postgresql":
        import psycopg

        return psycopg.Cursor(raw)  # binds on the server, so statements can be prepared
    return raw.cursor()


def _counts(cursor: Any) -> dict[str, int]:
    counts = {}
    for table in TABLES:
        cursor.execute(f"SELECT count(*) FROM {table}")
        counts[table] = int(cursor.fetchone()[0])
    return counts


def _write(cursor: Any, template: raw_sql.Template, external_id: str, *, ahead: bool = False) -> int:
    dialect = raw_sql.dialect(connection.vendor)
    now = dt.datetime.now(dt.UTC)
    day = now.astimezone(template.zone).date()
    district = int(template.case["district_id"])
    sequence = raw_sql.take_number(cursor, dialect, district, day, ahead=True) if ahead else None
    return raw_sql.write_report(
        cursor, dialect, template, external_id=external_id, now=now, local_day=day, sequence=sequence
    )


def _template(cursor: Any) -> raw_sql.Template:
    zone = zoneinfo.ZoneInfo(settings.TIME_ZONE)
    return raw_run.read_template(cursor, raw_sql.dialect(connection.vendor), TEMPLATE_EXTERNAL_ID, zone)


def test_raw_statements_write_a_reports_rows_in_every_table(demo_with_template: None, db: Any) -> None:
    from cityloop.cases.models import Case, CaseText

    cursor = _cursor()
    assert raw_sql.check_schema(cursor, raw_sql.dialect(connection.vendor)) == []
    template = _template(cursor)
    before = _counts(cursor)
    ids = [_write(cursor, template, f"raw-test-{n}") for n in range(3)]
    assert _counts(cursor) == {table: count + 3 for table, count in before.items()}

    model = Case.objects.get(external_id=TEMPLATE_EXTERNAL_ID)
    cases = list(Case.objects.filter(pk__in=ids).order_by("pk"))
    numbers = [case.number for case in cases]
    assert len(set(numbers)) == 3 and len({case.tracking_code for case in cases}) == 3
    first = int(model.number.rsplit("-", 1)[1])  # the day's counter moved on from the template's
    assert [int(n.rsplit("-", 1)[1]) for n in numbers] == [first + 1, first + 2, first + 3]
    for case in cases:
        assert (case.state, case.channel_id, case.district_id) == (
            model.state,
            model.channel_id,
            model.district_id,
        )
        assert (case.grid_id, case.community_id, case.current_step) == (
            model.grid_id,
            model.community_id,
            "accept",
        )
        step = case.steps.get()
        assert step.timer is not None and step.timer.subject_id == str(case.pk)
        assert step.deadline_at == case.deadline_at == step.timer.deadline_at
        event = case.events.get()
        assert (event.seq, event.transition, event.to_state) == (1, "report", case.state)
        assert event.audit.action == "case.report" and event.audit.object_id == str(case.pk)
        after = event.audit.after
        assert after is not None and after["parts"][0]["object_id"] == str(step.timer.pk)
    texts = dict(CaseText.objects.filter(case__in=cases).values_list("case_id", "terms"))
    assert all(case.tracking_code.lower() in texts[case.pk] for case in cases)
    # The raw audit entries are chained as the application chains its own.
    report = audit_chain.verify()
    assert report.ok, report.problem
    assert report.last_id == max(case.events.get().audit_id for case in cases)


@pytest.mark.postgres
def test_on_postgresql_the_number_can_be_taken_ahead_in_its_own_statement(
    demo_with_template: None, db: Any
) -> None:
    from cityloop.cases.models import Case

    cursor = _cursor()
    template = _template(cursor)
    one = _write(cursor, template, "raw-ahead-1", ahead=True)
    two = _write(cursor, template, "raw-ahead-2")
    first, second = (Case.objects.get(pk=pk).number for pk in (one, two))
    assert int(second.rsplit("-", 1)[1]) == int(first.rsplit("-", 1)[1]) + 1


def test_the_schema_check_names_a_missing_column_and_what_is_not_written() -> None:
    db = sqlite3.connect(":memory:")
    for table, sql in raw_sql.STATEMENTS.items():
        columns = [
            c for c in raw_sql.written_columns(sql) if (table, c) != ("cases_case", "h3") and c != "id"
        ]
        db.execute(f"CREATE TABLE {table} (id INTEGER PRIMARY KEY, {', '.join(columns)}, extra_column)")
    with pytest.raises(RuntimeError, match=r"cases_case\.h3"):
        raw_sql.check_schema(db.cursor(), raw_sql.dialect("sqlite"))
    db.execute("ALTER TABLE cases_case ADD COLUMN h3")
    notes = raw_sql.check_schema(db.cursor(), raw_sql.dialect("sqlite"))
    assert "not written by the raw statements: cases_case.extra_column" in notes


def test_the_order_alternates_every_round() -> None:
    assert [figures.alternating(["A", "B"], r) for r in range(4)] == [
        ["A", "B"],
        ["B", "A"],
        ["A", "B"],
        ["B", "A"],
    ]


def test_ratios_and_fractions_of_the_raw_limit_are_printed_plainly() -> None:
    assert figures.ratio(300.0, 400.0) == "0.75"
    assert figures.ratio(1.0, 0.0) == figures.ratio(math.nan, 2.0) == "n/a"
    assert figures.of_raw(310.0, 1000.0) == "0.31 of raw"
    assert figures.of_raw(1.0, math.nan) == ""
    assert figures.times_raw(4.1, 0.82) == "5.0× raw"
    assert figures.number(math.nan) == "—" and figures.number(1234.5) == "1,234.5"


def test_batches_add_up_to_rates_and_costs_per_report() -> None:
    intake = figures.Intake()
    intake.add(2.0, [10.0] * 500, [], server_cpu=1.5, postgres_cpu=0.5)
    intake.add(2.0, [30.0] * 300, ["HTTP/1.1 500 Internal Server Error"], server_cpu=1.7, postgres_cpu=0.3)
    assert intake.reports == 800 and intake.rate == 200.0 and intake.rates == [250.0, 150.0]
    assert intake.server_ms == pytest.approx(4.0) and intake.postgres_ms == pytest.approx(1.0)
    assert intake.p50 == 10.0 and intake.p99 == 30.0
    loops = figures.Work()
    loops.add(100, 2.5, 2.0, math.nan)
    assert loops.rate == 40.0 and loops.cpu_ms == pytest.approx(20.0) and math.isnan(loops.postgres_ms)
    verdicts = {what: verdict for what, _, verdict in figures.targets("sqlite", intake, loops)}
    assert list(verdicts.values()) == ["BELOW TARGET", "OK", "OK"]  # a failure fails the intake target
    on_postgresql = figures.targets("postgresql", intake, loops)
    assert on_postgresql[-1][2] == "no verdict"


def test_postgres_processes_are_counted_for_our_databases_and_the_shared_background() -> None:
    ours = ["cityloop_sbs_1_current"]
    assert proc_cpu.is_postgres_for(
        "postgres: 15/main: postgres cityloop_sbs_1_current 127.0.0.1(5) idle", ours
    )
    assert proc_cpu.is_postgres_for("postgres: 15/main: walwriter ", ours)
    assert proc_cpu.is_postgres_for("postgres: checkpointer ", ours)
    assert not proc_cpu.is_postgres_for("postgres: 15/main: postgres test_cityloop 127.0.0.1(6) idle", ours)
    assert not proc_cpu.is_postgres_for("postgres: app other [local] idle", ours)
    assert not proc_cpu.is_postgres_for("/usr/lib/postgresql/15/bin/postgres -D /var/lib/postgresql", ours)


def test_a_variant_must_import_its_own_cityloop(tmp_path: Path) -> None:
    variant = checkouts.Variant("baseline", "abc", tmp_path, "a" * 40)
    checkouts.check_origin(variant, str(tmp_path / "cityloop" / "__init__.py"))
    with pytest.raises(RuntimeError, match="not from"):
        checkouts.check_origin(variant, "/elsewhere/cityloop/__init__.py")
    assert checkouts.BASELINE_REF == "b10cbe5"

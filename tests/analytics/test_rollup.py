"""The roll-ups: counted once whatever the number of refreshes, incremental from the watermark, and
the same as a rebuild from scratch."""

from __future__ import annotations

import datetime as dt

import h3
from django.core.management import call_command
from django.db.models import Sum

from cityloop.analytics import rollup
from cityloop.analytics.models import DailyCount, HourlyCount
from cityloop.cases.models import Case

from .conftest import START, local, weekly

NOW = local(START + dt.timedelta(days=30), 12)


def _grid_total() -> int:
    return DailyCount.objects.filter(level="grid").aggregate(t=Sum("n"))["t"] or 0


def _snapshot() -> list[tuple[object, ...]]:
    return sorted(DailyCount.objects.values_list("day", "level", "place", "community_id", "n"))


def test_counts_every_case_once_at_every_level(planter, grids) -> None:
    planter.cases(grids[0], weekly(START, START + dt.timedelta(days=20), 5))
    planter.cases(
        grids[5], weekly(START, START + dt.timedelta(days=20), 2), category="0103", channel="hotline_12345"
    )
    rollup.refresh(NOW)
    cases = Case.objects.count()
    assert cases == 21
    assert _grid_total() == cases
    for level in ("community", "street", "h3_8", "h3_9", "how"):
        total = DailyCount.objects.filter(level=level).aggregate(t=Sum("n"))["t"]
        assert total == cases, level
    assert HourlyCount.objects.aggregate(t=Sum("n"))["t"] == cases
    # By subclass and by channel, in the hourly roll-up.
    both = HourlyCount.objects.filter(
        category=planter.category("0103"), channel=planter.channels["hotline_12345"]
    )
    assert both.aggregate(t=Sum("n"))["t"] == 6
    row = HourlyCount.objects.filter(grid=grids[0]).first()
    assert row is not None
    case = Case.objects.filter(grid=grids[0]).first()
    assert case is not None
    assert row.h3_9 == h3.cell_to_parent(case.h3, 9) and row.h3_8 == h3.cell_to_parent(case.h3, 8)


def test_refreshing_again_never_double_counts(planter, grids) -> None:
    planter.cases(grids[1], weekly(START, START + dt.timedelta(days=13), 4))
    rollup.refresh(NOW)
    first = _snapshot()
    rollup.refresh(NOW, settle=True)
    rollup.refresh(NOW, settle=True)
    assert _snapshot() == first
    # Recounting days that were already counted (as after a crash mid-sweep) changes nothing.
    rollup.recount_days({START, START + dt.timedelta(days=1)})
    assert _snapshot() == first
    assert _grid_total() == 8


def test_refresh_reads_only_new_cases_and_matches_a_rebuild(planter, grids) -> None:
    planter.cases(grids[2], weekly(START, START + dt.timedelta(days=27), 3))
    rollup.refresh(NOW)
    assert _grid_total() == 12
    # Nothing new: no day is recounted.
    assert rollup.refresh(NOW, settle=False)["days"] == 0
    # One new case: only its day is recounted, and it is counted.
    planter.cases(grids[2], [local(START + dt.timedelta(days=3), 22)])
    result = rollup.refresh(NOW, settle=False)
    assert result["days"] == 1
    assert _grid_total() == 13
    incremental = _snapshot()
    call_command("analytics", "refresh", "--rebuild", stdout=None)
    assert _snapshot() == incremental


def test_settling_catches_cases_voided_after_they_were_counted(planter, grids) -> None:
    recent = planter.cases(grids[3], [NOW - dt.timedelta(hours=3), NOW - dt.timedelta(hours=2)])
    rollup.refresh(NOW)
    assert _grid_total() == 2
    Case.objects.filter(pk=recent[0].pk).update(state="voided")
    rollup.refresh(NOW + dt.timedelta(minutes=5), settle=False)
    assert _grid_total() == 2  # the watermark alone cannot see it …
    rollup.refresh(NOW + dt.timedelta(hours=1, minutes=5))  # … the hourly settling does
    assert _grid_total() == 1


def test_the_worker_sweep_refreshes(planter, grids) -> None:
    from cityloop.notify.worker import run_sweep

    planter.cases(grids[4], [NOW - dt.timedelta(hours=1)])
    results = run_sweep(NOW)
    assert "error" not in results["analytics"]
    assert _grid_total() == 1


def test_a_recount_writes_only_what_changed_and_repairs_a_group_written_twice(planter, grids) -> None:
    planter.cases(grids[1], weekly(START, START + dt.timedelta(days=6), 3))
    rollup.refresh(NOW)
    first = _snapshot()
    kept = set(HourlyCount.objects.values_list("pk", flat=True))
    rollup.recount_days({START})
    # Nothing changed: the same rows, not rewritten copies.
    assert set(HourlyCount.objects.values_list("pk", flat=True)) == kept and _snapshot() == first
    # A group stored twice (an interrupted older sweep) is made whole again by the next recount.
    row = DailyCount.objects.filter(day=START, level="grid").first()
    assert row is not None
    DailyCount.objects.create(
        day=row.day,
        district_id=row.district_id,
        street_id=row.street_id,
        community_id=row.community_id,
        level=row.level,
        place=row.place,
        n=row.n,
    )
    assert _grid_total() == 3 + row.n
    rollup.recount_days({START})
    assert _snapshot() == first and _grid_total() == 3


def test_the_planner_statistics_are_renewed_once_a_day(planter, grids) -> None:
    from cityloop.analytics.models import RollupState

    planter.cases(grids[4], [NOW - dt.timedelta(hours=1)])
    assert "planner_statistics" in rollup.sweep(NOW)
    assert "planner_statistics" not in rollup.sweep(NOW + dt.timedelta(hours=2))
    assert "planner_statistics" in rollup.sweep(NOW + dt.timedelta(hours=25))
    assert RollupState.objects.get(name=rollup.PLANNER).settled_at == NOW + dt.timedelta(hours=25)


def test_postgresql_vacuums_the_roll_ups_only_where_it_may() -> None:
    """VACUUM cannot run inside a transaction: there, and on SQLite, the tables are analysed. (Not
    run for real here: the tests run in transactions, and a transactional test would empty the
    migrated rows the later browser tests read. The bench measures its effect: docs/analytics.md.)"""
    assert rollup.statistics_command("analytics_closing", "postgresql", False) == "VACUUM (ANALYZE)"
    assert rollup.statistics_command("analytics_closing", "postgresql", True) == "ANALYZE"
    assert rollup.statistics_command("cases_case", "postgresql", False) == "ANALYZE"
    assert rollup.statistics_command("analytics_closing", "sqlite", False) == "ANALYZE"


def test_planner_statistics_renewed_inside_a_transaction_by_analysing(db) -> None:
    """Inside a transaction (and on SQLite) the tables are analysed, and the renewal is recorded."""
    from cityloop.analytics.models import RollupState

    tables = rollup.renew_planner_statistics()
    assert "analytics_closing" in tables and RollupState.objects.filter(name=rollup.PLANNER).exists()

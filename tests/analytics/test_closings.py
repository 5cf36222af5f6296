"""The closings roll-up kept by the sweep: new closings find their re-reports, new reports reach the
closings before them, the earliest report wins, and the incremental answer equals a rebuild."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cityloop.analytics import closings, rollup
from cityloop.analytics.models import Closing
from cityloop.cases.models import Case

FIELDS = (
    "case_id",
    "grid_again_id",
    "grid_gap",
    "hex_again_id",
    "hex_gap",
    "street_id",
    "responsible_unit_id",
)


def _rows() -> list[tuple]:
    return list(Closing.objects.order_by("case_id").values_list(*FIELDS))


# A new report is offered to the closings holding no re-report or a later one; a batch reaching
# far back (``LATER`` reports after its first, 0 here) to every closing at its spots: the same answer.
OFFERED = pytest.mark.parametrize("later", [closings.LATER, 0], ids=["by-link", "every-closing"])


@OFFERED
def test_kept_incrementally_equals_a_rebuild(planter, grids, later, monkeypatch) -> None:
    monkeypatch.setattr(closings, "LATER", later)
    now = timezone.now()
    rollup.refresh(now)  # the first refresh builds the (empty) closings
    # Closed 3 days ago; a report of the same subclass at the grid arrives later: a new report.
    closed = planter.cases(grids[0], [now - dt.timedelta(days=4)], closed_after=dt.timedelta(days=1))[0]
    other = planter.cases(grids[1], [now - dt.timedelta(days=4)], closed_after=dt.timedelta(days=1))[0]
    rollup.refresh(now + dt.timedelta(minutes=1), settle=False)
    row = Closing.objects.get(case_id=closed.pk)
    assert row.grid_gap is None and row.h3_9 and Closing.objects.count() == 2
    later = planter.cases(grids[0], [now - dt.timedelta(hours=2), now - dt.timedelta(hours=1)])
    planter.cases(grids[1], [now - dt.timedelta(hours=1)], category="0103")  # another subclass
    rollup.refresh(now + dt.timedelta(minutes=2), settle=False)
    row.refresh_from_db()
    # The earliest report after the closing, with the gap in seconds.
    assert row.grid_again_id == later[0].pk and row.grid_again_number == later[0].number
    assert row.grid_gap == int((later[0].reported_at - closed.closed_at).total_seconds())
    assert row.hex_again_id == later[0].pk
    assert Closing.objects.get(case_id=other.pk).grid_gap is None
    # Offering the same reports again changes nothing; the answer equals a rebuild's.
    rollup.refresh(now + dt.timedelta(hours=2), settle=True)
    incremental = _rows()
    closings.rebuild()
    assert _rows() == incremental


@OFFERED
def test_a_report_filed_late_with_an_earlier_time_takes_the_link_from_a_later_one(
    planter, grids, later, monkeypatch
) -> None:
    """A closing that already holds a re-report still takes one reported before it when that one
    arrives afterwards (a hotline ticket entered late, an import with its history)."""
    monkeypatch.setattr(closings, "LATER", later)
    now = timezone.now()
    rollup.refresh(now - dt.timedelta(days=5))
    closed = planter.cases(grids[3], [now - dt.timedelta(days=5)], closed_after=dt.timedelta(hours=2))[0]
    recent = planter.cases(grids[3], [now - dt.timedelta(hours=1)])[0]
    rollup.refresh(now, settle=False)
    assert Closing.objects.get(case_id=closed.pk).grid_again_id == recent.pk
    earlier = planter.cases(grids[3], [now - dt.timedelta(days=2)])[0]  # filed now, reported 2 days ago
    unrelated = planter.cases(grids[3], [now - dt.timedelta(days=3)], category="0103")[0]  # another subclass
    assert earlier.pk > recent.pk and unrelated.pk
    rollup.refresh(now + dt.timedelta(minutes=1), settle=False)
    row = Closing.objects.get(case_id=closed.pk)
    assert (row.grid_again_id, row.hex_again_id) == (earlier.pk, earlier.pk)
    assert row.grid_gap == int((earlier.reported_at - closed.closed_at).total_seconds())


def test_a_case_closed_after_its_re_report_was_filed_finds_it(planter, grids) -> None:
    now = timezone.now()
    rollup.refresh(now - dt.timedelta(hours=1))
    # The re-report is already there when the sweep first sees the closing (the closing side).
    case = planter.cases(grids[2], [now - dt.timedelta(days=10)], state="dispatched")[0]
    again = planter.cases(grids[2], [now - dt.timedelta(minutes=10)])[0]
    Case.objects.filter(pk=case.pk).update(state="closed", closed_at=now - dt.timedelta(minutes=30))
    rollup.refresh(now, settle=False)
    assert Closing.objects.get(case_id=case.pk).grid_again_id == again.pk


def test_reopened_and_voided_closings_are_dropped_and_reports_outside_the_window_ignored(
    planter, grids
) -> None:
    now = timezone.now()
    rollup.refresh(now)
    kept, reopened = planter.cases(
        grids[3], [now - dt.timedelta(days=3)] * 2, closed_after=dt.timedelta(days=1)
    )
    rollup.refresh(now, settle=False)
    Case.objects.filter(pk=reopened.pk).update(state="dispatched")
    rollup.refresh(now + dt.timedelta(hours=1), settle=True)
    assert list(Closing.objects.values_list("case_id", flat=True)) == [kept.pk]
    # A closing long ago is not matched by a report more than WINDOW after it.
    old = planter.cases(grids[4], [now - dt.timedelta(days=400)], closed_after=dt.timedelta(days=1))[0]
    planter.cases(grids[4], [now - dt.timedelta(days=1)])
    closings.rebuild()
    assert Closing.objects.get(case_id=old.pk).grid_gap is None


def test_a_settling_reaches_back_to_the_last_one_less_the_late_commit_margin(planter, grids) -> None:
    now = timezone.now()
    rollup.refresh(now - dt.timedelta(hours=3), settle=True)
    rollup.refresh(now - dt.timedelta(hours=1), settle=True)
    # Closed 90 minutes ago but committed only now, below the watermark's reach of an ordinary sweep:
    # the next settling, an hour after the last, still reaches it (the last less LATE_COMMIT).
    late = planter.cases(grids[3], [now - dt.timedelta(days=2)], state="dispatched")[0]
    rollup.refresh(now - dt.timedelta(minutes=59), settle=False)
    Case.objects.filter(pk=late.pk).update(state="closed", closed_at=now - dt.timedelta(minutes=90))
    assert not Closing.objects.filter(case_id=late.pk).exists()
    rollup.refresh(now, settle=True)
    assert Closing.objects.filter(case_id=late.pk).exists()

"""Recurrence (回潮): the same subclass at the same spot within N days after a case there closed."""

from __future__ import annotations

import datetime as dt

from django.db.models import QuerySet

from cityloop.analytics import closings, filters
from cityloop.analytics.models import Closing
from cityloop.analytics.recurrence import recurrence
from cityloop.cases.models import Case

from .conftest import END, START, local


def plant(planter, grids) -> dict[str, object]:
    come_back, other_subclass, late, clean = grids[0], grids[1], grids[2], grids[5]
    first = local(START + dt.timedelta(days=2))
    # Closed a day after the report, reported again five days after closing: recurring.
    closed = planter.cases(come_back, [first], closed_after=dt.timedelta(days=1))
    again = planter.cases(come_back, [first + dt.timedelta(days=6)])
    # The same spot, another subclass after closing: not recurring.
    planter.cases(other_subclass, [first], closed_after=dt.timedelta(days=1))
    planter.cases(other_subclass, [first + dt.timedelta(days=6)], category="0103")
    # The same subclass again, but 40 days after closing: outside N = 30.
    planter.cases(late, [first], closed_after=dt.timedelta(days=1))
    planter.cases(late, [first + dt.timedelta(days=41)])
    # Closed and never reported again.
    planter.cases(clean, [first], closed_after=dt.timedelta(days=1))
    # A report of the same problem before the closing is not a recurrence of it.
    planter.cases(clean, [first + dt.timedelta(hours=2)])
    return {"grid": str(come_back.pk), "closed": closed[0], "again": again[0]}


def _kept() -> QuerySet[Closing]:
    """The closings roll-up, built from the cases as the first sweep would."""
    closings.rebuild()
    return Closing.objects.all()


def _period() -> filters.Filters:
    return filters.parse(start=START.isoformat(), end=END.isoformat())


def test_planted_re_report_after_closing_is_found(planter, grids) -> None:
    planted = plant(planter, grids)
    answer = recurrence(_kept(), _period(), days=30)
    assert answer["closed"] == 4 and answer["recurring"] == 1
    [spot] = answer["spots"]
    assert spot["spot"] == planted["grid"] and spot["category"] == "0102" and spot["rate"] == 1.0
    [pair] = spot["cases"]
    assert pair["closed"]["number"] == planted["closed"].number
    assert [a["number"] for a in pair["again"]] == [planted["again"].number]


def test_other_subclass_and_outside_the_window_are_not_recurrence(planter, grids) -> None:
    plant(planter, grids)
    assert recurrence(_kept(), _period(), days=4)["recurring"] == 0
    wide = recurrence(_kept(), _period(), days=60)
    assert wide["recurring"] == 2  # the late one counts when N is 60; the other subclass never does
    assert {s["spot"] for s in wide["spots"]} == {str(grids[0].pk), str(grids[2].pk)}


def test_rates_per_street_and_unit(planter, grids, loop) -> None:
    plant(planter, grids)
    # Every closed case was dispatched to the sanitation department.
    Case.objects.filter(state="closed").update(responsible_unit=loop.org.sanitation)
    answer = recurrence(_kept(), _period(), days=30)
    streets = {s["unit"]: s for s in answer["streets"]}
    # grids 0–2 lie in street A (community A has grids 0–3), grid 5 in street B.
    assert streets["990100001"]["closed"] == 3 and streets["990100001"]["recurring"] == 1
    assert streets["990100002"]["rate"] == 0.0
    [unit] = answer["units"]
    assert (unit["unit"], unit["closed"], unit["recurring"], unit["rate"]) == ("D-SANI", 4, 1, 0.25)
    # Hexagons are wider than these grids: neighbouring grids' cases meet in one resolution-9 cell.
    hexes = recurrence(_kept(), _period(), days=30, spot="h3_9")
    assert hexes["recurring"] >= 1 and len(hexes["spots"][0]["spot"]) == 15


def test_category_filter(planter, grids) -> None:
    plant(planter, grids)
    only = filters.parse(start=START.isoformat(), end=END.isoformat(), category="0103")
    assert recurrence(_kept(), only, days=30)["recurring"] == 0
    whole_class = filters.parse(start=START.isoformat(), end=END.isoformat(), category="01")
    assert recurrence(_kept(), whole_class, days=30)["recurring"] == 1

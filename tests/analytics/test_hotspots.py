"""Hotspots: a spot is hot when its count is unusual for its own history, not merely large."""

from __future__ import annotations

import datetime as dt

from cityloop.analytics import filters, rollup
from cityloop.analytics.hotspots import Source, hotspots
from cityloop.analytics.models import DailyCount, HourlyCount
from cityloop.analytics.stats import benjamini_hochberg, poisson_upper_tail

from .conftest import END, START, local, weekly

HISTORY = START - dt.timedelta(weeks=12)
ALL = Source(DailyCount.objects.all(), HourlyCount.objects.all())


def plant(planter, grids) -> dict[str, str]:
    busy, hot, quiet = grids[0], grids[4], grids[6]
    before = START - dt.timedelta(days=1)
    planter.cases(busy, weekly(HISTORY, before, 20) + weekly(START, END, 20))  # busy and usual
    planter.cases(hot, weekly(HISTORY, before, 1) + weekly(START, END, 12))  # planted: 12× its usual
    planter.cases(quiet, weekly(HISTORY, before, 1) + weekly(START, END, 1))
    rollup.refresh(local(END + dt.timedelta(days=1)))
    return {"busy": str(busy.pk), "hot": str(hot.pk), "quiet": str(quiet.pk)}


def test_planted_hotspot_is_found_and_the_busy_place_is_not_flagged(planter, grids) -> None:
    places = plant(planter, grids)
    f = filters.parse(start=START.isoformat(), end=END.isoformat(), level="grid")
    answer = hotspots(ALL, f, limit=10)
    spots = {s["place"]: s for s in answer["spots"]}
    assert answer["spots"][0]["place"] == places["hot"]
    assert spots[places["hot"]]["significant"] and spots[places["hot"]]["count"] == 48
    busy = spots[places["busy"]]
    assert busy["count"] == 80 and not busy["significant"]
    assert abs(busy["expected"] - 80) < 2
    assert not spots[places["quiet"]]["significant"]
    assert answer["significant"] == 1 and answer["history_days"] == 84


def test_hour_of_week_matrix_adds_up_and_filters(planter, grids) -> None:
    plant(planter, grids)
    planter.cases(
        grids[1], [local(START + dt.timedelta(days=2), 7)], category="0103", channel="hotline_12345"
    )
    rollup.refresh(local(END + dt.timedelta(days=1)))
    f = filters.parse(start=START.isoformat(), end=END.isoformat(), level="h3_9")
    answer = hotspots(ALL, f, limit=5)
    matrix = answer["hour_of_week"]
    assert len(matrix) == 7 and all(len(row) == 24 for row in matrix)
    assert sum(map(sum, matrix)) == answer["total"] == 80 + 48 + 4 + 1
    assert matrix[0][10] > 0  # Mondays at 10:00 (weekly() plants the first report of a week then)
    both = filters.parse(
        start=START.isoformat(), end=END.isoformat(), category="0103", channel="hotline_12345"
    )
    narrowed = hotspots(ALL, both, limit=5)
    assert narrowed["total"] == 1 and narrowed["hour_of_week"][2][7] == 1
    assert answer["spots"][0]["boundary"]  # hexagons carry their outline for the map


def test_no_history_means_no_significance(planter, grids) -> None:
    planter.cases(grids[0], weekly(START, END, 10))
    rollup.refresh(local(END + dt.timedelta(days=1)))
    f = filters.parse(start=START.isoformat(), end=END.isoformat())
    answer = hotspots(ALL, f, limit=5)
    assert answer["spots"][0]["expected"] is None and answer["significant"] == 0


def test_poisson_tail_and_fdr() -> None:
    assert poisson_upper_tail(0, 3.0) == 1.0
    assert abs(poisson_upper_tail(1, 2.0) - (1 - 2.718281828459045**-2)) < 1e-12
    assert abs(poisson_upper_tail(5, 5.0) - 0.5595067149) < 1e-8
    assert 0 < poisson_upper_tail(200, 10.0) < 1e-100
    q = benjamini_hochberg([0.01, 0.04, 0.03, 0.5])
    assert (
        q[0] == 0.04 and abs(q[1] - 0.04 * 4 / 3) < 1e-12 and abs(q[2] - 0.04 * 4 / 3) < 1e-12 and q[3] == 0.5
    )

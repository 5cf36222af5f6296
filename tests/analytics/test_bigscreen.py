"""The big screen (/bigscreen/ and its API): today's intake by channel from the roll-ups, the lights
of open cases on the map, the units with the most red cases, hotspots and the month's evaluation,
each within the viewer's jurisdiction; for leaders and the command centre only; a Chinese page
without inline script or style."""

from __future__ import annotations

import datetime as dt

from django.db import models
from django.test import Client
from django.utils import timezone

from cityloop.analytics import rollup
from cityloop.analytics.open_rollup import SQUARE, refresh_open
from cityloop.cases.models import Case

API = "/api/v1/analytics/bigscreen"


def _today_cases(planter, grids, loop):
    """Today: 3 supervisor reports and 1 hotline report at grid 0 (street A), 2 supervisor reports
    at grid 5 (street B); open with lights: 2 red and 1 yellow for sanitation, 1 red for water."""
    now = timezone.now()
    times = [now - dt.timedelta(minutes=m) for m in (5, 6, 7)]
    a = planter.cases(grids[0], times)
    a += planter.cases(grids[0], [now - dt.timedelta(minutes=8)], channel="hotline_12345")
    b = planter.cases(grids[5], [now - dt.timedelta(minutes=9), now - dt.timedelta(minutes=10)])
    org = loop.org
    for case, light, unit in (
        (a[0], "red", org.sanitation),
        (a[1], "red", org.sanitation),
        (a[2], "yellow", org.sanitation),
        (b[0], "red", org.water),
    ):
        Case.objects.filter(pk=case.pk).update(light=light, responsible_unit=unit)
    rollup.refresh(now)
    refresh_open(now)
    return now


def test_snapshot_counts_today_lights_and_red_units(planter, grids, loop, api_as) -> None:
    _today_cases(planter, grids, loop)
    answer = api_as(loop.users["leader"]).get(API)
    assert answer.status_code == 200, answer.content
    data = answer.json()
    intake = data["intake"]
    assert intake["total"] == 6
    by_code = {c["code"]: c["n"] for c in intake["channels"]}
    assert by_code["supervisor"] == 5 and by_code["hotline_12345"] == 1
    assert intake["channels"][0]["code"] == "supervisor"  # busiest first
    assert sum(intake["hours"]) == 6
    lights = data["lights"]
    assert lights["totals"] == {"red": 3, "yellow": 1, "green": 0, "none": 2}
    assert lights["open"] == 6
    # Two squares (one per grid), the one holding red cases first, its worst light red.
    squares = lights["squares"]
    assert len(squares) == 2 and squares[0][2] == "red"
    by_place = {(round(s[0] * SQUARE), round(s[1] * SQUARE)): s for s in squares}
    centre = grids[0].centroid_lon, grids[0].centroid_lat
    mine = next(
        s for s in squares if abs(s[0] - centre[0]) < 1 / SQUARE and abs(s[1] - centre[1]) < 1 / SQUARE
    )
    assert mine[3:] == [4, 2, 1] and len(by_place) == 2
    units = data["red_units"]
    assert [(u["name"], u["red"], u["yellow"]) for u in units] == [
        (loop.org.sanitation.name, 2, 1),
        (loop.org.water.name, 1, 0),
    ]
    assert data["evaluation"] is None  # no run this month or last


def test_snapshot_within_jurisdiction_and_for_watchers_only(
    planter, grids, loop, api_as, other_district
) -> None:
    _today_cases(planter, grids, loop)
    # The other district's leader watches their own district: nothing of this one.
    north = api_as(other_district["leader"]).get(API).json()
    assert north["intake"]["total"] == 0 and north["lights"]["open"] == 0 and north["red_units"] == []
    # The district's operator (command centre) sees it all.
    assert api_as(loop.users["operator"]).get(API).json()["intake"]["total"] == 6
    # Unit staff and street managers are not command staff: refused, naming why.
    for name in ("street_a_manager", "sanitation_handler"):
        refused = api_as(loop.users[name]).get(API)
        assert refused.status_code == 403, (name, refused.content)
    assert api_as(None).get(API).status_code == 401


def test_standing_from_the_month_evaluation(planter, grids, loop, api_as, actor) -> None:
    from cityloop.evaluation.actions import compute_period

    _today_cases(planter, grids, loop)
    compute_period(actor=actor, period=timezone.localdate().strftime("%Y-%m"), scope=loop.org.city)
    standing = api_as(loop.users["leader"]).get(API).json()["evaluation"]
    assert standing is not None and standing["period"] == timezone.localdate().strftime("%Y-%m")
    assert standing["status"] == "draft"
    streets = next(t for t in standing["tables"] if t["subject"] == "street")
    # Bulk-planted cases are below the evaluation's minimum volume: nothing is ranked yet.
    assert streets["ranked"] == 0 and streets["top"] == []
    # Ranked streets stand in rank order, each with its index and grade.
    from cityloop.evaluation.models import Score

    rows = Score.objects.filter(subject="street", run__period=standing["period"])
    rows.filter(unit=loop.org.street_b).update(ranked=True, rank=1, index=92.5, grade="A")
    rows.filter(unit=loop.org.street_a).update(ranked=True, rank=2, index=71.0, grade="C")
    standing = api_as(loop.users["leader"]).get(API).json()["evaluation"]
    streets = next(t for t in standing["tables"] if t["subject"] == "street")
    assert [(r["rank"], r["name"], r["index"], r["grade"]) for r in streets["top"]] == [
        (1, loop.org.street_b.name, 92.5, "A"),
        (2, loop.org.street_a.name, 71.0, "C"),
    ]


def test_page_is_chinese_without_inline_code(planter, grids, loop) -> None:
    _today_cases(planter, grids, loop)
    client = Client()
    client.force_login(loop.users["leader"])
    page = client.get("/bigscreen/")
    assert page.status_code == 200
    html = page.content.decode()
    assert 'lang="zh-Hans"' in html and "今日受理" in html and "红灯最多的单位" in html and "件" in html
    assert 'id="wall-first"' in html and 'data-api="/api/v1/analytics/bigscreen"' in html
    assert "<script>" not in html and " style=" not in html
    # English words of the msgids never reach the wall (the account's language is ignored).
    for english in ("Intake today", "Red lights", "Hotspots", "Evaluation"):
        assert english not in html
    staff = Client()
    staff.force_login(loop.users["sanitation_handler"])
    assert staff.get("/bigscreen/").status_code == 403
    assert Client().get("/bigscreen/").status_code == 302


def test_open_rollup_is_recounted_wholly_by_the_sweep(planter, grids, loop) -> None:
    from cityloop.analytics.models import OpenCount
    from cityloop.notify.worker import run_sweep

    now = _today_cases(planter, grids, loop)
    assert OpenCount.objects.filter(level="square").aggregate(n=models.Sum("n"))["n"] == 6
    assert refresh_open(now) == {"open": 6, "rows": OpenCount.objects.count()}  # twice: the same rows
    # A light turned red and a case closed since: the next sweep shows both, whoever ran it before.
    first = Case.objects.filter(light="").order_by("pk").first()
    Case.objects.filter(pk=first.pk).update(light="red", responsible_unit=loop.org.water)
    Case.objects.filter(light="yellow").update(state="closed", closed_at=now)
    result = run_sweep(now)
    assert result["open_cases"]["open"] == 5 and "briefings" in result
    units = dict(
        OpenCount.objects.filter(level="unit", light="red").values_list("place").annotate(n=models.Sum("n"))
    )
    assert units == {str(loop.org.sanitation.pk): 2, str(loop.org.water.pk): 2}


def test_open_squares_counted_in_the_database_are_the_squares_of_square_of(planter, grids) -> None:
    """The database floors the scaled coordinates as ``square_of`` does, on both sides of an edge."""
    from cityloop.analytics.models import OpenCount
    from cityloop.analytics.open_rollup import square_of

    now = timezone.now()
    edges = [(120.4999999, 30.5), (120.5, 30.5), (120.5000001, 30.4999999), (121.1234567, 31.0009999)]
    cases = planter.cases(grids[0], [now - dt.timedelta(hours=1)] * len(edges), state="dispatched")
    for case, (lon, lat) in zip(cases, edges, strict=True):
        Case.objects.filter(pk=case.pk).update(lon=lon, lat=lat)
    refresh_open(now)
    held = dict(OpenCount.objects.filter(level="square").values_list("place", "n"))
    expected: dict[str, int] = {}
    for lon, lat in edges:
        expected[square_of(lon, lat)] = expected.get(square_of(lon, lat), 0) + 1
    assert held == expected and len(expected) == 4  # each on its own side of an edge

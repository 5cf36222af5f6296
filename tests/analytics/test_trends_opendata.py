"""Trends week over week and year over year with the holidays marked; the open-data export."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pyarrow.parquet as pq
from django.core.management import call_command

from cityloop.analytics import rollup
from cityloop.cases.models import Case
from cityloop.timeclock.models import CalendarDay

from .conftest import local

TRENDS = "/api/v1/analytics/trends"
EXPORT = "/api/v1/analytics/open-data"
LAST = dt.date(2026, 10, 4)  # a Sunday: the last week is 28 September – 4 October 2026


def _plant(planter, grids) -> None:
    # This week: 6 cases of 0102 (grid 0, street A) and 2 by hotline; the week before: 3; a year
    # (52 weeks) before this week: 2.
    this_week = [local(LAST - dt.timedelta(days=d)) for d in range(6)]
    planter.cases(grids[0], this_week)
    planter.cases(
        grids[5], [local(LAST), local(LAST - dt.timedelta(days=1))], channel="hotline_12345", category="0103"
    )
    planter.cases(grids[0], [local(LAST - dt.timedelta(days=8 + d)) for d in range(3)])
    planter.cases(grids[0], [local(LAST - dt.timedelta(days=364 + d)) for d in range(2)])
    CalendarDay.objects.update_or_create(
        calendar=None, date=dt.date(2026, 10, 1), defaults={"kind": "holiday", "name": "国庆节"}
    )
    rollup.refresh(local(LAST + dt.timedelta(days=1)))


def test_trends_week_over_week_and_year_over_year(planter, grids, loop, api_as) -> None:
    _plant(planter, grids)
    client = api_as(loop.users["leader"])
    body = client.get(TRENDS, by="category", weeks=4, to=LAST.isoformat()).json()
    assert body["summary"]["this_week"] == 8 and body["summary"]["previous_week"] == 3
    assert body["summary"]["wow"] == round(5 / 3, 4) and body["summary"]["last_year"] == 2
    assert len(body["days"]) == 28 and body["total"][-1] == 2 and sum(body["total_last_year"]) == 2
    assert {"date": "2026-10-01", "kind": "holiday", "name": "国庆节"} in body["holidays"]
    groups = {g["code"]: g for g in body["groups"]}  # classes: both subclasses are in class 01
    assert groups["01"]["this_week"] == 8 and groups["01"]["weekly"] == [0, 0, 3, 8]
    channels = {
        g["code"]: g["this_week"]
        for g in client.get(TRENDS, by="channel", weeks=4, to=LAST.isoformat()).json()["groups"]
    }
    assert channels == {"supervisor": 6, "hotline_12345": 2}
    streets = client.get(TRENDS, by="street", weeks=4, to=LAST.isoformat()).json()["groups"]
    assert {g["code"]: g["yoy"] for g in streets} == {"990100001": 2.0, "990100002": None}
    # A street sees its own: street B has only the hotline's two.
    own = api_as(loop.users["street_b_manager"]).get(TRENDS, to=LAST.isoformat(), weeks=2).json()
    assert own["summary"]["this_week"] == 2
    for bad, field in (({"by": "grid"}, "by"), ({"weeks": 54}, "weeks"), ({"to": "2026-13-01"}, "to")):
        answer = client.get(TRENDS, **bad)
        assert answer.status_code == 422 and field in answer.content.decode()


def test_open_data_is_anonymised_and_restricted(planter, grids, loop, api_as, tmp_path) -> None:
    _plant(planter, grids)
    Case.objects.update(
        reporter_name="张三",
        reporter_phone="13800000000",
        address="示范路1号",
        description="门口 13800000000",
    )
    period = {"from": (LAST - dt.timedelta(days=30)).isoformat(), "to": LAST.isoformat()}
    answer = api_as(loop.users["leader"]).get(EXPORT, **period)
    assert answer.status_code == 200 and answer["Content-Type"].startswith("text/csv")
    text = b"".join(answer.streaming_content).decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text)))
    assert len(rows) == 11
    assert "13800000000" not in text and "张三" not in text and "示范路" not in text and "门口" not in text
    assert str(grids[0].centroid_lon)[:8] not in text  # the exact place is not published
    assert rows[0]["cell"] and len(rows[0]["cell"]) == 15 and rows[0]["reported_hour"].endswith(":00")
    parquet = api_as(loop.users["admin"]).get(EXPORT, format="parquet", resolution=7, **period)
    assert parquet.status_code == 200
    path = tmp_path / "x.parquet"
    path.write_bytes(b"".join(parquet.streaming_content))
    table = pq.read_table(path)
    assert table.num_rows == 11 and "description" not in table.column_names
    # Only leaders and administrators export, only in their own area.
    assert api_as(loop.users["dispatcher"]).get(EXPORT).status_code == 403
    assert api_as(loop.users["leader"]).get(EXPORT, resolution=10).status_code == 422
    # The command writes the same rows.
    out = tmp_path / "cases.csv"
    call_command("analytics", "export", "--from", period["from"], "--to", period["to"], "--out", str(out))
    assert len(out.read_text(encoding="utf-8-sig").splitlines()) == 12

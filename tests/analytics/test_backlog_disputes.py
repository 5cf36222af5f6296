"""The backlog by step and unit with the stuck cases, and the disputes between unit pairs."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from cityloop.analytics import rollup
from cityloop.cases.models import Case
from cityloop.routing.models import Arbitration, ReturnRecord

BACKLOG = "/api/v1/analytics/backlog"
DISPUTES = "/api/v1/analytics/disputes"


@pytest.fixture
def open_cases(planter, grids, loop):
    now = timezone.now()
    old = planter.cases(grids[0], [now - dt.timedelta(days=40)], state="on_hold")[0]
    mid = planter.cases(grids[0], [now - dt.timedelta(days=5)], state="dispatched")[0]
    fresh = planter.cases(grids[5], [now - dt.timedelta(hours=3)], state="reported")[0]
    planter.cases(grids[5], [now - dt.timedelta(days=50)], closed_after=dt.timedelta(days=1))  # closed
    Case.objects.filter(pk=old.pk).update(
        current_step="dispose", responsible_unit=loop.org.sanitation, returns_count=2, holds_count=1
    )
    Case.objects.filter(pk=mid.pk).update(
        current_step="dispose",
        light="red",
        responsible_unit=loop.org.water,
        deadline_at=now - dt.timedelta(days=1),
    )
    Case.objects.filter(pk=fresh.pk).update(current_step="accept", light="green")
    rollup.refresh(now)
    return {"old": old, "mid": mid, "fresh": fresh}


def test_backlog_by_step_unit_and_stuck(open_cases, loop, api_as) -> None:
    answer = api_as(loop.users["leader"]).get(BACKLOG)
    assert answer.status_code == 200, answer.content
    body = answer.json()
    assert body["total"]["total"] == 3 and body["total"]["held"] == 1
    assert body["total"]["buckets"] == [1, 0, 1, 0, 1] and body["total"]["lights"]["red"] == 1
    steps = {s["step"]["code"]: s for s in body["steps"]}
    assert steps["dispose"]["total"] == 2 and steps["accept"]["buckets"][0] == 1
    units = {u["unit"]["code"]: u["total"] for u in body["units"]}
    assert units == {"D-SANI": 1, "D-WATER": 1, "": 1}
    stuck = body["stuck"]
    assert [s["number"] for s in stuck] == [open_cases[k].number for k in ("old", "mid", "fresh")]
    assert stuck[0]["reasons"] == ["held", "returned"] and stuck[0]["unit"]["code"] == "D-SANI"
    assert "overdue" in stuck[1]["reasons"] and "undispatched" in stuck[2]["reasons"]


def test_backlog_within_jurisdiction(open_cases, loop, api_as) -> None:
    street_b = api_as(loop.users["street_b_manager"]).get(BACKLOG).json()
    assert street_b["total"]["total"] == 1 and [s["number"] for s in street_b["stuck"]] == [
        open_cases["fresh"].number
    ]
    water = api_as(loop.users["water_handler"]).get(BACKLOG).json()  # the unit it was sent to
    assert water["total"]["total"] == 1 and water["stuck"][0]["number"] == open_cases["mid"].number
    assert api_as(loop.users["leader"]).get(BACKLOG, stuck=101).status_code == 422


def _returns(loop, actor) -> None:
    org, at = loop.org, timezone.now() - dt.timedelta(days=2)
    common = {"district": org.district, "approved_by": actor, "approved_at": at, "kind": "event"}
    rows = [
        (org.water, org.sanitation, "0102"),
        (org.water, org.sanitation, "0102"),
        (org.sanitation, org.water, "0102"),
        (org.water, org.sanitation, "0103"),
        (org.street_a, org.water, "0102"),
    ]
    ReturnRecord.objects.bulk_create(
        [
            ReturnRecord(
                case_id=i, case_number=f"R{i}", returning_unit=a, suggested_unit=b, category_code=c, **common
            )
            for i, (a, b, c) in enumerate(rows, start=1)
        ]
    )
    history = [
        {"returned_by": {"id": org.water.pk}, "suggested_unit": {"id": org.sanitation.pk}},
        {"returned_by": {"id": org.sanitation.pk}, "suggested_unit": {"id": org.water.pk}},
    ]
    Arbitration.objects.create(
        case_id=1,
        case_number="R1",
        district=org.district,
        kind="event",
        category_code="0102",
        history=history,
        opened_at=at,
        opened_by=actor,
        state="ruled",
        ruled_unit=org.sanitation,
    )


def test_disputes_pairs_categories_and_matrix(loop, actor, api_as) -> None:
    _returns(loop, actor)
    body = api_as(loop.users["leader"]).get(DISPUTES).json()
    assert body["returns"] == 5 and body["arbitrations"] == 1
    top = body["pairs"][0]
    assert {top["a"]["code"], top["b"]["code"]} == {"D-WATER", "D-SANI"}
    assert top["returns"] == 4 and top["arbitrations"] == 1 and top["open_arbitrations"] == 0
    water_first = top["a"]["code"] == "D-WATER"
    assert (top["a_to_b"], top["b_to_a"]) == ((3, 1) if water_first else (1, 3))
    assert top["ruled_to_a" if not water_first else "ruled_to_b"] == 1
    cats = {c["code"]: (c["returns"], c["arbitrations"]) for c in top["categories"]}
    assert cats == {"0102": (2 + 1, 1), "0103": (1, 0)}
    matrix = body["matrix"]
    codes = [u["code"] for u in matrix["units"]]
    cells = {(codes[i], codes[j]): n for i, j, n in matrix["cells"]}
    assert cells[("D-WATER", "D-SANI")] == 3 and cells[("D-SANI", "D-WATER")] == 1
    only = api_as(loop.users["leader"]).get(DISPUTES, category="0103").json()
    assert only["returns"] == 1 and only["arbitrations"] == 0
    old = api_as(loop.users["leader"]).get(DISPUTES, to="2020-01-01").json()
    assert old["returns"] == 0 and old["pairs"] == []


@pytest.mark.parametrize(
    ("params", "field"),
    [({"from": "2026-02-31"}, "from"), ({"category": "x"}, "category"), ({"limit": 0}, "limit")],
)
def test_disputes_bad_input(loop, api_as, params, field) -> None:
    answer = api_as(loop.users["leader"]).get(DISPUTES, **params)
    assert answer.status_code in (400, 422) and field in answer.content.decode()


def test_the_snapshot_follows_the_cases(open_cases, loop, api_as) -> None:
    # The sweep rewrites only the groups that changed; the answer always equals a fresh count.
    Case.objects.filter(pk=open_cases["old"].pk).update(state="closed", closed_at=timezone.now())
    rollup.refresh(timezone.now() + dt.timedelta(minutes=1), settle=False)
    body = api_as(loop.users["leader"]).get(BACKLOG).json()
    assert body["total"]["total"] == 2 and body["total"]["held"] == 0 and body["total"]["buckets"][-1] == 0
    assert body["taken_at"] is not None


def test_age_buckets_at_their_edges(planter, grids) -> None:
    """A case is in the bucket whose days it has not yet passed: exactly one day old is 1–3 days."""
    from cityloop.analytics.backlog import snapshot
    from cityloop.analytics.models import BacklogCount

    now = timezone.now()
    ages = [dt.timedelta(hours=23, minutes=59), dt.timedelta(days=1), dt.timedelta(days=2, hours=23)]
    ages += [dt.timedelta(days=3), dt.timedelta(days=29, hours=23), dt.timedelta(days=30)]
    planter.cases(grids[0], [now - age for age in ages], state="dispatched")
    assert snapshot(now) == 6
    per_bucket = dict.fromkeys(range(5), 0)
    for bucket, n in BacklogCount.objects.values_list("bucket", "n"):
        per_bucket[bucket] += n
    assert per_bucket == {0: 1, 1: 2, 2: 1, 3: 1, 4: 1}

"""The credit, lists, groups and analysis API: jurisdiction, writes by the street's officers only,
bad input answered with 4xx naming the field."""

from __future__ import annotations

import datetime as dt

import pytest

from cityloop.frontage import index
from cityloop.frontage.correction_actions import answer_fixed
from cityloop.frontage.credit_actions import recompute_credit
from cityloop.frontage.models import CreditListing, ListKind, SelfCorrection

from .loopkit import shop_at_point_a
from .test_loop import photo, registered

MONTH = "2026-09"


@pytest.fixture
def scored(loop, actor):
    index.reset()
    party = shop_at_point_a(actor)
    case = registered(loop)
    answer_fixed(SelfCorrection.objects.get(case_id=case.pk).pk, actor=party.account, photo=photo())
    recompute_credit(actor=actor, month=dt.date(2026, 9, 1))
    return party


def test_credit_is_ranked_and_scoped(loop, scored, api_as):
    org = loop.org
    page = api_as(org.users["street_a_manager"]).get("/api/v1/frontage/credit", month=MONTH).json()
    assert [r["party"] for r in page["items"]] == [scored.uscc] and page["items"][0]["score"] == 90.0
    assert (
        api_as(org.users["street_b_manager"]).get("/api/v1/frontage/credit", month=MONTH).json()["count"] == 0
    )
    assert (
        api_as(org.users["street_a_manager"]).get("/api/v1/frontage/credit", month="2026-13").status_code
        == 422
    )
    # Found by the fuzzer: year 0 reached the date constructor (a 500).
    for month in ("0000-01", "1999-12"):
        assert (
            api_as(org.users["street_a_manager"]).get("/api/v1/frontage/credit", month=month).status_code
            == 422
        )
    history = api_as(org.users["leader"]).get(f"/api/v1/frontage/credit/{scored.uscc}").json()
    assert history["scores"][0]["month"] == MONTH
    assert (
        api_as(org.users["street_b_manager"]).get(f"/api/v1/frontage/credit/{scored.uscc}").status_code == 404
    )
    assert api_as(scored.account).get("/api/v1/frontage/credit").json()["count"] == 0


def test_recompute_needs_an_administrator(loop, scored, api_as):
    org = loop.org
    assert (
        api_as(org.users["street_a_manager"])
        .post("/api/v1/frontage/credit/recompute", {"month": MONTH})
        .status_code
        == 403
    )
    done = api_as(org.users["admin"]).post("/api/v1/frontage/credit/recompute", {"month": MONTH})
    assert done.status_code == 200 and done.json()["parties"] == 1
    assert (
        api_as(org.users["admin"]).post("/api/v1/frontage/credit/recompute", {"month": "x"}).status_code
        == 422
    )


def test_lists_and_lifting(loop, scored, api_as):
    org = loop.org
    row = CreditListing.objects.create(
        party=scored,
        kind=ListKind.BLACK,
        since=dt.date(2026, 1, 1),
        reason="信用分过低",
        street=scored.street,
    )
    listed = api_as(org.users["leader"]).get("/api/v1/frontage/lists", kind="black").json()
    assert [r["party"] for r in listed["items"]] == [scored.uscc]
    assert api_as(org.users["street_b_manager"]).get("/api/v1/frontage/lists").json()["count"] == 0
    url = f"/api/v1/frontage/lists/{row.pk}/lift"
    assert api_as(org.users["leader"]).post(url, {"reason": "复查合格"}).status_code == 403
    assert api_as(org.users["street_b_manager"]).post(url, {"reason": "复查合格"}).status_code == 404
    assert api_as(org.users["street_a_manager"]).post(url, {"reason": ""}).status_code == 422
    lifted = api_as(org.users["street_a_manager"]).post(url, {"reason": "复查合格，信用修复"})
    assert lifted.status_code == 200 and lifted.json()["until"]
    assert api_as(org.users["street_a_manager"]).post(url, {"reason": "再次"}).status_code == 400


def test_groups_api(loop, scored, api_as, actor):
    org = loop.org
    manager = api_as(org.users["street_a_manager"])
    assert (
        manager.post("/api/v1/frontage/groups", {"street": org.street_b.code, "name": "联盟"}).status_code
        == 403
    )
    made = manager.post("/api/v1/frontage/groups", {"street": org.street_a.code, "name": "东街商户自治联盟"})
    assert made.status_code == 201
    group = made.json()["id"]
    assert manager.post(f"/api/v1/frontage/groups/{group}/members", {"party": scored.uscc}).json()["members"]
    assert manager.post(f"/api/v1/frontage/groups/{group}/members", {"party": "x"}).status_code == 422
    assert (
        manager.post(f"/api/v1/frontage/groups/{group}/leader", {"party": scored.uscc}).json()["leader"]
        == scored.uscc
    )
    assert api_as(org.users["street_b_manager"]).get(f"/api/v1/frontage/groups/{group}").status_code == 404
    assert (
        api_as(org.users["leader"])
        .post(f"/api/v1/frontage/groups/{group}/leave", {"party": scored.uscc})
        .status_code
        == 403
    )
    left = manager.post(f"/api/v1/frontage/groups/{group}/leave", {"party": scored.uscc}).json()
    assert left["members"] == [] and left["leader"] is None


def test_analysis(loop, scored, api_as):
    org = loop.org
    answer = api_as(org.users["leader"]).get("/api/v1/frontage/analysis").json()
    assert answer["totals"]["cases"] == 1 and answer["totals"]["self_correction_rate"] == 1.0
    assert sum(map(sum, answer["hour_of_week"])) == 1 and len(answer["hour_of_week"]) == 7
    assert (
        answer["streets"][0]["street"] == org.street_a.code and answer["parties"][0]["party"] == scored.uscc
    )
    assert (
        api_as(org.users["street_b_manager"]).get("/api/v1/frontage/analysis").json()["totals"]["cases"] == 0
    )
    bad = api_as(org.users["leader"]).get("/api/v1/frontage/analysis", since="2026-12-01", until="2026-01-01")
    assert bad.status_code == 400

"""Points for registered reports, the leaderboard switch, and the public map's reads."""

from __future__ import annotations

from typing import Any

import pytest

from cityloop.cases.engine import perform
from cityloop.cases.models import Case
from cityloop.core.audit import public_actor
from cityloop.core.models import AuditEntry
from cityloop.participation import points
from cityloop.participation.models import Citizen, PointAward

from .conftest import PHONE, POINT_A, POINT_B, Loop

pytestmark = pytest.mark.django_db


def citizen_report(loop: Loop, phone: str = PHONE, point: tuple[float, float] = POINT_A, **kw: Any) -> Case:
    return loop.report(
        channel="citizen_web",
        actor=public_actor(),
        reporter_phone=phone,
        reporter_name="张三",
        point=point,
        **kw,
    )


def registered(loop: Loop, case: Case) -> Case:
    return loop.drive(case, "send_for_verification", "verify", "accept", "register")


def test_registered_report_earns_points_once(
    loop: Loop, citizen: Citizen, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        case = registered(loop, citizen_report(loop))
    citizen.refresh_from_db()
    assert citizen.points == 10
    award = PointAward.objects.get()
    assert award.case_number == case.number and award.rule.code == points.REGISTERED
    assert AuditEntry.objects.filter(action="participation.points.award").count() == 1
    # Said again (a retried signal): nothing more.
    points.on_registered({"id": case.pk, "number": case.number, "reporter_phone": PHONE})
    citizen.refresh_from_db()
    assert citizen.points == 10


def test_unverified_phones_and_switched_off_rules_earn_nothing(
    loop: Loop, citizen: Citizen, actor: Any, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        registered(loop, citizen_report(loop, phone="13900000000"))
    points.save_points_rule(actor=actor, code=points.REGISTERED, name="有效上报", points=10, active=False)
    with django_capture_on_commit_callbacks(execute=True):
        registered(loop, citizen_report(loop))
    assert not PointAward.objects.exists()


def test_leaderboard_is_off_until_switched_on_and_masked(loop: Loop, citizen: Citizen, api_as: Any) -> None:
    Citizen.objects.filter(pk=citizen.pk).update(points=30, nickname="王小明")
    assert points.leaderboard() is None
    assert api_as(None).get("/api/v1/public/leaderboard").json() == {"enabled": False, "rows": []}
    # Only leaders and administrators switch it.
    body = {"leaderboard_enabled": True, "staff_photos_public": False}
    manager = api_as(loop.users["street_a_manager"])
    assert (
        manager.client.put(
            "/api/v1/participation/settings", body, content_type="application/json", headers=manager.headers
        ).status_code
        == 403
    )
    leader = api_as(loop.users["leader"])
    put = leader.client.put(
        "/api/v1/participation/settings", body, content_type="application/json", headers=leader.headers
    )
    assert put.status_code == 200, put.content
    rows = api_as(None).get("/api/v1/public/leaderboard").json()["rows"]
    assert rows == [{"rank": 1, "name": "王**", "points": 30}]


BOX = "120.0,30.0,121.0,31.0"


def test_public_map_shows_no_personal_data(loop: Loop, api_as: Any) -> None:
    case = citizen_report(loop, description="我家门口13812345678的井盖坏了", address="幸福小区3栋302")
    anonymous = api_as(None)
    listed = anonymous.get("/api/v1/public/cases", bbox=_box_around(case))
    assert listed.status_code == 200, listed.content
    text = listed.content.decode()
    assert case.number in text
    for secret in ("13812345678", "张三", "幸福小区", "井盖坏了"):
        assert secret not in text
    detail = anonymous.get(f"/api/v1/public/cases/{case.number}").json()
    assert detail["state"] == "reported" and detail["photos"] == [] and detail["reports"] == 1
    assert "13812345678" not in str(detail)
    assert round(detail["lon"], 4) == detail["lon"]


def _box_around(case: Case, d: float = 0.05) -> str:
    return f"{case.lon - d},{case.lat - d},{case.lon + d},{case.lat + d}"


def test_photos_only_with_consent(loop: Loop, api_as: Any) -> None:
    with_consent = citizen_report(
        loop, attachments=[loop.photo(public_actor(), "report")], photos_public=True
    )
    without = citizen_report(loop, attachments=[loop.photo(public_actor(), "report")], point=POINT_B)
    staff = loop.report(attachments=[loop.photo(loop.users["supervisor_a"], "report")])
    api = api_as(None)
    photos = api.get(f"/api/v1/public/cases/{with_consent.number}").json()["photos"]
    assert len(photos) == 1
    assert api.client.get(photos[0]).status_code == 200
    assert api.get(f"/api/v1/public/cases/{without.number}").json()["photos"] == []
    assert api.get(f"/api/v1/public/cases/{staff.number}").json()["photos"] == []
    # The photo of a case without consent is not found by guessing its id.
    hidden = without.attachments.get()
    assert api.client.get(f"/public/map/cases/{without.number}/photos/{hidden.pk}/").status_code == 404
    points.save_settings(actor=loop.users["leader"], leaderboard_enabled=False, staff_photos_public=True)
    assert len(api.get(f"/api/v1/public/cases/{staff.number}").json()["photos"]) == 1


def test_merged_reports_show_as_their_joined_case(loop: Loop, api_as: Any) -> None:
    first = loop.report()
    second = citizen_report(loop)
    second = loop.drive(second, "send_for_verification", "verify")
    perform(second, "merge", actor=loop.users["operator"], payload={"into": first.number})
    api = api_as(None)
    shown = api.get(f"/api/v1/public/cases/{second.number}").json()
    assert shown["number"] == first.number and shown["reports"] == 2
    numbers = [r["number"] for r in api.get("/api/v1/public/cases", bbox=_box_around(first)).json()["items"]]
    assert first.number in numbers and second.number not in numbers


def test_filters_and_refusals(loop: Loop, api_as: Any) -> None:
    open_case = loop.report(point=POINT_B, actor=loop.users["supervisor_b"])
    closed = loop.drive(
        loop.report(), "accept", "register", "dispatch", "dispose", "send_for_check", "check_pass", "close"
    )
    api = api_as(None)
    box = _box_around(open_case, 0.2)
    by_state = api.get("/api/v1/public/cases", bbox=box, state="closed").json()["items"]
    assert [r["number"] for r in by_state] == [closed.number]
    assert by_state[0]["state_label"] == "已解决" and by_state[0]["closed_on"]
    assert api.get("/api/v1/public/cases", bbox=box, category="01").json()["count"] >= 1
    assert api.get("/api/v1/public/cases", bbox=box, area=loop.org.street_b.code).json()["count"] >= 1
    markers = api.get("/api/v1/public/points", bbox=box).json()
    assert {m[0] for m in markers["points"]} >= {open_case.number, closed.number} and not markers["truncated"]
    for params, field in [
        ({"bbox": "1,2,3"}, "bbox"),
        ({"bbox": "a,b,c,d"}, "bbox"),
        ({"bbox": "100,20,110,30"}, "bbox"),
        ({"bbox": "121,31,120,30"}, "bbox"),
        ({"bbox": box, "area": "nope"}, "area"),
        ({"bbox": box, "since": "2026-01-01", "until": "2025-01-01"}, "since"),
    ]:
        refused = api.get("/api/v1/public/cases", **params)
        assert refused.status_code == 400 and field in refused.content.decode(), params
    assert api.get("/api/v1/public/cases", bbox=box, state="bogus").status_code == 422
    assert api.get("/api/v1/public/cases/NOPE").status_code == 404
    not_accepted = loop.drive(loop.report(), "not_accept")
    assert api.get(f"/api/v1/public/cases/{not_accepted.number}").status_code == 404

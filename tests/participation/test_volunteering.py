"""Volunteers and representatives: registration, approval within the street, sign-ups with a
capacity, attendance and hours, cleanup records, visits whose findings become reports, suggestions."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.cases.models import Case
from cityloop.core.audit import public_actor
from cityloop.core.models import AuditEntry
from cityloop.participation import actions, verification
from cityloop.participation.models import Activity, CleanupRecord, Signup, Suggestion, Volunteer

from .conftest import OTHER_PHONE, PHONE, POINT_A, Loop, token_for

pytestmark = pytest.mark.django_db


def citizen_api(api_as: Any, phone: str = PHONE) -> Any:
    api = api_as(None)
    api.headers["X-Citizen-Token"] = token_for(phone)
    return api


def test_registration_is_approved_by_its_street_only(loop: Loop, api_as: Any) -> None:
    me = citizen_api(api_as)
    made = me.post(
        "/api/v1/public/volunteers", {"kind": "volunteer", "name": "王小明", "street": loop.org.street_a.code}
    )
    assert made.status_code == 201, made.content
    assert made.json()["status"] == "pending"
    assert (
        me.post(
            "/api/v1/public/volunteers",
            {"kind": "volunteer", "name": "王小明", "street": loop.org.street_a.code},
        ).status_code
        == 400
    )
    vid = made.json()["id"]
    other = api_as(loop.users["street_b_manager"])
    assert other.get("/api/v1/participation/volunteers").json()["count"] == 0
    assert (
        other.post(f"/api/v1/participation/volunteers/{vid}/decision", {"approve": True}).status_code == 404
    )
    handler = api_as(loop.users["water_handler"])
    assert handler.post(
        f"/api/v1/participation/volunteers/{vid}/decision", {"approve": True}
    ).status_code in (403, 404)
    manager = api_as(loop.users["street_a_manager"])
    listed = manager.get("/api/v1/participation/volunteers", status="pending").json()
    assert listed["items"][0]["phone"] == "138****5678"
    ok = manager.post(f"/api/v1/participation/volunteers/{vid}/decision", {"approve": True})
    assert ok.status_code == 200 and ok.json()["status"] == "approved"
    assert (
        manager.post(f"/api/v1/participation/volunteers/{vid}/decision", {"approve": False}).status_code
        == 400
    )
    assert AuditEntry.objects.filter(action="participation.volunteer.decide").count() == 1
    assert me.get("/api/v1/public/me").json()["volunteer"]["status"] == "approved"


def test_sign_up_capacity_cancel_attendance(
    loop: Loop, volunteer: Volunteer, activity: Activity, api_as: Any
) -> None:
    me = citizen_api(api_as)
    listed = me.get("/api/v1/public/activities")
    assert listed.json()[0]["taken"] == 0, listed.content
    assert me.post(f"/api/v1/public/activities/{activity.pk}/signup").status_code == 201
    assert me.post(f"/api/v1/public/activities/{activity.pk}/signup").status_code == 400
    # Two places: a second volunteer takes the last one, a third finds it full.
    for phone, name in ((OTHER_PHONE, "李四"), ("13700000001", "赵五")):
        v = actions.register_volunteer(
            actor=public_actor(),
            citizen=verification.verified_citizen(phone),
            kind="volunteer",
            name=name,
            street=loop.org.street_a,
        )
        actions.decide_volunteer(actor=loop.users["street_a_manager"], volunteer=v, approve=True)
    assert (
        citizen_api(api_as, OTHER_PHONE).post(f"/api/v1/public/activities/{activity.pk}/signup").status_code
        == 201
    )
    full = citizen_api(api_as, "13700000001").post(f"/api/v1/public/activities/{activity.pk}/signup")
    assert full.status_code == 400 and "activity" in full.content.decode()
    assert me.post(f"/api/v1/public/activities/{activity.pk}/cancel").status_code == 200
    assert (
        citizen_api(api_as, "13700000001").post(f"/api/v1/public/activities/{activity.pk}/signup").status_code
        == 201
    )
    # Pending volunteers may not sign up.
    pending = actions.register_volunteer(
        actor=public_actor(),
        citizen=verification.verified_citizen("13700000002"),
        kind="volunteer",
        name="钱六",
        street=loop.org.street_a,
    )
    with pytest.raises(ValidationError):
        actions.sign_up(actor=public_actor(), activity=activity, volunteer=pending)
    manager = api_as(loop.users["street_a_manager"])
    signup = Signup.objects.filter(activity=activity, cancelled_at__isnull=True).first()
    done = manager.post(
        f"/api/v1/participation/signups/{signup.pk}/attendance", {"attended": True, "hours": "3.5"}
    )
    assert done.status_code == 200 and done.json()["hours"] == "3.5"
    assert (
        manager.post(
            f"/api/v1/participation/signups/{signup.pk}/attendance", {"attended": True, "hours": "30"}
        ).status_code
        == 422
    )
    assert (
        api_as(loop.users["street_b_manager"])
        .post(f"/api/v1/participation/signups/{signup.pk}/attendance", {"attended": True})
        .status_code
        == 404
    )


def test_cleanup_after_the_start_by_those_signed_up(
    loop: Loop, volunteer: Volunteer, activity: Activity, api_as: Any
) -> None:
    me = citizen_api(api_as)
    body = {"refuse_kg": "12.5", "spots_cleaned": 4, "note": "河边"}
    assert (
        me.post(f"/api/v1/public/activities/{activity.pk}/cleanups", body).status_code == 400
    )  # not signed up
    me.post(f"/api/v1/public/activities/{activity.pk}/signup")
    assert (
        me.post(f"/api/v1/public/activities/{activity.pk}/cleanups", body).status_code == 400
    )  # not started
    Activity.objects.filter(pk=activity.pk).update(starts_at=timezone.now() - dt.timedelta(hours=1))
    done = me.post(f"/api/v1/public/activities/{activity.pk}/cleanups", body)
    assert done.status_code == 201, done.content
    assert (
        me.post(f"/api/v1/public/activities/{activity.pk}/cleanups", {**body, "refuse_kg": "-1"}).status_code
        == 422
    )
    detail = (
        api_as(loop.users["street_a_manager"]).get(f"/api/v1/participation/activities/{activity.pk}").json()
    )
    assert detail["refuse_kg"] == "12.5" and detail["spots_cleaned"] == 4
    assert CleanupRecord.objects.get().refuse_kg == Decimal("12.5")


def test_activities_are_made_within_the_jurisdiction(loop: Loop, api_as: Any) -> None:
    start = (timezone.now() + dt.timedelta(days=3)).isoformat()
    end = (timezone.now() + dt.timedelta(days=3, hours=2)).isoformat()
    body = {
        "title": "垃圾分类宣传",
        "street": loop.org.street_a.code,
        "place": "广场",
        "starts_at": start,
        "ends_at": end,
        "capacity": 10,
    }
    assert (
        api_as(loop.users["street_b_manager"]).post("/api/v1/participation/activities", body).status_code
        == 403
    )
    manager = api_as(loop.users["street_a_manager"])
    # Found by the fuzzer: a missing street was a 500.
    missing = manager.post("/api/v1/participation/activities", {**body, "street": ""})
    assert missing.status_code == 400 and missing.json()["field"] == "street"
    made = manager.post("/api/v1/participation/activities", body)
    assert made.status_code == 201, made.content
    assert (
        manager.post(
            "/api/v1/participation/activities", {**body, "ends_at": start, "starts_at": end}
        ).status_code
        == 400
    )
    assert manager.post(
        "/api/v1/participation/activities", {**body, "street": loop.org.community_a.code}
    ).status_code in (400, 403)


def test_visit_findings_become_reports(loop: Loop, citizen: Any, rep_channel: None, api_as: Any) -> None:
    rep = actions.register_volunteer(
        actor=public_actor(), citizen=citizen, kind="representative", name="孙代表", street=loop.org.street_a
    )
    me = citizen_api(api_as)
    body = {
        "place": "东街道菜市场",
        "at": timezone.now().isoformat(),
        "findings": [{"description": "占道经营", "lon": POINT_A[0], "lat": POINT_A[1]}],
    }
    assert me.post("/api/v1/public/visits", body).status_code == 400  # not approved yet
    actions.decide_volunteer(actor=loop.users["street_a_manager"], volunteer=rep, approve=True)
    done = me.post("/api/v1/public/visits", body)
    assert done.status_code == 201, done.content
    number = done.json()["findings"][0]["case_number"]
    case = Case.objects.get(number=number)
    assert (
        case.channel.code == "citizen_rep" and case.reporter_phone == PHONE and "占道经营" in case.description
    )
    # The channel is not open to the reports API.
    plain = api_as(None).post(
        "/api/v1/reports",
        {
            "channel": "citizen_rep",
            "description": "x",
            "lon": POINT_A[0],
            "lat": POINT_A[1],
            "reporter_phone": PHONE,
        },
    )
    assert plain.status_code == 400


def test_suggestions_are_answered_and_read_back(loop: Loop, api_as: Any) -> None:
    me = citizen_api(api_as)
    made = me.post(
        "/api/v1/public/suggestions",
        {"title": "增加垃圾桶", "text": "公园东门缺少垃圾桶", "street": loop.org.street_a.code},
    )
    assert made.status_code == 201
    sid = made.json()["id"]
    assert (
        api_as(loop.users["street_b_manager"])
        .post(f"/api/v1/participation/suggestions/{sid}/answer", {"answer": "好"})
        .status_code
        == 404
    )
    manager = api_as(loop.users["street_a_manager"])
    assert manager.get("/api/v1/participation/suggestions", answered=False).json()["count"] == 1
    assert (
        manager.post(f"/api/v1/participation/suggestions/{sid}/answer", {"answer": "已安排增设"}).status_code
        == 200
    )
    mine = me.get("/api/v1/public/me/suggestions").json()
    assert mine[0]["answer"] == "已安排增设"
    assert citizen_api(api_as, OTHER_PHONE).get("/api/v1/public/me/suggestions").json() == []
    assert Suggestion.objects.get().answered_by == loop.users["street_a_manager"]

"""The community pages: the station head's phone page and a task's page, the alley head's page and
the street's overview; who may open them and what a form post does."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cityloop.community.alleys import register_segment
from cityloop.community.models import AlleyCheckIn, Task

from .conftest import POINT_A, Community, png_bytes

pytestmark = pytest.mark.django_db


def _client(community: Community, name: str) -> Client:
    client = Client()
    client.force_login(community.users[name])
    return client


def test_station_page_raise_assign_and_solve(community: Community) -> None:
    head = _client(community, "station_head")
    page = head.get("/community/")
    assert page.status_code == 200 and "东一社区工作站" in page.content.decode()
    answer = head.post(
        "/community/",
        {
            "action": "raise",
            "description": "下水管漏水",
            "source": "resident",
            "lon": POINT_A[0],
            "lat": POINT_A[1],
        },
    )
    assert answer.status_code == 302, answer.content.decode()[:2000]
    task = Task.objects.get()
    answer = head.post(
        f"/community/tasks/{task.pk}/", {"action": "assign", "assignee": f"pro:{community.plumber.pk}"}
    )
    assert answer.status_code == 302
    plumber = _client(community, "plumber_user")
    answer = plumber.post(f"/community/tasks/{task.pk}/", {"action": "solve", "solution": "已修好"})
    assert answer.status_code == 400  # the photo is missing
    photo = SimpleUploadedFile("after.png", png_bytes(), content_type="image/png")
    answer = plumber.post(
        f"/community/tasks/{task.pk}/", {"action": "solve", "solution": "已修好", "photos": photo}
    )
    assert answer.status_code == 302
    task.refresh_from_db()
    assert task.state == "solved"
    photo_row = task.photos.get()
    assert head.get(f"/community/tasks/{task.pk}/photos/{photo_row.pk}/").status_code == 200


def test_other_communities_cannot_open_or_act(community: Community) -> None:
    head = _client(community, "station_head")
    head.post(
        "/community/",
        {"action": "raise", "description": "漏水", "source": "head", "lon": POINT_A[0], "lat": POINT_A[1]},
    )
    task = Task.objects.get()
    other = _client(community, "station_head_b")
    assert other.get(f"/community/tasks/{task.pk}/").status_code == 404
    assert (
        other.post(f"/community/tasks/{task.pk}/", {"action": "escalate", "reason": "x"}).status_code == 404
    )
    building = _client(community, "building_head")
    assert (
        building.post(f"/community/tasks/{task.pk}/", {"action": "escalate", "reason": "x"}).status_code
        == 403
    )
    assert _client(community, "water_handler").get("/community/street/").status_code == 403
    assert Client().get("/community/").status_code == 302


def _segment(community: Community) -> None:
    lon, lat = POINT_A
    register_segment(
        actor=community.users["street_a_manager"],
        code="A-001",
        name="东一巷",
        street=community.loop.org.street_a,
        geometry=f"LINESTRING ({lon} {lat}, {lon + 0.003} {lat})",
        responsible=community.users["building_head"],
        post="巷长",
        duties="每日巡查",
    )


def test_alley_page_checks_in_and_overview_shows_it(community: Community) -> None:
    lon, lat = POINT_A
    _segment(community)
    manager = _client(community, "street_a_manager")
    assert "东一巷" in manager.get("/community/street/").content.decode()
    me = _client(community, "building_head")
    assert "东一巷" in me.get("/community/alleys/").content.decode()
    answer = me.post("/community/alleys/", {"segment": "A-001", "lon": lon + 5, "lat": lat})
    assert answer.status_code == 400
    answer = me.post(
        "/community/alleys/", {"segment": "A-001", "lon": lon + 0.001, "lat": lat, "findings": "正常"}
    )
    assert answer.status_code == 302
    assert AlleyCheckIn.objects.count() == 1
    assert (
        _client(community, "station_head")
        .post("/community/alleys/", {"segment": "A-001", "lon": lon, "lat": lat})
        .status_code
        == 403
    )


def test_the_station_follows_an_escalated_problem_until_the_district_closes_it(
    community: Community, api_as: Any
) -> None:
    """A broken railing went up to the district: the task's page and the API say where the case is,
    up to the district closing it."""
    from cityloop.cases.models import Case
    from cityloop.community import tasks
    from tests.cases.conftest import PATHS

    railing = tasks.raise_task(
        actor=community.users["station_head"],
        station=community.station,
        source="head",
        description="小区门口护栏断了",
        lon=POINT_A[0],
        lat=POINT_A[1],
    )
    railing = tasks.escalate_task(
        actor=community.users["station_head"], task=railing, reason="护栏属市政设施"
    )
    case = Case.objects.get(pk=railing.case_id)
    head = _client(community, "station_head")
    page = head.get(f"/community/tasks/{railing.pk}/").content.decode()
    assert railing.case_number in page and str(case.get_state_display()) in page
    case = community.loop.drive(case, "send_for_verification", "verify", *PATHS["closed"])
    assert case.state == "closed"
    page = head.get(f"/community/tasks/{railing.pk}/").content.decode()
    assert f'<strong class="case-state">{case.get_state_display()}</strong>' in page
    api = api_as(community.users["station_head"])
    assert api.get(f"/api/v1/community/tasks/{railing.pk}").json()["case_state"] == case.get_state_display()
    listed = api.get("/api/v1/community/tasks").json()["items"]
    assert [t["case_state"] for t in listed] == [case.get_state_display()]


def _meeting_form(community: Community, **extra: str) -> dict[str, str]:
    from django.utils import timezone

    today = str(timezone.localdate())
    return {
        "action": "hold",
        "unit": community.loop.org.community_a.code,
        "held_on": today,
        "attendees": "站长、楼栋长、物业",
        "decisions": "护栏上报区级",
        "what1": "更换楼道灯",
        "who1": "电工",
        "due1": today,
        **extra,
    }


def test_the_station_head_records_the_weekly_meeting_and_marks_its_items_done(
    community: Community, raised: Task
) -> None:
    from cityloop.community.models import ActionItem, Meeting
    from cityloop.core.models import AuditEntry

    head = _client(community, "station_head")
    page = head.get("/community/")
    assert "/community/meetings/" in page.content.decode()
    page = head.get("/community/meetings/").content.decode()
    assert "3号楼下水管漏水" in page  # the open problem is on the agenda
    answer = head.post("/community/meetings/", _meeting_form(community, task1=str(raised.pk)))
    assert answer.status_code == 302, answer.content.decode()[:2000]
    meeting = Meeting.objects.get()
    assert meeting.kind == "community_weekly" and list(meeting.agenda.all()) == [raised]
    item = ActionItem.objects.get()
    assert (item.what, item.who, item.task_id) == ("更换楼道灯", "电工", raised.pk)
    assert AuditEntry.objects.filter(action="community.meeting.hold").count() == 1
    assert "更换楼道灯" in head.get("/community/meetings/").content.decode()
    # Another community's station head may not close it.
    other = _client(community, "station_head_b")
    assert (
        other.post("/community/meetings/", {"action": "done", "item": item.pk, "note": "x"}).status_code
        == 403
    )
    answer = head.post("/community/meetings/", {"action": "done", "item": item.pk, "note": "已更换"})
    assert answer.status_code == 302
    item.refresh_from_db()
    assert item.done_at and item.done_note == "已更换"


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"who1": ""}, "who1"),
        ({"due1": ""}, "due1"),
        ({"held_on": ""}, "held_on"),
        ({"held_on": "2001-01-01"}, None),
        ({"task1": "999999"}, "task1"),
    ],
)
def test_a_half_filled_meeting_is_refused_and_nothing_kept(
    community: Community, extra: dict[str, str], field: str | None
) -> None:
    from cityloop.community.models import ActionItem, Meeting

    answer = _client(community, "station_head").post(
        "/community/meetings/", _meeting_form(community, **extra)
    )
    assert answer.status_code == 400
    if field:
        assert f'id="id_{field}-err"' in answer.content.decode()
    else:
        assert 'class="error banner" role="alert"' in answer.content.decode()
    assert not Meeting.objects.exists() and not ActionItem.objects.exists()


def test_only_those_who_hold_the_meeting_may_record_it(community: Community) -> None:
    from cityloop.community.models import Meeting

    # A building head of the community, and another street's manager: not their meeting.
    for name in ("building_head", "street_b_manager", "station_head_b"):
        answer = _client(community, name).post("/community/meetings/", _meeting_form(community))
        assert answer.status_code == 403, name
    assert not Meeting.objects.exists()
    # The street's manager holds the street's monthly meeting.
    street = community.loop.org.street_a
    answer = _client(community, "street_a_manager").post(
        "/community/meetings/", _meeting_form(community, unit=street.code)
    )
    assert answer.status_code == 302
    assert Meeting.objects.get().kind == "street_monthly"


def test_the_district_records_a_finding_on_the_phone_and_the_street_fixes_it(community: Community) -> None:
    from cityloop.community.models import AlleyInspection
    from cityloop.core.models import AuditEntry

    _segment(community)
    leader = _client(community, "leader")
    assert "/community/alleys/#inspect" in leader.get("/community/street/").content.decode()
    assert "#inspect" not in _client(community, "street_a_manager").get("/community/street/").content.decode()
    page = leader.get("/community/alleys/").content.decode()
    assert 'value="inspect"' in page and "东一巷" in page
    answer = leader.post(
        "/community/alleys/", {"action": "inspect", "segment": "A-001", "finding": "", "points": "2"}
    )
    assert answer.status_code == 400 and 'id="id_finding-err"' in answer.content.decode()
    answer = leader.post(
        "/community/alleys/",
        {"action": "inspect", "segment": "A-001", "finding": "巷内堆放建筑垃圾", "points": "101"},
    )
    assert answer.status_code == 400 and 'id="id_points-err"' in answer.content.decode()
    assert not AlleyInspection.objects.exists()
    answer = leader.post(
        "/community/alleys/",
        {
            "action": "inspect",
            "segment": "A-001",
            "finding": "巷内堆放建筑垃圾",
            "points": "2.0",
            "fix_days": "3",
        },
    )
    assert answer.status_code == 302
    row = AlleyInspection.objects.get()
    assert row.points == 2 and (row.fix_by - row.inspected_on).days == 3
    assert AuditEntry.objects.filter(action="alley.inspection.record").count() == 1
    # The alley head finds it to fix; the street does not inspect itself, nor does another district.
    assert (
        "巷内堆放建筑垃圾" in _client(community, "building_head").get("/community/alleys/").content.decode()
    )
    for name in ("street_a_manager", "station_head"):
        client = _client(community, name)
        assert 'value="inspect"' not in client.get("/community/alleys/").content.decode()
        answer = client.post(
            "/community/alleys/", {"action": "inspect", "segment": "A-001", "finding": "x", "points": "1"}
        )
        assert answer.status_code == 403, name
    assert AlleyInspection.objects.count() == 1


def test_the_street_ends_a_heads_post_on_the_station_page(community: Community) -> None:
    """The station page lists who holds a post; the street's manager ends one (a head moved away),
    a station head sees the list without the button and may not end it."""
    station = f"/community/?station={community.station.pk}"
    form = {"action": "end_post", "post": str(community.building.pk)}
    head = _client(community, "station_head")
    html = head.get(station, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "本站人员" in html and "3号楼" in html and "结束岗位" not in html
    assert head.post(station, form).status_code == 403
    assert _client(community, "street_b_manager").post(station, form).status_code in (403, 404)
    community.building.refresh_from_db()
    assert community.building.valid_to is None

    manager = _client(community, "street_a_manager")
    html = manager.get(station, HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "结束岗位" in html
    answer = manager.post(station, form, HTTP_ACCEPT_LANGUAGE="zh-hans")
    assert answer.status_code == 302
    community.building.refresh_from_db()
    assert community.building.valid_to is not None
    html = manager.get(answer["Location"], HTTP_ACCEPT_LANGUAGE="zh-hans").content.decode()
    assert "的岗位已结束" in html and "3号楼" not in html
    assert manager.post(station, form).status_code == 404  # no longer a current post

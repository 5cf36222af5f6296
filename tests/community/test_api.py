"""``/api/v1/community`` and ``/api/v1/alleys``: what each caller sees and may do, and clear 4xx
answers naming the field for bad input."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from cityloop.community.models import Task

from .conftest import POINT_A, Community, png_bytes

pytestmark = pytest.mark.django_db


def _task_body(community: Community, **extra: Any) -> dict[str, Any]:
    return {
        "station": community.station.pk,
        "description": "楼道水管漏水",
        "lon": POINT_A[0],
        "lat": POINT_A[1],
        "source": "resident",
        "reporter_name": "张阿姨",
        "reporter_phone": "13800001111",
        **extra,
    }


def test_the_loop_through_the_api(community: Community, api_as: Any) -> None:
    head = api_as(community.users["station_head"])
    answer = head.post("/api/v1/community/tasks", _task_body(community))
    assert answer.status_code == 201, answer.content
    task = answer.json()
    assert task["reporter_phone"] == "13800001111"
    answer = head.post(
        f"/api/v1/community/tasks/{task['id']}/assign", {"professional": community.plumber.pk, "hours": 4}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "assigned" and answer.json()["deadline_at"]
    client = Client()
    client.force_login(community.users["plumber_user"])
    answer = client.post(
        f"/api/v1/community/tasks/{task['id']}/solve",
        {"solution": "换了阀门", "photos": [_upload()]},
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["state"] == "solved"


def _upload() -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile("after.png", png_bytes("green"), content_type="image/png")


def test_other_communities_and_streets_see_nothing(community: Community, api_as: Any) -> None:
    api_as(community.users["station_head"]).post("/api/v1/community/tasks", _task_body(community))
    task = Task.objects.get()
    for name in ("station_head_b", "street_b_manager"):
        other = api_as(community.users[name])
        assert other.get(f"/api/v1/community/tasks/{task.pk}").status_code == 404
        assert other.get("/api/v1/community/tasks").json()["count"] == 0
        assert other.post(f"/api/v1/community/tasks/{task.pk}/escalate", {"reason": "x"}).status_code == 404
    # A building head of the community sees the task but not the resident's phone.
    seen = api_as(community.users["building_head"]).get(f"/api/v1/community/tasks/{task.pk}").json()
    assert seen["reporter_phone"] is None and seen["description"] == "楼道水管漏水"
    assert (
        api_as(community.users["street_a_manager"])
        .get(f"/api/v1/community/tasks/{task.pk}")
        .json()["reporter_phone"]
        == "13800001111"
    )
    assert api_as(None).get("/api/v1/community/tasks").status_code == 401


@pytest.mark.parametrize(
    ("extra", "field"),
    [
        ({"lon": 181}, "lon"),
        ({"description": ""}, "description"),
        ({"description": "x" * 501}, "description"),
        ({"source": "case"}, "source"),
        ({"station": 0}, "station"),
    ],
)
def test_bad_task_input_is_a_422_naming_the_field(
    community: Community, api_as: Any, extra: Any, field: str
) -> None:
    answer = api_as(community.users["station_head"]).post(
        "/api/v1/community/tasks", _task_body(community, **extra)
    )
    assert answer.status_code == 422
    assert field in answer.content.decode()


def test_domain_refusals_are_4xx(community: Community, api_as: Any) -> None:
    head = api_as(community.users["station_head"])
    task = head.post("/api/v1/community/tasks", _task_body(community)).json()
    answer = head.post(f"/api/v1/community/tasks/{task['id']}/assign", {})
    assert answer.status_code == 400 and "assignee" in answer.content.decode()
    answer = head.post(f"/api/v1/community/tasks/{task['id']}/assign", {"post": 999999})
    assert answer.status_code == 400
    building = api_as(community.users["building_head"])
    answer = building.post(f"/api/v1/community/tasks/{task['id']}/escalate", {"reason": "x"})
    assert answer.status_code == 403
    answer = head.post("/api/v1/community/tasks", _task_body(community, station=community.station_b.pk))
    assert answer.status_code == 404


def test_stations_heads_professionals_and_meetings(community: Community, api_as: Any) -> None:
    head = api_as(community.users["station_head"])
    stations = head.get("/api/v1/community/stations").json()
    assert [s["name"] for s in stations["items"]] == ["东一社区工作站"]
    heads = head.get(f"/api/v1/community/stations/{community.station.pk}/heads").json()
    assert {h["kind"] for h in heads} == {"station_head", "building"}
    pros = head.get(f"/api/v1/community/stations/{community.station.pk}/professionals").json()
    assert pros[0]["trade"] == "water"
    assert (
        api_as(community.users["station_head_b"])
        .get(f"/api/v1/community/stations/{community.station.pk}")
        .status_code
        == 404
    )
    answer = head.post(
        "/api/v1/community/meetings",
        {
            "kind": "community_weekly",
            "unit": community.loop.org.community_a.code,
            "held_on": str(timezone.localdate()),
            "items": [{"what": "更换垃圾桶", "who": "物业", "due": str(timezone.localdate())}],
        },
    )
    assert answer.status_code == 201, answer.content
    item = answer.json()["items"][0]
    answer = head.post(f"/api/v1/community/meeting-items/{item['id']}/done", {"note": "已更换"})
    assert answer.status_code == 200 and answer.json()["done_at"]
    answer = head.post("/api/v1/community/meetings", {"kind": "weekly", "unit": "x", "held_on": "2026-01-05"})
    assert answer.status_code == 422


def test_alleys_through_the_api(community: Community, api_as: Any) -> None:
    from cityloop.community.alleys import register_segment

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
    me = api_as(community.users["building_head"])
    listed = me.get("/api/v1/alleys/segments", missed=True).json()
    assert [s["code"] for s in listed["items"]] == ["A-001"]
    answer = me.post(
        "/api/v1/alleys/segments/A-001/checkins", {"lon": lon + 0.001, "lat": lat, "findings": "正常"}
    )
    assert answer.status_code == 201, answer.content
    assert me.get("/api/v1/alleys/segments", missed=True).json()["count"] == 0
    assert me.post("/api/v1/alleys/segments/A-001/checkins", {"lon": 500, "lat": lat}).status_code == 422
    leader = api_as(community.users["leader"])
    answer = leader.post("/api/v1/alleys/segments/A-001/inspections", {"finding": "堆物", "points": "2.0"})
    assert answer.status_code == 201, answer.content
    finding = answer.json()["id"]
    street = api_as(community.users["street_a_manager"])
    assert (
        street.post("/api/v1/alleys/segments/A-001/inspections", {"finding": "x", "points": 1}).status_code
        == 403
    )
    assert street.post(f"/api/v1/alleys/inspections/{finding}/fix", {"note": "已清理"}).status_code == 200
    assert api_as(community.users["street_b_manager"]).get(
        "/api/v1/alleys/segments/A-001/checkins"
    ).status_code in (404, 405)
    assert api_as(community.users["street_b_manager"]).get("/api/v1/alleys/segments").json()["count"] == 0
    scores = street.get("/api/v1/alleys/scores", month="2026-13")
    assert scores.status_code == 422
    scores = leader.get("/api/v1/alleys/scores", month=timezone.localdate().strftime("%Y-%m")).json()
    assert {s["street"] for s in scores} >= {"东街道"}


def test_too_many_photos_is_a_json_413_naming_the_body(
    community: Community, api_as: Any, settings: Any
) -> None:
    """Found by the fuzzer: Django's limit on uploaded files answered an HTML page."""
    settings.DATA_UPLOAD_MAX_NUMBER_FILES = 2
    head = api_as(community.users["station_head"])
    task = head.post("/api/v1/community/tasks", _task_body(community)).json()
    client = Client()
    client.force_login(community.users["station_head"])
    answer = client.post(
        f"/api/v1/community/tasks/{task['id']}/solve",
        {"solution": "换了阀门", "photos": [_upload(), _upload(), _upload()]},
    )
    assert answer.status_code == 413 and answer["Content-Type"].startswith("application/json")
    assert answer.json()["field"] == "body"
    assert head.get(f"/api/v1/community/tasks/{task['id']}").json()["state"] != "solved"


def _segment_body(world: Community, **extra: Any) -> dict[str, Any]:
    lon, lat = POINT_A
    return {
        "code": "A-002",
        "name": "东二巷",
        "street": world.loop.org.street_a.code,
        "community": world.loop.org.community_a.code,
        "geometry": f"LINESTRING ({lon} {lat}, {lon + 0.003} {lat})",
        "responsible": world.users["building_head"].username,
        "post": "巷长",
        "duties": "每日巡查保洁",
        "fixed_point": "巷口",
        **extra,
    }


def test_the_street_registers_an_alley_segment_through_the_api(community: Community, api_as: Any) -> None:
    from cityloop.community.models import AlleySegment
    from cityloop.core.models import AuditEntry

    street = api_as(community.users["street_a_manager"])
    answer = street.post("/api/v1/alleys/segments", _segment_body(community))
    assert answer.status_code == 201, answer.content
    assert answer.json()["responsible"] and 200 < answer.json()["length_m"] < 400
    assert AuditEntry.objects.filter(action="alley.segment.save").count() == 1
    # The responsible person now finds it among their segments and may check in on it.
    mine = api_as(community.users["building_head"]).get("/api/v1/alleys/segments").json()
    assert [s["code"] for s in mine["items"]] == ["A-002"]
    # The same code again changes it.
    answer = street.post("/api/v1/alleys/segments", _segment_body(community, duties="巡查、劝导乱堆放"))
    assert answer.status_code == 200 and answer.json()["duties"] == "巡查、劝导乱堆放"
    assert AlleySegment.objects.count() == 1


@pytest.mark.parametrize(
    ("extra", "status", "field"),
    [
        ({"street": "NOPE"}, 404, "street"),
        ({"community": "NOPE"}, 400, "community"),
        ({"responsible": "nobody-here"}, 400, "responsible"),
        ({"geometry": "POINT (1 1)"}, 400, "geometry"),
        ({"geometry": "LINESTRING (broken"}, 400, "geometry"),
        ({"duties": ""}, 422, "duties"),
        ({"code": "x" * 33}, 422, "code"),
    ],
)
def test_bad_segment_input_is_a_4xx_naming_the_field(
    community: Community, api_as: Any, extra: Any, status: int, field: str
) -> None:
    from cityloop.community.models import AlleySegment

    answer = api_as(community.users["street_a_manager"]).post(
        "/api/v1/alleys/segments", _segment_body(community, **extra)
    )
    assert answer.status_code == status, answer.content
    assert field in answer.content.decode()
    assert not AlleySegment.objects.exists()


def test_only_the_streets_managers_register_its_alleys(community: Community, api_as: Any) -> None:
    from cityloop.community.models import AlleySegment

    # Another street's manager does not see street A: it is not there for them.
    answer = api_as(community.users["street_b_manager"]).post(
        "/api/v1/alleys/segments", _segment_body(community)
    )
    assert answer.status_code == 404 and answer.json()["field"] == "street"
    # A head of the community sees the street but does not manage it.
    answer = api_as(community.users["building_head"]).post(
        "/api/v1/alleys/segments", _segment_body(community)
    )
    assert answer.status_code in (403, 404)
    assert api_as(None).post("/api/v1/alleys/segments", _segment_body(community)).status_code == 401
    assert not AlleySegment.objects.exists()


def test_the_assignee_records_what_was_tried_through_the_api(community: Community, api_as: Any) -> None:
    from cityloop.community.models import TaskEvent

    head = api_as(community.users["station_head"])
    task = head.post("/api/v1/community/tasks", _task_body(community)).json()
    head.post(f"/api/v1/community/tasks/{task['id']}/assign", {"professional": community.plumber.pk})
    client = Client()
    client.force_login(community.users["plumber_user"])
    answer = client.post(
        f"/api/v1/community/tasks/{task['id']}/notes", {"text": "上门查看，需关总阀", "photos": [_upload()]}
    )
    assert answer.status_code == 200, answer.content
    assert answer.json()["photos"] == 1
    assert TaskEvent.objects.filter(task_id=task["id"], kind="note", text="上门查看，需关总阀").exists()
    assert client.post(f"/api/v1/community/tasks/{task['id']}/notes", {"text": ""}).status_code == 422
    # Someone of another community neither finds it nor writes on it.
    other = Client()
    other.force_login(community.users["station_head_b"])
    assert other.post(f"/api/v1/community/tasks/{task['id']}/notes", {"text": "x"}).status_code == 404
    assert TaskEvent.objects.filter(task_id=task["id"], kind="note").count() == 1


def test_the_street_ends_a_heads_post_and_its_history_stays(community: Community, api_as: Any) -> None:
    """A building head moved away: the street's manager ends the post; the station's list keeps it
    with its last day, a station head (no manager) is refused, another street sees no such post."""
    from cityloop.core.models import AuditEntry

    url = f"/api/v1/community/heads/{community.building.pk}/end"
    assert api_as(community.users["station_head"]).post(url, {}).status_code == 403
    assert api_as(community.users["street_b_manager"]).post(url, {}).status_code == 404
    assert api_as(community.users["street_a_manager"]).post(url, {"on": "someday"}).status_code == 422
    community.building.refresh_from_db()
    assert community.building.valid_to is None

    ended = api_as(community.users["street_a_manager"]).post(url, {})
    assert ended.status_code == 200, ended.content
    assert ended.json()["valid_to"] == str(timezone.localdate())
    assert AuditEntry.objects.filter(action="community.post.end").count() == 1
    again = api_as(community.users["street_a_manager"]).post(url, {})
    assert again.status_code == 400 and "post" in again.json()["errors"]
    heads = api_as(community.users["station_head"]).get(
        f"/api/v1/community/stations/{community.station.pk}/heads"
    )
    assert {(h["kind"], h["valid_to"]) for h in heads.json()} == {
        ("station_head", None),
        ("building", str(timezone.localdate())),
    }

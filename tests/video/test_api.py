"""The video API as an operator and an administrator would use it: secrets only to administrators,
the review queue, rounds and reporting from a frame, sensors' devices."""

from __future__ import annotations

import pytest
from django.test import Client

from cityloop.core.actions import create_user
from cityloop.core.models import Role
from tests.cases.conftest import POINT_A
from tests.video.conftest import detection, post_detection

pytestmark = pytest.mark.django_db
A = "/api/v1/video"


@pytest.fixture
def admin(loop, actor):
    return create_user(
        actor=actor,
        username="video_admin",
        password="demo-pass-2026",
        roles=[(loop.org.district, Role.ADMIN)],
    )


def test_camera_secrets_only_for_administrators(cameras, loop, api_as, admin):
    operator = api_as(loop.users["operator"])
    listed = operator.get(f"{A}/cameras").json()
    assert listed["count"] == 3
    assert all(c["stream_url"] is None and c["snapshot_url"] is None for c in listed["items"])
    assert "rtsp" not in operator.get(f"{A}/cameras/CAM001").content.decode()
    assert api_as(admin).get(f"{A}/cameras/CAM001").json()["stream_url"] == "rtsp://cams.local/1"


def test_registering_a_camera(loop, api_as, admin):
    body = {
        "code": "N1",
        "name": "新摄像头",
        "lon": POINT_A[0],
        "lat": POINT_A[1],
        "owner": "990100",
        "direction": 10,
    }
    assert api_as(loop.users["operator"]).post(f"{A}/cameras", body).status_code == 403
    made = api_as(admin).post(f"{A}/cameras", body)
    assert made.status_code == 201, made.content
    assert len(made.json()["fov"][0]) > 4
    bad = api_as(admin).post(f"{A}/cameras", {**body, "code": "N2", "lat": 95})
    assert bad.status_code == 422


def test_camera_file_import_answers_row_errors(loop, admin):
    client = Client()
    client.force_login(admin)
    from cityloop.core.actions import create_api_token
    from cityloop.core.audit import system_actor

    _, raw = create_api_token(actor=system_actor(), user=admin, name="t")
    from django.core.files.uploadedfile import SimpleUploadedFile

    lon, lat = POINT_A
    sheet = f"code,name,lon,lat,owner\nF1,一号,{lon},{lat},990100\nF2,二号,abc,{lat},990100\n"
    answer = client.post(
        f"{A}/camera-files",
        {"file": SimpleUploadedFile("c.csv", sheet.encode())},
        headers={"Authorization": f"Bearer {raw}"},
    ).json()
    assert answer["ok"] is False and answer["errors"][0].startswith("第3行")


def test_review_queue_confirm_and_reject(cameras, detector, loop, api_as):
    for ident in ("a", "b"):
        post_detection(detector, detection(ident))
    operator = api_as(loop.users["operator"])
    queue = operator.get(f"{A}/detections").json()["items"]
    assert [d["detector_id"] for d in queue] == ["a", "b"]
    confirmed = operator.post(f"{A}/detections/{queue[0]['id']}/confirm", {"note": "确有垃圾堆放"}).json()
    assert confirmed["status"] == "confirmed" and confirmed["case_number"]
    assert operator.post(f"{A}/detections/{queue[1]['id']}/reject", {}).status_code == 422
    rejected = operator.post(f"{A}/detections/{queue[1]['id']}/reject", {"reason": "树影"}).json()
    assert rejected["status"] == "rejected"
    again = operator.post(f"{A}/detections/{queue[1]['id']}/confirm", {})
    assert again.status_code == 409
    [measured] = operator.get(f"{A}/precision").json()
    assert measured["precision"] == 0.5
    assert (measured["detector"], measured["detector_name"]) == ("city-ai", "智能识别平台")
    # Another street's supervisor sees none of it.
    assert api_as(loop.users["supervisor_b"]).get(f"{A}/detections").json()["count"] == 0


def test_a_round_through_the_api(cameras, loop, api_as, actor, settings):
    settings.CITYLOOP_VIDEO_SNAPSHOT_FETCHER = "tests.video.conftest.fake_fetch"
    leader = api_as(loop.users["shift_leader"])
    made = leader.post(
        f"{A}/routes",
        {"code": "r1", "name": "白班", "district": "990100", "shift": "day", "cameras": ["CAM002", "CAM001"]},
    )
    assert made.status_code == 201, made.content
    operator = api_as(loop.users["operator"])
    patrol = operator.post(f"{A}/routes/r1/rounds").json()
    assert [s["camera"] for s in patrol["stops"]] == ["CAM002", "CAM001"]
    looked = operator.post(f"{A}/rounds/{patrol['id']}/stops/1/look", {"checks": {"暴露垃圾": True}}).json()
    assert looked["stops"][0]["status"] == "looked"
    reported = operator.post(f"{A}/rounds/{patrol['id']}/stops/1/report", {"category": "0102"})
    assert reported.status_code == 201, reported.content
    finished = operator.post(f"{A}/rounds/{patrol['id']}/finish").json()
    assert (finished["status"], finished["looked"], finished["missed"]) == ("finished", 1, 1)
    assert finished["stops"][0]["case_number"] == reported.json()["case_number"]
    assert operator.post(f"{A}/rounds/{patrol['id']}/finish").status_code == 409

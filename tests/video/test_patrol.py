"""Patrol rounds: cameras in order, time per camera, checklist answers, missed cameras and rounds,
and a case reported from a camera's frame (uploaded or fetched)."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from cityloop.cases.engine import TransitionError
from cityloop.core.models import AuditEntry
from cityloop.video.models import CameraCase, RoundStop
from cityloop.video.patrol import (
    close_stale_rounds,
    create_route,
    finish_round,
    look_at,
    report_from_stop,
    start_round,
)
from tests.cases.conftest import png_bytes

pytestmark = pytest.mark.django_db
T0 = dt.datetime(2026, 12, 7, 1, 0, tzinfo=dt.UTC)


@pytest.fixture
def route(cameras, loop, actor):
    return create_route(
        actor=actor,
        code="day-1",
        name="商圈白班轮巡",
        district=loop.org.district,
        shift="day",
        key_areas=["东一路商圈", "西广场"],
    )


def test_route_orders_cameras_by_key_area(route):
    assert [s.camera.code for s in route.stops.all()] == ["CAM001", "CAM003", "CAM002"]


def test_round_records_time_checks_and_misses(route, loop, settings):
    operator = loop.users["operator"]
    patrol = start_round(route, actor=operator, at=T0)
    assert start_round(route, actor=operator, at=T0 + dt.timedelta(minutes=1)) == patrol  # resumed
    first, second, third = RoundStop.objects.filter(round=patrol).order_by("position")
    look_at(first, actor=operator, checks={"暴露垃圾": True}, at=T0 + dt.timedelta(seconds=50))
    look_at(second, actor=operator, at=T0 + dt.timedelta(seconds=120))
    with pytest.raises(ValidationError):
        look_at(third, actor=operator, checks={"不存在的检查项": True}, at=T0)
    with pytest.raises(TransitionError):
        look_at(first, actor=operator, at=T0)
    with pytest.raises(TransitionError):
        look_at(third, actor=loop.users["shift_leader"], at=T0)
    finished = finish_round(patrol, actor=operator, at=T0 + dt.timedelta(minutes=5))
    assert (finished.looked, finished.missed) == (2, 1)
    first.refresh_from_db()
    second.refresh_from_db()
    third.refresh_from_db()
    assert (first.seconds, second.seconds, third.status) == (50, 70, "missed")
    assert first.checks == {"暴露垃圾": True}
    assert AuditEntry.objects.filter(action="video.round.look").count() == 2


def test_round_left_running_is_missed_next_day(route, loop, actor):
    patrol = start_round(route, actor=loop.users["operator"], at=T0)
    assert close_stale_rounds(actor=actor, today=patrol.day + dt.timedelta(days=1)) == 1
    patrol.refresh_from_db()
    assert (patrol.status, patrol.missed) == ("missed", 3)


def test_report_from_an_uploaded_frame(route, loop):
    operator = loop.users["operator"]
    patrol = start_round(route, actor=operator)
    stop = RoundStop.objects.get(round=patrol, position=1)
    case = report_from_stop(stop, actor=operator, category="0102", frame=("frame.png", png_bytes()))
    link = CameraCase.objects.get(case=case)
    assert link.camera.code == "CAM001" and link.frame is not None and link.frame.case_id == case.pk
    assert case.channel.code == "video_patrol"
    stop.refresh_from_db()
    assert stop.case == case
    # Reporting through the camera was looking through it: the camera is not missed at the end.
    assert (stop.status, stop.note) == ("looked", f"已上报 {case.number}")
    finished = finish_round(patrol, actor=operator)
    assert (finished.looked, finished.missed) == (1, 2)


def test_report_from_a_fetched_frame_and_a_dead_camera(route, loop, settings):
    settings.CITYLOOP_VIDEO_SNAPSHOT_FETCHER = "tests.video.conftest.fake_fetch"
    operator = loop.users["operator"]
    patrol = start_round(route, actor=operator)
    stop = RoundStop.objects.get(round=patrol, position=3)  # CAM002
    case = report_from_stop(stop, actor=operator, category="0102", description="广场垃圾堆积")
    assert CameraCase.objects.get(case=case).frame.content_type == "image/png"
    dead = RoundStop.objects.get(round=patrol, position=2)
    dead.camera.snapshot_url = "http://cams.local/broken.jpg"
    dead.camera.save()
    with pytest.raises(ValidationError) as caught:
        report_from_stop(dead, actor=operator, category="0102")
    assert "frame" in caught.value.message_dict


def test_a_second_frame_of_the_same_problem_joins_the_open_case(route, loop):
    operator = loop.users["operator"]
    patrol = start_round(route, actor=operator)
    first = RoundStop.objects.get(round=patrol, position=1)  # CAM001
    case = report_from_stop(first, actor=operator, category="0102", frame=("a.png", png_bytes()))
    again = report_from_stop(first, actor=operator, category="0102", frame=("b.png", png_bytes("green")))
    assert again == case
    assert case.attachments.count() == 2  # the second frame is on the case, by a comment


def test_the_worker_sweep_closes_stale_rounds(route, loop):
    from cityloop.notify.worker import run_sweep

    patrol = start_round(route, actor=loop.users["operator"], at=T0 - dt.timedelta(days=2))
    run_sweep()
    patrol.refresh_from_db()
    assert patrol.status == "missed"


def test_the_round_page_links_the_case_reported_from_a_camera(route, loop):
    """In the console: start the round, report from the first camera's uploaded frame; the round's
    list of cameras links the case, so the operator can open it."""
    from django.core.files.uploadedfile import SimpleUploadedFile
    from django.test import Client

    client = Client()
    client.force_login(loop.users["operator"])
    started = client.post("/video/rounds/", {"route": "day-1"})
    assert started.status_code == 302
    page = started.url
    answer = client.post(
        f"{page}stops/1/report",
        {
            "category": "0102:event",
            "description": "广场东侧垃圾堆放",
            "frame": SimpleUploadedFile("frame.png", png_bytes(), content_type="image/png"),
        },
    )
    assert answer.status_code == 302
    case = CameraCase.objects.get().case
    shown = client.get(page).content.decode()
    assert f'href="/cases/{case.pk}/">{case.number}</a>' in shown

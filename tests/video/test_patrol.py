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

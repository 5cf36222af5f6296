"""The video and sensor objects of the security sweep's world, built on first use."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

from django.utils import timezone

from tests.cases.conftest import POINT_A


def camera_a(w: Any) -> Any:
    """A camera in street A, with secret addresses."""
    from cityloop.video.cameras import CameraInput, create_camera

    return create_camera(
        actor=w.actor,
        data=CameraInput(
            code="SWEEP-CAM-A",
            name="东街道摄像头",
            lon=POINT_A[0],
            lat=POINT_A[1],
            owner=w.org.district.code,
            direction=45,
            stream_url="rtsp://secret.local/a",
            snapshot_url="http://secret.local/a.jpg",
            key_area="东街道重点区域",
        ),
    )


def detection_a(w: Any) -> Any:
    """A pending detection at :func:`camera_a`, posted by a signed detector."""
    from cityloop.notify.signing import sign_headers
    from cityloop.video.detectors import create_detector
    from cityloop.video.inbound import receive
    from cityloop.video.models import Detection

    camera = w.camera_a
    detector = create_detector(actor=w.actor, code="sweep-ai", name="识别", unit=w.org.city)
    body = json.dumps(
        {
            "id": "sweep-1",
            "camera": camera.code,
            "category": "0102",
            "confidence": 0.8,
            "detected_at": timezone.now().isoformat(),
        }
    ).encode()
    status, answer = receive(detector.code, sign_headers([detector.secret], "s1", timezone.now(), body), body)
    assert status == 201, answer
    return Detection.objects.get(detector=detector, external_id="sweep-1")


def route_a(w: Any) -> Any:
    from cityloop.video.patrol import create_route

    return create_route(
        actor=w.actor,
        code="sweep-route",
        name="东街道轮巡",
        district=w.org.district,
        shift="day",
        cameras=[w.camera_a.code],
    )


def round_a(w: Any) -> Any:
    """The district operator's round of :func:`route_a`, started."""
    from cityloop.video.patrol import start_round

    return start_round(w.route_a, actor=w.loop.users["operator"], at=timezone.now() - dt.timedelta(minutes=1))


def camera_case_a(w: Any) -> Any:
    """A case :func:`camera_a` reported, disposed and sent for check (视频核查 may take it)."""
    from cityloop.catalog import lookup
    from cityloop.video.casework import report_through_camera

    operator = w.loop.users["operator"]
    case, _created = report_through_camera(
        actor=operator,
        camera=w.camera_a,
        category=lookup.category("0102", "event"),
        description="摄像头发现暴露垃圾",
        frame_id=w.upload(operator),
    )
    return w.loop.drive(case, "accept", "register", "dispatch", "dispose", "send_for_check")


def device_a(w: Any) -> Any:
    """A water-level sensor in street A."""
    from cityloop.sensors.actions import create_network, register_device

    network = create_network(actor=w.actor, code="sweep-iot", name="物联", unit=w.org.city)
    return register_device(
        actor=w.actor,
        network=network,
        code="SWEEP-WL",
        kind="water_level",
        name="东街道下穿通道",
        lon=POINT_A[0],
        lat=POINT_A[1],
    )

"""The small city of tests/cases with cameras, a detector and signed posting helpers."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from cityloop.core.models import User
from cityloop.notify.signing import sign_headers
from cityloop.video.cameras import CameraInput, create_camera
from cityloop.video.detectors import create_detector
from cityloop.video.models import Camera, Detector
from tests.cases.conftest import POINT_A, POINT_B, Loop, english_messages, loop  # noqa: F401 (fixtures)


def fake_fetch(url: str, timeout: float, max_bytes: int) -> bytes:
    """The test fetcher: a small PNG frame for any address (tests/video never touch the network)."""
    from tests.cases.conftest import png_bytes

    if "broken" in url:
        from cityloop.video.frames import FrameUnavailable

        raise FrameUnavailable("timed out")
    return png_bytes("blue")


@pytest.fixture
def cameras(loop: Loop, actor: User) -> list[Camera]:  # noqa: F811
    made = []
    for n, point in enumerate([POINT_A, POINT_B, POINT_A], start=1):
        made.append(
            create_camera(
                actor=actor,
                data=CameraInput(
                    code=f"CAM{n:03d}",
                    name=f"东一路{n}号摄像头",
                    lon=point[0],
                    lat=point[1],
                    owner=loop.org.district.code,
                    direction=90 * n,
                    snapshot_url=f"http://cams.local/{n}.jpg",
                    stream_url=f"rtsp://cams.local/{n}",
                    key_area="东一路商圈" if n != 2 else "西广场",
                ),
            )
        )
    return made


@pytest.fixture
def detector(loop: Loop, actor: User) -> Detector:  # noqa: F811
    return create_detector(actor=actor, code="city-ai", name="智能识别平台", unit=loop.org.city)


def post_detection(detector: Detector, body: dict[str, Any], *, msg_id: str = "", secret: str = "") -> Any:
    raw = json.dumps(body, ensure_ascii=False).encode()
    headers = sign_headers(
        [secret or detector.secret], msg_id or f"m-{body.get('id')}", dt.datetime.now(tz=dt.UTC), raw
    )
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return Client().post(
        f"/video/v1/detectors/{detector.code}/detections", data=raw, content_type="application/json", **meta
    )


def detection(ident: str = "d1", **extra: Any) -> dict[str, Any]:
    return {
        "id": ident,
        "camera": "CAM001",
        "category": "0102",
        "kind": "event",
        "confidence": 0.8,
        "detected_at": "2026-12-06T10:00:00+08:00",
        "image_url": "https://ai.local/frames/1.jpg",
        **extra,
    }

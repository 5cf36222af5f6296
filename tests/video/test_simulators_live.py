"""`cityloop video simulate` and `cityloop sensors simulate` against a live server on loopback: the
posts are signed and accepted, repeats are recognised, and the database holds exactly one detection
per id and one case per alerting device."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command

from cityloop.cases.models import Case
from cityloop.sensors.models import Device, Reading
from cityloop.video.models import Detection
from tests.cases import conftest as cases_conftest
from tests.sensors import conftest as sensors_conftest
from tests.video import conftest as video_conftest

pytestmark = pytest.mark.django_db(transaction=True)
loop = cases_conftest.loop
cameras = video_conftest.cameras
detector = video_conftest.detector
network = sensors_conftest.network
devices = sensors_conftest.devices


def test_video_simulate_posts_detections_once(live_server, loop, cameras, detector):
    out = io.StringIO()
    call_command(
        "video",
        "simulate",
        "--base",
        live_server.url,
        "--detector",
        detector.code,
        "--count",
        "30",
        stdout=out,
    )
    assert "'accepted': 30" in out.getvalue(), out.getvalue()
    assert "'refused': 0" in out.getvalue()
    assert Detection.objects.count() == 30
    assert Detection.objects.values("external_id").distinct().count() == 30


def test_sensors_simulate_makes_one_case_per_alert(live_server, loop, devices, network):
    out = io.StringIO()
    call_command(
        "sensors", "simulate", "--base", live_server.url, "--network", network.code, "--alerts", "2",
        "--recover-rate", "1", stdout=out,
    )  # fmt: skip
    assert Reading.objects.filter(outcome="case").count() == 2, out.getvalue()
    assert Case.objects.filter(channel__code="iot_sensor").count() == 2
    # Every device recovered: none is left alerting, and none still holds an open case.
    assert not Device.objects.filter(state="alert").exists()
    assert not Device.objects.filter(open_case__isnull=False).exists()

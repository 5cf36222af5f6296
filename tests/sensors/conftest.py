"""The small city of tests/cases with a sensor network, devices and a signed posting helper."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client

from cityloop.core.models import User
from cityloop.notify.signing import sign_headers
from cityloop.sensors.actions import create_network, register_device, set_policy
from cityloop.sensors.models import Device, SensorNetwork
from tests.cases.conftest import POINT_A, POINT_B, Loop, english_messages, loop  # noqa: F401 (fixtures)


@pytest.fixture
def network(loop: Loop, actor: User) -> SensorNetwork:  # noqa: F811
    # Reference data a flushing test elsewhere may have removed (the migration loads it).
    set_policy(
        actor=actor,
        kind="manhole_tilt",
        category="0114",
        category_kind="component",
        recovery="check",
        recovery_minutes=240,
    )
    set_policy(
        actor=actor,
        kind="water_level",
        category="0406",
        category_kind="event",
        recovery="close",
        recovery_minutes=360,
    )
    from cityloop.cases.models import Channel

    Channel.objects.get_or_create(
        code="iot_sensor", defaults={"name": "物联感知", "needs_verification": False}
    )
    return create_network(actor=actor, code="iot", name="物联感知平台", unit=loop.org.city)


@pytest.fixture
def devices(network: SensorNetwork, actor: User) -> dict[str, Device]:
    from cityloop.assets.actions import load_standard_states, record_component

    load_standard_states(actor=actor)  # reference data a flushing test elsewhere may have removed
    record_component(actor=actor, id="9901000101000001", lon=POINT_A[0], lat=POINT_A[1], owner="D-WATER")
    return {
        "cover": register_device(
            actor=actor,
            network=network,
            code="MH-1",
            kind="manhole_tilt",
            name="东一路上水井盖",
            component="9901000101000001",
        ),
        "underpass": register_device(
            actor=actor,
            network=network,
            code="WL-1",
            kind="water_level",
            name="西广场下穿通道",
            lon=POINT_B[0],
            lat=POINT_B[1],
        ),
    }


def post_reading(network: SensorNetwork, body: dict[str, Any], msg_id: str, *, secret: str = "") -> Any:
    raw = json.dumps(body).encode()
    headers = sign_headers([secret or network.secret], msg_id, dt.datetime.now(tz=dt.UTC), raw)
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    return Client().post(
        f"/sensors/v1/networks/{network.code}/readings", data=raw, content_type="application/json", **meta
    )


START = dt.datetime.now(tz=dt.UTC).replace(microsecond=0) - dt.timedelta(hours=12)


def reading(device: str, state: str, minutes: int = 0, value: float | None = 1.0) -> dict[str, Any]:
    # Readings of the last hours: the server refuses a time ahead of its clock.
    at = START + dt.timedelta(minutes=minutes)
    return {"device": device, "state": state, "value": value, "at": at.isoformat()}

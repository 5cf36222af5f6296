"""Readings posted by a sensor network: signed (Standard Webhooks, the network's secret), once per
message id, one device each. An alert opens a case of the right subclass at the device, with its
component linked, unless the device already has an open case; a return to normal closes that case
through the workflow (作废, by the network's account, audited) when the city's policy says so and
the device recovered within the window before anyone dispatched it, else it is noted on the case for
the supervisor's check.

Body (JSON): ``{"device": "MH-0001", "state": "alert" | "normal", "value": 12.5, "at": ISO 8601}``.
"""

from __future__ import annotations

import datetime as dt
import json
import math
from collections.abc import Mapping
from typing import Any

from django.core.exceptions import ValidationError
from django.db import IntegrityError
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from cityloop.cases.actions import submit_report
from cityloop.cases.engine import TransitionError, perform
from cityloop.cases.models import Case
from cityloop.cases.workflow.spec import OPEN_STATES
from cityloop.cases.workflow.table import PRE_DISPATCH
from cityloop.core.audit import action_transaction, record
from cityloop.notify.signing import WebhookVerificationError, verify

from .models import Device, DeviceState, Outcome, Reading, Recovery, SensorNetwork, SensorPolicy

CHANNEL = "iot_sensor"
MAX_BODY = 8 * 1024
# A reading may be stamped this far ahead of the server's clock (devices' clocks drift), no further.
CLOCK_SKEW = dt.timedelta(minutes=5)
Answer = tuple[int, dict[str, Any]]
LABELS = {
    "manhole_tilt": "井盖倾斜/位移报警",
    "water_level": "下穿通道积水水位超限",
    "bin_fill": "垃圾箱满溢",
    "streetlight_fault": "路灯故障",
}


class Refused(Exception):
    def __init__(self, status: int, message: str, field: str = "") -> None:
        super().__init__(message)
        self.status, self.message, self.field = status, message, field


def receive(code: str, headers: Mapping[str, str], body: bytes, *, now: dt.datetime | None = None) -> Answer:
    """Handle one signed reading from network ``code``: the HTTP status and JSON to answer."""
    try:
        return _receive(code, headers, body, now or timezone.now())
    except Refused as exc:
        errors = [{"field": exc.field, "message": exc.message}] if exc.field else []
        return exc.status, {"detail": exc.message, "errors": errors}


def _receive(code: str, headers: Mapping[str, str], body: bytes, now: dt.datetime) -> Answer:
    network = (
        SensorNetwork.objects.select_related("actor")
        .filter(code=code, active=True, actor__is_active=True)
        .first()
    )
    if network is None:
        raise Refused(404, f"no active sensor network {code!r}")
    if len(body) > MAX_BODY:
        raise Refused(413, "a reading is at most 8 KB", "body")
    try:
        verify(network.secret, headers, body, now=now)
    except WebhookVerificationError as exc:
        raise Refused(401, f"signature refused: {exc}", "webhook-signature") from None
    message_id = {k.lower(): v for k, v in headers.items()}["webhook-id"][:100]
    seen = _seen(network, message_id)
    if seen is not None:
        return seen
    data = _parse(body)
    if data["at"] > now + CLOCK_SKEW:
        raise Refused(422, "at: the reading's time is in the future (check the device's clock)", "at")
    try:
        with action_transaction():
            device = Device.objects.select_for_update().filter(code=data["device"], network=network).first()
            if device is None:
                raise Refused(422, f"no device {data['device']!r} in this network", "device")
            outcome, case = _apply(network, device, data, now)
            reading = Reading.objects.create(
                network=network,
                message_id=message_id,
                device=device,
                state=data["state"],
                value=data["value"],
                at=data["at"],
                received_at=now,
                outcome=outcome,
                case=case,
            )
            record(
                network.actor,
                "sensor.reading.receive",
                reading,
                object_repr=f"{device.code} {data['state']}",
                after={
                    "device": device.code,
                    "state": data["state"],
                    "value": data["value"],
                    "outcome": outcome,
                },
            )
    except IntegrityError:
        seen = _seen(network, message_id)
        if seen is None:
            raise
        return seen
    except ValidationError as exc:
        field, messages = next(iter(exc.message_dict.items()))
        raise Refused(422, "; ".join(messages), field) from None
    except TransitionError as exc:
        raise Refused(409, exc.message, "state") from None
    return 201, _answer(reading)


def _answer(reading: Reading) -> dict[str, Any]:
    return {"outcome": reading.outcome, "case_number": reading.case.number if reading.case else None}


def _seen(network: SensorNetwork, message_id: str) -> Answer | None:
    found = Reading.objects.select_related("case").filter(network=network, message_id=message_id).first()
    return (200, _answer(found)) if found else None


def _open(case: Case | None) -> bool:
    return case is not None and case.state in OPEN_STATES


def _apply(
    network: SensorNetwork, device: Device, data: dict[str, Any], now: dt.datetime
) -> tuple[str, Case | None]:
    """Move the device's state and its case; returns the reading's outcome and case."""
    state, at = data["state"], data["at"]
    case = Case.objects.filter(pk=device.open_case_id).first() if device.open_case_id else None
    outcome, linked = Outcome.NOTED, None
    if device.last_seen_at is not None and at < device.last_seen_at:
        # Sent late (a network retrying): older than what the device said since, it changes nothing.
        return outcome, linked
    if state == DeviceState.ALERT:
        if _open(case):
            outcome, linked = Outcome.JOINED, case
        else:
            linked = _report(network, device, data, now)
            outcome = Outcome.CASE
            device.open_case, device.alert_since = linked, at
    elif _open(case):
        assert case is not None
        policy = SensorPolicy.objects.filter(kind=device.kind).first()
        in_time = device.alert_since is not None and at - device.alert_since <= dt.timedelta(
            minutes=policy.recovery_minutes if policy else 240
        )
        label = LABELS.get(device.kind, device.kind)
        if policy and policy.recovery == Recovery.CLOSE and in_time and case.state in PRE_DISPATCH:
            reason = f"{label}：设备{device.code}已报告恢复正常，自动结案"
            linked = perform(case, "void", actor=network.actor, payload={"reason": reason}, at=now)
            record(
                network.actor,
                "sensor.case.auto_close",
                linked,
                after={"device": device.code, "state": linked.state},
            )
            outcome = Outcome.CLOSED
        else:
            note = f"设备{device.code}已于{timezone.localtime(at):%m-%d %H:%M}报告恢复正常，请核查现场"
            linked = perform(case, "comment", actor=network.actor, payload={"note": note}, at=now)
            outcome = Outcome.LEFT
        device.open_case, device.alert_since = None, None
    elif state == DeviceState.NORMAL:
        device.open_case, device.alert_since = None, None
    device.state, device.last_value, device.last_seen_at = state, data["value"], at
    device.save(update_fields=["state", "last_value", "last_seen_at", "open_case", "alert_since"])
    return outcome, linked


def _report(network: SensorNetwork, device: Device, data: dict[str, Any], now: dt.datetime) -> Case:
    """The case an alert opens: the component's subclass (linked) or the policy's category."""
    policy = SensorPolicy.objects.select_related("category").filter(kind=device.kind).first()
    if device.component_id:
        component = device.component
        assert component is not None
        category, kind, component_code = component.subclass.code, component.subclass.kind, component.code
    elif policy is not None:
        category, kind, component_code = policy.category.code, policy.category.kind, None
    else:
        raise Refused(422, f"no sensor policy for {device.kind}: the city must set one", "device")
    value = data["value"]
    reading = f"，读数{value:g}" if value is not None else ""
    case, _created = submit_report(
        actor=network.actor,
        channel=CHANNEL,
        description=f"{LABELS.get(device.kind, device.kind)}（{device.name}，设备{device.code}{reading}）",
        lon=device.lon,
        lat=device.lat,
        address=device.name[:200],
        category=category,
        kind=kind,
        component=component_code,
        at=now,
    )
    return case


def _parse(body: bytes) -> dict[str, Any]:
    try:
        data = json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise Refused(400, "the body is not JSON", "body") from None
    if not isinstance(data, dict):
        raise Refused(422, "send a JSON object", "body")
    device = data.get("device")
    if not isinstance(device, str) or not 0 < len(device) <= 40:
        raise Refused(422, "device: the device's code (1-40 characters)", "device")
    state = data.get("state")
    if state not in (DeviceState.ALERT, DeviceState.NORMAL):
        raise Refused(422, "state: alert or normal", "state")
    value = data.get("value")
    if value is not None and (
        isinstance(value, bool)
        or not isinstance(value, int | float)
        or not math.isfinite(value)
        or abs(value) > 1e9
    ):
        raise Refused(422, "value: a finite number or null", "value")
    when = data.get("at")
    parsed = parse_datetime(when) if isinstance(when, str) and len(when) <= 40 else None
    if parsed is None or parsed.tzinfo is None:
        raise Refused(422, "at: an ISO 8601 time with its offset", "at")
    return {"device": device, "state": state, "value": None if value is None else float(value), "at": parsed}

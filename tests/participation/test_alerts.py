"""Area alerts: the size limit, confirming with a code, new and closed cases in the area batched by
the worker's sweep through the outbox, delivery to the citizen's channel, unsubscribing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.core.audit import public_actor
from cityloop.core.models import AuditEntry
from cityloop.notify.delivery import deliver
from cityloop.notify.models import Delivery, Outbox
from cityloop.participation import alerts
from cityloop.participation.models import AlertEvent, AlertSubscription

from .conftest import POINT_A, POINT_B, Loop, last_code

pytestmark = pytest.mark.django_db


def around(point: tuple[float, float], d: float = 0.0008) -> list[list[float]]:
    x, y = point
    return [[x - d, y - d], [x + d, y - d], [x + d, y + d], [x - d, y + d]]


def confirmed(channel: str = "email", address: str = "li@example.cn", **area: Any) -> AlertSubscription:
    sub = alerts.subscribe(actor=public_actor(), channel=channel, address=address, **area)
    sub.confirmed_at = timezone.now()
    sub.save()
    return sub


def test_size_and_shape_limits() -> None:
    with pytest.raises(ValidationError) as big:
        alerts.subscribe(
            actor=public_actor(), channel="email", address="a@b.cn", polygon=around(POINT_A, 0.2)
        )
    assert "polygon" in big.value.message_dict
    with pytest.raises(ValidationError) as bowtie:
        alerts.subscribe(
            actor=public_actor(), channel="email", address="a@b.cn", polygon=[[0, 0], [1, 1], [1, 0], [0, 1]]
        )
    assert "polygon" in bowtie.value.message_dict
    with pytest.raises(ValidationError) as far:
        alerts.subscribe(
            actor=public_actor(), channel="email", address="a@b.cn", center=list(POINT_A), radius_m=99999
        )
    assert "radius_m" in far.value.message_dict
    with pytest.raises(ValidationError) as address:
        alerts.subscribe(
            actor=public_actor(), channel="email", address="not-mail", center=list(POINT_A), radius_m=500
        )
    assert "address" in address.value.message_dict
    assert not AlertSubscription.objects.exists()


def test_nothing_is_sent_before_the_code_comes_back(
    loop: Loop, django_capture_on_commit_callbacks: Any, api_as: Any
) -> None:
    api = api_as(None)
    made = api.post(
        "/api/v1/public/alerts",
        {"channel": "email", "address": "Li@Example.cn", "center": list(POINT_A), "radius_m": 500},
    )
    assert made.status_code == 201, made.content
    token = made.json()["token"]
    code = last_code("email:li@example.cn")
    with django_capture_on_commit_callbacks(execute=True):
        loop.report()
    assert not AlertEvent.objects.exists()
    assert (
        api.post(
            "/api/v1/public/alerts/confirm",
            {"token": token, "code": "000000" if code != "000000" else "111111"},
        ).status_code
        == 400
    )
    ok = api.post("/api/v1/public/alerts/confirm", {"token": token, "code": code})
    assert ok.status_code == 200 and ok.json()["confirmed"]
    assert AuditEntry.objects.filter(action="participation.alert.confirm").exists()


def test_new_and_closed_cases_in_the_area_are_batched(
    loop: Loop, django_capture_on_commit_callbacks: Any
) -> None:
    sub = confirmed(polygon=around(POINT_A))
    elsewhere = confirmed(address="far@example.cn", polygon=around(POINT_B))
    with django_capture_on_commit_callbacks(execute=True):
        first = loop.report()
        second = loop.report(description="井盖缺失")
        loop.drive(
            first, "accept", "register", "dispatch", "dispose", "send_for_check", "check_pass", "close"
        )
    assert set(sub.events.values_list("kind", "case_number")) == {
        ("new", first.number),
        ("new", second.number),
        ("closed", first.number),
    }
    assert not elsewhere.events.exists()
    now = timezone.now()
    assert alerts.send_batches(now) == {"messages": 1}
    notice = Outbox.objects.get(kind="participation.alert")
    assert notice.payload["to"] == ["email:li@example.cn"]
    assert first.number in notice.body and f"/public/alerts/{sub.token}/cancel/" in notice.body
    # Within the quiet time nothing more goes out; after it, the next batch does.
    with django_capture_on_commit_callbacks(execute=True):
        third = loop.report(description="又一处")
    assert alerts.send_batches(now + dt.timedelta(minutes=5)) == {"messages": 0}
    assert alerts.send_batches(now + dt.timedelta(minutes=61)) == {"messages": 1}
    assert third.number in Outbox.objects.filter(kind="participation.alert").last().body
    # The worker delivers through Django's mail.
    deliver(now + dt.timedelta(minutes=62))
    assert (
        Delivery.objects.filter(channel="citizen", status="sent", outbox__kind="participation.alert").count()
        == 2
    )
    assert any(third.number in m.body for m in mail.outbox)


def test_unsubscribe(loop: Loop, api_as: Any, django_capture_on_commit_callbacks: Any) -> None:
    sub = confirmed(center=list(POINT_A), radius_m=300)
    from django.test import Client

    page = Client()
    assert page.get(f"/public/alerts/{sub.token}/cancel/").status_code == 200
    sub.refresh_from_db()
    assert sub.cancelled_at is None  # a link alone does not cancel
    assert page.post(f"/public/alerts/{sub.token}/cancel/").status_code == 200
    sub.refresh_from_db()
    assert sub.cancelled_at is not None
    with django_capture_on_commit_callbacks(execute=True):
        loop.report()
    assert not AlertEvent.objects.exists()
    assert AuditEntry.objects.filter(action="participation.alert.cancel").exists()


def test_api_refusals(api_as: Any) -> None:
    api = api_as(None)
    for body, status in [
        ({"channel": "fax", "address": "x@y.cn", "center": [120, 30], "radius_m": 500}, 422),
        ({"channel": "email", "address": "x@y.cn", "center": [120, 30], "radius_m": 5}, 422),
        ({"channel": "email", "address": "x@y.cn", "polygon": [[120, 30, 1], [121, 30], [121, 31]]}, 422),
        ({"channel": "email", "address": "x@y.cn"}, 400),
        ({"channel": "email", "address": "x@y.cn", "center": [500, 30], "radius_m": 500}, 400),
    ]:
        got = api.post("/api/v1/public/alerts", body)
        assert got.status_code == status, (body, got.content)
    assert api.post("/api/v1/public/alerts/cancel", {"token": "x" * 20}).status_code == 404

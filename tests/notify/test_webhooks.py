"""Signed webhooks: the signature, retries with exponential backoff, giving up, leases."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest

from cityloop.notify import delivery
from cityloop.notify.actions import save_webhook
from cityloop.notify.channels import SIGNATURE_HEADER, sign, verify
from cityloop.notify.delivery import backoff, deliver
from cityloop.notify.models import Delivery, WebhookSubscription
from cityloop.notify.outbox import enqueue

from .conftest import Receiver

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def quiet(settings: Any) -> None:
    settings.CITYLOOP_NOTIFY_CHANNELS = {}
    settings.CITYLOOP_WEBHOOK_TIMEOUT_SECONDS = 5


@pytest.fixture
def hook(actor: Any, receiver: Receiver) -> WebhookSubscription:
    return save_webhook(
        actor=actor, subscription=WebhookSubscription(name="12345 热线", url=receiver.url, secret="s3cret")
    )


def _notice(org: Any, key: str = "n1", kind: str = "timeclock.overdue") -> None:
    enqueue(
        kind,
        recipients=[org.water],
        subject_type="cases.case",
        subject_id=9,
        dedupe_key=key,
        district=org.district,
        payload={"title": "超时"},
    )


def test_body_is_signed_with_hmac_sha256(org: Any, hook: WebhookSubscription, receiver: Receiver) -> None:
    _notice(org)
    assert deliver(NOW)["sent"] == 1
    [request] = receiver.requests
    body, headers = request["body"], request["headers"]
    assert headers[SIGNATURE_HEADER] == sign("s3cret", body)
    assert headers[SIGNATURE_HEADER].startswith("sha256=") and len(headers[SIGNATURE_HEADER]) == 7 + 64
    assert verify("s3cret", body, headers[SIGNATURE_HEADER]) and not verify(
        "other", body, headers[SIGNATURE_HEADER]
    )
    assert headers["X-CityLoop-Event"] == "timeclock.overdue"
    assert headers["X-CityLoop-Delivery"] == str(Delivery.objects.get().pk)
    data = json.loads(body)
    assert (
        data["kind"] == "timeclock.overdue"
        and data["subject_id"] == "9"
        and data["payload"]["title"] == "超时"
    )
    assert data["district_id"] == org.district.pk and data["dedupe_key"] == "n1"
    # Delivered means delivered: later sweeps do not send it again.
    deliver(NOW + dt.timedelta(hours=1))
    assert len(receiver.requests) == 1


def test_retried_with_exponential_backoff_then_sent(
    org: Any, hook: WebhookSubscription, receiver: Receiver
) -> None:
    receiver.statuses = [500, 503]
    _notice(org)
    assert deliver(NOW)["retry"] == 1
    row = Delivery.objects.get()
    assert (
        row.attempts == 1
        and row.next_attempt_at == NOW + dt.timedelta(seconds=30)
        and "HTTP 500" in row.last_error
    )
    assert deliver(NOW + dt.timedelta(seconds=29))["retry"] == 0  # not due yet
    assert deliver(NOW + dt.timedelta(seconds=30))["retry"] == 1
    row.refresh_from_db()
    assert row.next_attempt_at == NOW + dt.timedelta(seconds=30 + 60)
    assert deliver(NOW + dt.timedelta(seconds=90))["sent"] == 1
    row.refresh_from_db()
    assert row.status == "sent" and row.attempts == 3 and row.last_error == ""
    assert len(receiver.requests) == 3


def test_given_up_after_the_limit_and_marked_failed(
    org: Any, hook: WebhookSubscription, receiver: Receiver, settings: Any
) -> None:
    settings.CITYLOOP_WEBHOOK_MAX_ATTEMPTS = 3
    receiver.statuses = [500] * 10
    _notice(org)
    moment = NOW
    for _ in range(5):
        deliver(moment)
        moment += dt.timedelta(hours=2)
    row = Delivery.objects.get()
    assert row.status == "failed" and row.attempts == 3 and row.failed_at is not None
    assert len(receiver.requests) == 3


def test_an_unreachable_receiver_is_retried(org: Any, actor: Any) -> None:
    save_webhook(
        actor=actor, subscription=WebhookSubscription(name="down", url="http://127.0.0.1:9/x", secret="s")
    )
    _notice(org)
    assert deliver(NOW)["retry"] == 1
    assert "cannot reach" in Delivery.objects.get().last_error


def test_backoff_doubles_and_is_capped(settings: Any) -> None:
    settings.CITYLOOP_WEBHOOK_BACKOFF_SECONDS = 10
    settings.CITYLOOP_WEBHOOK_BACKOFF_MAX_SECONDS = 60
    assert [backoff(n).total_seconds() for n in range(1, 6)] == [10, 20, 40, 60, 60]


def test_subscriptions_choose_kinds_and_district(org: Any, actor: Any, receiver: Receiver) -> None:
    save_webhook(
        actor=actor,
        subscription=WebhookSubscription(
            name="warnings", url=receiver.url, secret="a", kinds=["timeclock.warning"]
        ),
    )
    save_webhook(
        actor=actor,
        subscription=WebhookSubscription(
            name="elsewhere", url=receiver.url, secret="b", district=org.street_a
        ),
    )
    _notice(org, "n1", "timeclock.overdue")
    _notice(org, "n2", "timeclock.warning")
    deliver(NOW)
    assert [r["headers"]["X-CityLoop-Event"] for r in receiver.requests] == ["timeclock.warning"]


def test_a_removed_subscription_gives_up_at_once(
    org: Any, hook: WebhookSubscription, receiver: Receiver
) -> None:
    _notice(org)
    delivery.dispatch_pending(NOW)
    WebhookSubscription.objects.filter(pk=hook.pk).update(active=False)
    assert delivery.send_due(NOW)["failed"] == 1
    assert not receiver.requests


def test_a_worker_dying_mid_send_leaves_it_to_the_next(
    org: Any, hook: WebhookSubscription, receiver: Receiver
) -> None:
    _notice(org)
    delivery.dispatch_pending(NOW)
    claimed = delivery._claim(NOW)  # claimed, then the worker died before sending
    assert len(claimed) == 1
    assert delivery.send_due(NOW + dt.timedelta(seconds=30))["sent"] == 0  # still leased
    assert delivery.send_due(NOW + dt.timedelta(minutes=2))["sent"] == 1
    assert len(receiver.requests) == 1 and Delivery.objects.get().attempts == 2


def test_the_secret_stays_out_of_the_audit_log(hook: WebhookSubscription) -> None:
    from cityloop.core.models import AuditEntry

    entry = AuditEntry.objects.get(action="webhook.save")
    assert "s3cret" not in json.dumps(entry.after)

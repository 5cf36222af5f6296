"""Signed webhooks (Standard Webhooks): the signature, replay refusal, secret rotation, retries with
jittered exponential backoff, giving up, leases."""

from __future__ import annotations

import base64
import datetime as dt
import itertools
import json
import random
from typing import Any

import pytest

from cityloop.core.actions import create_user
from cityloop.core.models import AuditEntry
from cityloop.notify import delivery, signing
from cityloop.notify.actions import rotate_webhook_secret, save_webhook
from cityloop.notify.delivery import backoff, backoff_ceiling, deliver
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


def test_each_delivery_is_signed_by_the_standard_webhooks_scheme(
    org: Any, hook: WebhookSubscription, receiver: Receiver
) -> None:
    _notice(org)
    assert deliver(NOW)["sent"] == 1
    [request] = receiver.requests
    body, headers = request["body"], request["headers"]
    row = Delivery.objects.get()
    assert headers["webhook-id"] == f"msg_{row.pk}"
    assert headers["webhook-timestamp"] == str(int(NOW.timestamp()))
    assert headers["webhook-signature"] == signing.signature("s3cret", f"msg_{row.pk}", NOW, body)
    assert headers["webhook-signature"].startswith("v1,")
    signing.verify("s3cret", headers, body, now=NOW + dt.timedelta(seconds=3))
    with pytest.raises(signing.WebhookVerificationError, match="no matching"):
        signing.verify("other", headers, body, now=NOW)
    with pytest.raises(signing.WebhookVerificationError, match="no matching"):
        signing.verify("s3cret", headers, body.replace(b"n1", b"n2"), now=NOW)
    assert headers["X-CityLoop-Event"] == "timeclock.overdue"
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


def test_a_captured_delivery_replayed_later_is_refused(
    org: Any, hook: WebhookSubscription, receiver: Receiver
) -> None:
    _notice(org)
    deliver(NOW)
    [request] = receiver.requests
    body, headers = request["body"], request["headers"]
    signing.verify("s3cret", headers, body, now=NOW + dt.timedelta(minutes=4, seconds=59))
    for later in (dt.timedelta(minutes=5, seconds=1), dt.timedelta(hours=6), -dt.timedelta(minutes=6)):
        with pytest.raises(signing.WebhookVerificationError, match="tolerance"):
            signing.verify("s3cret", headers, body, now=NOW + later)
    # A replay with a fresh timestamp does not carry a valid signature.
    forged = dict(headers, **{"webhook-timestamp": str(int(NOW.timestamp()) + 3600)})
    with pytest.raises(signing.WebhookVerificationError, match="no matching"):
        signing.verify("s3cret", forged, body, now=NOW + dt.timedelta(hours=1))
    with pytest.raises(signing.WebhookVerificationError, match="missing"):
        signing.verify("s3cret", {"webhook-id": "msg_1"}, body, now=NOW)


def test_a_retry_keeps_its_id_and_is_signed_afresh(
    org: Any, hook: WebhookSubscription, receiver: Receiver
) -> None:
    receiver.statuses = [500]
    _notice(org)
    deliver(NOW)
    later = NOW + dt.timedelta(hours=2)
    assert deliver(later)["sent"] == 1
    first, second = receiver.requests
    assert first["headers"]["webhook-id"] == second["headers"]["webhook-id"]
    assert second["headers"]["webhook-timestamp"] == str(int(later.timestamp()))
    signing.verify("s3cret", second["headers"], second["body"], now=later)


def test_the_spec_test_vector() -> None:
    # From the Standard Webhooks reference libraries' tests.
    secret = "whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw"
    at = dt.datetime.fromtimestamp(1614265330, tz=dt.UTC)
    body = b'{"test": 2432232314}'
    expected = "v1,g0hM9SsE+OTPJTGt/tmIKtSyZlE3uFJELVlNIOLJ1OE="
    assert signing.signature(secret, "msg_p5jXN8AQM9LWM0D4loKWxJek", at, body) == expected
    headers = signing.sign_headers([secret], "msg_p5jXN8AQM9LWM0D4loKWxJek", at, body)
    assert headers == {
        "webhook-id": "msg_p5jXN8AQM9LWM0D4loKWxJek",
        "webhook-timestamp": "1614265330",
        "webhook-signature": expected,
    }
    signing.verify(secret, headers, body, now=at)


def test_a_new_subscription_gets_a_generated_secret(actor: Any, receiver: Receiver) -> None:
    made = save_webhook(actor=actor, subscription=WebhookSubscription(name="城管通", url=receiver.url))
    assert made.secret.startswith("whsec_") and len(base64.b64decode(made.secret[6:])) == 32
    other = save_webhook(actor=actor, subscription=WebhookSubscription(name="b", url=receiver.url))
    assert other.secret != made.secret


def test_rotation_signs_with_both_secrets_during_the_grace_period(
    org: Any, hook: WebhookSubscription, receiver: Receiver, actor: Any
) -> None:
    new = rotate_webhook_secret(actor=actor, subscription=hook, grace=dt.timedelta(hours=1), now=NOW)
    assert new.startswith("whsec_")
    _notice(org, "n1")
    deliver(NOW + dt.timedelta(minutes=30))
    _notice(org, "n2")
    deliver(NOW + dt.timedelta(minutes=61))
    during, after = receiver.requests
    at = NOW + dt.timedelta(minutes=30)
    assert len(during["headers"]["webhook-signature"].split(" ")) == 2
    signing.verify("s3cret", during["headers"], during["body"], now=at)  # the old receiver
    signing.verify(new, during["headers"], during["body"], now=at)  # the switched receiver
    assert len(after["headers"]["webhook-signature"].split(" ")) == 1
    at = NOW + dt.timedelta(minutes=61)
    signing.verify(new, after["headers"], after["body"], now=at)
    with pytest.raises(signing.WebhookVerificationError):
        signing.verify("s3cret", after["headers"], after["body"], now=at)
    entry = AuditEntry.objects.filter(action="webhook.save").last()
    assert entry is not None and entry.after["secret"] == "rotated"
    assert new not in json.dumps(entry.after) and "s3cret" not in json.dumps(entry.after)


def test_retried_with_backoff_then_sent(org: Any, hook: WebhookSubscription, receiver: Receiver) -> None:
    receiver.statuses = [500, 503]
    _notice(org)
    assert deliver(NOW)["retry"] == 1
    row = Delivery.objects.get()
    assert row.attempts == 1 and "HTTP 500" in row.last_error
    first_wait = row.next_attempt_at - NOW
    assert dt.timedelta(seconds=1) <= first_wait <= dt.timedelta(seconds=30)
    assert deliver(row.next_attempt_at - dt.timedelta(milliseconds=1))["retry"] == 0  # not due yet
    moment = row.next_attempt_at
    assert deliver(moment)["retry"] == 1
    row.refresh_from_db()
    assert dt.timedelta(seconds=1) <= row.next_attempt_at - moment <= dt.timedelta(seconds=60)
    assert deliver(row.next_attempt_at)["sent"] == 1
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


def test_backoff_ceiling_doubles_and_is_capped(settings: Any) -> None:
    settings.CITYLOOP_WEBHOOK_BACKOFF_SECONDS = 10
    settings.CITYLOOP_WEBHOOK_BACKOFF_MAX_SECONDS = 60
    assert [backoff_ceiling(n).total_seconds() for n in range(1, 6)] == [10, 20, 40, 60, 60]


def test_backoff_is_random_within_its_ceiling_and_grows(settings: Any) -> None:
    settings.CITYLOOP_WEBHOOK_BACKOFF_SECONDS = 30
    settings.CITYLOOP_WEBHOOK_BACKOFF_MAX_SECONDS = 3600
    rng = random.Random(20)
    means = []
    for attempts in range(1, 9):
        ceiling = backoff_ceiling(attempts).total_seconds()
        waits = [backoff(attempts, rng).total_seconds() for _ in range(400)]
        assert all(1 <= w <= ceiling for w in waits)
        assert len(set(waits)) > 300  # jittered, not one fixed delay
        assert min(waits) < ceiling * 0.2 and max(waits) > ceiling * 0.8  # spread over the whole range
        means.append(sum(waits) / len(waits))
    assert all(a < b for a, b in itertools.pairwise(means))  # grows with each failure
    assert all(backoff(20, rng).total_seconds() <= 3600 for _ in range(100))  # capped
    # Unseeded, two failures in a row do not come back at the same moment.
    assert len({backoff(3).total_seconds() for _ in range(20)}) > 1


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
    entry = AuditEntry.objects.get(action="webhook.save")
    assert "s3cret" not in json.dumps(entry.after)


def test_the_admin_shows_the_generated_secret_once_and_never_in_a_form(
    org: Any, actor: Any, client: Any, receiver: Receiver
) -> None:
    root = create_user(actor=actor, username="root", password="root-pass-2026", is_superuser=True)
    client.force_login(root)
    form = client.get("/admin/notify/webhooksubscription/add/").content.decode()
    assert 'name="secret"' not in form and 'name="previous_secret"' not in form
    response = client.post(
        "/admin/notify/webhooksubscription/add/",
        {
            "name": "城管通",
            "url": receiver.url,
            "kinds": "[]",
            "active": "on",
            "created_at_0": "2026-03-02",
            "created_at_1": "08:00:00",
        },
        follow=True,
    )
    made = WebhookSubscription.objects.get(name="城管通")
    assert made.secret.startswith("whsec_") and made.secret in response.content.decode()
    change = client.get(f"/admin/notify/webhooksubscription/{made.pk}/change/").content.decode()
    assert made.secret not in change
    response = client.post(
        "/admin/notify/webhooksubscription/",
        {"action": "rotate_secret", "_selected_action": [made.pk]},
        follow=True,
    )
    made.refresh_from_db()
    assert made.previous_secret and made.secret in response.content.decode()

"""The outbox: queued in the caller's transaction, exactly once, fanned out to inboxes and channels."""

from __future__ import annotations

import datetime as dt
import logging
from collections.abc import Iterator
from typing import Any

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.db import transaction

from cityloop.core.actions import revoke_role
from cityloop.notify import channels
from cityloop.notify.delivery import deliver
from cityloop.notify.models import Delivery, InboxMessage, Outbox
from cityloop.notify.outbox import enqueue

from . import channels_for_tests

pytestmark = pytest.mark.django_db
NOW = dt.datetime(2026, 3, 2, 8, 0, tzinfo=dt.UTC)


@pytest.fixture(autouse=True)
def no_user_channels(settings: Any) -> Iterator[None]:
    settings.CITYLOOP_NOTIFY_CHANNELS = {}
    channels_for_tests.SENT.clear()
    yield


def test_the_same_notice_is_never_queued_twice(org: Any) -> None:
    first = enqueue("test.notice", recipients=[org.water], dedupe_key="k1", payload={"title": "hello"})
    again = enqueue("test.notice", recipients=[org.water], dedupe_key="k1", payload={"title": "hello"})
    assert first is not None and again is None
    assert Outbox.objects.count() == 1
    assert first.recipient_units == [org.water.pk] and first.recipient_users == []


def test_a_notice_rolls_back_with_its_change(org: Any) -> None:
    with pytest.raises(RuntimeError), transaction.atomic():
        enqueue("test.notice", recipients=[org.water], dedupe_key="k2")
        raise RuntimeError("the change failed")
    assert not Outbox.objects.exists()


def test_enqueue_checks_its_arguments(org: Any) -> None:
    with pytest.raises(ValueError, match="dedupe_key"):
        enqueue("test.notice", recipients=[org.water], dedupe_key="")
    with pytest.raises(TypeError, match="users or units"):
        enqueue("test.notice", recipients=["water"], dedupe_key="k3")  # type: ignore[list-item]


def test_fan_out_to_named_users_and_unit_members(org: Any) -> None:
    enqueue(
        "test.notice",
        recipients=[org.district, org.users["water_handler"]],
        subject_type="cases.case",
        subject_id=5,
        dedupe_key="k4",
        payload={"title": "请处理", "body": "详情"},
    )
    assert deliver(NOW)["dispatched"] == 1
    assert deliver(NOW)["dispatched"] == 0
    owners = set(InboxMessage.objects.values_list("user__username", flat=True))
    assert owners == {"leader", "dispatcher", "water_handler"}
    message = InboxMessage.objects.get(user=org.users["leader"])
    assert (message.title, message.body, message.subject_id, message.read_at) == ("请处理", "详情", "5", None)
    assert Outbox.objects.get().status == "dispatched"


def test_former_members_and_inactive_users_get_nothing(org: Any, actor: Any) -> None:
    leader = org.users["leader"]
    revoke_role(actor=actor, membership=leader.memberships.get(), on=dt.date(2026, 1, 1))
    dispatcher = org.users["dispatcher"]
    dispatcher.is_active = False
    dispatcher.save()
    enqueue("test.notice", recipients=[org.district], dedupe_key="k5")
    deliver(NOW)
    assert not InboxMessage.objects.exists()


def test_user_channels_get_one_delivery_each(org: Any, settings: Any) -> None:
    settings.CITYLOOP_NOTIFY_CHANNELS = {"sms": "tests.notify.channels_for_tests.RecordingChannel"}
    enqueue("test.notice", recipients=[org.water], dedupe_key="k6", payload={"title": "水管爆裂"})
    assert deliver(NOW) == {"dispatched": 1, "sent": 1, "retry": 0, "failed": 0}
    deliver(NOW + dt.timedelta(minutes=5))
    assert [(m.username, m.title) for m in channels_for_tests.SENT] == [("water_handler", "水管爆裂")]
    assert Delivery.objects.get().status == "sent"


def test_a_failing_channel_is_retried_then_given_up(org: Any, settings: Any) -> None:
    settings.CITYLOOP_NOTIFY_CHANNELS = {"wechat": "tests.notify.channels_for_tests.BrokenChannel"}
    settings.CITYLOOP_WEBHOOK_MAX_ATTEMPTS = 2
    enqueue("test.notice", recipients=[org.water], dedupe_key="k7")
    assert deliver(NOW)["retry"] == 1
    assert deliver(NOW + dt.timedelta(hours=1))["failed"] == 1
    delivery = Delivery.objects.get()
    assert delivery.status == "failed" and delivery.attempts == 2 and "gateway timeout" in delivery.last_error


def test_a_permanent_failure_is_not_retried(org: Any, settings: Any) -> None:
    settings.CITYLOOP_NOTIFY_CHANNELS = {"sms": "tests.notify.channels_for_tests.NoPhoneChannel"}
    enqueue("test.notice", recipients=[org.water], dedupe_key="k8")
    assert deliver(NOW)["failed"] == 1
    assert "no phone" in Delivery.objects.get().last_error


def test_the_logging_stand_in_sends_nothing_but_says_so(org: Any, settings: Any, caplog: Any) -> None:
    settings.CITYLOOP_NOTIFY_CHANNELS = {"sms": "cityloop.notify.channels.LoggingChannel"}
    channels._build.cache_clear()  # a fresh stand-in, as in a new process
    enqueue("test.notice", recipients=[org.water], dedupe_key="k9", payload={"title": "hi"})
    enqueue("test.notice", recipients=[org.water], dedupe_key="k9b", payload={"title": "again"})
    with caplog.at_level(logging.INFO, logger="cityloop.notify"):
        deliver(NOW)
    # Said once, however many messages it did not send.
    assert caplog.text.count("sms channel is not configured") == 1


def test_a_class_without_send_is_refused(org: Any, settings: Any) -> None:
    settings.CITYLOOP_NOTIFY_CHANNELS = {"sms": "tests.notify.channels_for_tests.NotAChannel"}
    enqueue("test.notice", recipients=[org.water], dedupe_key="k10")
    # The notice stays pending (and the error is logged) until the configuration is fixed.
    deliver(NOW)
    assert Outbox.objects.get().status == "pending"
    from cityloop.notify.channels import user_channels

    with pytest.raises(ImproperlyConfigured, match="send"):
        user_channels()

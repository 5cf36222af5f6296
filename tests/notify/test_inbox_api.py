"""``/api/v1/inbox``: your own messages only; marking them read is an audited action."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest

from cityloop.core.models import AuditEntry
from cityloop.notify.delivery import deliver
from cityloop.notify.models import InboxMessage
from cityloop.notify.outbox import enqueue

pytestmark = pytest.mark.django_db


@pytest.fixture
def messages(org: Any, settings: Any) -> None:
    settings.CITYLOOP_NOTIFY_CHANNELS = {}
    enqueue("timeclock.warning", recipients=[org.district], dedupe_key="a", payload={"title": "预警"})
    enqueue("timeclock.overdue", recipients=[org.district], dedupe_key="b", payload={"title": "超时"})
    enqueue("timeclock.overdue", recipients=[org.water], dedupe_key="c", payload={"title": "别人的"})
    deliver(dt.datetime(2026, 3, 2, tzinfo=dt.UTC))


def test_list_shows_only_your_messages(org: Any, messages: None, api_as: Any) -> None:
    response = api_as(org.users["leader"]).get("/api/v1/inbox")
    assert response.status_code == 200
    body = response.json()
    assert body["count"] == 2
    assert [m["title"] for m in body["items"]] == ["超时", "预警"]
    assert all(m["unread"] for m in body["items"])
    only = api_as(org.users["leader"]).get("/api/v1/inbox", kind="timeclock.warning").json()
    assert [m["title"] for m in only["items"]] == ["预警"]


def test_mark_read(org: Any, messages: None, api_as: Any) -> None:
    leader = org.users["leader"]
    client = api_as(leader)
    message = InboxMessage.objects.filter(user=leader).order_by("id").first()
    assert message is not None
    response = client.post(f"/api/v1/inbox/{message.pk}/read")
    assert response.status_code == 200 and response.json()["unread"] is False
    assert client.post(f"/api/v1/inbox/{message.pk}/read").status_code == 200  # again: no change
    assert AuditEntry.objects.filter(action="inbox.read").count() == 1
    unread = client.get("/api/v1/inbox", unread="true").json()
    assert [m["title"] for m in unread["items"]] == ["超时"]
    assert client.post("/api/v1/inbox/read-all").json() == {"count": 1}
    assert client.get("/api/v1/inbox", unread="true").json()["count"] == 0


def test_someone_elses_message_is_not_found(org: Any, messages: None, api_as: Any) -> None:
    theirs = InboxMessage.objects.get(user=org.users["water_handler"])
    response = api_as(org.users["leader"]).post(f"/api/v1/inbox/{theirs.pk}/read")
    assert response.status_code == 404 and "no message" in response.json()["detail"]
    assert InboxMessage.objects.get(pk=theirs.pk).read_at is None


def test_anonymous_is_refused(messages: None, api_as: Any) -> None:
    assert api_as(None).get("/api/v1/inbox").status_code == 401

"""Work orders and the hotline's other messages in: signed, checked, idempotent, audited."""

from __future__ import annotations

import datetime as dt

import pytest

from cityloop.cases.models import Case
from cityloop.core.models import AuditEntry
from cityloop.hotline.models import Message, Ticket
from cityloop.notify.models import Outbox

from .conftest import order, post, signed

pytestmark = pytest.mark.django_db


def test_a_work_order_becomes_a_case_once(platform):
    answer = post(platform, order())
    assert answer.status_code == 201, answer.content
    body = answer.json()
    case = Case.objects.get(number=body["case_number"])
    assert case.channel.code == "hotline_12345"
    assert case.external_id == "T1" and case.appeal_nature == 2
    assert case.reporter_name == "王女士" and case.reporter_phone == "13912345678"
    ticket = Ticket.objects.get(case=case)
    assert ticket.hotline_deadline == dt.datetime(2026, 12, 10, 9, 30, tzinfo=dt.UTC)
    assert ticket.attachment_urls == ["https://hotline.example.cn/files/1.jpg"]
    receipt = Message.objects.get(ticket=ticket, direction="out")
    assert (receipt.type, receipt.seq) == ("receipt", 1)
    assert Outbox.objects.filter(kind="hotline.message", dedupe_key=f"hotline:{ticket.pk}:1").exists()
    # The caller's phone stays on the case, not in the exchange.
    kept = Message.objects.get(ticket=ticket, direction="in").body
    assert kept["caller"] == {"name": "***", "phone": "***"}
    assert AuditEntry.objects.filter(action="hotline.ticket.create", object_id=str(ticket.pk)).exists()
    assert not AuditEntry.objects.filter(action="hotline.message.receive").exists()  # one entry per order

    again = post(platform, order(), msg_id="another-id")  # the hotline sends the ticket again
    assert again.status_code == 200 and again.json()["created"] is False
    assert Case.objects.filter(external_id="T1").count() == 1
    assert Message.objects.filter(ticket=ticket, direction="out").count() == 1


def test_a_replayed_message_changes_nothing(platform):
    headers = signed(platform, order(), msg_id="fixed")
    first = post(platform, order(), headers=headers)
    replay = post(platform, order(), headers=headers)
    assert first.status_code == 201 and replay.status_code == 201
    assert replay.json() == first.json()
    assert Message.objects.filter(direction="in").count() == 1


def test_signatures_and_platforms_are_checked(platform):
    old = dt.datetime.now(tz=dt.UTC) - dt.timedelta(minutes=6)
    assert post(platform, order(), at=old).status_code == 401  # outside the window: a replay
    headers = signed(platform, order())
    headers["HTTP_WEBHOOK_SIGNATURE"] = "v1,AAAA"
    refused = post(platform, order(), headers=headers)
    assert refused.status_code == 401 and refused.json()["errors"][0]["field"] == "webhook-signature"
    platform.code = "nosuch"
    assert post(platform, order()).status_code == 404
    assert not Case.objects.exists()


def test_an_inactive_platform_is_refused(platform, actor):
    from cityloop.hotline.platforms import change_platform

    change_platform(actor=actor, platform=platform, active=False)
    assert post(platform, order()).status_code == 404


@pytest.mark.parametrize(
    ("change", "field"),
    [
        ({"channel": "999"}, "channel"),
        ({"ticket_id": ""}, "ticket_id"),
        ({"text": ""}, "text"),
        ({"appeal_nature": 9}, "appeal_nature"),
        ({"location": {"lon": "x", "lat": 1}}, "location.lon"),
        ({"location": {"lon": 10.0, "lat": 10.0}}, "location"),
        ({"location": None, "address": "不存在的地方"}, "location"),
        ({"deadline": "tomorrow"}, "deadline"),
        ({"deadline": "2026-12-10T17:30:00"}, "deadline"),
        ({"attachments": ["ftp://x/1.jpg"]}, "attachments.0"),
        ({"category": "9999"}, "category"),
        ({"type": "nonsense"}, "type"),
        ({"caller": "me"}, "caller"),
    ],
)
def test_bad_input_names_the_field(platform, change, field):
    answer = post(platform, order(**change))
    assert 400 <= answer.status_code < 500, answer.content
    assert answer.json()["errors"][0]["field"] == field, answer.json()
    assert not Case.objects.exists()


def test_a_body_that_is_not_json_is_a_400(platform):
    from django.test import Client

    from cityloop.notify.signing import sign_headers

    raw = b"{not json"
    headers = sign_headers([platform.secret], "x1", dt.datetime.now(tz=dt.UTC), raw)
    meta = {f"HTTP_{k.upper().replace('-', '_')}": v for k, v in headers.items()}
    answer = Client().post(
        f"/hotline/v1/{platform.code}/messages", data=raw, content_type="application/json", **meta
    )
    assert answer.status_code == 400 and answer.json()["errors"][0]["field"] == "body"
    other = Client().post(f"/hotline/v1/{platform.code}/messages", data=b"a=1", content_type="text/plain")
    assert other.status_code == 415


def test_an_order_without_coordinates_is_placed_by_its_community(platform, loop):
    name = loop.org.community_a.name
    answer = post(platform, order(location=None, address=f"{name}3号楼下"))
    assert answer.status_code == 201, answer.content
    assert Ticket.objects.get().located_by == "address"

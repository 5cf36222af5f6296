"""Messages to the hotline: one per transition that matters, numbered per ticket, delivered in order
through the outbox however often the hotline fails, signed with the platform's secret."""

from __future__ import annotations

import datetime as dt
import threading

import pytest

from cityloop.cases.engine import perform
from cityloop.cases.models import Case
from cityloop.hotline.actions import transfer_back
from cityloop.hotline.models import Message, Ticket
from cityloop.hotline.outbound import exchange
from cityloop.hotline.platforms import change_platform
from cityloop.hotline.simulator import Receiver
from cityloop.notify.delivery import deliver

from .conftest import order, post

pytestmark = pytest.mark.django_db


def _types(ticket):
    return list(
        Message.objects.filter(ticket=ticket, direction="out").order_by("seq").values_list("type", flat=True)
    )


def _case(platform, ticket="T1"):
    assert post(platform, order(ticket)).status_code == 201
    return Case.objects.get(external_id=ticket)


def test_the_loop_tells_the_hotline_and_hears_back(platform, loop):
    case = _case(platform)
    ticket = Ticket.objects.get(case=case)
    case = loop.drive(case, "send_for_verification", "verify", "accept", "register", "dispatch")
    case = loop.drive(case, "request_extension")
    answer = post(
        platform,
        {
            "type": "extension_answer",
            "ticket_id": "T1",
            "approved": True,
            "new_deadline": "2026-12-12T17:30:00+08:00",
        },
    )
    assert answer.status_code == 200, answer.content
    ticket.refresh_from_db()
    assert ticket.hotline_deadline == dt.datetime(2026, 12, 12, 9, 30, tzinfo=dt.UTC)
    case = loop.drive(Case.objects.get(pk=case.pk), "request_hold")
    assert (
        post(
            platform,
            {"type": "deferral_answer", "ticket_id": "T1", "approved": False, "reason": "不符合缓办条件"},
        ).status_code
        == 200
    )
    assert (
        post(
            platform, {"type": "supervision", "ticket_id": "T1", "kind": "supervise", "text": "请加快办理"}
        ).status_code
        == 200
    )
    case = loop.drive(Case.objects.get(pk=case.pk), "dispose", "send_for_check", "check_pass")
    visit = post(
        platform, {"type": "return_visit", "ticket_id": "T1", "satisfaction": "unsatisfied", "text": "没修好"}
    )
    assert visit.status_code == 200 and visit.json()["state"] == "dispatched"  # reopened
    case = loop.drive(Case.objects.get(pk=case.pk), "dispose", "send_for_check", "check_pass")
    assert (
        post(platform, {"type": "return_visit", "ticket_id": "T1", "satisfaction": "satisfied"}).status_code
        == 200
    )
    case = loop.drive(Case.objects.get(pk=case.pk), "close")
    assert case.state == "closed" and case.satisfaction == "satisfied"
    assert _types(ticket) == [
        "receipt",
        "accepted",
        "extension_request",
        "deferral_request",
        "supervision_ack",
        "result",
        "reopened",
        "result",
        "closed",
    ]
    seqs = list(
        Message.objects.filter(ticket=ticket, direction="out").order_by("seq").values_list("seq", flat=True)
    )
    assert seqs == list(range(1, len(seqs) + 1))
    result = Message.objects.get(ticket=ticket, type="result", seq=6).body["data"]
    assert result["text"] and result["photos"][0].startswith(
        "http://127.0.0.1:8000/hotline/v1/sz12345/photos/"
    )
    # The platform's actions are the engine's transitions, by its service account.
    actors = set(
        case.events.filter(
            transition__in=["return_visit", "reopen", "approve_extension", "reject_hold", "urge"]
        ).values_list("actor__username", flat=True)
    )
    assert actors == {"hotline-sz12345"}


def test_a_photo_link_opens_for_the_hotline_only_while_valid(platform, loop, client):
    case = _case(platform)
    case = loop.drive(
        case,
        "send_for_verification",
        "verify",
        "accept",
        "register",
        "dispatch",
        "dispose",
        "send_for_check",
        "check_pass",
    )
    url = Message.objects.get(type="result").body["data"]["photos"][0].removeprefix("http://127.0.0.1:8000")
    assert client.get(url).status_code == 200
    assert client.get(url.replace("sig=", "sig=0")).status_code == 404
    assert client.get(url.split("?")[0]).status_code == 404


def test_transfer_back_and_refusal(platform, loop):
    case = transfer_back(_case(platform, "T1"), actor=loop.users["operator"], reason="属于供电公司职责")
    assert case.state == "not_accepted"
    other = loop.drive(_case(platform, "T2"), "send_for_verification", "verify")
    loop.drive(other, "not_accept")
    assert _types(Ticket.objects.get(ticket_id="T1")) == ["receipt", "transferred_back"]
    assert _types(Ticket.objects.get(ticket_id="T2")) == ["receipt", "refused"]


def test_a_message_in_the_wrong_state_is_a_409(platform):
    _case(platform)
    answer = post(platform, {"type": "return_visit", "ticket_id": "T1", "satisfaction": "satisfied"})
    assert answer.status_code == 409 and answer.json()["errors"][0]["field"] == "type"
    assert (
        post(platform, {"type": "return_visit", "ticket_id": "NOPE", "satisfaction": "satisfied"}).status_code
        == 404
    )


def test_delivery_is_in_order_while_the_hotline_fails(platform, loop, settings, actor):
    settings.CITYLOOP_WEBHOOK_BACKOFF_SECONDS = 1
    receiver = Receiver(platform.secret, fail_rate=0.5, seed=3, unsatisfied_rate=0)
    thread = threading.Thread(target=receiver.serve_forever, daemon=True)
    thread.start()
    try:
        change_platform(actor=actor, platform=platform, callback_url=receiver.url)
        cases = [_case(platform, f"T{n}") for n in range(3)]
        for case in cases:
            loop.drive(
                case,
                "send_for_verification",
                "verify",
                "accept",
                "register",
                "dispatch",
                "dispose",
                "send_for_check",
                "check_pass",
            )
        now = dt.datetime.now(tz=dt.UTC)
        for _ in range(200):  # each pass as if a little later: the retries fall due
            deliver(now)
            now += dt.timedelta(seconds=3)
            if sum(len(s) for s in receiver.ledger.seen.values()) == 3 * 3:
                break
    finally:
        receiver.shutdown()
        receiver.server_close()
    ledger = receiver.ledger
    assert ledger.refused > 0  # the hotline did fail
    assert {t: sorted(s) for t, s in ledger.seen.items()} == {f"T{n}": [1, 2, 3] for n in range(3)}
    assert ledger.duplicated == 0 and ledger.out_of_order == 0 and ledger.bad_signatures == 0
    statuses = [m["status"] for m in exchange(cases[0].pk) if m["direction"] == "out"]
    assert statuses == ["delivered"] * 3


def test_urges_by_the_city_and_other_cases_send_nothing(platform, loop):
    case = _case(platform)
    loop.drive(case, "urge")
    plain = loop.drive(loop.report(), "accept")
    assert _types(Ticket.objects.get()) == ["receipt"]
    assert not Message.objects.filter(ticket__case=plain).exists()
    assert perform  # the engine is what moved them


def test_a_merged_tickets_hotline_hears_the_joined_cases_result(platform, loop):
    first = _case(platform, "T1")
    second = _case(platform, "T2")
    second = perform(second, "merge", actor=loop.user_for("operator"), payload={"into": first.number})
    merged_ticket = Ticket.objects.get(case=second)
    accepted = Message.objects.get(ticket=merged_ticket, direction="out", type="accepted")
    assert accepted.body["data"]["merged_into"] == first.number
    first = loop.drive(Case.objects.get(pk=first.pk), "send_for_verification", "verify", "accept", "register")
    first = loop.drive(first, "dispatch", "dispose")
    first = loop.drive(first, "send_for_check", "check_pass")
    result = Message.objects.get(ticket=merged_ticket, direction="out", type="result")
    assert result.body["data"]["text"] == "已清理完毕" and len(result.body["data"]["photos"]) == 1
    assert _types(merged_ticket) == ["receipt", "accepted", "result"]
    # The hotline's return visit of the merged ticket's caller is about the joined case.
    visit = post(platform, {"type": "return_visit", "ticket_id": "T2", "satisfaction": "satisfied"})
    assert visit.status_code == 200, visit.content
    assert visit.json()["case_number"] == first.number
    assert Case.objects.get(pk=first.pk).satisfaction == "satisfied"

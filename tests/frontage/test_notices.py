"""Inspections, rectification notices and their escalation to a case."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cityloop.cases.models import Case
from cityloop.core.models import AuditEntry
from cityloop.frontage.inspections import record_inspection
from cityloop.frontage.models import Inspection, Notice, NoticeStatus
from cityloop.frontage.notices import answer_notice, cancel_notice, overdue

from .docs_fixtures import ticks

MONDAY = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)


def inspect(org, party, **failed):
    return record_inspection(
        actor=org.users["street_a_manager"], party=party, ticks=ticks(**failed), at=MONDAY
    )


def test_failed_item_gives_a_notice_with_a_working_day_deadline(org, shops):
    inspection = inspect(org, shops["noodle"], ord_outside=False, ord_piling=False, san_clean=False)
    assert inspection.score == round(100 * (100 - 35) / 100) and not inspection.passed
    notices = list(Notice.objects.order_by("duty__order"))
    assert [n.duty.code for n in notices] == ["sanitation", "order"]
    order = notices[1]
    assert sorted(order.items.values_list("code", flat=True)) == ["ord_outside", "ord_piling"]
    assert order.working_days == 3 and order.deadline > MONDAY + dt.timedelta(days=2)
    assert order.pdf.read().startswith(b"%PDF-")
    assert AuditEntry.objects.filter(action="frontage.notice.issue").count() == 2
    assert AuditEntry.objects.filter(action="frontage.inspection.record").count() == 1


def test_recheck_passing_closes_the_notice(org, shops):
    inspect(org, shops["noodle"], ord_outside=False)
    notice = Notice.objects.get()
    recheck = record_inspection(
        actor=org.users["street_a_manager"],
        party=shops["noodle"],
        notice=notice,
        ticks={"ord_outside": True},
        at=MONDAY + dt.timedelta(days=1),
    )
    notice.refresh_from_db()
    assert recheck.kind == "recheck" and recheck.score == 100
    assert notice.status == NoticeStatus.RECTIFIED and notice.closed_at is not None


def test_recheck_failing_before_deadline_leaves_it_open(org, shops):
    inspect(org, shops["noodle"], ord_outside=False)
    notice = Notice.objects.get()
    record_inspection(
        actor=org.users["street_a_manager"],
        party=shops["noodle"],
        notice=notice,
        ticks={"ord_outside": False},
        at=MONDAY + dt.timedelta(days=1),
    )
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.OPEN and not Case.objects.exists()


def test_recheck_failing_after_deadline_escalates_to_a_case(org, shops):
    inspect(org, shops["noodle"], ord_outside=False)
    notice = Notice.objects.get()
    later = notice.deadline + dt.timedelta(hours=1)
    record_inspection(
        actor=org.users["street_a_manager"],
        party=shops["noodle"],
        notice=notice,
        ticks={"ord_outside": False},
        at=later,
    )
    notice.refresh_from_db()
    case = Case.objects.get()
    assert notice.status == NoticeStatus.ESCALATED and notice.case_number == case.number
    assert case.category.code == "0504" and case.external_id == notice.number
    assert case.street == org.street_a and case.state == "reported"
    assert notice.number in case.description
    assert AuditEntry.objects.filter(action="frontage.notice.escalate").count() == 1


def test_inspecting_needs_a_tick_per_item(org, shops):
    partial = dict(ticks())
    partial.pop("grn_sign")
    with pytest.raises(ValidationError) as exc:
        record_inspection(actor=org.users["street_a_manager"], party=shops["noodle"], ticks=partial)
    assert "results" in exc.value.message_dict
    with pytest.raises(ValidationError):
        record_inspection(
            actor=org.users["street_a_manager"], party=shops["noodle"], ticks={**ticks(), "nope": True}
        )
    assert not Inspection.objects.exists()


def test_other_street_and_roles_may_not_inspect(org, shops):
    for user in ("street_b_manager", "water_handler", "leader"):
        with pytest.raises(PermissionDenied):
            record_inspection(actor=org.users[user], party=shops["noodle"], ticks=ticks())
    with pytest.raises(PermissionDenied):
        record_inspection(actor=shops["owner"], party=shops["noodle"], ticks=ticks())
    # A supervisor of the street's community may inspect.
    record_inspection(actor=org.users["supervisor_a"], party=shops["noodle"], ticks=ticks())


def test_party_answers_its_notice(org, shops):
    inspect(org, shops["noodle"], grn_sign=False)
    notice = Notice.objects.get()
    with pytest.raises(PermissionDenied):
        answer_notice(actor=shops["other_owner"], notice=notice, note="好了", photos=[1])
    with pytest.raises(ValidationError):
        answer_notice(actor=shops["owner"], notice=notice, note="好了", photos=[])
    answered = answer_notice(actor=shops["owner"], notice=notice, note="招牌已加固", photos=[7])
    assert answered.status == NoticeStatus.ANSWERED and answered.answer_photos == [7]
    with pytest.raises(ValidationError):
        answer_notice(actor=shops["owner"], notice=notice, note="again", photos=[7])


def test_overdue_and_cancel(org, shops):
    inspect(org, shops["noodle"], grn_sign=False)
    notice = Notice.objects.get()
    assert list(overdue(Notice.objects.all(), notice.deadline + dt.timedelta(minutes=1))) == [notice]
    assert not overdue(Notice.objects.all(), MONDAY).exists()
    with pytest.raises(PermissionDenied):
        cancel_notice(actor=org.users["street_b_manager"], notice=notice, reason="错发")
    cancel_notice(actor=org.users["street_a_manager"], notice=notice, reason="错发", at=timezone.now())
    notice.refresh_from_db()
    assert notice.status == NoticeStatus.CANCELLED


def test_the_party_is_reminded_before_the_deadline_and_the_street_after_it_once_each(org, shops):
    from cityloop.frontage.reminders import DUE_SOON, OVERDUE, remind
    from cityloop.notify.models import Outbox

    inspect(org, shops["noodle"], grn_sign=False)
    notice = Notice.objects.get()
    assert remind(MONDAY) == {"due_soon": 0, "overdue": 0}
    assert not AuditEntry.objects.filter(action="frontage.notice.remind").exists()
    eve = notice.deadline - dt.timedelta(hours=3)
    assert remind(eve) == {"due_soon": 1, "overdue": 0}
    assert remind(eve + dt.timedelta(minutes=1)) == {"due_soon": 0, "overdue": 0}  # once
    soon = Outbox.objects.get(kind=DUE_SOON)
    assert soon.recipient_users == [shops["noodle"].account_id] and notice.number in soon.payload["title"]
    late = notice.deadline + dt.timedelta(minutes=5)
    assert remind(late) == {"due_soon": 0, "overdue": 1}
    street = Outbox.objects.get(kind=OVERDUE)
    assert street.recipient_units == [notice.street_id] and "复查" in street.payload["title"]
    assert AuditEntry.objects.filter(action="frontage.notice.remind").count() == 2
    # A notice closed before its deadline is not chased.
    cancel_notice(actor=org.users["street_a_manager"], notice=notice, reason="错发", at=timezone.now())
    assert remind(late + dt.timedelta(days=1)) == {"due_soon": 0, "overdue": 0}

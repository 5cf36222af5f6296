"""The case loop knows zones: a report in a shop's zone goes to the shop first, with a window; the
shop fixes it (with a photo) or declines, or the window runs out and the street takes over."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cityloop.cases.models import Case
from cityloop.core.models import AuditEntry
from cityloop.frontage import index
from cityloop.frontage.correction_actions import Photo, answer_declined, answer_fixed, expire_corrections
from cityloop.frontage.corrections import frontage_claim
from cityloop.frontage.models import CorrectionState, SelfCorrection
from cityloop.notify.models import Outbox
from cityloop.routing.facts import facts_for
from tests.cases.conftest import POINT_B, png_bytes
from tests.cases.test_invariants import check_case

from .loopkit import shop_at_point_a


def photo() -> Photo:
    return Photo("fixed.png", png_bytes("green"), "image/png", "png", "ab" * 32)


def registered(loop, category: str = "0507", point=None) -> Case:
    kw = {"point": point, "actor": loop.users["supervisor_b"]} if point else {}
    case = loop.act(
        loop.report(description="店门口堆放纸箱", **kw), "accept", category=category, kind="event"
    )
    return loop.act(case, "register")


@pytest.fixture
def party(loop, actor):
    index.reset()
    return shop_at_point_a(actor)


def test_a_report_in_the_zone_goes_to_the_party_first(loop, party):
    case = registered(loop)
    assert case.routing["basis"] == "claimer"
    assert party.name in case.routing["explanation"] and "2个工作小时" in case.routing["explanation"]
    assert case.routing["claim"]["holder"]["party"] == party.uscc
    # The claim dispatches to the party's street at once, and the party's window opens with it.
    assert case.state == "dispatched" and case.responsible_unit_id == party.street_id
    correction = SelfCorrection.objects.get(case_id=case.pk)
    assert correction.state == CorrectionState.WAITING and correction.party == party
    assert correction.duty.code == "order" and correction.deadline_at > correction.opened_at
    event = case.events.get(transition="dispatch")
    assert event.data["holder"]["party"] == party.uscc
    assert AuditEntry.objects.filter(action="frontage.correction.open").exists()
    notice = Outbox.objects.get(kind="frontage.correction")
    assert notice.recipient_users == [party.account_id]


def test_outside_the_zone_or_another_duty_is_not_claimed(loop, party):
    assert registered(loop, point=POINT_B).routing["basis"] != "claimer"
    # 0102 goes to the sanitation office by a line-department rule: it outranks the claimers.
    assert registered(loop, category="0102").routing["basis"] != "claimer"
    # 0508 commercial noise falls under no frontage duty.
    assert registered(loop, category="0508").routing["basis"] != "claimer"


def test_the_party_fixes_it_and_the_case_goes_to_the_supervisors_check(loop, party):
    case = registered(loop)
    correction = SelfCorrection.objects.get(case_id=case.pk)
    answer_fixed(correction.pk, actor=party.account, note="纸箱已搬回店内", photo=photo())
    case = Case.objects.get(pk=case.pk)
    assert case.state == "disposed"
    dispose = case.events.get(transition="dispose")
    assert dispose.actor.username == "system" and dispose.data["self_correction"] is True
    assert "纸箱已搬回店内" in dispose.note and case.attachments.filter(purpose="disposal").count() == 1
    correction.refresh_from_db()
    assert correction.state == CorrectionState.FIXED and correction.photo
    case = loop.drive(case, "send_for_check", "check_pass", "close")
    assert case.state == "closed"
    check_case(case)


def test_a_fix_the_supervisor_finds_undone_is_not_credited_to_the_party(loop, party):
    from cityloop.frontage.credit import SOURCES

    case = registered(loop)
    correction = SelfCorrection.objects.get(case_id=case.pk)
    answer_fixed(correction.pk, actor=party.account, note="纸箱已搬回店内", photo=photo())
    case = loop.drive(Case.objects.get(pk=case.pk), "send_for_check")
    case = loop.act(case, "check_fail", reason="纸箱仍堆在店门口")
    assert case.state == "dispatched" and case.responsible_unit_id == party.street_id
    correction.refresh_from_db()
    assert correction.state == CorrectionState.REFUSED
    entry = AuditEntry.objects.get(action="frontage.correction.refused")
    assert entry.after["reason"] == "纸箱仍堆在店门口"
    day = dt.timedelta(days=1)
    credited = SOURCES["self_corrected"](correction.opened_at - day, correction.opened_at + day)
    assert credited.get(party.pk, 0) == 0
    # The street's own disposal then passes: the party's record stays refused.
    street = loop.users["street_a_manager"]
    case = loop.act(case, "dispose", user=street, attachments=[loop.photo(street)])
    case = loop.drive(case, "send_for_check", "check_pass")
    correction.refresh_from_db()
    assert correction.state == CorrectionState.REFUSED
    check_case(case)


def test_only_the_partys_own_account_answers_and_only_once(loop, party, actor):
    case = registered(loop)
    correction = SelfCorrection.objects.get(case_id=case.pk)
    with pytest.raises(PermissionDenied):
        answer_fixed(correction.pk, actor=loop.users["operator"], photo=photo())
    with pytest.raises(ValidationError, match="photo"):
        answer_fixed(correction.pk, actor=party.account, photo=None)
    with pytest.raises(ValidationError, match="reason"):
        answer_declined(correction.pk, actor=party.account, reason="  ")
    answer_declined(correction.pk, actor=party.account, reason="不是我店的纸箱")
    with pytest.raises(ValidationError, match="state"):
        answer_fixed(correction.pk, actor=party.account, photo=photo())


def test_declined_goes_to_the_street_at_once(loop, party):
    case = registered(loop)
    correction = SelfCorrection.objects.get(case_id=case.pk)
    answer_declined(correction.pk, actor=party.account, reason="不是我店的纸箱")
    case = Case.objects.get(pk=case.pk)
    assert case.state == "dispatched" and case.responsible_unit_id == party.street_id
    note = case.events.filter(transition="comment").last()
    assert "不是我店的纸箱" in note.note and note.data["holder"]["outcome"] == "declined"
    assert Outbox.objects.filter(kind="frontage.correction.passed_on").exists()


def test_the_window_runs_out_and_the_sweep_passes_it_to_the_street(loop, party):
    case = registered(loop)
    correction = SelfCorrection.objects.get(case_id=case.pk)
    assert expire_corrections(correction.deadline_at - dt.timedelta(minutes=1))["expired"] == 0
    assert expire_corrections(correction.deadline_at + dt.timedelta(minutes=1))["expired"] == 1
    correction.refresh_from_db()
    assert correction.state == CorrectionState.EXPIRED
    case = Case.objects.get(pk=case.pk)
    assert case.state == "dispatched"
    assert "未在时限内" in case.events.filter(transition="comment").last().note
    with pytest.raises(ValidationError):
        answer_fixed(correction.pk, actor=party.account, photo=photo())
    # Routing again (after a return) does not hand it to the party a second time.
    assert frontage_claim(facts_for(case)) is None

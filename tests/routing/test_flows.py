"""Routing inside the case loop: suggestions, overrides, automatic dispatch, category changes,
emergency notices, and returns that end in arbitration and a rule that stops the next bounce."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cityloop.cases.engine import TransitionError, perform
from cityloop.cases.models import Case
from cityloop.core.actions import create_unit
from cityloop.core.models import AuditEntry
from cityloop.notify.models import Outbox
from cityloop.routing.actions import create_rule
from cityloop.routing.models import Arbitration, ReturnRecord, Rule
from tests.cases.test_invariants import check_case


def register(loop, category: str = "0102") -> Case:
    case = loop.act(loop.report(), "accept", category=category, kind="event")
    return loop.act(case, "register")


def test_registered_case_carries_the_suggestion_and_dispatch_takes_it(loop):
    case = register(loop)
    assert case.routing["unit"]["code"] == loop.org.sanitation.code
    assert (
        "暴露垃圾" in case.routing["explanation"] and case.routing["rule"]["name"] == "暴露垃圾由环卫所处置"
    )
    case = perform(case, "dispatch", actor=loop.users["dispatcher"], payload={})
    assert case.state == "dispatched" and case.responsible_unit == loop.org.sanitation
    event = case.events.get(transition="dispatch")
    assert event.data["routing"]["accepted"] is True and event.data["routing"]["rule"]["id"]


def test_an_override_needs_a_reason_kept_in_the_timeline(loop):
    case = register(loop)
    with pytest.raises(ValidationError, match=r"如改派.*请填写原因"):
        perform(case, "dispatch", actor=loop.users["dispatcher"], payload={"unit": loop.org.street_a.code})
    assert Case.objects.get(pk=case.pk).state == "registered"
    case = perform(
        case,
        "dispatch",
        actor=loop.users["dispatcher"],
        payload={"unit": loop.org.street_a.code, "reason": "该处垃圾在背街小巷，由街道清运"},
    )
    data = case.events.get(transition="dispatch").data["routing"]
    assert data["accepted"] is False and data["override_reason"].startswith("该处垃圾")
    assert data["suggested"]["code"] == loop.org.sanitation.code


def test_automatic_dispatch_by_the_system_when_the_rule_allows(loop, actor):
    create_rule(
        actor=actor,
        name="道路不洁自动派环卫所",
        kind="event",
        category_code="0104",
        area_unit=loop.org.district,
        target="unit",
        target_unit=loop.org.sanitation,
        auto_dispatch=True,
    )
    case = register(loop, "0104")
    assert case.state == "dispatched" and case.responsible_unit == loop.org.sanitation
    last = case.events.order_by("-seq").first()
    assert (
        last.transition == "dispatch" and last.actor.username == "system" and last.data["automatic"] is True
    )
    assert case.current_step == "dispose"
    check_case(case)


def test_changing_the_category_reroutes(loop, actor):
    case = loop.act(loop.report(), "accept")
    assert case.routing["unit"]["code"] == loop.org.sanitation.code
    case = loop.act(case, "change_category", category="0103", kind="event")
    assert case.category.code == "0103" and case.routing["unit"]["code"] == loop.org.street_a.code
    event = case.events.get(transition="change_category")
    assert event.data["previous_category"].startswith("event 0102") and event.data["routing"]["unit"]
    enforcement = create_unit(
        actor=actor, code="D-ZF", name="执法大队", kind="department", parent=loop.org.district
    )
    create_rule(
        actor=actor,
        name="私搭乱建自动派执法",
        kind="event",
        category_code="0101",
        area_unit=loop.org.district,
        target="unit",
        target_unit=enforcement,
        auto_dispatch=True,
    )
    case = loop.act(case, "register")
    case = perform(case, "change_category", actor=loop.users["shift_leader"], payload={"category": "0101"})
    assert case.state == "dispatched" and case.responsible_unit == enforcement
    assert case.condition.category.code == "0101"
    check_case(case)


def test_change_category_only_before_dispatch(loop):
    case = loop.drive(loop.report(), "accept", "register", "dispatch")
    with pytest.raises(TransitionError) as err:
        loop.act(case, "change_category")
    assert err.value.status == 409
    with pytest.raises(TransitionError) as err:
        perform(
            loop.report(), "change_category", actor=loop.users["dispatcher"], payload={"category": "0104"}
        )
    assert err.value.status in (403, 409)


def test_an_emergency_tells_the_emergency_unit_at_once(loop, actor):
    emergency = create_unit(
        actor=actor, code="D-YJ", name="应急管理局", kind="department", parent=loop.org.district
    )
    create_rule(
        actor=actor,
        name="突发通知应急局",
        purpose="emergency",
        area_unit=loop.org.district,
        target="unit",
        target_unit=emergency,
    )
    case = loop.act(loop.report(), "accept", category="0401", kind="event")
    notice = Outbox.objects.get(kind="routing.emergency")
    assert notice.recipient_units == [emergency.pk] and notice.subject_id == str(case.pk)
    assert "emergency" in case.routing["flags"] and case.routing["emergency_units"][0]["code"] == "D-YJ"
    loop.act(case, "register")
    assert Outbox.objects.filter(kind="routing.emergency").count() == 1  # once per case


def bounce(loop, case: Case, *, by: str, suggest: str) -> Case:
    case = perform(
        case,
        "request_return",
        actor=loop.users[by],
        payload={"reason": "非我单位职责", "suggested_unit": suggest},
    )
    return loop.act(case, "approve_return")


def test_two_returns_go_to_arbitration_and_the_ruling_stops_the_next_bounce(loop):
    org = loop.org
    case = loop.drive(loop.report(), "accept", "register", "dispatch")
    case = bounce(loop, case, by="sanitation_handler", suggest=org.street_a.code)
    assert case.state == "registered" and case.routing["unit"]["code"] == org.street_a.code
    assert case.routing["basis"] == "suggested" and "returned" in case.routing["flags"]
    case = perform(case, "dispatch", actor=loop.users["dispatcher"], payload={})
    assert case.responsible_unit == org.street_a
    case = bounce(loop, case, by="street_a_manager", suggest=org.sanitation.code)
    assert case.state == "arbitration" and case.returns_count == 2 and case.responsible_unit is None
    assert [e.transition for e in case.events.order_by("-seq")[:2]] == [
        "refer_to_arbitration",
        "approve_return",
    ]
    assert case.events.get(transition="refer_to_arbitration").actor.username == "system"
    assert case.deadline_at is None  # the dispatch clock waits while the units argue
    pair = ReturnRecord.objects.order_by("id")
    assert [(r.returning_unit, r.suggested_unit, r.category_code) for r in pair] == [
        (org.sanitation, org.street_a, "0102"),
        (org.street_a, org.sanitation, "0102"),
    ]
    arbitration = Arbitration.objects.get(case_id=case.pk, state="open")
    assert [h["returned_by"]["code"] for h in arbitration.history] == [org.sanitation.code, org.street_a.code]
    assert arbitration.history[0]["reason"] == "非我单位职责"

    with pytest.raises(TransitionError) as err:
        perform(
            case, "rule_arbitration", actor=loop.users["dispatcher"], payload={"unit": "x", "reason": "y"}
        )
    assert err.value.status == 403
    case = loop.act(
        case, "rule_arbitration", unit=org.street_a.code, reason="联席会议：背街暴露垃圾由街道负责"
    )
    assert (
        case.state == "dispatched"
        and case.responsible_unit == org.street_a
        and case.current_step == "dispose"
    )
    arbitration.refresh_from_db()
    rule = arbitration.rule
    assert arbitration.state == "ruled" and rule is not None and rule.source == "arbitration"
    assert rule.area_grid == case.grid and rule.category_code == "0102" and rule.target_unit == org.street_a
    assert AuditEntry.objects.filter(action="routing.arbitration.rule").count() == 1
    check_case(case)

    # The same kind of case at the same place goes straight to the ruled unit.
    again = loop.drive(loop.report(), "accept", "register")
    assert again.state == "dispatched" and again.responsible_unit == org.street_a
    assert again.events.order_by("-seq").first().actor.username == "system"
    assert again.routing["basis"] == "arbitration" and again.routing["rule"]["id"] == rule.pk


def test_a_ruling_can_leave_the_rules_alone(loop):
    case = loop.drive(loop.report(), "accept", "register", "dispatch")
    case = bounce(loop, case, by="sanitation_handler", suggest=loop.org.street_a.code)
    case = perform(case, "dispatch", actor=loop.users["dispatcher"], payload={})
    case = bounce(loop, case, by="street_a_manager", suggest=loop.org.sanitation.code)
    case = loop.act(
        case, "rule_arbitration", unit=loop.org.sanitation.code, reason="本次由环卫所处置", make_rule=False
    )
    assert case.responsible_unit == loop.org.sanitation
    assert Arbitration.objects.get(case_id=case.pk).rule is None
    assert not Rule.objects.filter(source="arbitration").exists()


def test_a_shift_leader_may_refer_a_case_by_hand_and_only_rule_in_arbitration(loop):
    case = loop.drive(loop.report(), "accept", "register")
    with pytest.raises(TransitionError) as err:
        loop.act(case, "rule_arbitration")
    assert err.value.status == 409
    case = loop.act(case, "refer_to_arbitration")
    assert case.state == "arbitration" and Arbitration.objects.get(case_id=case.pk).history == []
    with pytest.raises(TransitionError):
        loop.act(case, "dispatch")
    case = loop.act(case, "rule_arbitration")
    assert case.state == "dispatched"
    check_case(case)

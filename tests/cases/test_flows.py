"""Side flows end to end: verification, returns, extensions, holds, rework, return visits, self-handling."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext

from cityloop.cases.actions import submit_report
from cityloop.cases.engine import TransitionError, available, perform
from cityloop.cases.models import Case, CaseStep
from cityloop.core.models import AuditEntry

from .conftest import POINT_A, POINT_B


def test_case_number_location_and_tracking_code(loop):
    case = loop.report()
    assert case.number.startswith(f"{loop.org.district.code}-")
    assert case.number.endswith("-0001")
    assert loop.report().number.endswith("-0002")
    assert len(case.tracking_code) == 8
    assert case.community == loop.org.community_a and case.street == loop.org.street_a
    assert case.grid.code.startswith(loop.org.community_a.code)
    assert case.state == "reported" and case.current_step == "accept" and case.light == "green"


def test_report_outside_every_grid_is_refused(loop):
    with pytest.raises(ValidationError, match="outside every unit grid"):
        submit_report(
            actor=loop.users["supervisor_a"], channel="supervisor", description="x", lon=100, lat=20
        )
    assert Case.objects.count() == 0


def test_supervisor_reports_only_in_their_area(loop):
    with pytest.raises(TransitionError) as err:
        loop.report(point=POINT_B)  # supervisor_a patrols community A
    assert err.value.status == 403
    assert Case.objects.count() == 0


def test_idempotent_reports(loop):
    first, created = submit_report(
        actor=loop.users["operator"],
        channel="hotline_12345",
        description="噪音",
        lon=POINT_A[0],
        lat=POINT_A[1],
        external_id="T-1",
    )
    again, created_again = submit_report(
        actor=loop.users["operator"],
        channel="hotline_12345",
        description="噪音",
        lon=POINT_A[0],
        lat=POINT_A[1],
        external_id="T-1",
    )
    assert created and not created_again and first.pk == again.pk
    keyed, _ = submit_report(
        actor=loop.users["operator"],
        channel="supervisor" if False else "hotline_12345",
        description="a",
        lon=POINT_A[0],
        lat=POINT_A[1],
        idempotency_key="k1",
    )
    keyed2, created2 = submit_report(
        actor=loop.users["operator"],
        channel="hotline_12345",
        description="a",
        lon=POINT_A[0],
        lat=POINT_A[1],
        idempotency_key="k1",
    )
    assert keyed.pk == keyed2.pk and not created2
    assert Case.objects.count() == 2


@pytest.mark.parametrize("retry_by", ["ticket", "key"])
def test_a_retried_report_with_photos_returns_the_first_case(loop, retry_by):
    """The photos were claimed by the first case: the retry must still find that case, not refuse
    the photos."""
    operator = loop.users["operator"]
    photos = [loop.photo(operator), loop.photo(operator)]
    same = {"external_id": "T-77"} if retry_by == "ticket" else {"idempotency_key": "phone-retry-1"}
    sent = dict(
        actor=operator,
        channel="hotline_12345",
        description="井盖缺失",
        lon=POINT_A[0],
        lat=POINT_A[1],
        attachments=photos,
        **same,
    )
    first, created = submit_report(**sent)
    again, created_again = submit_report(**sent)
    assert created and not created_again and again.pk == first.pk
    assert Case.objects.count() == 1 and first.attachments.count() == 2


def test_a_new_ticket_is_not_looked_up_before_it_is_written(loop):
    """Its unique index refuses a retry; asking first would cost every report a statement."""
    with CaptureQueriesContext(connection) as queries:
        loop.report(channel="hotline_12345", external_id="T-new-1")
    assert not [q["sql"] for q in queries.captured_queries if '"external_id" = ' in q["sql"]]


def test_hotline_case_needs_verification_then_return_visit(loop):
    case = loop.report(channel="hotline_12345", reporter_name="张先生", reporter_phone="13800000000")
    with pytest.raises(TransitionError) as err:
        loop.act(case, "accept")
    assert err.value.status == 409 and "verified" in err.value.message
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
    with pytest.raises(TransitionError, match="return visit"):
        loop.act(case, "close")
    case = loop.act(case, "return_visit", satisfaction="unsatisfied")
    assert "reopen" in [t.name for t in available(case, loop.users["shift_leader"])]
    case = loop.act(case, "reopen")
    assert case.state == "dispatched" and case.reworks_count == 1
    case = loop.drive(case, "dispose", "send_for_check", "check_pass", "return_visit", "close")
    assert case.state == "closed" and case.satisfaction == "satisfied"


def test_no_return_visit_needs_shift_leader_approval(loop):
    case = loop.report(channel="hotline_12345")
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
        "request_no_return_visit",
    )
    with pytest.raises(TransitionError):
        loop.act(case, "close")
    case = loop.drive(case, "approve_no_return_visit", "close")
    assert case.state == "closed"


def test_return_goes_back_for_redispatch_and_counts(loop):
    case = loop.drive(loop.report(), "accept", "register", "dispatch", "request_return", "approve_return")
    assert case.state == "registered" and case.responsible_unit is None and case.returns_count == 1
    assert case.current_step == "dispatch"
    event = case.events.get(transition="request_return")
    assert event.data["suggested_unit"]["code"] == loop.org.street_a.code
    case = loop.act(case, "dispatch", unit=loop.org.street_a.code)
    assert case.responsible_unit == loop.org.street_a
    # The sanitation department no longer sees it as theirs to dispose.
    with pytest.raises(TransitionError) as err:
        perform(
            case,
            "dispose",
            actor=loop.users["sanitation_handler"],
            payload={"feedback": "x", "attachments": [1]},
        )
    assert err.value.status == 403


def test_extension_moves_the_deadline(loop):
    case = loop.drive(loop.report(), "accept", "register", "dispatch")
    before = case.deadline_at
    case = loop.drive(case, "request_extension", "approve_extension")
    assert case.extensions_count == 1 and case.state == "dispatched"
    assert case.deadline_at > before


def test_hold_pauses_the_disposal_clock(loop):
    case = loop.drive(loop.report(), "accept", "register", "dispatch", "request_hold", "approve_hold")
    assert case.state == "on_hold" and case.deadline_at is None and case.holds_count == 1
    case = loop.act(case, "resume")
    assert case.state == "dispatched" and case.deadline_at is not None


def test_rework_returns_to_the_same_unit(loop):
    case = loop.drive(
        loop.report(), "accept", "register", "dispatch", "dispose", "send_for_check", "check_fail"
    )
    assert case.state == "dispatched" and case.reworks_count == 1
    assert case.responsible_unit == loop.org.sanitation
    dispose_steps = CaseStep.objects.filter(case=case, step="dispose").order_by("occurrence")
    assert [s.occurrence for s in dispose_steps] == [1, 2]
    assert dispose_steps[0].on_time is True and dispose_steps[1].ended_at is None


def test_closed_case_has_every_step_frozen(loop):
    case = loop.drive(
        loop.report(), "accept", "register", "dispatch", "dispose", "send_for_check", "check_pass", "close"
    )
    steps = list(CaseStep.objects.filter(case=case).order_by("id"))
    assert [s.step for s in steps] == [
        "accept",
        "register",
        "dispatch",
        "dispose",
        "send_check",
        "check",
        "close",
    ]
    assert all(s.ended_at and s.on_time is not None for s in steps)
    assert case.closed_at and case.current_step == "" and case.light == ""
    # The timeline is the audit log.
    audit = list(AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).order_by("id"))
    assert [e.action for e in audit] == [f"case.{ev.transition}" for ev in case.events.order_by("seq")]


def test_late_disposal_is_frozen_as_late(loop):
    start = dt.datetime(2026, 3, 2, 9, 0, tzinfo=dt.UTC)  # a Monday, 17:00 in Shanghai
    case, _ = submit_report(
        actor=loop.users["supervisor_a"],
        channel="supervisor",
        description="垃圾",
        lon=POINT_A[0],
        lat=POINT_A[1],
        at=start,
    )
    user = loop.users
    case = perform(
        case, "accept", actor=user["operator"], payload={"category": "0102", "kind": "event"}, at=start
    )
    case = perform(case, "register", actor=user["shift_leader"], payload={"condition": 1}, at=start)
    case = perform(
        case, "dispatch", actor=user["dispatcher"], payload={"unit": loop.org.sanitation.code}, at=start
    )
    late = start + dt.timedelta(days=3)
    photo = loop.photo(user["sanitation_handler"])
    case = perform(
        case,
        "dispose",
        actor=user["sanitation_handler"],
        payload={"feedback": "ok", "attachments": [photo]},
        at=late,
    )
    step = CaseStep.objects.get(case=case, step="dispose")
    assert step.on_time is False and step.elapsed > step.limit_amount


def test_self_handled_case_needs_photos_and_review(loop):
    supervisor = loop.users["supervisor_a"]
    with pytest.raises(ValidationError, match="before and an after photo"):
        submit_report(
            actor=supervisor,
            channel="supervisor",
            description="捡走垃圾",
            lon=POINT_A[0],
            lat=POINT_A[1],
            self_handled=True,
            attachments=[loop.photo(supervisor)],
        )
    case, _ = submit_report(
        actor=supervisor,
        channel="supervisor",
        description="捡走垃圾",
        lon=POINT_A[0],
        lat=POINT_A[1],
        self_handled=True,
        attachments=[loop.photo(supervisor, "before"), loop.photo(supervisor, "after")],
    )
    assert case.state == "self_handled" and case.attachments.count() == 2
    case = loop.act(case, "approve_self_handling")
    assert case.state == "closed"


def test_urge_counts_and_void_needs_the_shift_leader(loop):
    case = loop.drive(loop.report(), "accept", "register", "dispatch", "urge", "urge")
    assert case.urges_count == 2
    other = loop.drive(loop.report(), "accept")
    with pytest.raises(TransitionError) as err:
        perform(other, "void", actor=loop.users["operator"], payload={"reason": "x"})
    assert err.value.status == 403
    other = loop.act(other, "void")
    assert other.state == "voided"


def test_dispose_needs_a_photo(loop):
    case = loop.drive(loop.report(), "accept", "register", "dispatch")
    with pytest.raises(ValidationError, match="photo"):
        perform(case, "dispose", actor=loop.users["sanitation_handler"], payload={"feedback": "done"})
    assert Case.objects.get(pk=case.pk).state == "dispatched"


def test_attachments_of_someone_else_are_refused(loop):
    case = loop.drive(loop.report(), "accept", "register", "dispatch")
    foreign = loop.photo(loop.users["operator"])
    with pytest.raises(ValidationError, match="not yours"):
        perform(
            case,
            "dispose",
            actor=loop.users["sanitation_handler"],
            payload={"feedback": "done", "attachments": [foreign]},
        )
    assert Case.objects.get(pk=case.pk).state == "dispatched"


def test_a_verified_case_waits_for_acceptance_on_a_running_clock(loop):
    case = loop.report(channel="hotline_12345")
    reported = (case.current_step, case.deadline_at)
    assert reported[0] == "accept" and reported[1] is not None
    case = loop.act(case, "send_for_verification")
    assert case.current_step == "verify" and case.deadline_at is not None
    case = loop.act(case, "verify")
    # The acceptance clock ran on after verification, with the verification time left out.
    assert case.state == "verified" and case.current_step == "accept"
    assert case.deadline_at is not None and case.deadline_at >= reported[1] and case.light
    accept_runs = CaseStep.objects.filter(case=case, step="accept")
    assert accept_runs.count() == 1 and accept_runs.get().ended_at is None
    case = loop.act(case, "accept")
    assert accept_runs.get().ended_at is not None


def test_a_self_handled_case_waits_for_review_on_a_running_clock(loop):
    supervisor = loop.users["supervisor_a"]
    photos = [loop.photo(supervisor, "before"), loop.photo(supervisor, "after")]
    case = loop.report(channel="supervisor", self_handled=True, attachments=photos)
    assert case.state == "self_handled" and case.current_step == "close" and case.deadline_at is not None
    case = loop.act(case, "approve_self_handling")
    assert case.state == "closed" and not CaseStep.objects.filter(case=case, ended_at__isnull=True).exists()


def test_an_override_without_a_reason_is_refused_in_the_users_language(loop):
    from django.utils import translation

    case = loop.act(loop.act(loop.report(), "accept", category="0102", kind="event"), "register")
    payload = {"unit": loop.org.street_a.code}
    with (
        translation.override("zh-hans"),
        pytest.raises(ValidationError, match=r"建议派往.*如改派.*请填写原因"),
    ):
        perform(case, "dispatch", actor=loop.users["dispatcher"], payload=payload)
    with translation.override("en"), pytest.raises(ValidationError, match="give the reason for the override"):
        perform(case, "dispatch", actor=loop.users["dispatcher"], payload=payload)
    assert Case.objects.get(pk=case.pk).state == "registered"

"""Every transition: success with its audit entry, every forbidden role (403), every wrong state (409)."""

from __future__ import annotations

import pytest

from cityloop.cases.engine import TransitionError, perform
from cityloop.cases.models import Case
from cityloop.cases.workflow import STATES, TRANSITIONS
from cityloop.core.models import AuditEntry, Role

from .conftest import PATHS, ROLE_USER

# Where each transition can be exercised, reached from a supervisor's report (hotline-only flows below).
SOURCE_FOR = {
    "send_for_verification": "reported",
    "accept": "reported",
    "not_accept": "reported",
    "register": "accepted",
    "not_register": "accepted",
    "void": "registered",
    "merge": "reported",
    "dispatch": "registered",
    "request_return": "dispatched",
    "approve_return": "return_requested",
    "reject_return": "return_requested",
    "request_extension": "dispatched",
    "approve_extension": "extension_requested",
    "reject_extension": "extension_requested",
    "request_hold": "dispatched",
    "approve_hold": "hold_requested",
    "reject_hold": "hold_requested",
    "resume": "on_hold",
    "dispose": "dispatched",
    "send_for_check": "disposed",
    "check_pass": "checking",
    "check_fail": "checking",
    "close": "checked",
    "urge": "dispatched",
    "comment": "dispatched",
}
EXERCISED = sorted(SOURCE_FOR)


def case_in(loop, state: str) -> Case:
    return loop.drive(loop.report(), *PATHS[state])


@pytest.mark.parametrize("name", EXERCISED)
def test_transition_succeeds_and_is_audited(loop, name):
    case = case_in(loop, SOURCE_FOR[name])
    before = AuditEntry.objects.filter(action=f"case.{name}").count()
    events_before = case.events.count()
    after = loop.act(case, name)
    t = TRANSITIONS[name]
    assert after.state == (t.target or SOURCE_FOR[name])
    entry = AuditEntry.objects.filter(action=f"case.{name}").order_by("-id").first()
    assert AuditEntry.objects.filter(action=f"case.{name}").count() == before + 1
    assert entry.object_id == str(case.pk) and entry.after["state"] == after.state
    last = after.events.order_by("-seq").first()
    assert after.events.count() == events_before + 1 and last.transition == name and last.audit_id == entry.pk
    # The step clocks it stopped, paused, resumed and started are recorded as parts of its entry.
    moved = len(t.stops) + len(t.pauses) + len(t.resumes) + len(t.starts)
    parts = [p["action"] for p in entry.after.get("parts", [])]
    assert all(p.startswith("timer.") for p in parts) and (not moved or parts)
    assert len(parts) <= moved


def test_the_audit_entry_shows_what_a_transition_changed_in_the_case(loop):
    """Foreign keys included: a dispatch's entry shows the unit it sent the case to, a registration
    the condition it chose."""
    registered = case_in(loop, "registered")
    entry = AuditEntry.objects.filter(action="case.register", object_id=str(registered.pk)).get()
    assert entry.before["condition_id"] is None and entry.after["condition_id"] == registered.condition_id
    dispatched = loop.act(registered, "dispatch")
    entry = AuditEntry.objects.filter(action="case.dispatch", object_id=str(registered.pk)).get()
    assert entry.before["responsible_unit_id"] is None
    assert entry.after["responsible_unit_id"] == dispatched.responsible_unit_id is not None
    assert entry.after["category_id"] == dispatched.category_id


@pytest.mark.parametrize("name", EXERCISED)
def test_forbidden_roles_get_403(loop, name):
    case = case_in(loop, SOURCE_FOR[name])
    t = TRANSITIONS[name]
    outsiders = [r for r in ROLE_USER if r not in t.roles and r != Role.ADMIN]
    if name == "comment":
        # Anyone who can see the case may comment; someone who cannot see it may not.
        outsiders = []
        with pytest.raises(TransitionError) as err:
            perform(case, name, actor=loop.users["street_b_manager"], payload=loop.payload(name, case))
        assert err.value.status == 403
    for role in outsiders:
        with pytest.raises(TransitionError) as err:
            perform(case, name, actor=loop.users[ROLE_USER[role]], payload=loop.payload(name, case))
        assert err.value.status == 403, (name, role)
    assert Case.objects.get(pk=case.pk).state == case.state


@pytest.mark.parametrize("name", EXERCISED)
def test_wrong_states_get_409(loop, name):
    t = TRANSITIONS[name]
    user = loop.user_for(sorted(t.roles & set(ROLE_USER))[0]) if name != "comment" else loop.users["operator"]
    for state in PATHS:
        if state in t.sources:
            continue
        case = case_in(loop, state)
        with pytest.raises(TransitionError) as err:
            perform(case, name, actor=user, payload=loop.payload(name, case))
        if err.value.status == 403:
            continue  # e.g. a handler before the case reached its unit: not theirs yet
        assert err.value.status == 409, (name, state)
        assert err.value.details["state"] == state
        assert STATES[state].label_en in err.value.message


def test_street_b_supervisor_cannot_check_street_a_cases(loop):
    case = case_in(loop, "checking")
    with pytest.raises(TransitionError) as err:
        perform(case, "check_pass", actor=loop.users["supervisor_b"], payload={})
    assert err.value.status == 403


def test_handler_of_another_unit_cannot_dispose(loop):
    case = case_in(loop, "dispatched")
    with pytest.raises(TransitionError) as err:
        perform(
            case, "dispose", actor=loop.users["water_handler"], payload={"feedback": "x", "attachments": [1]}
        )
    assert err.value.status == 403

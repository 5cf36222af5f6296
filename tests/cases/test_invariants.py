"""Random sequences of actions by random roles never break the case invariants (hypothesis, stateful)."""

from __future__ import annotations

from collections import Counter
from itertools import pairwise

from django.core.exceptions import ValidationError
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (
    RuleBasedStateMachine,
    initialize,
    invariant,
    rule,
    run_state_machine_as_test,
)

from cityloop.cases.engine import TransitionError, perform
from cityloop.cases.models import Case, CaseStep
from cityloop.cases.workflow import STATES, TRANSITIONS, transitions_from
from cityloop.core.models import AuditEntry

from .conftest import ROLE_USER

ACTIONS = sorted(n for n in TRANSITIONS if n not in ("report", "self_report"))
USERS = sorted(set(ROLE_USER.values()) | {"supervisor_b", "street_b_manager", "water_handler"})
COUNTED = {
    "returns": "approve_return",
    "extensions": "approve_extension",
    "holds": "approve_hold",
    "urges": "urge",
}


def check_case(case: Case) -> None:
    """Everything that must hold for any case, whatever happened to it."""
    assert case.state in STATES and case.state != "new"
    events = list(case.events.order_by("seq"))
    audit = list(AuditEntry.objects.filter(object_type="cases.case", object_id=str(case.pk)).order_by("id"))
    # The timeline is the audit log: same actions, same order, each event pointing at its entry.
    assert [f"case.{e.transition}" for e in events] == [a.action for a in audit]
    assert [e.audit_id for e in events] == [a.pk for a in audit]
    assert [e.seq for e in events] == list(range(1, len(events) + 1))
    assert events[-1].to_state == case.state
    for before, after in pairwise(events):
        assert after.from_state == before.to_state
    done = Counter(e.transition for e in events)
    for counter, transition in COUNTED.items():
        assert getattr(case, f"{counter}_count") == done[transition], counter
    # A failed look through the camera (视频核查不通过) is a rework as a failed on-site check is.
    assert case.reworks_count == done["check_fail"] + done["video_check_fail"] + done["reopen"]
    steps = list(CaseStep.objects.filter(case=case))
    running = [s for s in steps if s.ended_at is None]
    assert len({s.step for s in running}) == len(running), "a step runs twice at once"
    if STATES[case.state].terminal:
        assert not running, f"{case.state} case still has running steps {[s.step for s in running]}"
    for step in steps:
        if step.ended_at is not None:
            assert step.on_time is not None and step.started_at <= step.ended_at
    if case.state == "closed":
        assert all(s.ended_at and s.on_time is not None for s in steps)


def test_random_action_sequences_keep_invariants(loop):
    moves: list[int] = []

    class CaseMachine(RuleBasedStateMachine):
        def __init__(self) -> None:
            super().__init__()
            self.cases: list[int] = []
            self.moves = 0

        @initialize()
        def two_reports(self) -> None:
            self.cases += [loop.report().pk, loop.report(channel="hotline_12345").pk]

        @rule(channel=st.sampled_from(["supervisor", "hotline_12345"]))
        def report(self, channel: str) -> None:
            self.cases.append(loop.report(channel=channel).pk)

        @rule(data=st.data(), anything=st.booleans(), username=st.sampled_from(USERS))
        def act(self, data: st.DataObject, anything: bool, username: str) -> None:
            if not self.cases:
                return
            case = Case.objects.get(pk=data.draw(st.sampled_from(self.cases)))
            # Mostly a move the case's state allows (so the loop really advances), sometimes any move.
            possible = [t.name for t in transitions_from(case.state) if t.name in ACTIONS]
            name = data.draw(st.sampled_from(ACTIONS if anything or not possible else possible))
            # Mostly the user whose job it is, sometimes anyone (to be refused).
            user = loop.users[username] if data.draw(st.integers(0, 3)) == 0 else loop.default_user(name)
            try:
                perform(case, name, actor=user, payload=loop.payload(name, case))
                self.moves += 1
            except TransitionError as exc:
                assert exc.status in (403, 409)
            except ValidationError:
                pass  # a payload the transition refuses: nothing may have changed

        def teardown(self) -> None:
            moves.append(self.moves)

        @invariant()
        def every_case_is_consistent(self) -> None:
            for pk in self.cases:
                check_case(Case.objects.get(pk=pk))

    run_state_machine_as_test(
        CaseMachine,
        settings=settings(
            max_examples=25,
            derandomize=True,
            stateful_step_count=30,
            deadline=None,
            suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
        ),
    )
    assert sum(moves) > 20, "the machine hardly moved any case: the test would prove nothing"


def test_driven_sequences_keep_invariants(loop):
    """Deterministic long paths through every side flow, checked the same way."""
    case = loop.drive(
        loop.report(),
        "accept",
        "register",
        "dispatch",
        "request_return",
        "approve_return",
        "dispatch",
        "request_extension",
        "approve_extension",
        "request_hold",
        "approve_hold",
        "resume",
        "urge",
        "dispose",
        "send_for_check",
        "check_fail",
        "dispose",
        "send_for_check",
        "check_pass",
        "close",
    )
    check_case(case)
    assert case.state == "closed"

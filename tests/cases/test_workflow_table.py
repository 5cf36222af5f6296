"""The workflow table refuses, when it is imported, what would otherwise fail only when a user
takes the broken transition."""

from __future__ import annotations

import dataclasses
import importlib
from typing import Any

import pytest

from cityloop.cases import effects, guards
from cityloop.cases.workflow import TRANSITIONS, WorkflowError, check_bindings, check_table


def test_the_table_as_shipped_passes_every_check() -> None:
    check_table()
    check_bindings(guards.GUARDS, effects.EFFECTS)


def test_a_typo_in_a_guard_name_is_refused() -> None:
    broken = dict(TRANSITIONS)
    broken["accept"] = dataclasses.replace(TRANSITIONS["accept"], guard="verifed_if_needed")
    with pytest.raises(WorkflowError, match="accept: no guard named 'verifed_if_needed'"):
        check_bindings(guards.GUARDS, effects.EFFECTS, broken)


def test_an_effect_bound_to_no_transition_is_refused() -> None:
    with pytest.raises(WorkflowError, match="effect 'dispach' names no transition"):
        check_bindings(guards.GUARDS, {**effects.EFFECTS, "dispach": effects.EFFECTS["dispatch"]})


def test_importing_the_case_loop_with_a_guard_that_does_not_resolve_fails(monkeypatch: Any) -> None:
    monkeypatch.delitem(guards.GUARDS, "return_visit_done")
    try:
        with pytest.raises(WorkflowError, match="close: no guard named 'return_visit_done'"):
            importlib.reload(effects)
    finally:
        monkeypatch.undo()
        importlib.reload(effects)


def test_a_state_from_which_no_terminal_state_can_be_reached_is_refused() -> None:
    # A hold that resumes into another hold request, with no way to refuse one: the two states lead
    # only to each other, so a case that enters them could never end (yet neither is a dead end).
    broken = {name: t for name, t in TRANSITIONS.items() if name != "reject_hold"}
    broken["resume"] = dataclasses.replace(TRANSITIONS["resume"], target="hold_requested")
    with pytest.raises(WorkflowError) as refused:
        check_table(broken)
    assert "no terminal state can be reached from on_hold" in str(refused.value)
    assert "no terminal state can be reached from hold_requested" in str(refused.value)
    assert "dead end" not in str(refused.value)


def test_unknown_states_and_roleless_transitions_are_refused() -> None:
    broken = dict(TRANSITIONS)
    broken["verify"] = dataclasses.replace(TRANSITIONS["verify"], target="verfied", roles=frozenset())
    with pytest.raises(WorkflowError) as refused:
        check_table(broken)
    assert "verify: unknown state verfied" in str(refused.value)
    assert "verify: no role may take it" in str(refused.value)


def test_a_waiting_state_without_a_running_clock_is_refused() -> None:
    # Verification that stops the acceptance clock instead of pausing it would leave a verified
    # case waiting for the operator with no deadline and no light.
    broken = dict(TRANSITIONS)
    broken["send_for_verification"] = dataclasses.replace(
        TRANSITIONS["send_for_verification"], pauses=(), stops=TRANSITIONS["send_for_verification"].pauses
    )
    with pytest.raises(WorkflowError, match="state verified can be reached with no running step clock"):
        check_table(broken)


def test_a_terminal_state_may_not_leave_a_clock_open() -> None:
    broken = dict(TRANSITIONS)
    broken["close"] = dataclasses.replace(TRANSITIONS["close"], stops=())
    with pytest.raises(WorkflowError, match="terminal state closed leaves step clocks open"):
        check_table(broken)

"""Checks of the table (at import), the moves out of a state, and the diagram."""

from __future__ import annotations

from collections import deque
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field

from .spec import INITIAL_STATE, STATES, Transition
from .table import TRANSITIONS


@dataclass
class WorkflowError(Exception):
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(self.problems)


def check_table(transitions: Mapping[str, Transition] | None = None) -> None:
    """Refuse a broken table: unknown states, transitions no role may take, unreachable states,
    open states with no way out, and states from which no terminal state can be reached."""
    table = TRANSITIONS if transitions is None else transitions
    problems: list[str] = []
    for t in table.values():
        for s in [*t.sources, *([t.target] if t.target else [])]:
            if s not in STATES:
                problems.append(f"{t.name}: unknown state {s}")
        if not t.roles:
            problems.append(f"{t.name}: no role may take it")
    if INITIAL_STATE not in STATES or STATES[INITIAL_STATE].terminal:
        problems.append("the initial state must exist and not be terminal")
    edges = [(source, t.target) for t in table.values() if t.target for source in t.sources]
    reachable = _closure({INITIAL_STATE}, edges)
    problems += [f"state {s} is unreachable" for s in STATES if s not in reachable]
    for name, spec in STATES.items():
        moves_out = [t for t in table.values() if name in t.sources and t.target and t.target != name]
        if not spec.terminal and not moves_out:
            problems.append(f"state {name} is a dead end")
        if spec.terminal and any(t.target for t in table.values() if name in t.sources):
            problems.append(f"terminal state {name} has a way out")
    # Walk the moves backwards from the terminal states: every state must lead to one of them.
    finishing = _closure({n for n, spec in STATES.items() if spec.terminal}, [(b, a) for a, b in edges])
    problems += [
        f"no terminal state can be reached from {s}"
        for s in STATES
        if s not in finishing and s in reachable and f"state {s} is a dead end" not in problems
    ]
    problems += _clock_problems(table)
    if problems:
        raise WorkflowError(problems)


Clocks = frozenset[tuple[str, str]]  # (step, "running" or "paused")


def clocks_per_state(table: Mapping[str, Transition]) -> dict[str, set[Clocks]]:
    """Every combination of step clocks a case can have in each state, following the table's
    starts, stops, pauses and resumes from the initial state along every path."""
    found: dict[str, set[Clocks]] = {INITIAL_STATE: {frozenset()}}
    changed = True
    while changed:
        changed = False
        for t in table.values():
            for source in t.sources:
                for clocks in list(found.get(source, ())):
                    after = dict(clocks)
                    for step in t.stops:
                        after.pop(step.value, None)
                    for step in t.pauses:
                        if after.get(step.value) == "running":
                            after[step.value] = "paused"
                    for step in t.resumes:
                        if after.get(step.value) == "paused":
                            after[step.value] = "running"
                    after.update((step.value, "running") for step in t.starts)
                    reached = found.setdefault(t.target or source, set())
                    if frozenset(after.items()) not in reached:
                        reached.add(frozenset(after.items()))
                        changed = True
    return found


def _clock_problems(table: Mapping[str, Transition]) -> list[str]:
    """A case waiting in an open state always has a running step clock (a deadline and a light),
    except in the held states, where its step's clock is paused; closed cases have none left."""
    problems = []
    for state, combinations in clocks_per_state(table).items():
        spec = STATES.get(state)
        if spec is None or state == INITIAL_STATE:
            continue
        for clocks in combinations:
            kinds = {kind for _, kind in clocks}
            if spec.terminal and clocks:
                problems.append(f"terminal state {state} leaves step clocks open: {sorted(clocks)}")
            elif spec.held and "paused" not in kinds:
                problems.append(f"held state {state} has no paused step clock")
            elif not spec.terminal and not spec.held and "running" not in kinds:
                problems.append(f"state {state} can be reached with no running step clock")
    return sorted(set(problems))


def _closure(start: set[str], edges: Iterable[tuple[str, str]]) -> set[str]:
    """Every state reachable from ``start`` along ``edges`` (pairs of from, to)."""
    following: dict[str, list[str]] = {}
    for a, b in edges:
        following.setdefault(a, []).append(b)
    found = set(start)
    queue = deque(start)
    while queue:
        for nxt in following.get(queue.popleft(), []):
            if nxt not in found:
                found.add(nxt)
                queue.append(nxt)
    return found


def check_bindings(
    guards: Mapping[str, object],
    effects: Mapping[str, object],
    transitions: Mapping[str, Transition] | None = None,
) -> None:
    """Refuse a table whose guard names are not guards, or effects bound to no transition (a typo
    in either would otherwise surface only when a user takes that transition)."""
    table = TRANSITIONS if transitions is None else transitions
    problems = [
        f"{t.name}: no guard named {t.guard!r} in cases.guards"
        for t in table.values()
        if t.guard and t.guard not in guards
    ]
    problems += [f"effect {name!r} names no transition" for name in effects if name not in table]
    if problems:
        raise WorkflowError(problems)


def transitions_from(state: str) -> list[Transition]:
    return [t for t in TRANSITIONS.values() if state in t.sources]


def mermaid() -> str:
    """The state machine as a Mermaid ``stateDiagram-v2`` (self-loops listed as notes)."""
    lines = ["stateDiagram-v2", f"    [*] --> {INITIAL_STATE}"]
    for name, spec in STATES.items():
        lines.append(f"    {name} : {spec.label} {spec.label_en}")
    loops: dict[str, list[str]] = {}
    for t in TRANSITIONS.values():
        for source in sorted(t.sources):
            if t.target is None:
                loops.setdefault(source, []).append(t.name)
            else:
                lines.append(f"    {source} --> {t.target} : {t.name}")
    for name, spec in STATES.items():
        if spec.terminal:
            lines.append(f"    {name} --> [*]")
    for state, names in loops.items():
        lines.append(f"    note right of {state} : also {', '.join(names)}")
    return "\n".join(lines) + "\n"

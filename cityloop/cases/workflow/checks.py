"""Checks of the table (at import), the moves out of a state, and the diagram."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field

from .spec import INITIAL_STATE, STATES, Transition
from .table import TRANSITIONS


@dataclass
class WorkflowError(Exception):
    problems: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        return "; ".join(self.problems)


def check_table() -> None:
    """Refuse a broken table: unknown states, unreachable states, open states with no way out."""
    problems: list[str] = []
    for t in TRANSITIONS.values():
        for s in [*t.sources, *([t.target] if t.target else [])]:
            if s not in STATES:
                problems.append(f"{t.name}: unknown state {s}")
        if not t.roles:
            problems.append(f"{t.name}: no role may take it")
    if INITIAL_STATE not in STATES or STATES[INITIAL_STATE].terminal:
        problems.append("the initial state must exist and not be terminal")
    reachable = {INITIAL_STATE}
    queue = deque([INITIAL_STATE])
    while queue:
        state = queue.popleft()
        for t in TRANSITIONS.values():
            if state in t.sources and t.target and t.target not in reachable:
                reachable.add(t.target)
                queue.append(t.target)
    problems += [f"state {s} is unreachable" for s in STATES if s not in reachable]
    for name, spec in STATES.items():
        moves_out = [t for t in TRANSITIONS.values() if name in t.sources and t.target and t.target != name]
        if not spec.terminal and not moves_out:
            problems.append(f"state {name} is a dead end")
        if spec.terminal and any(t.target for t in TRANSITIONS.values() if name in t.sources):
            problems.append(f"terminal state {name} has a way out")
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

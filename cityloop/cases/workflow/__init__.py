"""The case workflow, declared once (ARCHITECTURE rule 2).

States and transitions follow DOMAIN.md §6. Each transition names the roles allowed to take it, where
their jurisdiction must reach (the case's territory or its assigned unit), the step clocks it starts,
stops, pauses or resumes, the counter it moves, and the payload fields it needs. The table is checked
when this module is imported: one initial state, every state reachable, no dead ends, a terminal
state reachable from every state; its guard and effect names are checked when ``cases.effects`` is
imported (it binds them). "What can this user do now" (``available``) and the diagram
(``mermaid``) are read from it.
"""

from .checks import WorkflowError, check_bindings, check_table, mermaid, transitions_from
from .spec import (
    COMMAND,
    INITIAL_STATE,
    OPEN_STATES,
    REPORTERS,
    STATES,
    UNIT_STAFF,
    UNIT_STATES,
    Scope,
    StateSpec,
    Step,
    Transition,
)
from .table import TRANSITIONS

check_table()

__all__ = [
    "COMMAND",
    "INITIAL_STATE",
    "OPEN_STATES",
    "REPORTERS",
    "STATES",
    "TRANSITIONS",
    "UNIT_STAFF",
    "UNIT_STATES",
    "Scope",
    "StateSpec",
    "Step",
    "Transition",
    "WorkflowError",
    "check_bindings",
    "check_table",
    "mermaid",
    "transitions_from",
]

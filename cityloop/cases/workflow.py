"""The case workflow, declared once (ARCHITECTURE rule 2).

States and transitions follow DOMAIN.md §6. Each transition names the roles allowed to take it, where
their jurisdiction must reach (the case's territory or its assigned unit), the step clocks it starts,
stops, pauses or resumes, the counter it moves, and the payload fields it needs. The table is checked
when this module is imported: one initial state, every state reachable, no dead ends. "What can this
user do now" (``available``) and the diagram (``mermaid``) are read from it.
"""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass, field
from enum import StrEnum

from cityloop.core.models import Role


class Scope(StrEnum):
    """Where the actor's jurisdiction must reach for a transition."""

    TERRITORY = "territory"  # the case's grid/community/street/district: command centre, supervisors
    ASSIGNEE = "assignee"  # the unit the case is dispatched to: departments, streets, companies
    REPORTER = "reporter"  # the user who reported it (self-handled cases)
    ANY = "any"  # anyone who can see the case (comments)


class Step(StrEnum):
    """Timed steps of the loop. Each has a time limit (catalog) and an on-time fact frozen at its end."""

    ACCEPT = "accept"  # operator: report → accepted or sent for verification
    VERIFY = "verify"  # supervisor: on-site verification
    REGISTER = "register"  # shift leader: accepted → registered / not registered
    DISPATCH = "dispatch"  # dispatcher: registered → dispatched
    DISPOSE = "dispose"  # responsible unit: dispatched → disposed (limit from the registration condition)
    SEND_CHECK = "send_check"  # operator: disposed → sent for check
    CHECK = "check"  # supervisor: on-site check
    CLOSE = "close"  # shift leader: checked → closed


@dataclass(frozen=True)
class StateSpec:
    name: str
    label: str
    label_en: str
    terminal: bool = False


STATES: dict[str, StateSpec] = {
    s.name: s
    for s in [
        StateSpec("new", "新建", "new"),
        StateSpec("reported", "已上报", "reported"),
        StateSpec("verifying", "核实中", "verifying"),
        StateSpec("verified", "已核实", "verified"),
        StateSpec("accepted", "已受理", "accepted"),
        StateSpec("not_accepted", "不予受理", "not accepted", terminal=True),
        StateSpec("registered", "已立案", "registered"),
        StateSpec("not_registered", "不予立案", "not registered", terminal=True),
        StateSpec("voided", "已作废", "voided", terminal=True),
        StateSpec("dispatched", "处置中", "dispatched"),
        StateSpec("return_requested", "申请回退", "return requested"),
        StateSpec("extension_requested", "申请延期", "extension requested"),
        StateSpec("hold_requested", "申请挂账", "hold requested"),
        StateSpec("on_hold", "挂账中", "on hold"),
        StateSpec("disposed", "处置完毕", "disposed"),
        StateSpec("checking", "核查中", "checking"),
        StateSpec("checked", "核查通过", "checked"),
        StateSpec("self_handled", "自行处置待审", "self-handled, awaiting review"),
        StateSpec("closed", "已结案", "closed", terminal=True),
    ]
}
INITIAL_STATE = "new"
OPEN_STATES = frozenset(n for n, s in STATES.items() if not s.terminal and n != INITIAL_STATE)
# States in which the responsible unit is working on the case (its disposal clock exists).
UNIT_STATES = frozenset(
    {"dispatched", "return_requested", "extension_requested", "hold_requested", "on_hold"}
)

COMMAND = frozenset({Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER})
UNIT_STAFF = frozenset({Role.HANDLER, Role.UNIT_MANAGER})
REPORTERS = frozenset(
    {Role.SUPERVISOR, Role.OPERATOR, Role.COMMUNITY_HEAD, Role.SHIFT_LEADER, Role.DISPATCHER}
)


@dataclass(frozen=True)
class Transition:
    """One move of the workflow. ``target`` None means the case stays in its state (urge, comment…)."""

    name: str
    label: str
    label_en: str
    sources: frozenset[str]
    target: str | None
    roles: frozenset[str]
    scope: Scope = Scope.TERRITORY
    starts: tuple[Step, ...] = ()
    stops: tuple[Step, ...] = ()
    pauses: tuple[Step, ...] = ()
    resumes: tuple[Step, ...] = ()
    counter: str | None = None
    requires: tuple[str, ...] = ()
    guard: str | None = None  # name of a guard in cases.guards: returns a reason when it blocks
    public: bool = False  # may be taken through the public channel without an account
    notes: str = ""

    def leaves(self, state: str) -> bool:
        return state in self.sources


def _t(
    name: str,
    label: str,
    label_en: str,
    sources: set[str] | frozenset[str],
    target: str | None,
    roles: set[str] | frozenset[str],
    **kw: object,
) -> Transition:
    return Transition(name, label, label_en, frozenset(sources), target, frozenset(roles), **kw)  # type: ignore[arg-type]


PRE_DISPATCH = {"reported", "verifying", "verified", "accepted", "registered"}

TRANSITIONS: dict[str, Transition] = {
    t.name: t
    for t in [
        # --- intake -------------------------------------------------------------------------------
        _t(
            "report",
            "上报",
            "report",
            {"new"},
            "reported",
            REPORTERS | {Role.LEADER},
            starts=(Step.ACCEPT,),
            requires=("description",),
            public=True,
        ),
        _t(
            "self_report",
            "自行处置上报",
            "report as self-handled",
            {"new"},
            "self_handled",
            {Role.SUPERVISOR},
            scope=Scope.TERRITORY,
            requires=("description", "attachments"),
            notes="needs a before and an after photo",
        ),
        _t(
            "send_for_verification",
            "派核实",
            "send for verification",
            {"reported"},
            "verifying",
            {Role.OPERATOR},
            stops=(Step.ACCEPT,),
            starts=(Step.VERIFY,),
        ),
        _t(
            "verify",
            "核实",
            "verify",
            {"verifying"},
            "verified",
            {Role.SUPERVISOR},
            stops=(Step.VERIFY,),
            requires=("found",),
        ),
        _t(
            "accept",
            "受理",
            "accept",
            {"reported", "verified"},
            "accepted",
            {Role.OPERATOR},
            stops=(Step.ACCEPT,),
            starts=(Step.REGISTER,),
            requires=("category",),
            guard="verified_if_needed",
        ),
        _t(
            "not_accept",
            "不予受理",
            "not accept",
            {"reported", "verified"},
            "not_accepted",
            {Role.OPERATOR},
            stops=(Step.ACCEPT,),
            requires=("reason",),
        ),
        # --- registration -------------------------------------------------------------------------
        _t(
            "register",
            "立案",
            "register",
            {"accepted"},
            "registered",
            {Role.SHIFT_LEADER},
            stops=(Step.REGISTER,),
            starts=(Step.DISPATCH,),
            requires=("condition",),
        ),
        _t(
            "not_register",
            "不予立案",
            "not register",
            {"accepted"},
            "not_registered",
            {Role.SHIFT_LEADER},
            stops=(Step.REGISTER,),
            requires=("reason",),
        ),
        _t(
            "void",
            "作废",
            "void",
            PRE_DISPATCH,
            "voided",
            {Role.SHIFT_LEADER},
            requires=("reason",),
            stops=(Step.ACCEPT, Step.VERIFY, Step.REGISTER, Step.DISPATCH),
            notes="作废 needs the shift leader: only they may take it",
        ),
        # --- dispatch and the unit's side flows -----------------------------------------------------
        _t(
            "dispatch",
            "派遣",
            "dispatch",
            {"registered"},
            "dispatched",
            {Role.DISPATCHER},
            stops=(Step.DISPATCH,),
            starts=(Step.DISPOSE,),
            requires=("unit",),
        ),
        _t(
            "request_return",
            "申请回退",
            "request return",
            {"dispatched"},
            "return_requested",
            UNIT_STAFF,
            scope=Scope.ASSIGNEE,
            requires=("reason",),
        ),
        _t(
            "approve_return",
            "同意回退",
            "approve return",
            {"return_requested"},
            "registered",
            {Role.DISPATCHER},
            stops=(Step.DISPOSE,),
            starts=(Step.DISPATCH,),
            counter="returns",
            notes="改派: back for re-dispatch",
        ),
        _t(
            "reject_return",
            "驳回回退",
            "reject return",
            {"return_requested"},
            "dispatched",
            {Role.DISPATCHER},
            requires=("reason",),
        ),
        _t(
            "request_extension",
            "申请延期",
            "request extension",
            {"dispatched"},
            "extension_requested",
            UNIT_STAFF,
            scope=Scope.ASSIGNEE,
            requires=("reason", "amount", "time_unit"),
        ),
        _t(
            "approve_extension",
            "同意延期",
            "approve extension",
            {"extension_requested"},
            "dispatched",
            {Role.DISPATCHER, Role.SHIFT_LEADER},
            counter="extensions",
        ),
        _t(
            "reject_extension",
            "驳回延期",
            "reject extension",
            {"extension_requested"},
            "dispatched",
            {Role.DISPATCHER, Role.SHIFT_LEADER},
            requires=("reason",),
        ),
        _t(
            "request_hold",
            "申请挂账",
            "request hold",
            {"dispatched"},
            "hold_requested",
            UNIT_STAFF,
            scope=Scope.ASSIGNEE,
            requires=("reason",),
        ),
        _t(
            "approve_hold",
            "同意挂账",
            "approve hold",
            {"hold_requested"},
            "on_hold",
            {Role.DISPATCHER, Role.SHIFT_LEADER},
            pauses=(Step.DISPOSE,),
            counter="holds",
        ),
        _t(
            "reject_hold",
            "驳回挂账",
            "reject hold",
            {"hold_requested"},
            "dispatched",
            {Role.DISPATCHER, Role.SHIFT_LEADER},
            requires=("reason",),
        ),
        _t(
            "resume",
            "挂账恢复",
            "resume",
            {"on_hold"},
            "dispatched",
            {Role.DISPATCHER, Role.SHIFT_LEADER},
            resumes=(Step.DISPOSE,),
        ),
        _t(
            "dispose",
            "处置完毕",
            "dispose",
            {"dispatched"},
            "disposed",
            UNIT_STAFF,
            scope=Scope.ASSIGNEE,
            stops=(Step.DISPOSE,),
            starts=(Step.SEND_CHECK,),
            requires=("feedback",),
        ),
        # --- check and close ----------------------------------------------------------------------
        _t(
            "send_for_check",
            "派核查",
            "send for check",
            {"disposed"},
            "checking",
            {Role.OPERATOR},
            stops=(Step.SEND_CHECK,),
            starts=(Step.CHECK,),
        ),
        _t(
            "check_pass",
            "核查通过",
            "check passed",
            {"checking"},
            "checked",
            {Role.SUPERVISOR},
            stops=(Step.CHECK,),
            starts=(Step.CLOSE,),
        ),
        _t(
            "check_fail",
            "核查不通过",
            "check failed",
            {"checking"},
            "dispatched",
            {Role.SUPERVISOR},
            stops=(Step.CHECK,),
            starts=(Step.DISPOSE,),
            counter="reworks",
            requires=("reason",),
            notes="返工: back to the same unit",
        ),
        _t(
            "return_visit",
            "回访",
            "return visit",
            {"checked"},
            None,
            {Role.OPERATOR},
            requires=("satisfaction",),
        ),
        _t(
            "request_no_return_visit",
            "申请免回访",
            "request no return visit",
            {"checked"},
            None,
            {Role.OPERATOR},
            requires=("reason",),
            guard="return_visit_needed",
        ),
        _t(
            "approve_no_return_visit",
            "同意免回访",
            "approve no return visit",
            {"checked"},
            None,
            {Role.SHIFT_LEADER},
            guard="no_return_visit_requested",
        ),
        _t(
            "reopen",
            "不满意重办",
            "re-assign after an unsatisfied visit",
            {"checked"},
            "dispatched",
            {Role.SHIFT_LEADER},
            stops=(Step.CLOSE,),
            starts=(Step.DISPOSE,),
            counter="reworks",
            requires=("reason",),
            guard="visited_unsatisfied",
        ),
        _t(
            "close",
            "结案",
            "close",
            {"checked"},
            "closed",
            {Role.SHIFT_LEADER},
            stops=(Step.CLOSE,),
            guard="return_visit_done",
        ),
        # --- supervisor self-handling --------------------------------------------------------------
        _t(
            "approve_self_handling",
            "自行处置审核通过",
            "approve self-handling",
            {"self_handled"},
            "closed",
            {Role.SHIFT_LEADER},
            requires=("category",),
        ),
        _t(
            "reject_self_handling",
            "自行处置退回",
            "reject self-handling",
            {"self_handled"},
            "accepted",
            {Role.SHIFT_LEADER},
            starts=(Step.REGISTER,),
            requires=("reason", "category"),
        ),
        # --- at any time --------------------------------------------------------------------------
        _t(
            "urge",
            "督办",
            "urge",
            OPEN_STATES - {"self_handled"},
            None,
            {Role.LEADER, Role.SHIFT_LEADER, Role.DISPATCHER},
            counter="urges",
            requires=("reason",),
        ),
        _t(
            "comment",
            "备注",
            "comment",
            OPEN_STATES | {"closed"},
            None,
            frozenset(Role.values),
            scope=Scope.ANY,
            requires=("note",),
        ),
    ]
}


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


check_table()

"""The vocabulary of the workflow: states, steps, scopes and what a transition declares."""

from __future__ import annotations

from dataclasses import dataclass
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
    # The clock is stopped on purpose (an approved hold, an arbitration): the case keeps its step
    # but has no deadline until it moves on. Every other open state has a running clock.
    held: bool = False


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
        StateSpec("merged", "已合并", "merged into another case", terminal=True),
        StateSpec("dispatched", "处置中", "dispatched"),
        StateSpec("return_requested", "申请回退", "return requested"),
        StateSpec("arbitration", "仲裁中", "in arbitration", held=True),
        StateSpec("extension_requested", "申请延期", "extension requested"),
        StateSpec("hold_requested", "申请挂账", "hold requested"),
        StateSpec("on_hold", "挂账中", "on hold", held=True),
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

    @property
    def commands(self) -> bool:
        """A command centre's step (accept, register, dispatch, approve, close …): taken only by the
        centre at the case's command level, the district's or the city's. Urging and comments are
        open to the level above too (the city supervises the districts)."""
        return self.scope == Scope.TERRITORY and self.roles <= COMMAND


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

"""The transition engine: who may take a transition, and taking it.

``perform`` is the one way a case moves. It locks the case, checks the actor's role and jurisdiction
(403), the state (409 naming the state and what this user may do now) and the guard (409), validates
the payload (400), applies the transition's effects, moves the step clocks and counters, and writes
one audit entry and one timeline event, all in one transaction.
"""

from __future__ import annotations

import datetime as dt
import json
from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from cityloop.catalog import lookup
from cityloop.core.audit import (
    ActorRequired,
    action_transaction,
    as_parts,
    record,
    retry_on_deadlock,
    snapshot,
)
from cityloop.core.memberships import active_memberships
from cityloop.core.models import Membership, Role, Unit, User
from cityloop.core.permissions import restrict
from cityloop.core.units import units_by_id
from cityloop.routing.models import Level

from . import clocks
from .channels import channel_by_id
from .guards import GUARDS
from .models import Case, CaseEvent, CaseText
from .search import case_terms
from .workflow import STATES, TRANSITIONS, Scope, Transition

# Case fields whose change the audit entry shows (the rest is bookkeeping).
AUDITED_FIELDS = [
    "state",
    "category_id",
    "component_id",
    "condition_id",
    "urgency",
    "command_level",
    "responsible_unit_id",
    "duplicate_of_id",
    "returns_count",
    "reworks_count",
    "extensions_count",
    "holds_count",
    "urges_count",
    "needs_return_visit",
    "return_visit_waiver",
    "satisfaction",
    "current_step",
    "deadline_at",
    "version",
]


def _label(item: Any) -> str:
    """A state's or transition's name in the active language (the table carries both)."""
    return str(item.label) if (get_language() or "zh").startswith("zh") else str(item.label_en)


class TransitionError(Exception):
    """A transition refused; ``status`` is the HTTP status the API answers with."""

    def __init__(self, status: int, message: str, **details: Any) -> None:
        super().__init__(message)
        self.status = status
        self.message = message
        self.details = details


@dataclass
class Context:
    """What an effect handler gets: the locked case, who acts in which role, when, and the payload."""

    case: Case
    transition: Transition
    actor: User
    membership: Membership | None
    at: dt.datetime
    payload: dict[str, Any]
    note: str = ""
    data: dict[str, Any] = field(default_factory=dict)  # goes into the timeline event
    # Follow-up moves (automatic dispatch, arbitration) run after the event, inside the same transaction.
    follow_ups: list[Any] = field(default_factory=list)


def _anchor_path(case: Case, scope: Scope) -> str | None:
    if scope == Scope.TERRITORY:
        unit = case.community or case.street or case.district
        return unit.path if unit else None
    if scope == Scope.ASSIGNEE:
        return case.responsible_unit.path if case.responsible_unit else None
    return None


def acting_membership(user: User, case: Case, transition: Transition) -> Membership | bool | None:
    """The membership the user would act in, True when allowed without one, False when not allowed."""
    if not user.is_active:
        return False
    if transition.scope == Scope.ANY:
        return restrict(Case.objects.filter(pk=case.pk), user, "view").exists() if case.pk else True
    if transition.scope == Scope.REPORTER:
        return case.reporter_id == user.pk
    for membership in _in_role_here(user, case, transition):
        if not transition.commands or at_command_level(case, membership.unit):
            return membership
    return False


def _in_role_here(user: User, case: Case, transition: Transition) -> list[Membership]:
    """The user's memberships holding one of the transition's roles where the case lies (its
    territory or its responsible unit), whatever the case's command level."""
    anchor = _anchor_path(case, transition.scope)
    if anchor is None:
        return []
    return [
        m for m in active_memberships(user) if m.role in transition.roles and anchor.startswith(m.unit.path)
    ]


def at_command_level(case: Case, unit: Unit) -> bool:
    """Whether staff on ``unit`` belong to the centre commanding the case (两级指挥): inside its
    district for a district case, above every district (the city) for a city case."""
    inside = unit.path.startswith(case.district.path)
    return not inside if case.command_level == Level.CITY else inside


def _wrong_level(case: Case, t: Transition, user: User) -> bool:
    """Whether the user could take ``t`` here but for the case's command level."""
    return t.commands and bool(_in_role_here(user, case, t))


def available(case: Case, user: User) -> list[Transition]:
    """The transitions this user may take on the case now (role, jurisdiction, state and guard)."""
    result = []
    for t in TRANSITIONS.values():
        if case.state not in t.sources:
            continue
        if t.guard and GUARDS[t.guard](case):
            continue
        if acting_membership(user, case, t) is not False:
            result.append(t)
    return result


def _refuse_if_not_allowed(case: Case, t: Transition, actor: User) -> Membership | None:
    membership = acting_membership(actor, case, t)
    if membership is False and _wrong_level(case, t, actor):
        centre = _("the city command centre") if case.command_level == Level.CITY else case.district.name
        raise TransitionError(
            403,
            _("case %(number)s is commanded by %(centre)s: %(action)s is taken there")
            % {"number": case.number, "centre": centre, "action": _label(t)},
            command_level=case.command_level,
        )
    if membership is False:
        roles = ", ".join(sorted(str(Role(r).label) for r in t.roles))  # translated labels
        raise TransitionError(
            403,
            _("%(action)s needs one of these roles for this case's area or unit: %(roles)s")
            % {"action": _label(t), "roles": roles},
        )
    if case.state not in t.sources:
        allowed = [x.name for x in available(case, actor)]
        raise TransitionError(
            409,
            _("case %(number)s is %(state)s; %(action)s is not possible now")
            % {"number": case.number, "state": _label(STATES[case.state]), "action": _label(t)},
            state=case.state,
            allowed=allowed,
        )
    if t.guard:
        reason = GUARDS[t.guard](case)
        if reason:
            raise TransitionError(
                409, reason, state=case.state, allowed=[x.name for x in available(case, actor)]
            )
    return membership if isinstance(membership, Membership) else None


def locked_case(pk: int) -> Case:
    """The case, locked for a transition, with its territory and responsible units (read afresh:
    their paths decide who may act) and its channel and catalog rows (from the reference memos)."""
    try:
        case = Case.objects.select_for_update().get(pk=pk)
    except Case.DoesNotExist:
        raise Case.DoesNotExist(f"no case {pk}") from None
    unit_fields = ("community", "street", "district", "responsible_unit")
    units = units_by_id(getattr(case, f"{name}_id") for name in unit_fields)
    for name in unit_fields:
        unit_id = getattr(case, f"{name}_id")
        if unit_id is not None:
            setattr(case, name, units[unit_id])
    case.channel = channel_by_id(case.channel_id)
    if case.category_id is not None:
        case.category = lookup.category_by_id(case.category_id)
    if case.condition_id is not None:
        case.condition = lookup.condition_version(case.condition_id)
    return case


def _check_required(t: Transition, payload: dict[str, Any]) -> None:
    missing = {f: f"{t.name} needs {f}" for f in t.requires if payload.get(f) in (None, "", [])}
    if missing:
        raise ValidationError(missing)


def perform(
    case: Case,
    name: str,
    *,
    actor: User,
    payload: dict[str, Any] | None = None,
    at: dt.datetime | None = None,
    expected_version: int | None = None,
) -> Case:
    """Take transition ``name`` on ``case`` as ``actor``. Raises TransitionError (403/409) or
    ValidationError (400); on any error nothing is written. A transition PostgreSQL aborted to
    break a deadlock runs again (``core.audit.retry_on_deadlock``)."""
    return retry_on_deadlock(
        lambda: _perform_once(
            case, name, actor=actor, payload=payload, at=at, expected_version=expected_version
        ),
        f"transition {name}",
    )


def _perform_once(
    case: Case,
    name: str,
    *,
    actor: User,
    payload: dict[str, Any] | None,
    at: dt.datetime | None,
    expected_version: int | None,
) -> Case:
    from .effects import EFFECTS

    if not isinstance(actor, User):
        raise ActorRequired(f"perform needs actor=<User>, got {actor!r}")
    t = TRANSITIONS.get(name)
    if t is None or name in ("report", "self_report"):
        raise TransitionError(
            404,
            _("no action %(name)s; see GET /api/v1/cases/<id>/actions for what you may do")
            % {"name": repr(name)},
        )
    payload = dict(payload or {})
    at = at or timezone.now()
    with action_transaction():
        locked = locked_case(case.pk)
        if expected_version is not None and locked.version != expected_version:
            raise TransitionError(
                409,
                _("case %(number)s changed meanwhile (version %(version)s, you had %(yours)s)")
                % {"number": locked.number, "version": locked.version, "yours": expected_version},
                state=locked.state,
                allowed=[x.name for x in available(locked, actor)],
            )
        membership = _refuse_if_not_allowed(locked, t, actor)
        _check_required(t, payload)
        ctx = Context(
            locked,
            t,
            actor,
            membership,
            at,
            payload,
            note=str(payload.get("note") or payload.get("reason") or ""),
        )
        apply(ctx, EFFECTS.get(name))
    return ctx.case


def _values(case: Case) -> dict[str, Any]:
    """The case's column values; JSON values as their text, so a change made in place still shows."""
    values = {f.attname: getattr(case, f.attname) for f in Case._meta.concrete_fields}
    for name, value in values.items():
        if isinstance(value, dict | list):
            values[name] = json.dumps(value, sort_keys=True, default=str)
    return values


def _save(case: Case, initial: dict[str, Any] | None) -> None:
    """Save the case, writing only the columns the transition changed."""
    assert initial is not None, "a new case is inserted by _apply"
    changed = [name for name, value in _values(case).items() if initial[name] != value]
    case.save(update_fields=[*changed, "updated_at"])


def apply(ctx: Context, effect: Any) -> None:
    """Run a transition inside the caller's transaction (used by ``perform`` and by report intake)."""
    case = ctx.case
    before = snapshot(case, AUDITED_FIELDS) if case.pk else None
    initial = _values(case) if case.pk else None
    from_state = case.state or "new"
    clocks.begin(case)
    try:
        _apply(ctx, effect, before, initial, from_state)
    finally:
        clocks.finish(case)


def _apply(
    ctx: Context, effect: Any, before: dict[str, Any] | None, initial: dict[str, Any] | None, from_state: str
) -> None:
    case, t, at, actor = ctx.case, ctx.transition, ctx.at, ctx.actor
    if effect is not None:
        effect(ctx)  # what an effect's own actions record stays in their own entries
    # The step clocks' timer changes are recorded as parts of the transition's own entry.
    with as_parts() as parts:
        for step in t.stops:
            closed = clocks.close_step(case, step, actor=actor, at=at, transition=t.name)
            if closed is not None:
                ctx.data.setdefault("steps", []).append(
                    {
                        "step": step.value,
                        "on_time": closed.on_time,
                        "elapsed": closed.elapsed,
                        "unit": closed.limit_unit,
                    }
                )
        for step in t.pauses:
            clocks.pause_step(case, step, actor=actor, at=at)
        for step in t.resumes:
            clocks.resume_step(case, step, actor=actor, at=at)
        if t.counter:
            field_name = f"{t.counter}_count"
            setattr(case, field_name, getattr(case, field_name) + 1)
        if t.target:
            case.state = t.target
        case.version += 1
        if case.pk is None:
            # A new case is inserted once, with its first step's deadline and light already on it.
            planned = [clocks.plan_step(case, step, actor=actor, at=at) for step in t.starts]
            clocks.refresh_running(case, at, planned[-1] if planned else None)
            case.step_runs = {step.step: 1 for step in planned}  # each runs for the first time
            case.save(force_insert=True)
            # Its texts never change: its search terms are written once, here.
            CaseText.objects.create(
                case=case, terms=case_terms(case.number, case.tracking_code, case.description, case.address)
            )
            for step in planned:
                clocks.start_step(case, step, actor=actor)
        else:
            opened = [clocks.open_step(case, step, actor=actor, at=at) for step in t.starts]
            clocks.refresh_running(case, at, opened[-1] if opened else None)
            _save(case, initial)
    after = snapshot(case, AUDITED_FIELDS)
    if parts:
        after["parts"] = parts  # JSON-ready: record() made each part so
    audit = record(actor, f"case.{t.name}", case, before=before, after=after)
    assert audit is not None  # a transition is never a part of another entry
    event = CaseEvent.objects.create(
        case=case,
        # One event per version: the version counts the transitions taken, so it is the sequence.
        seq=case.version,
        transition=t.name,
        from_state=from_state,
        to_state=case.state,
        actor=actor,
        actor_unit=ctx.membership.unit if ctx.membership else None,
        actor_role=ctx.membership.role if ctx.membership else "",
        at=at,
        note=ctx.note,
        data=ctx.data,
        audit=audit,
    )
    from .attachments import attach

    ids = ctx.payload.get("attachments") or []
    if ids:
        attach(case, event, ids, actor=actor, purpose=ctx.payload.get("attachment_purpose"))
    for callback in ctx.follow_ups:
        callback(event)

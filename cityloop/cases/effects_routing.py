"""Effects that decide where a case goes: routing's decision and its command level (两级指挥), the
referrals between the district and city centres, dispatch and automatic dispatch."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.core.audit import system_actor
from cityloop.core.models import Unit, UnitKind
from cityloop.core.units import district_of, unit_by_code, units_by_id
from cityloop.routing.claimers import ClaimedCase, dispatched_on_claim
from cityloop.routing.decide import Decision, route
from cityloop.routing.facts import Facts, facts_for
from cityloop.routing.models import Level
from cityloop.routing.notices import notify_emergency

from .engine import Context, apply
from .models import Case
from .workflow import TRANSITIONS


def resolve_unit(value: Any, field: str = "unit") -> Unit:
    """A unit given by id or code; must be active."""
    unit = None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit() and len(value) < 6):
        unit = units_by_id([int(value)]).get(int(value))
    if unit is None and value not in (None, ""):
        unit = unit_by_code(str(value))
    if unit is None:
        raise ValidationError({field: f"no unit with id or code {value!r}"})
    if not unit.is_active():
        raise ValidationError({field: f"{unit.name} is no longer active"})
    if unit.kind in (UnitKind.CITY, UnitKind.DISTRICT):
        raise ValidationError(
            {field: f"{unit.name} is a {unit.kind}; dispatch to a department, company, street or community"}
        )
    return unit


def decide(ctx: Context, facts: Facts | None = None) -> Decision:
    """Route the case: keep the decision on it (the dispatcher's suggestion), show it in the timeline,
    and tell the emergency unit at once when it is an emergency."""
    case = ctx.case
    decision = route(facts or facts_for(case, on=timezone.localdate(ctx.at)))
    case.routing = decision.as_dict()
    ctx.data["routing"] = {
        k: case.routing[k]
        for k in ("unit", "rule", "basis", "explanation", "confidence", "flags", "auto_dispatch")
    }
    if decision.level == Level.CITY and case.command_level != Level.CITY and not _kept_at_district(case):
        case.command_level = Level.CITY
        ctx.data["command_level"] = Level.CITY
    if decision.emergency_units:
        notify_emergency(
            decision,
            subject_type="cases.case",
            subject_id=case.pk,
            reference=case.number,
            district_id=case.district_id,
            description=case.description,
        )
    return decision


def _kept_at_district(case: Case) -> bool:
    """Whether the city centre handed this case back to its district (the rules then no longer
    raise it to the city: the city decided)."""
    return case.pk is not None and case.events.filter(transition="refer_to_district").exists()


def refer_to_city(ctx: Context) -> None:
    ctx.case.command_level = Level.CITY
    ctx.data["command_level"] = Level.CITY


def refer_to_district(ctx: Context) -> None:
    ctx.case.command_level = Level.DISTRICT
    ctx.data["command_level"] = Level.DISTRICT


def follow(ctx: Context, name: str, payload: dict[str, Any], note: str) -> None:
    """Take transition ``name`` as the system right after this one, in the same transaction (an
    automatic dispatch, a referral to arbitration): the timeline shows it as the system's."""

    def run(event: Any) -> None:
        then = Context(ctx.case, TRANSITIONS[name], system_actor(), None, ctx.at, payload, note=note)
        then.data["automatic"] = True
        from .effects import EFFECTS  # the table of every effect imports this module

        apply(then, EFFECTS.get(name))

    ctx.follow_ups.append(run)


def auto_dispatch(ctx: Context, decision: Decision) -> None:
    unit = decision.unit
    if decision.auto_dispatch and unit is not None and unit.kind not in (UnitKind.CITY, UnitKind.DISTRICT):
        follow(ctx, "dispatch", {"unit": unit.id}, note=f"系统自动派遣：{decision.explanation}")


def dispatch(ctx: Context) -> None:
    """Dispatch to the unit given, or to the routing suggestion when none is given. Choosing another
    unit than the suggestion is an override: it needs a reason, kept in the timeline."""
    case, payload = ctx.case, ctx.payload
    suggestion = case.routing or {}
    suggested = suggestion.get("unit") or {}
    chosen = payload.get("unit") or suggested.get("id")
    if not chosen:
        raise ValidationError(
            {"unit": "there is no routing suggestion for this case: name the unit (id or code)"}
        )
    unit = resolve_unit(chosen)
    # A unit of the case's own district needs no look-up (the common case); one outside it may be
    # another district's (allowed) or the city's own (refused: the city centre dispatches to it).
    outside = not unit.path.startswith(case.district.path)
    if case.command_level != Level.CITY and outside and district_of(unit) is None:
        raise ValidationError(
            {
                "unit": _(
                    "%(unit)s is a city-level unit: refer the case to the city command centre "
                    "(上报市级), which dispatches to it"
                )
                % {"unit": unit.name}
            }
        )
    routing: dict[str, Any] = {
        "suggested": suggested or None,
        "rule": suggestion.get("rule"),
        "basis": suggestion.get("basis"),
        "accepted": not suggested or suggested.get("id") == unit.pk,
    }
    if not routing["accepted"]:
        reason = str(payload.get("reason") or "").strip()
        if not reason:
            raise ValidationError(
                {
                    "reason": _(
                        "the suggestion is %(suggested)s (%(why)s); to dispatch to %(unit)s instead, "
                        "give the reason for the override"
                    )
                    % {
                        "suggested": suggested.get("name"),
                        "why": suggestion.get("explanation"),
                        "unit": unit.name,
                    }
                }
            )
        routing["override_reason"] = reason
    case.responsible_unit = unit
    case.dispatched_at = ctx.at
    ctx.data["unit"] = {"id": unit.pk, "code": unit.code, "name": unit.name}
    ctx.data["routing"] = routing
    claim = suggestion.get("claim")
    if claim and routing["accepted"] and suggested.get("id") == unit.pk:
        _hand_to_holder(ctx, unit, claim)


def _hand_to_holder(ctx: Context, unit: Unit, claim: dict[str, Any]) -> None:
    """The case goes out on a claim that names a holder who is asked first (a frontage party): the
    claimer opens the holder's window in this transaction and the timeline says so."""
    case = ctx.case
    category = case.category
    answer = dispatched_on_claim(
        ClaimedCase(
            claimer=str(claim.get("claimer") or ""),
            holder=claim.get("holder") or {},
            case_id=case.pk,
            number=case.number,
            unit_id=unit.pk,
            district_id=case.district_id,
            kind=category.kind if category else "",
            category_code=category.code if category else "",
            category_name=category.name if category else "",
            description=case.description,
            address=case.address,
            lon=case.lon,
            lat=case.lat,
            at=ctx.at,
            actor=ctx.actor,
        )
    )
    if answer:
        ctx.data["holder"] = answer

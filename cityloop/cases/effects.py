"""What each transition does to the case beyond moving its state, clocks and counters.

Each effect validates its payload (raising ValidationError with a field and what to fix), then sets
fields on the locked case and records what the timeline should show in ``ctx.data``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.catalog import lookup
from cityloop.core.audit import system_actor
from cityloop.core.models import Unit, UnitKind
from cityloop.core.units import unit_by_code, units_by_id
from cityloop.routing import actions as routing_actions
from cityloop.routing.decide import Decision, route
from cityloop.routing.disputes import case_history, returns_before_arbitration
from cityloop.routing.facts import Facts, facts_for
from cityloop.routing.models import Arbitration, ArbitrationState, ReturnRecord
from cityloop.routing.notices import notify_emergency

from . import clocks
from .engine import Context, apply
from .guards import GUARDS
from .workflow import TRANSITIONS, Step, check_bindings

Effect = Callable[[Context], None]
SATISFACTION = ("satisfied", "basically_satisfied", "unsatisfied")


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


def set_category(ctx: Context) -> None:
    """Category (event or component subclass), optional component, optional urgency."""
    case, payload = ctx.case, ctx.payload
    code = str(payload.get("category") or "")
    kind = str(payload.get("kind") or ("component" if payload.get("component") else "event"))
    try:
        category = lookup.category(code, kind, on=timezone.localdate(ctx.at))
    except ValidationError as exc:  # the catalog says "code"; here the field is the case's category
        raise ValidationError(
            {"category" if field == "code" else field: errors for field, errors in exc.message_dict.items()}
        ) from None
    if category.parent_id is None:
        raise ValidationError({"category": f"{code} is a class; choose one of its subclasses"})
    component_id = payload.get("component")
    if component_id:
        from cityloop.assets.models import Component

        component = Component.objects.filter(code=str(component_id)).select_related("subclass").first()
        if component is None:
            raise ValidationError({"component": f"no component with ID {component_id}"})
        if component.subclass_id != category.pk:
            raise ValidationError(
                {"component": f"component {component_id} is a {component.subclass}, not {category}"}
            )
        case.component = component
    case.category = category
    ctx.data["category"] = f"{category.kind} {category.code} {category.name}"


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


def follow(ctx: Context, name: str, payload: dict[str, Any], note: str) -> None:
    """Take transition ``name`` as the system right after this one, in the same transaction (an
    automatic dispatch, a referral to arbitration): the timeline shows it as the system's."""

    def run(event: Any) -> None:
        then = Context(ctx.case, TRANSITIONS[name], system_actor(), None, ctx.at, payload, note=note)
        then.data["automatic"] = True
        apply(then, EFFECTS.get(name))

    ctx.follow_ups.append(run)


def auto_dispatch(ctx: Context, decision: Decision) -> None:
    unit = decision.unit
    if decision.auto_dispatch and unit is not None and unit.kind not in (UnitKind.CITY, UnitKind.DISTRICT):
        follow(ctx, "dispatch", {"unit": unit.id}, note=f"系统自动派遣：{decision.explanation}")


def accept(ctx: Context) -> None:
    set_category(ctx)
    decide(ctx)


def change_category(ctx: Context) -> None:
    """改类 before dispatch: a new category (and component), the condition of the same number (or the
    one given) once registered, and a new routing decision."""
    case = ctx.case
    before = case.category
    set_category(ctx)
    if case.component is not None and case.component.subclass_id != case.category_id:
        case.component = None  # the component was of the old subclass
    if case.condition is not None and case.category is not None:
        number = ctx.payload.get("condition") or case.condition.number
        regions = [u for u in (case.street, case.district) if u is not None]
        case.condition = lookup.condition(
            case.category, int(number), region_units=regions, on=timezone.localdate(ctx.at)
        )
        case.urgency = case.condition.urgency.code
        ctx.data["condition"] = {"id": case.condition.pk, "number": case.condition.number}
    ctx.data["previous_category"] = f"{before.kind} {before.code} {before.name}" if before else None
    decision = decide(ctx)
    if case.state == "registered":
        auto_dispatch(ctx, decision)


def verify(ctx: Context) -> None:
    found = ctx.payload.get("found")
    if found not in (True, False, "true", "false", 1, 0):
        raise ValidationError({"found": "say whether the problem was found on site: true or false"})
    ctx.data["found"] = found in (True, "true", 1)


def register(ctx: Context) -> None:
    case, payload = ctx.case, ctx.payload
    if payload.get("category"):
        set_category(ctx)
    if case.category is None:
        raise ValidationError({"category": "set the category before registering"})
    try:
        number = int(payload["condition"])
    except (TypeError, ValueError):
        raise ValidationError({"condition": "give the registration condition's number, e.g. 1"}) from None
    regions = [u for u in (case.street, case.district) if u is not None]
    condition = lookup.condition(case.category, number, region_units=regions, on=timezone.localdate(ctx.at))
    case.condition = condition
    case.urgency = condition.urgency.code
    case.registered_at = ctx.at
    ctx.data["condition"] = {
        "id": condition.pk,
        "number": condition.number,
        "version": condition.version,
        "limit": f"{condition.limit_amount} {condition.limit_unit}",
    }
    auto_dispatch(ctx, decide(ctx))


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
                    "reason": f"the suggestion is {suggested.get('name')} ({suggestion.get('explanation')}); "
                    f"to dispatch to {unit.name} instead, give the reason for the override"
                }
            )
        routing["override_reason"] = reason
    case.responsible_unit = unit
    case.dispatched_at = ctx.at
    ctx.data["unit"] = {"id": unit.pk, "code": unit.code, "name": unit.name}
    ctx.data["routing"] = routing


def request_return(ctx: Context) -> None:
    suggested = ctx.payload.get("suggested_unit")
    if suggested:
        unit = resolve_unit(suggested, "suggested_unit")
        ctx.data["suggested_unit"] = {"id": unit.pk, "code": unit.code, "name": unit.name}
    ctx.data["returning_unit"] = ctx.case.responsible_unit_id


def approve_return(ctx: Context) -> None:
    """Count the return (unit pair and category); after N approved returns the system refers the case
    to arbitration, else routing suggests the next unit (the one the returning unit named, or the
    next by the rules, never a unit that returned it)."""
    case = ctx.case
    unit = case.responsible_unit
    ctx.data["returned_by"] = {"id": unit.pk, "name": unit.name} if unit else None
    request = case.events.filter(transition="request_return").order_by("-seq").first()
    suggested = ((request.data if request else {}).get("suggested_unit") or {}).get("id")
    if unit is not None:
        routing_actions.record_return(
            actor=ctx.actor,
            case_id=case.pk,
            case_number=case.number,
            district=case.district_id,
            returning_unit=unit,
            suggested_unit=suggested,
            kind=case.category.kind if case.category else "",
            category_code=case.category.code if case.category else "",
            reason=request.note if request else "",
            at=ctx.at,
        )
    case.responsible_unit = None
    approvals = case.returns_count + 1
    if approvals >= returns_before_arbitration():
        ctx.data["to_arbitration"] = True
        follow(ctx, "refer_to_arbitration", {}, note=f"本案已被回退 {approvals} 次，自动提交仲裁")
    elif case.category is not None:
        returned = ReturnRecord.objects.filter(case_id=case.pk).values_list("returning_unit_id", flat=True)
        decide(ctx, facts_for(case, on=timezone.localdate(ctx.at)).excluding(returned, suggested))


def refer_to_arbitration(ctx: Context) -> None:
    """Open the arbitration: the command centre's queue, with who returned the case and why."""
    case = ctx.case
    history = case_history(case.pk)
    routing_actions.open_arbitration(
        actor=ctx.actor,
        case_id=case.pk,
        case_number=case.number,
        district_id=case.district_id,
        street_id=case.street_id,
        community_id=case.community_id,
        grid_id=case.grid_id,
        kind=case.category.kind if case.category else "",
        category_code=case.category.code if case.category else "",
        category_name=case.category.name if case.category else "",
        reason=ctx.note,
        history=history,
        at=ctx.at,
    )
    ctx.data["returns"] = history


def _flag(value: Any, default: bool) -> bool:
    return default if value in (None, "") else value in (True, 1, "1", "true", "yes")


def rule_arbitration(ctx: Context) -> None:
    """The ruling: the named unit is responsible; the case goes to it and, unless ``make_rule`` is
    false, a rule scoped to the case's grid (or ``rule_scope`` community) and category is made."""
    case, payload = ctx.case, ctx.payload
    unit = resolve_unit(payload["unit"])
    arbitration = Arbitration.objects.filter(case_id=case.pk, state=ArbitrationState.OPEN).first()
    if arbitration is None:
        raise ValidationError({"unit": f"case {case.number} has no open arbitration to rule on"})
    facts = facts_for(case, on=timezone.localdate(ctx.at))
    routing_actions.rule_arbitration(
        actor=ctx.actor,
        arbitration=arbitration,
        unit=unit,
        ruling=str(payload["reason"]),
        facts=facts,
        at=ctx.at,
        make_rule=_flag(payload.get("make_rule"), True),
        scope=str(payload.get("rule_scope") or "grid"),
        auto_dispatch=_flag(payload.get("auto_dispatch"), True),
    )
    case.responsible_unit = unit
    case.dispatched_at = ctx.at
    case.routing = route(facts).as_dict()
    ctx.data.update(
        unit={"id": unit.pk, "code": unit.code, "name": unit.name},
        arbitration=arbitration.pk,
        rule=arbitration.rule_id,
    )


def request_extension(ctx: Context) -> None:
    try:
        amount = float(ctx.payload["amount"])
    except (TypeError, ValueError):
        raise ValidationError({"amount": "give the extra time as a number"}) from None
    if amount <= 0:
        raise ValidationError({"amount": "an extension must be more than zero"})
    running = clocks.running(ctx.case, Step.DISPOSE)
    unit = str(ctx.payload["time_unit"])
    if running is not None and unit != running.limit_unit:
        raise ValidationError(
            {"time_unit": f"the disposal limit counts in {running.limit_unit}; ask in that unit"}
        )
    ctx.data["amount"], ctx.data["time_unit"] = amount, unit


def approve_extension(ctx: Context) -> None:
    request = ctx.case.events.filter(transition="request_extension").order_by("-seq").first()
    if request is None:
        raise ValidationError({"amount": "no extension was requested"})
    amount = float(ctx.payload.get("amount") or request.data["amount"])
    clocks.extend_step(ctx.case, Step.DISPOSE, actor=ctx.actor, amount=amount, unit=request.data["time_unit"])
    ctx.data["amount"], ctx.data["time_unit"] = amount, request.data["time_unit"]


def dispose(ctx: Context) -> None:
    if not ctx.payload.get("attachments"):
        raise ValidationError({"attachments": "attach at least one photo of the result"})
    ctx.payload.setdefault("attachment_purpose", "disposal")
    ctx.data["feedback"] = str(ctx.payload["feedback"])
    ctx.note = ctx.note or str(ctx.payload["feedback"])


def check(ctx: Context) -> None:
    ctx.payload.setdefault("attachment_purpose", "check")


def return_visit(ctx: Context) -> None:
    value = str(ctx.payload["satisfaction"])
    if value not in SATISFACTION:
        raise ValidationError({"satisfaction": f"use one of {', '.join(SATISFACTION)}"})
    ctx.case.satisfaction = value
    ctx.data["satisfaction"] = value


def request_no_return_visit(ctx: Context) -> None:
    ctx.case.return_visit_waiver = "requested"


def approve_no_return_visit(ctx: Context) -> None:
    ctx.case.return_visit_waiver = "approved"


def reopen(ctx: Context) -> None:
    ctx.case.satisfaction = ""  # the next return visit starts afresh


def close(ctx: Context) -> None:
    ctx.case.closed_at = ctx.at


def approve_self_handling(ctx: Context) -> None:
    set_category(ctx)
    ctx.case.closed_at = ctx.at


def reject_self_handling(ctx: Context) -> None:
    set_category(ctx)
    decide(ctx)


EFFECTS: dict[str, Effect] = {
    "accept": accept,
    "verify": verify,
    "register": register,
    "dispatch": dispatch,
    "request_return": request_return,
    "approve_return": approve_return,
    "change_category": change_category,
    "refer_to_arbitration": refer_to_arbitration,
    "rule_arbitration": rule_arbitration,
    "request_extension": request_extension,
    "approve_extension": approve_extension,
    "dispose": dispose,
    "check_pass": check,
    "check_fail": check,
    "return_visit": return_visit,
    "request_no_return_visit": request_no_return_visit,
    "approve_no_return_visit": approve_no_return_visit,
    "reopen": reopen,
    "close": close,
    "approve_self_handling": approve_self_handling,
    "reject_self_handling": reject_self_handling,
}

# A guard or effect name that does not resolve fails here, when the case loop is imported.
check_bindings(GUARDS, EFFECTS)

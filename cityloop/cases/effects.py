"""What each transition does to the case beyond moving its state, clocks and counters.

Each effect validates its payload (raising ValidationError with a field and what to fix), then sets
fields on the locked case and records what the timeline should show in ``ctx.data``.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.core.exceptions import ValidationError
from django.utils import timezone
from django.utils.translation import gettext as _

from cityloop.catalog import lookup
from cityloop.routing import actions as routing_actions
from cityloop.routing.decide import route
from cityloop.routing.disputes import case_history, returns_before_arbitration
from cityloop.routing.facts import facts_for
from cityloop.routing.models import Arbitration, ArbitrationState, ReturnRecord

from . import clocks, holders
from .effects_routing import (
    auto_dispatch,
    decide,
    dispatch,
    follow,
    refer_to_city,
    refer_to_district,
    resolve_unit,
)
from .engine import Context
from .guards import GUARDS
from .merging import merge
from .workflow import Step, check_bindings

Effect = Callable[[Context], None]
SATISFACTION = ("satisfied", "basically_satisfied", "unsatisfied")


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


def check_failed(ctx: Context) -> None:
    """返工: and when the frontage party had said it fixed the problem, its fix is not counted."""
    check(ctx)
    holders.party_fix_refused(ctx.case, ctx.actor, str(ctx.payload.get("reason", "")))


def _require_frame(ctx: Context) -> None:
    """A check through a camera keeps what the camera showed: without a frame it proves nothing."""
    if not ctx.payload.get("attachments"):
        raise ValidationError({"attachments": _("attach the camera's frame that shows the spot now")})


def video_check(ctx: Context) -> None:
    _require_frame(ctx)
    check(ctx)


def video_check_failed(ctx: Context) -> None:
    _require_frame(ctx)
    check_failed(ctx)


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
    "merge": merge,
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
    "check_fail": check_failed,
    "video_check_pass": video_check,
    "video_check_fail": video_check_failed,
    "return_visit": return_visit,
    "request_no_return_visit": request_no_return_visit,
    "approve_no_return_visit": approve_no_return_visit,
    "reopen": reopen,
    "close": close,
    "approve_self_handling": approve_self_handling,
    "reject_self_handling": reject_self_handling,
    "refer_to_city": refer_to_city,
    "refer_to_district": refer_to_district,
}

# A guard or effect name that does not resolve fails here, when the case loop is imported.
check_bindings(GUARDS, EFFECTS)

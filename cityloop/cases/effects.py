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
from cityloop.core.models import Unit, UnitKind

from . import clocks
from .engine import Context
from .workflow import Step

Effect = Callable[[Context], None]
SATISFACTION = ("satisfied", "basically_satisfied", "unsatisfied")


def resolve_unit(value: Any, field: str = "unit") -> Unit:
    """A unit given by id or code; must be active."""
    unit = None
    if isinstance(value, int) or (isinstance(value, str) and value.isdigit() and len(value) < 6):
        unit = Unit.objects.filter(pk=int(value)).first()
    if unit is None and value not in (None, ""):
        unit = Unit.objects.filter(code=str(value)).first()
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
    category = lookup.category(code, kind, on=timezone.localdate(ctx.at))
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


def dispatch(ctx: Context) -> None:
    unit = resolve_unit(ctx.payload["unit"])
    ctx.case.responsible_unit = unit
    ctx.case.dispatched_at = ctx.at
    ctx.data["unit"] = {"id": unit.pk, "code": unit.code, "name": unit.name}
    if ctx.payload.get("routing"):
        ctx.data["routing"] = ctx.payload["routing"]


def request_return(ctx: Context) -> None:
    suggested = ctx.payload.get("suggested_unit")
    if suggested:
        unit = resolve_unit(suggested, "suggested_unit")
        ctx.data["suggested_unit"] = {"id": unit.pk, "code": unit.code, "name": unit.name}
    ctx.data["returning_unit"] = ctx.case.responsible_unit_id


def approve_return(ctx: Context) -> None:
    unit = ctx.case.responsible_unit
    ctx.data["returned_by"] = {"id": unit.pk, "name": unit.name} if unit else None
    ctx.case.responsible_unit = None


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


EFFECTS: dict[str, Effect] = {
    "accept": accept,
    "verify": verify,
    "register": register,
    "dispatch": dispatch,
    "request_return": request_return,
    "approve_return": approve_return,
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

"""``/api/v1/routing``: previews of routing decisions, the dispute graph, arbitrations and their rulings,
and responsibility rules (administrators manage the rules of their area)."""

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.http import HttpRequest
from django.utils import timezone
from ninja import Field, Query, Router, Schema, Status
from ninja.pagination import paginate

from cityloop.assets.models import Component
from cityloop.cases.engine import TransitionError, perform
from cityloop.cases.models import Case
from cityloop.catalog import lookup
from cityloop.core.models import Role, Unit, User
from cityloop.core.permissions import has_role, jurisdiction_paths, restrict
from cityloop.geo.models import Grid
from cityloop.routing import actions
from cityloop.routing.decide import route
from cityloop.routing.disputes import arbitration_out, dispute_graph
from cityloop.routing.facts import facts_at
from cityloop.routing.models import Arbitration, ReturnRecord, Rule
from cityloop.routing.ruleset import AREA_KINDS

from .cases import case_by_ref
from .errors import ApiError
from .pagination import Paged

router = Router(tags=["routing"])


def _user(request: HttpRequest) -> User:
    assert isinstance(request.user, User)
    return request.user


class PreviewIn(Schema):
    lon: float
    lat: float
    category: str | None = Field(None, description="subclass code, e.g. 0101 (optional with a component)")
    kind: str | None = Field(None, description="component or event (default: component with a component ID)")
    component: str | None = Field(None, description="16-digit component ID")
    condition: int | None = Field(None, description="registration condition number")
    urgent: bool = False
    on: dt.date | None = Field(None, description="decide by the rules of this day (default today)")


class DecisionOut(Schema):
    unit: dict[str, Any] | None
    level: str
    basis: str
    rule: dict[str, Any] | None
    explanation: str
    explanation_en: str
    confidence: float
    flags: list[str]
    auto_dispatch: bool
    alternatives: list[dict[str, Any]]
    emergency_units: list[dict[str, Any]]
    chain: list[dict[str, Any]]
    on: str | None
    ruleset_version: int


@router.post(
    "/preview", response=DecisionOut, summary="Who would handle this problem here, and why (no case)"
)
def preview(request: HttpRequest, body: PreviewIn) -> dict[str, Any]:
    if not has_role(request.user, *Role.values):
        raise ApiError(403, "previews are for staff with a role in the organisation")
    component = None
    if body.component:
        component = Component.objects.select_related("subclass").filter(code=body.component.strip()).first()
        if component is None:
            raise ApiError(400, f"component: no component with ID {body.component}", field="component")
    kind = body.kind or ("component" if component else "event")
    code = body.category or (component.subclass.code if component else "")
    if not code:
        raise ApiError(400, "category: give the subclass code (or a component ID)", field="category")
    category = lookup.category(code, kind, on=body.on)
    if category.parent_id is None:
        raise ApiError(400, f"category: {code} is a class; choose one of its subclasses", field="category")
    if component is not None and component.subclass_id != category.pk:
        raise ApiError(400, f"component: {component.code} is a {component.subclass}, not {category}")
    facts = facts_at(
        body.lon,
        body.lat,
        kind=kind,
        category_code=code,
        component=component,
        condition_number=body.condition,
        urgent=body.urgent,
        on=body.on,
    )
    return route(facts).as_dict()


@router.get("/disputes", summary="The dispute graph: unit pairs, counts, categories, open arbitrations")
def disputes(
    request: HttpRequest, since: dt.date | None = None, until: dt.date | None = None
) -> dict[str, Any]:
    returns = restrict(ReturnRecord.objects.all(), request.user, "view")
    if since:
        returns = returns.filter(approved_at__date__gte=since)
    if until:
        returns = returns.filter(approved_at__date__lte=until)
    return dispute_graph(returns, restrict(Arbitration.objects.all(), request.user, "view"))


class ArbitrationOut(Schema):
    id: int
    case_id: int
    case_number: str
    state: str
    category: str
    reason: str
    history: list[dict[str, Any]]
    opened_at: dt.datetime
    ruled_unit: dict[str, Any] | None
    ruled_at: dt.datetime | None
    ruling: str
    rule_id: int | None


@router.get(
    "/arbitrations",
    response=list[ArbitrationOut],
    summary="Arbitrations (the command centre's queue), oldest waiting first",
)
@paginate(Paged)
def arbitrations(request: HttpRequest, state: str | None = "open") -> list[dict[str, Any]]:
    qs = restrict(Arbitration.objects.select_related("ruled_unit"), request.user, "view")
    if state:
        qs = qs.filter(state=state)
    return [arbitration_out(a) for a in qs.order_by("opened_at", "id")]


class RulingIn(Schema):
    unit: str = Field(..., description="the responsible unit: id or code")
    reason: str = Field(
        ..., min_length=1, max_length=4000, description="the ruling, as the joint meeting settled it"
    )
    make_rule: bool = Field(True, description="make a routing rule so the same case here never bounces again")
    rule_scope: str = Field("grid", description="grid or community: where the new rule applies")
    auto_dispatch: bool = Field(True, description="let the new rule dispatch automatically")
    version: int | None = None


@router.post("/arbitrations/{ref}/ruling", summary="Rule on a case in arbitration (shift leader)")
def ruling(request: HttpRequest, ref: str, body: RulingIn) -> dict[str, Any]:
    qs = restrict(Case.objects.all(), request.user, "view")
    case = case_by_ref(qs, ref)
    payload = body.dict(exclude={"version"})
    try:
        done = perform(
            case, "rule_arbitration", actor=_user(request), payload=payload, expected_version=body.version
        )
    except TransitionError as exc:
        raise ApiError(exc.status, exc.message, **exc.details) from None
    row = Arbitration.objects.select_related("ruled_unit").filter(case_id=done.pk).order_by("-id").first()
    return {
        "case": {"id": done.pk, "number": done.number, "state": done.state, "version": done.version},
        "arbitration": arbitration_out(row) if row else None,
        "rule": rule_out(row.rule) if row and row.rule else None,
    }


@router.get("/cases/{ref}", response=DecisionOut, summary="The routing decision kept on a case")
def case_routing(request: HttpRequest, ref: str) -> dict[str, Any]:
    qs = restrict(Case.objects.all(), request.user, "view")
    case = case_by_ref(qs, ref)
    if not case.routing:
        raise ApiError(
            404, f"case {case.number} has not been routed yet (it is routed once it has a category)"
        )
    return case.routing


# --- rules ---------------------------------------------------------------------------------------


class RuleOut(Schema):
    id: int
    name: str
    purpose: str
    kind: str
    category: str
    condition: int | None
    area: str | None = Field(None, description="unit or grid code; null for everywhere")
    area_name: str | None
    level: str
    target: str
    target_unit: str | None
    target_unit_name: str | None
    priority: int
    auto_dispatch: bool
    valid_from: dt.date
    valid_to: dt.date | None
    source: str
    note: str
    revision: int


def rule_out(rule: Rule) -> dict[str, Any]:
    area = rule.area_grid or rule.area_unit
    return {
        "id": rule.pk,
        "name": rule.name,
        "purpose": rule.purpose,
        "kind": rule.kind,
        "category": rule.category_code,
        "condition": rule.condition_number,
        "area": area.code if area else None,
        "area_name": (area.name or area.code) if area else None,
        "level": rule.level,
        "target": rule.target,
        "target_unit": rule.target_unit.code if rule.target_unit else None,
        "target_unit_name": rule.target_unit.name if rule.target_unit else None,
        "priority": rule.priority,
        "auto_dispatch": rule.auto_dispatch,
        "valid_from": rule.valid_from,
        "valid_to": rule.valid_to,
        "source": rule.source,
        "note": rule.note,
        "revision": rule.revision,
    }


class RuleFilter(Schema):
    purpose: str | None = None
    kind: str | None = None
    category: str | None = Field(None, description="class or subclass code (prefix)")
    area: str | None = Field(None, description="unit or grid code")
    target_unit: str | None = None
    source: str | None = None
    on: dt.date | None = Field(None, description="only rules in force on this day")


RULE_RELATED = ("area_unit", "area_grid", "target_unit")


@router.get("/rules", response=list[RuleOut], summary="Routing rules in your area")
@paginate(Paged)
def list_rules(request: HttpRequest, filters: Query[RuleFilter]) -> list[dict[str, Any]]:
    qs = restrict(Rule.objects.select_related(*RULE_RELATED), request.user, "view")
    for field, lookup_name in (("purpose", "purpose"), ("kind", "kind"), ("source", "source")):
        if getattr(filters, field):
            qs = qs.filter(**{lookup_name: getattr(filters, field)})
    if filters.category:
        qs = qs.filter(category_code__startswith=filters.category)
    if filters.area:
        qs = qs.filter(Q(area_unit__code=filters.area) | Q(area_grid__code=filters.area))
    if filters.target_unit:
        qs = qs.filter(target_unit__code=filters.target_unit)
    if filters.on:
        on = filters.on
        qs = qs.filter(valid_from__lte=on).filter(Q(valid_to__isnull=True) | Q(valid_to__gt=on))
    return [rule_out(r) for r in qs.order_by("purpose", "-priority", "kind", "category_code", "id")]


def _rule(request: HttpRequest, rule_id: int, action: str = "view") -> Rule:
    rule = (
        restrict(Rule.objects.select_related(*RULE_RELATED), request.user, action).filter(pk=rule_id).first()
    )
    if rule is None:
        if action != "view" and restrict(Rule.objects.filter(pk=rule_id), request.user, "view").exists():
            raise ApiError(403, "only an administrator of the rule's area may change it")
        raise ApiError(404, f"no rule {rule_id} in your area")
    return rule


@router.get("/rules/{rule_id}", response=RuleOut, summary="One routing rule")
def get_rule(request: HttpRequest, rule_id: int) -> dict[str, Any]:
    return rule_out(_rule(request, rule_id))


def needs_value(**constraints: Any) -> Any:
    """A field a PATCH may leave out but not set to null (its type says so in the OpenAPI)."""
    return Field(None, **constraints)


class RulePatch(Schema):
    """Only the fields sent change. ``null`` clears the fields that may be empty (kind, category,
    condition, area, target unit, end date, note); the others need a value (422 otherwise)."""

    name: str = needs_value(min_length=1, max_length=120)
    purpose: str = needs_value(max_length=12, description="dispatch or emergency")
    kind: str | None = Field(None, max_length=10, description="component, event, or empty for any")
    category: str | None = Field(
        None, max_length=4, description="2-digit class or 4-digit subclass code; empty for any"
    )
    condition: int | None = Field(None, ge=0, le=32767)
    area: str | None = Field(
        None, max_length=64, description="unit code (city, district, street, community) or grid code"
    )
    level: str = needs_value(max_length=10, description="city or district")
    target: str = needs_value(
        max_length=12, description="unit, owner, maintainer, authority, grid, street, community"
    )
    target_unit: str | None = Field(None, max_length=64, description="unit code, for target unit")
    priority: int = needs_value(ge=-1000000, le=1000000)
    auto_dispatch: bool = needs_value()
    valid_from: dt.date = needs_value()
    valid_to: dt.date | None = None
    note: str | None = Field(None, max_length=4000)


class RuleIn(RulePatch):
    name: str = Field(..., min_length=1, max_length=120)
    target: str = Field(..., max_length=12)


def _area(code: str, on: dt.date) -> tuple[Unit | None, Grid | None]:
    unit = Unit.objects.filter(code=code).first()
    if unit is not None:
        return unit, None
    versions = Grid.objects.filter(code=code)
    grid = versions.valid_at(on).first() or versions.order_by("-valid_from").first()
    if grid is None:
        raise ValidationError({"area": f"no unit or grid with code {code}"})
    return None, grid


def _fields(body: RulePatch, on: dt.date) -> dict[str, Any]:
    sent = body.dict(exclude_unset=True)
    renamed = {"category": "category_code", "condition": "condition_number"}
    fields = {renamed.get(k, k): v for k, v in sent.items() if k not in ("area", "target_unit")}
    for key in ("kind", "category_code", "note"):
        if key in fields and fields[key] is None:
            fields[key] = ""
    if "area" in sent:
        fields["area_unit"], fields["area_grid"] = _area(sent["area"], on) if sent["area"] else (None, None)
    if "target_unit" in sent:
        code = sent["target_unit"]
        fields["target_unit"] = Unit.objects.filter(code=code).first() if code else None
        if code and fields["target_unit"] is None:
            raise ValidationError({"target_unit": f"no unit with code {code}"})
    return fields


def _check_area(user: User, area_unit: Unit | None, area_grid: Grid | None) -> None:
    """Only an administrator whose area holds the rule's area may write it (everywhere: the top)."""
    if user.is_superuser:
        return
    paths = jurisdiction_paths(user, [Role.ADMIN])
    if area_grid is not None:
        anchor: str | None = area_grid.community.path
    else:
        anchor = area_unit.path if area_unit is not None and area_unit.kind in AREA_KINDS else None
    allowed = any(anchor.startswith(p) for p in paths) if anchor else any(p.count("/") == 2 for p in paths)
    if not allowed or not has_role(user, Role.ADMIN):
        raise PermissionDenied("only an administrator of the rule's area may write it")


@router.post("/rules", response={201: RuleOut}, summary="Add a routing rule (administrators)")
def create_rule(request: HttpRequest, body: RuleIn) -> Status[dict[str, Any]]:
    user = _user(request)
    fields = _fields(body, body.valid_from or timezone.localdate())
    if fields.get("valid_from") is None:
        fields["valid_from"] = timezone.localdate()  # a new rule applies from today unless told otherwise
    _check_area(user, fields.get("area_unit"), fields.get("area_grid"))
    rule = actions.create_rule(
        actor=user, **{k: v for k, v in fields.items() if v is not None or k.startswith("area")}
    )
    return Status(201, rule_out(rule))


@router.patch("/rules/{rule_id}", response=RuleOut, summary="Change a routing rule (administrators)")
def update_rule(request: HttpRequest, rule_id: int, body: RulePatch) -> dict[str, Any]:
    user = _user(request)
    rule = _rule(request, rule_id, "manage")
    fields = _fields(body, body.valid_from or rule.valid_from)
    if "area_unit" in fields:
        _check_area(user, fields["area_unit"], fields["area_grid"])
    return rule_out(actions.update_rule(actor=user, rule=rule, **fields))


@router.delete("/rules/{rule_id}", summary="End a routing rule from a day (deleted if it never took effect)")
def end_rule(request: HttpRequest, rule_id: int, on: dt.date | None = None) -> dict[str, Any]:
    rule = _rule(request, rule_id, "manage")
    ended = actions.end_rule(actor=_user(request), rule=rule, on=on)
    return {"deleted": ended is None, "rule": rule_out(ended) if ended else None}

"""``/api/v1/org``: units and users, each restricted to the caller's jurisdiction."""

from typing import Any

from django.db.models import Prefetch, Q, QuerySet
from django.http import HttpRequest
from ninja import Field, Query, Router, Schema
from ninja.pagination import paginate

from cityloop.core.ids import row_id
from cityloop.core.models import Membership, Role, Unit, UnitKind, User
from cityloop.core.permissions import restrict

from .errors import ApiError
from .pagination import Paged

router = Router(tags=["org"])


class UnitOut(Schema):
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    parent_id: int | None
    parent_code: str | None = Field(None, alias="parent.code")
    valid_from: str
    valid_to: str | None

    @staticmethod
    def resolve_valid_from(obj: Unit) -> str:
        return obj.valid_from.isoformat()

    @staticmethod
    def resolve_valid_to(obj: Unit) -> str | None:
        return obj.valid_to.isoformat() if obj.valid_to else None


class UnitFilter(Schema):
    kind: str | None = None
    parent: str | None = Field(None, description="code of the parent unit")
    q: str | None = Field(None, description="text in the code or name")


@router.get("/units", response=list[UnitOut], summary="Units in your jurisdiction")
@paginate(Paged)
def list_units(request: HttpRequest, filters: Query[UnitFilter]) -> QuerySet[Unit]:
    qs = restrict(Unit.objects.select_related("parent"), request.user, "view")
    if filters.kind:
        if filters.kind not in UnitKind.values:
            raise ApiError(400, f"unknown kind {filters.kind!r}; use one of {', '.join(UnitKind.values)}")
        qs = qs.filter(kind=filters.kind)
    if filters.parent:
        qs = qs.filter(parent__code=filters.parent)
    if filters.q:
        qs = qs.filter(name__contains=filters.q) | qs.filter(code__startswith=filters.q)
    return qs.order_by("path")


class MembershipOut(Schema):
    unit_code: str
    unit_name: str
    role: str


class UserOut(Schema):
    id: int
    username: str
    display_name: str
    memberships: list[MembershipOut]

    @staticmethod
    def resolve_memberships(obj: User) -> list[dict[str, Any]]:
        return [
            {"unit_code": m.unit.code, "unit_name": m.unit.name, "role": m.role}
            for m in getattr(obj, "active_memberships", [])
        ]


@router.get("/users", response=list[UserOut], summary="Users in your jurisdiction, optionally by role")
@paginate(Paged)
def list_users(request: HttpRequest, role: str | None = None, unit: str | None = None) -> QuerySet[User]:
    """Users with an active membership in your jurisdiction; ``unit`` takes a unit's code or id."""
    qs = restrict(User.objects.filter(is_active=True), request.user, "view")
    active = Membership.objects.active().select_related("unit")
    if role:
        if role not in Role.values:
            raise ApiError(400, f"unknown role {role!r}; use one of {', '.join(Role.values)}")
        qs = qs.filter(memberships__in=Membership.objects.active().filter(role=role))
    if unit:
        # A unit's code or its id, as the cases filter takes them.
        unit_id = row_id(unit)
        qs = qs.filter(
            Q(memberships__unit__code=unit) | Q(memberships__unit_id=unit_id if unit_id else -1),
            memberships__in=active,
        )
    return (
        qs.distinct()
        .prefetch_related(Prefetch("memberships", queryset=active, to_attr="active_memberships"))
        .order_by("username")
    )


class MeOut(Schema):
    username: str
    display_name: str
    is_superuser: bool
    memberships: list[MembershipOut]


@router.get("/me", response=MeOut, summary="Who you are, with your roles")
def me(request: HttpRequest) -> dict[str, Any]:
    user = request.user
    assert isinstance(user, User)
    return {
        "username": user.username,
        "display_name": user.display_name,
        "is_superuser": user.is_superuser,
        "memberships": [
            {"unit_code": m.unit.code, "unit_name": m.unit.name, "role": m.role}
            for m in user.memberships.active().select_related("unit")
        ],
    }


# The administrators' writes, on this router (they share its paths: GET and POST /units).
from . import org_admin  # noqa: E402, F401

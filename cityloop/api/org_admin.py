"""``/api/v1/org``'s writes for administrators: units, users, roles, passwords and the staff roster.

Each calls a domain action, which refuses what lies outside the caller's area: acting on a unit or
user there is a 403; pointing a field (``parent``, ``unit``) there is a 400 naming that field. A unit
or user the caller may not even see is a 404."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.utils import timezone
from ninja import Field, File, Schema, Status
from ninja.files import UploadedFile

from cityloop.core import accounts
from cityloop.core.actions import (
    create_unit,
    create_user,
    deactivate_unit,
    grant_role,
    move_unit,
    revoke_role,
)
from cityloop.core.actions import update_unit as update_unit_action
from cityloop.core.areas import area_users, is_admin
from cityloop.core.ids import row_id
from cityloop.core.models import Membership, Unit, User
from cityloop.core.permissions import restrict
from cityloop.core.phones import check_phone
from cityloop.core.roster import MAX_BYTES, export_rows, import_roster, to_csv, to_xlsx

from .errors import ApiError
from .org import router  # the same router: a path (/units) takes its GET and POST from one place


def admin(request: HttpRequest) -> User:
    """The caller, who must administer some part of the organisation."""
    user = request.user
    if not isinstance(user, User) or not is_admin(user):
        raise PermissionDenied("only administrators change the organisation")
    return user


def find_unit(request: HttpRequest, ref: str, field: str = "unit", *, visible: bool = True) -> Unit:
    """A unit by code or id: one the caller may see (404 otherwise), or any unit for a field that
    points at one (400 naming the field if none has that code)."""
    qs = restrict(Unit.objects.all(), request.user, "view") if visible else Unit.objects.all()
    pk = row_id(ref)
    unit = qs.filter(code=ref).first() or (qs.filter(pk=pk).first() if pk else None)
    if unit is None:
        if visible:
            raise ApiError(404, f"no unit {ref!r} in your area")
        raise ValidationError({field: f"no unit with code or id {ref!r}"})
    return unit


def find_user(request: HttpRequest, ref: str) -> User:
    """A user by login or id, among those the caller may see or administers (404 otherwise)."""
    actor = admin(request)
    pk = row_id(ref)
    for qs in (area_users(actor), restrict(User.objects.all(), actor, "view")):
        found = qs.filter(username=ref).first() or (qs.filter(pk=pk).first() if pk else None)
        if found is not None:
            return found
    raise ApiError(404, f"no user {ref!r} in your area")


class UnitIn(Schema):
    code: str = Field(..., min_length=1, max_length=32)
    name: str = Field(..., min_length=1, max_length=100)
    kind: str = Field(..., max_length=16)
    parent: str = Field(..., max_length=32, description="code or id of the parent unit")
    name_en: str = Field("", max_length=200)


class UnitPatch(Schema):
    code: str | None = Field(None, min_length=1, max_length=32)
    name: str | None = Field(None, min_length=1, max_length=100)
    name_en: str | None = Field(None, max_length=200)


class UnitDone(Schema):
    id: int
    code: str
    name: str
    kind: str
    parent_code: str | None
    path: str
    active: bool


def unit_out(unit: Unit) -> dict[str, Any]:
    parent = unit.parent
    return {
        "id": unit.pk,
        "code": unit.code,
        "name": unit.name,
        "kind": unit.kind,
        "parent_code": parent.code if parent else None,
        "path": unit.path,
        "active": unit.is_active(),
    }


@router.post("/units", response={201: UnitDone}, summary="Add a unit under a unit of your area")
def add_unit(request: HttpRequest, body: UnitIn) -> Status[dict[str, Any]]:
    actor = admin(request)
    parent = find_unit(request, body.parent, "parent", visible=False)
    unit = create_unit(
        actor=actor, code=body.code, name=body.name, kind=body.kind, parent=parent, name_en=body.name_en
    )
    return Status(201, unit_out(unit))


@router.patch("/units/{ref}", response=UnitDone, summary="Rename a unit or change its code")
def change_unit(request: HttpRequest, ref: str, body: UnitPatch) -> dict[str, Any]:
    actor = admin(request)
    changes = body.dict(exclude_none=True)
    if not changes:
        raise ValidationError({"name": "send name, name_en or code"})
    return unit_out(update_unit_action(actor=actor, unit=find_unit(request, ref), **changes))


class MoveIn(Schema):
    parent: str = Field(..., max_length=32, description="code or id of the new parent")


@router.post("/units/{ref}/move", response=UnitDone, summary="Move a unit (and its subtree) under another")
def move(request: HttpRequest, ref: str, body: MoveIn) -> dict[str, Any]:
    actor = admin(request)
    parent = find_unit(request, body.parent, "parent", visible=False)
    return unit_out(move_unit(actor=actor, unit=find_unit(request, ref), parent=parent))


class EndIn(Schema):
    on: dt.date | None = Field(None, description="the first day it no longer holds (default: today)")


@router.post("/units/{ref}/deactivate", response=UnitDone, summary="End a unit and its subtree")
def deactivate(request: HttpRequest, ref: str, body: EndIn) -> dict[str, Any]:
    actor = admin(request)
    return unit_out(deactivate_unit(actor=actor, unit=find_unit(request, ref), on=body.on))


class UserIn(Schema):
    username: str = Field(..., min_length=1, max_length=150)
    display_name: str = Field(..., min_length=1, max_length=100)
    phone: str = Field("", max_length=32)
    email: str = Field("", max_length=254)
    unit: str = Field(..., max_length=32, description="code or id of the unit of their role")
    role: str = Field(..., max_length=20)


class UserPatch(Schema):
    display_name: str | None = Field(None, min_length=1, max_length=100)
    phone: str | None = Field(None, max_length=32)
    email: str | None = Field(None, max_length=254)


class UserDone(Schema):
    id: int
    username: str
    display_name: str
    phone: str
    email: str
    is_active: bool
    must_change_password: bool


class NewUserOut(Schema):
    user: UserDone
    password: str = Field(..., description="the temporary password: shown only this once")


@router.post("/users", response={201: NewUserOut}, summary="Create an account with a role in your area")
def add_user(request: HttpRequest, body: UserIn) -> Status[dict[str, Any]]:
    actor = admin(request)
    unit = find_unit(request, body.unit, "unit", visible=False)
    phone = check_phone(body.phone) if body.phone else ""
    password = accounts.temporary_password()
    user = create_user(
        actor=actor,
        username=body.username,
        password=password,
        display_name=body.display_name,
        phone=phone,
        email=body.email,
        roles=[(unit, body.role)],
        must_change_password=True,
    )
    return Status(201, {"user": user, "password": password})


@router.patch("/users/{ref}", response=UserDone, summary="Change a user's name, phone or email")
def change_user(request: HttpRequest, ref: str, body: UserPatch) -> User:
    actor = admin(request)
    changes = body.dict(exclude_none=True)
    if not changes:
        raise ValidationError({"display_name": "send display_name, phone or email"})
    return accounts.update_user(actor=actor, user=find_user(request, ref), **changes)


class RoleIn(Schema):
    unit: str = Field(..., max_length=32)
    role: str = Field(..., max_length=20)
    valid_from: dt.date | None = None


class MembershipDone(Schema):
    id: int
    username: str
    unit_code: str
    role: str
    valid_from: dt.date
    valid_to: dt.date | None


def membership_out(m: Membership) -> dict[str, Any]:
    return {
        "id": m.pk,
        "username": m.user.username,
        "unit_code": m.unit.code,
        "role": m.role,
        "valid_from": m.valid_from,
        "valid_to": m.valid_to,
    }


@router.post("/users/{ref}/roles", response={201: MembershipDone}, summary="Give a user a role in a unit")
def add_role(request: HttpRequest, ref: str, body: RoleIn) -> Status[dict[str, Any]]:
    actor = admin(request)
    user = find_user(request, ref)
    unit = find_unit(request, body.unit, "unit", visible=False)
    membership = grant_role(
        actor=actor, user=user, unit=unit, role=body.role, valid_from=body.valid_from or timezone.localdate()
    )
    return Status(201, membership_out(membership))


@router.post("/memberships/{membership_id}/end", response=MembershipDone, summary="End a role")
def end_role(request: HttpRequest, membership_id: int, body: EndIn) -> dict[str, Any]:
    actor = admin(request)
    membership = (
        restrict(Membership.objects.select_related("user", "unit"), actor, "view")
        .filter(pk=membership_id)
        .first()
    )
    if membership is None:
        raise ApiError(404, f"no membership {membership_id} in your area")
    return membership_out(revoke_role(actor=actor, membership=membership, on=body.on))


@router.post(
    "/users/{ref}/deactivate", response=UserDone, summary="Deactivate a user: sessions and tokens end"
)
def deactivate_user(request: HttpRequest, ref: str) -> User:
    actor = admin(request)
    return accounts.deactivate_user(actor=actor, user=find_user(request, ref))


class PasswordOut(Schema):
    username: str
    password: str = Field(..., description="the temporary password: shown only this once")


@router.post("/users/{ref}/reset-password", response=PasswordOut, summary="Give a user a temporary password")
def reset_password(request: HttpRequest, ref: str) -> dict[str, Any]:
    actor = admin(request)
    user = find_user(request, ref)
    return {"username": user.username, "password": accounts.reset_password(actor=actor, user=user)}


class RowErrorOut(Schema):
    row: int
    column: str
    reason: str


class RosterOut(Schema):
    ok: bool
    dry_run: bool
    rows: int
    errors: list[RowErrorOut]
    created: list[dict[str, str]] = Field(..., description="login, name, unit, role and one-time password")


@router.post(
    "/roster",
    response={200: RosterOut},
    summary="Import a staff roster, all or nothing",
    description="A sheet with bad rows writes nothing and answers 200 with `ok: false` and every bad "
    "row in `errors`; a file that cannot be read at all is a 400 naming `file`.",
)
def roster_import(
    request: HttpRequest, file: File[UploadedFile], dry_run: bool = False
) -> Status[dict[str, Any]]:
    actor = admin(request)
    if (file.size or 0) > MAX_BYTES:
        raise ValidationError({"file": "the file is larger than 2 MB"})
    result = import_roster(actor=actor, content=file.read(), filename=file.name or "", dry_run=dry_run)
    body = {
        "ok": result.ok,
        "dry_run": dry_run,
        "rows": result.rows,
        "created": result.created,
        "errors": [{"row": e.row, "column": e.column, "reason": e.reason} for e in result.errors],
    }
    return Status(200, body)


@router.get("/roster/export", summary="The roster of your area as .xlsx or .csv")
def roster_export(request: HttpRequest, format: str = "xlsx") -> HttpResponse:
    actor = admin(request)
    if format not in ("xlsx", "csv"):
        raise ValidationError({"format": "use xlsx or csv"})
    rows = export_rows(actor)
    if format == "csv":
        response = HttpResponse(to_csv(rows), content_type="text/csv; charset=utf-8")
    else:
        response = HttpResponse(
            to_xlsx(rows), content_type="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        )
    response["Content-Disposition"] = f'attachment; filename="roster.{format}"'
    return response

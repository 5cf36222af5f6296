"""Writes to the organisation: units, users, roles and API tokens. Each is a domain action.

Each refuses what lies outside the actor's area (``core.areas``): acting on a unit or user outside
it is a 403, pointing a field at a unit outside it is an error on that field. Users' accounts and
passwords are in ``core.accounts``."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import F, Value
from django.db.models.functions import Concat, Substr
from django.utils import timezone
from django.utils.translation import gettext as _

from . import memberships
from .areas import is_city_admin, require_target, require_unit, unrestricted
from .audit import domain_action, record, snapshot
from .models import ALLOWED_PARENT_KINDS, ApiToken, Membership, Role, Unit, UnitKind, User
from .ratelimits import check_rate
from .tokens import STORED_PREFIX_LENGTH, TOKEN_PREFIX, hash_token


@domain_action
def create_unit(
    *,
    actor: User,
    code: str,
    name: str,
    kind: str,
    parent: Unit | None = None,
    name_en: str = "",
    valid_from: dt.date | None = None,
    valid_to: dt.date | None = None,
) -> Unit:
    """Add a unit to the organisation tree under ``parent`` (in the actor's area)."""
    if kind not in UnitKind.values:
        raise ValidationError(
            {"kind": f"unknown unit kind {kind!r}; use one of {', '.join(UnitKind.values)}"}
        )
    if parent is None and not unrestricted(actor):
        raise ValidationError({"parent": _("choose the unit the new one belongs to")})
    if parent is not None:
        require_target(actor, parent, "parent")
    _check_fits(kind, parent)
    if Unit.objects.filter(code=code).exists():
        raise ValidationError({"code": _("unit code %(code)s is already used") % {"code": code}})
    unit = Unit(
        code=code,
        name=name,
        name_en=name_en,
        kind=kind,
        parent=parent,
        valid_from=valid_from or dt.date(2000, 1, 1),
        valid_to=valid_to,
    )
    unit.full_clean(exclude=["path", "depth"])
    unit.save()
    unit.path = f"{parent.path if parent else '/'}{unit.pk}/"
    unit.depth = parent.depth + 1 if parent else 0
    unit.save(update_fields=["path", "depth"])
    record(actor, "unit.create", unit, after=snapshot(unit))
    return unit


def _check_fits(kind: str, parent: Unit | None) -> None:
    """Refuse a parent of a kind the unit's kind may not sit under (a street under a company)."""
    parent_kind = parent.kind if parent else None
    if parent_kind not in ALLOWED_PARENT_KINDS[kind]:
        raise ValidationError(
            {
                "parent": _("a %(kind)s cannot sit under %(parent)s")
                % {
                    "kind": UnitKind(kind).label,
                    "parent": UnitKind(parent_kind).label if parent_kind else _("nothing"),
                }
            }
        )


@domain_action
def update_unit(*, actor: User, unit: Unit, **changes: Any) -> Unit:
    """Change a unit's name, English name, code or active period (``move_unit`` moves it)."""
    require_unit(actor, unit)
    allowed = {"name", "name_en", "code", "valid_from", "valid_to"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "this field cannot be changed here"))
    code = changes.get("code")
    if code and code != unit.code and Unit.objects.filter(code=code).exists():
        raise ValidationError({"code": _("unit code %(code)s is already used") % {"code": code}})
    before = snapshot(unit)
    for field, value in changes.items():
        setattr(unit, field, value)
    unit.full_clean(exclude=["path", "depth", "parent"])
    unit.save()
    record(actor, "unit.update", unit, before=before, after=snapshot(unit))
    return unit


@domain_action
def move_unit(*, actor: User, unit: Unit, parent: Unit) -> Unit:
    """Put ``unit`` (with its whole subtree) under ``parent``; the paths of the subtree follow in
    the same transaction, so jurisdictions change at once for every process."""
    require_unit(actor, unit)
    require_target(actor, parent, "parent")
    if parent.path.startswith(unit.path):
        raise ValidationError({"parent": _("a unit cannot move under itself or its own sub-units")})
    _check_fits(unit.kind, parent)
    if unit.parent_id == parent.pk:
        return unit
    before = snapshot(unit, ["parent", "path", "depth"])
    old_path, old_depth = unit.path, unit.depth
    unit.parent = parent
    unit.path = f"{parent.path}{unit.pk}/"
    unit.depth = parent.depth + 1
    # The descendants first (one UPDATE), then the unit's own save moves the units' counter.
    Unit.objects.filter(path__startswith=old_path).exclude(pk=unit.pk).update(
        path=Concat(Value(unit.path), Substr("path", len(old_path) + 1)),
        depth=F("depth") + (unit.depth - old_depth),
    )
    unit.save(update_fields=["parent", "path", "depth"])
    moved = Unit.objects.filter(path__startswith=unit.path).count()
    after = {**snapshot(unit, ["parent", "path", "depth"]), "units_moved": moved}
    record(actor, "unit.move", unit, before=before, after=after)
    return unit


@domain_action
def deactivate_unit(*, actor: User, unit: Unit, on: dt.date | None = None) -> Unit:
    """End ``unit`` and every unit under it from ``on`` (today by default), and the memberships held
    in them: routing and dispatch pass over an ended unit, so it takes no new cases. History stays."""
    require_unit(actor, unit)
    on = on or timezone.localdate()
    if not unit.is_active(on):
        raise ValidationError({"unit": _("%(unit)s is already inactive") % {"unit": unit.name}})
    if not unrestricted(actor) and any(
        m.unit.path.startswith(unit.path)
        for m in memberships.active_memberships(actor, fresh=True)
        if m.role == Role.ADMIN
    ):
        raise PermissionDenied(_("you cannot deactivate the unit you administer from"))
    subtree = Unit.objects.filter(path__startswith=unit.path)
    live = subtree.filter(valid_from__lte=on).exclude(valid_to__lte=on)
    ended_units = sorted(live.values_list("code", flat=True))
    held = Membership.objects.active(on).filter(unit__in=subtree)
    users = list(User.objects.filter(pk__in=held.values("user_id")))
    ended_memberships = held.update(valid_to=on)
    live.exclude(pk=unit.pk).update(valid_to=on)
    before = snapshot(unit, ["valid_to"])
    unit.valid_to = on
    unit.save(update_fields=["valid_to"])
    after = {"valid_to": on, "units": ended_units, "memberships_ended": ended_memberships}
    record(actor, "unit.deactivate", unit, before=before, after=after)
    for user in users:
        memberships.forget(user)
    return unit


@domain_action
def create_user(
    *,
    actor: User,
    username: str,
    password: str | None,
    display_name: str = "",
    phone: str = "",
    email: str = "",
    roles: Iterable[tuple[Unit, str]] = (),
    is_staff: bool = False,
    is_superuser: bool = False,
    must_change_password: bool = False,
) -> User:
    """Create a user account and give it its roles in units (each in the actor's area)."""
    roles = list(roles)
    if (not roles or is_staff or is_superuser) and not is_city_admin(actor):
        raise ValidationError({"role": _("give the new account a role in a unit of your area")})
    for unit, _role in roles:
        require_target(actor, unit, "unit")
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": _("the login %(login)s is already taken") % {"login": username}})
    user = User(
        username=username,
        display_name=display_name,
        phone=phone,
        email=email,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
        must_change_password=must_change_password,
    )
    if password:
        _check_password(password, user)
        user.set_password(password)
    else:
        user.set_unusable_password()
    user.full_clean(exclude=["password"])
    user.save()
    record(actor, "user.create", user, after=snapshot(user))
    for unit, role in roles:
        grant_role(actor=actor, user=user, unit=unit, role=role)
    return user


def _check_password(password: str, user: User) -> None:
    """Refuse a password the policy (``AUTH_PASSWORD_VALIDATORS``) does not accept, naming the field."""
    try:
        validate_password(password, user=user)
    except ValidationError as exc:
        raise ValidationError({"password": exc.messages}) from None


@domain_action
def grant_role(
    *, actor: User, user: User, unit: Unit, role: str, valid_from: dt.date | None = None
) -> Membership:
    """Give ``user`` a role in ``unit``; their jurisdiction grows by that unit's subtree."""
    if role not in Role.values:
        raise ValidationError({"role": f"unknown role {role!r}; use one of {', '.join(Role.values)}"})
    require_target(actor, unit, "unit")
    if not unit.is_active(valid_from):
        raise ValidationError({"unit": _("%(unit)s is no longer active") % {"unit": unit.name}})
    valid_from = valid_from or dt.date(2000, 1, 1)
    if Membership.objects.filter(user=user, unit=unit, role=role, valid_from=valid_from).exists():
        raise ValidationError({"role": _("this role is already held from that day")})
    membership = Membership.objects.create(user=user, unit=unit, role=role, valid_from=valid_from)
    record(actor, "user.grant_role", membership, after=snapshot(membership))
    memberships.forget(user)
    return membership


@domain_action
def revoke_role(*, actor: User, membership: Membership, on: dt.date | None = None) -> Membership:
    """End a membership from ``on`` (today by default); history is kept."""
    require_unit(actor, membership.unit)
    before = snapshot(membership)
    membership.valid_to = on or timezone.localdate()
    membership.save(update_fields=["valid_to"])
    record(actor, "user.revoke_role", membership, before=before, after=snapshot(membership))
    memberships.forget(membership.user)
    return membership


@domain_action
def create_api_token(
    *, actor: User, user: User, name: str = "", rate_limit: str = ""
) -> tuple[ApiToken, str]:
    """Issue a bearer token for ``user``. Returns the token row and the raw token, shown only once.
    ``rate_limit``: its own limit (e.g. "6000/m" for a busy hotline platform, "none" for no limit);
    empty: the default, ``CITYLOOP_RATELIMIT_TOKEN``."""
    try:
        check_rate(rate_limit)
    except ValueError as exc:
        raise ValidationError({"rate_limit": str(exc)}) from None
    raw = TOKEN_PREFIX + secrets.token_urlsafe(32)
    token = ApiToken.objects.create(
        user=user,
        name=name,
        prefix=raw[:STORED_PREFIX_LENGTH],
        key_hash=hash_token(raw),
        rate_limit=rate_limit,
    )
    record(
        actor,
        "token.create",
        token,
        after={"user": user.username, "name": name, "prefix": token.prefix, "rate_limit": rate_limit},
    )
    return token, raw


@domain_action
def revoke_api_token(*, actor: User, token: ApiToken) -> ApiToken:
    """Revoke a token; requests carrying it are refused from the next one on, by every process."""
    token.revoked_at = timezone.now()
    token.save(update_fields=["revoked_at"])
    record(actor, "token.revoke", token, after={"revoked_at": token.revoked_at})
    return token

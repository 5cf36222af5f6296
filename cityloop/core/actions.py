"""Writes to the organisation: units, users, roles and API tokens. Each is a domain action."""

from __future__ import annotations

import datetime as dt
import secrets
from collections.abc import Iterable
from typing import Any

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.utils import timezone

from . import memberships
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
    """Add a unit to the organisation tree under ``parent``."""
    if kind not in UnitKind.values:
        raise ValidationError(
            {"kind": f"unknown unit kind {kind!r}; use one of {', '.join(UnitKind.values)}"}
        )
    parent_kind = parent.kind if parent else None
    if parent_kind not in ALLOWED_PARENT_KINDS[kind]:
        raise ValidationError(
            {"parent": f"a {kind} cannot sit under {parent_kind or 'nothing'} ({parent or 'no parent'})"}
        )
    if Unit.objects.filter(code=code).exists():
        raise ValidationError({"code": f"unit code {code} is already used"})
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


@domain_action
def update_unit(*, actor: User, unit: Unit, **changes: Any) -> Unit:
    """Change a unit's name, English name, code or active period (moving it is not supported)."""
    allowed = {"name", "name_en", "code", "valid_from", "valid_to"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError(dict.fromkeys(unknown, "this field cannot be changed here"))
    before = snapshot(unit)
    for field, value in changes.items():
        setattr(unit, field, value)
    unit.full_clean(exclude=["path", "depth", "parent"])
    unit.save()
    record(actor, "unit.update", unit, before=before, after=snapshot(unit))
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
) -> User:
    """Create a user account and give it its roles in units."""
    if User.objects.filter(username=username).exists():
        raise ValidationError({"username": f"user {username} already exists"})
    user = User(
        username=username,
        display_name=display_name,
        phone=phone,
        email=email,
        is_staff=is_staff or is_superuser,
        is_superuser=is_superuser,
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
    membership = Membership.objects.create(
        user=user, unit=unit, role=role, valid_from=valid_from or dt.date(2000, 1, 1)
    )
    record(actor, "user.grant_role", membership, after=snapshot(membership))
    memberships.forget(user)
    return membership


@domain_action
def revoke_role(*, actor: User, membership: Membership, on: dt.date | None = None) -> Membership:
    """End a membership from ``on`` (today by default); history is kept."""
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

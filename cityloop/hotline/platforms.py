"""Managing hotline platforms: create, change, rotate the secret, deactivate. Each is an audited action;
the secret never reaches the audit log.

A platform's messages act as its service account (``hotline-<code>``), which holds the roles the
hotline has in the real process in the area it serves and in each district under it: acceptance
operator (it files work orders and records return visits), shift leader (it approves or refuses
extensions and deferrals, and re-assigns after an unsatisfied visit) and leader (it supervises).
The account has no password and no token: only this app acts as it, from signed messages.
"""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Q

from cityloop.core.actions import create_user, grant_role
from cityloop.core.audit import domain_action, record, snapshot, system_actor
from cityloop.core.models import Membership, Role, Unit, UnitKind, User
from cityloop.notify.signing import new_secret

from .models import Platform

SERVICE_ROLES = (Role.OPERATOR, Role.SHIFT_LEADER, Role.LEADER)
PUBLIC_FIELDS = ["id", "code", "name", "callback_url", "unit", "actor", "active"]

# (platform id, unit id) pairs whose roles this process has seen in place.
_seen_roles: set[tuple[int, int]] = set()


def _role_units(unit: Unit) -> list[Unit]:
    """The platform's unit and the districts under it (where a district's cases are commanded)."""
    districts = Unit.objects.filter(kind=UnitKind.DISTRICT, path__startswith=unit.path).exclude(pk=unit.pk)
    return [unit, *districts.order_by("path")]


@domain_action
def create_platform(
    *, actor: User, code: str, name: str, callback_url: str, unit: Unit, secret: str = "", active: bool = True
) -> Platform:
    """Add a hotline platform with its service account; a new secret (``whsec_…``) is generated
    unless one is given. Show the secret to the platform's integrator once."""
    if Platform.objects.filter(code=code).exists():
        raise ValidationError({"code": f"a platform with code {code!r} exists"})
    username = f"hotline-{code}"
    if User.objects.filter(username=username).exists():
        raise ValidationError({"code": f"the service account {username} exists; choose another code"})
    service = create_user(
        actor=actor,
        username=username,
        password=None,
        display_name=name[:100],
        roles=[(u, role) for u in _role_units(unit) for role in SERVICE_ROLES],
    )
    platform = Platform(
        code=code,
        name=name,
        callback_url=callback_url,
        unit=unit,
        actor=service,
        secret=secret or new_secret(),
        active=active,
    )
    platform.full_clean()
    platform.save()
    record(actor, "hotline.platform.create", platform, after=snapshot(platform, PUBLIC_FIELDS))
    return platform


@domain_action
def change_platform(*, actor: User, platform: Platform, **changes: Any) -> Platform:
    """Change a platform's name, callback URL or active flag (the code and unit stay)."""
    allowed = {"name", "callback_url", "active"}
    unknown = set(changes) - allowed
    if unknown:
        raise ValidationError({sorted(unknown)[0]: f"only {', '.join(sorted(allowed))} can change"})
    before = snapshot(platform, PUBLIC_FIELDS)
    for name, value in changes.items():
        setattr(platform, name, value)
    platform.full_clean()
    platform.save(update_fields=sorted(changes))
    if "active" in changes and platform.actor.is_active != platform.active:
        # A deactivated platform's account acts no more (and its messages are refused anyway).
        User.objects.filter(pk=platform.actor_id).update(is_active=platform.active)
    record(actor, "hotline.platform.change", platform, before=before, after=snapshot(platform, PUBLIC_FIELDS))
    return platform


@domain_action
def rotate_secret(*, actor: User, platform: Platform, secret: str = "") -> str:
    """Give the platform a new signing secret and return it (shown once)."""
    platform.secret = secret or new_secret()
    platform.save(update_fields=["secret"])
    record(actor, "hotline.platform.change", platform, after={"secret": "rotated"})
    return platform.secret


def ensure_roles(platform: Platform, district: Unit) -> None:
    """Make sure the service account holds its roles in ``district`` (a district added after the
    platform was made): granted by the system account, audited like any grant."""
    key = (platform.pk, district.pk)
    if key in _seen_roles:
        return
    held = set(
        Membership.objects.active()
        .filter(user_id=platform.actor_id, unit=district)
        .values_list("role", flat=True)
    )
    missing = [r for r in SERVICE_ROLES if r not in held]
    inside = district.path.startswith(platform.unit.path)
    if missing and inside:
        actor = system_actor()
        for role in missing:
            grant_role(actor=actor, user=platform.actor, unit=district, role=role)
    _seen_roles.add(key)


def forget_roles() -> None:
    """Forget which roles were seen (tests that flush the database)."""
    _seen_roles.clear()


def active_platform(code: str) -> Platform | None:
    """The active platform with this code, with its service account."""
    return (
        Platform.objects.select_related("actor", "unit")
        .filter(Q(code=code) & Q(active=True) & Q(actor__is_active=True))
        .first()
    )

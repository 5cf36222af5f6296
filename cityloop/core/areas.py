"""An administrator's area: the units, users and memberships they may change.

An administrator (``Role.ADMIN``) manages the subtrees under the units where they hold that role.
A superuser and the system account (seeds, imports run by the system, the CLI) manage everything.
A *city administrator* (an administrator of a unit at the top of the tree) also creates accounts
without a role and staff accounts; everyone else gives each new account a role in their area.

A user belongs to an administrator's area when every membership they hold today lies in it (a
district administrator may not reset the password of a city leader who also works in the district);
a user with no membership today is judged by the memberships they held before. A superuser is
managed only by a superuser.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from .audit import PUBLIC_USERNAME, SYSTEM_USERNAME
from .models import Membership, Role, Unit, User
from .permissions import jurisdiction_paths

# The accounts automated work and anonymous citizens act as: no administrator changes them.
RESERVED = frozenset({SYSTEM_USERNAME, PUBLIC_USERNAME})


def unrestricted(actor: User) -> bool:
    """Whether ``actor`` manages the whole organisation (a superuser, the system account)."""
    return bool(actor.is_superuser or actor.username == SYSTEM_USERNAME)


def admin_paths(actor: User) -> list[str] | None:
    """The paths of the subtrees ``actor`` administers; None: everything."""
    if unrestricted(actor):
        return None
    return jurisdiction_paths(actor, [Role.ADMIN])


def is_city_admin(actor: User) -> bool:
    """Whether ``actor`` manages everything, or administers a unit at the top of the tree."""
    paths = admin_paths(actor)
    return paths is None or any(p.count("/") == 2 for p in paths)


def is_admin(actor: User) -> bool:
    """Whether ``actor`` administers any part of the organisation."""
    paths = admin_paths(actor)
    return paths is None or bool(paths)


def in_paths(path: str, paths: list[str] | None) -> bool:
    return paths is None or any(path.startswith(p) for p in paths)


def manages_unit(actor: User, unit: Unit) -> bool:
    """Whether ``unit`` lies in ``actor``'s area."""
    return in_paths(unit.path, admin_paths(actor))


def area_q(paths: list[str] | None, field: str = "path") -> Q:
    """Rows whose ``field`` (a unit path) lies under one of ``paths`` (None: every row)."""
    if paths is None:
        return Q()
    q = Q(pk__in=[])
    for p in paths:
        q |= Q(**{f"{field}__startswith": p})
    return q


def area_units(actor: User) -> QuerySet[Unit]:
    """The units ``actor`` administers."""
    return Unit.objects.filter(area_q(admin_paths(actor)))


def area_users(actor: User) -> QuerySet[User]:
    """Users with a membership (past or present) in ``actor``'s area; every user for the unrestricted."""
    paths = admin_paths(actor)
    if paths is None:
        return User.objects.all()
    inside = Membership.objects.filter(area_q(paths, "unit__path")).values("user_id")
    return User.objects.filter(pk__in=inside)


def manages_user(actor: User, user: User) -> bool:
    """Whether ``user`` lies wholly in ``actor``'s area (see the module's docstring)."""
    if (user.is_superuser or user.username in RESERVED) and not actor.is_superuser:
        # A superuser's (or the system's) password is nobody else's to reset.
        return False
    paths = admin_paths(actor)
    if paths is None:
        return True
    held = Membership.objects.active().filter(user=user)
    if not held.exists():
        held = Membership.objects.filter(user=user)
    unit_paths = list(held.values_list("unit__path", flat=True))
    return bool(unit_paths) and all(in_paths(p, paths) for p in unit_paths)


def require_unit(actor: User, unit: Unit) -> None:
    """Refuse (403) acting on a unit outside ``actor``'s area."""
    if not manages_unit(actor, unit):
        raise PermissionDenied(_("%(unit)s is outside your area") % {"unit": unit.name})


def require_target(actor: User, unit: Unit, field: str) -> None:
    """Refuse (a field error) pointing ``field`` at a unit outside ``actor``'s area."""
    if not manages_unit(actor, unit):
        raise ValidationError({field: _("%(unit)s is outside your area") % {"unit": unit.name}})


def require_user(actor: User, user: User) -> None:
    """Refuse (403) acting on a user outside ``actor``'s area."""
    if not manages_user(actor, user):
        raise PermissionDenied(_("%(user)s works outside your area") % {"user": user})

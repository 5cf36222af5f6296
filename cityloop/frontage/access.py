"""Who may do what with letters, inspections and notices, and the party's own account.

A street's frontage officer is its unit manager (or an administrator above it): templates, letters,
rounds and notices. Inspectors are the officer and the grid supervisors of the street. A party's
user has no role at all: it acts only on its own party, found through ``Party.account``.
"""

from __future__ import annotations

from django.core.exceptions import PermissionDenied

from cityloop.core.models import Role, Unit, User
from cityloop.core.permissions import jurisdiction_paths

from .models import Party

OFFICER_ROLES = frozenset({Role.UNIT_MANAGER, Role.ADMIN})
INSPECTOR_ROLES = frozenset({Role.SUPERVISOR, Role.UNIT_MANAGER, Role.ADMIN})


def holds(actor: User, street: Unit, roles: frozenset[str]) -> bool:
    """Whether ``actor`` holds one of ``roles`` over ``street`` (in it or in a unit above it)."""
    if actor.is_superuser:
        return True
    path = street.path or f"/{street.pk}/"
    return any(path.startswith(p) for p in jurisdiction_paths(actor, roles))


def require_officer(actor: User, street: Unit) -> None:
    """Refuse anyone but the street's frontage officer (or an administrator above it)."""
    if not holds(actor, street, OFFICER_ROLES):
        raise PermissionDenied(f"只有{street.name}的门前三包管理人员可以办理")


def may_inspect(actor: User, party: Party) -> bool:
    """Whether ``actor`` may inspect the party: a supervisor, officer or administrator over its
    street or its community."""
    if holds(actor, party.street, INSPECTOR_ROLES):
        return True
    return party.community is not None and holds(actor, party.community, INSPECTOR_ROLES)


def require_inspector(actor: User, party: Party) -> None:
    """Refuse anyone who may not inspect the party."""
    if not may_inspect(actor, party):
        raise PermissionDenied(f"你不能巡查{party.name}的门前三包")


def party_of(user: User | object) -> Party | None:
    """The party whose account ``user`` is, if any (the party's phone pages sign in with it)."""
    if not isinstance(user, User) or not user.is_authenticated or not user.is_active:
        return None
    return Party.objects.select_related("street", "community").filter(account=user).first()


def require_party_account(actor: User, party: Party) -> None:
    """Refuse anyone but the party's own account."""
    if party.account_id is None or party.account_id != actor.pk:
        raise PermissionDenied("只有责任主体本人的账号可以办理")

"""The one permission choke point: ``restrict(queryset, user, action)`` (ARCHITECTURE rule 4).

Each model that users may see registers a *scope*: how its rows hang off the unit tree (a function
from a unit path to a ``Q``, or from all of a user's paths at once to one ``Q``) and which roles may
perform each action. A user's jurisdiction for an action is the union of the subtrees of the units
where they hold a role allowed for it; an administrator may do every action in their subtree, a
superuser everywhere.
"""

from __future__ import annotations

import functools
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, TypeVar

from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import ImproperlyConfigured, PermissionDenied
from django.db import models

from .models import Membership, Role, Unit, User

M = TypeVar("M", bound=models.Model)
PathToQ = Callable[[str], models.Q]
PathsToQ = Callable[[Sequence[str]], models.Q]

ANY_ROLE: frozenset[str] = frozenset(Role.values)


@dataclass(frozen=True)
class Scope:
    """How a model's rows relate to the unit tree, and which roles may do what with them."""

    under_path: PathToQ
    actions: Mapping[str, frozenset[str]]
    distinct: bool = False
    under_paths: PathsToQ | None = None

    def under(self, paths: Sequence[str]) -> models.Q:
        """The rows inside the union of the subtrees rooted at ``paths`` (none: no row)."""
        if not paths:
            return models.Q(pk__in=[])
        if self.under_paths is not None:
            return self.under_paths(paths)
        return _any_of(list(paths), self.under_path)


_SCOPES: dict[type[models.Model], Scope] = {}


def register_scope(
    model: type[models.Model],
    *,
    under_path: PathToQ | None = None,
    under_paths: PathsToQ | None = None,
    actions: Mapping[str, Iterable[str]],
    distinct: bool = False,
) -> None:
    """Declare how ``restrict`` filters ``model``: ``under_path(path)`` selects rows inside the subtree
    rooted at the unit with that path; ``actions`` maps each action name to the roles allowed it.

    A model whose rows are many may give ``under_paths(paths)`` instead (or as well): one ``Q`` for the
    union of all the user's subtrees at once, e.g. built from the subtrees' unit ids looked up once,
    so that the database sees plain indexed predicates rather than an OR of subqueries per path."""
    if under_path is None and under_paths is None:
        raise ImproperlyConfigured(f"{model._meta.label}: give under_path or under_paths")
    if under_path is None:
        assert under_paths is not None
        under_path = _one_path(under_paths)
    _SCOPES[model] = Scope(
        under_path=under_path,
        actions={name: frozenset(roles) for name, roles in actions.items()},
        distinct=distinct,
        under_paths=under_paths,
    )


def _one_path(under_paths: PathsToQ) -> PathToQ:
    return lambda path: under_paths([path])


def unit_field_scope(field: str) -> PathToQ:
    """Scope for rows that point at a unit through ``field`` (e.g. ``"unit"`` or ``"grid__community"``)."""
    return lambda path: models.Q(**{f"{field}__path__startswith": path})


def _collapse(paths: Iterable[str]) -> list[str]:
    """Drop paths nested inside another: ``/1/`` covers ``/1/4/``."""
    kept: list[str] = []
    for path in sorted(set(paths), key=len):
        if not any(path.startswith(k) for k in kept):
            kept.append(path)
    return kept


def jurisdiction_paths(user: User, roles: Iterable[str] | None = None) -> list[str]:
    """Unit paths whose subtrees form the user's jurisdiction, for memberships with one of ``roles``."""
    memberships = Membership.objects.active().filter(user=user)
    if roles is not None:
        memberships = memberships.filter(role__in=set(roles) | {Role.ADMIN})
    return _collapse(memberships.values_list("unit__path", flat=True))


def jurisdiction(user: User, roles: Iterable[str] | None = None) -> models.QuerySet[Unit]:
    """The units inside the user's jurisdiction (every unit under a unit they belong to)."""
    paths = jurisdiction_paths(user, roles)
    if not paths:
        return Unit.objects.none()
    return Unit.objects.filter(_any_of(paths, lambda p: models.Q(path__startswith=p)))


def _any_of(paths: list[str], under_path: PathToQ) -> models.Q:
    return functools.reduce(lambda q, p: q | under_path(p), paths, models.Q(pk__in=[]))


def scope_for(model: type[models.Model]) -> Scope:
    try:
        return _SCOPES[model]
    except KeyError:
        raise ImproperlyConfigured(
            f"{model._meta.label} has no permission scope; call register_scope() in its app's ready()"
        ) from None


def restrict(
    queryset: models.QuerySet[M], user: User | AnonymousUser | None, action: str = "view"
) -> models.QuerySet[M]:
    """The rows of ``queryset`` that ``user`` may perform ``action`` on; empty if none."""
    scope = scope_for(queryset.model)
    if action not in scope.actions:
        raise ImproperlyConfigured(f"unknown action {action!r} for {queryset.model._meta.label}")
    if user is None or not user.is_authenticated or not user.is_active:
        return queryset.none()
    if user.is_superuser:
        return queryset
    assert isinstance(user, User)
    paths = jurisdiction_paths(user, scope.actions[action])
    if not paths:
        return queryset.none()
    restricted = queryset.filter(scope.under(paths))
    return restricted.distinct() if scope.distinct else restricted


def visible_to_request(request: Any, model: type[M], action: str = "view") -> models.QuerySet[M]:
    """``restrict(model.objects.all(), request.user, action)``, worked out once per request: the
    user's jurisdiction takes two queries, and a page may ask it for the row and for its neighbours
    (a case and its likely duplicates). Callers narrow the answer; it is never evaluated itself."""
    memo: dict[tuple[Any, str], Any] = request.__dict__.setdefault("_cityloop_visible", {})
    key = (model, action)
    if key not in memo:
        memo[key] = restrict(model._default_manager.all(), request.user, action)
    return memo[key]


def can(user: User | AnonymousUser | None, action: str, obj: models.Model) -> bool:
    """Whether ``user`` may perform ``action`` on ``obj``."""
    model: Any = type(obj)
    return restrict(model._default_manager.filter(pk=obj.pk), user, action).exists()


def require(user: User | AnonymousUser | None, action: str, obj: models.Model) -> None:
    """Raise ``PermissionDenied`` unless ``user`` may perform ``action`` on ``obj``."""
    if not can(user, action, obj):
        raise PermissionDenied(f"not allowed to {action} {obj._meta.verbose_name} {obj}")


def has_role(user: User | AnonymousUser | None, *roles: str) -> bool:
    """Whether the user holds one of ``roles`` (or is an administrator) anywhere."""
    if user is None or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return Membership.objects.active().filter(user_id=user.pk, role__in=[*roles, Role.ADMIN]).exists()

"""Who may do what in a community's loop: the station head (a :class:`Post`), the heads and
professionals a task is assigned to, and the street's or district's managers (through ``restrict``)."""

from __future__ import annotations

import datetime as dt

from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.utils import timezone

from cityloop.core.models import Membership, Unit, User
from cityloop.core.permissions import can

from .models import Post, PostKind, Station, Task
from .scopes import MANAGE


def active_posts(user: User, day: dt.date | None = None) -> list[Post]:
    """The user's posts valid on ``day`` (today by default), with their stations."""
    day = day or timezone.localdate()
    return list(
        Post.objects.filter(user=user, valid_from__lte=day)
        .filter(Q(valid_to__isnull=True) | Q(valid_to__gt=day))
        .select_related("station", "station__community", "station__street")
    )


def is_station_head(user: User, station: Station, day: dt.date | None = None) -> bool:
    return any(
        p.station_id == station.pk and p.kind == PostKind.STATION_HEAD for p in active_posts(user, day)
    )


def may_manage(user: User, station: Station) -> bool:
    """The station head, or a unit manager or administrator whose jurisdiction holds the community."""
    return bool(user.is_superuser or is_station_head(user, station) or can(user, "manage", station))


def may_raise(user: User, station: Station) -> bool:
    """Any head of the station (and those who manage it) may raise a problem there."""
    return any(p.station_id == station.pk for p in active_posts(user)) or may_manage(user, station)


def may_work(user: User, task: Task) -> bool:
    """The head or professional the task is assigned to, or those who manage its station."""
    if task.assigned_post_id and task.assigned_post and task.assigned_post.user_id == user.pk:
        return True
    professional = task.assigned_professional if task.assigned_professional_id else None
    if professional is not None and professional.user_id == user.pk:
        return True
    return may_manage(user, task.station)


def manages_unit(user: User, unit: Unit) -> bool:
    """A unit manager or administrator at ``unit`` or above it (or a superuser)."""
    if user.is_superuser:
        return True
    paths = (
        Membership.objects.active().filter(user=user, role__in=MANAGE).values_list("unit__path", flat=True)
    )
    return any(unit.path.startswith(p) for p in paths)


def require(allowed: bool, message: str) -> None:
    if not allowed:
        raise PermissionDenied(message)

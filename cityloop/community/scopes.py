"""How community and alley rows hang off the unit tree, for ``restrict``.

A station head holds their role at the station's unit (a child of the community); their jurisdiction
is that station's subtree, so a community's rows are also selected through the station units under a
path (their parent is the community)."""

from __future__ import annotations

from collections.abc import Callable

from django.db.models import Q

from cityloop.core.models import Role, Unit, UnitKind

# Who may run a community's loop besides its station head (a Post, checked in the actions): the
# street's and district's unit managers and administrators.
MANAGE = frozenset({Role.UNIT_MANAGER, Role.ADMIN})


def _units(path: str) -> tuple[object, object]:
    units = Unit.objects.filter(path__startswith=path)
    return units.values("pk"), units.filter(kind=UnitKind.STATION).values("parent_id")


def community_rows(field: str) -> Callable[[str], Q]:
    """Rows whose ``field`` (a community or street unit) lies under the path, or is the community
    of a station under it."""

    def under(path: str) -> Q:
        ids, station_parents = _units(path)
        return Q(**{f"{field}_id__in": ids}) | Q(**{f"{field}_id__in": station_parents})

    return under


def alley_rows(prefix: str) -> Callable[[str], Q]:
    """Alley rows by their segment's street or community."""

    def under(path: str) -> Q:
        ids, station_parents = _units(path)
        return (
            Q(**{f"{prefix}street_id__in": ids})
            | Q(**{f"{prefix}community_id__in": ids})
            | Q(**{f"{prefix}community_id__in": station_parents})
        )

    return under

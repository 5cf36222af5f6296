"""Which roll-up rows a user's units see: those of the territory under them (district, street or
community), built from the subtrees' units looked up once, as plain ``IN`` predicates."""

from __future__ import annotations

import functools
import operator
from collections.abc import Sequence

from django.db.models import Q


def territory_under(paths: Sequence[str]) -> Q:
    """Rows whose district, street or community lies inside one of the subtrees rooted at ``paths``."""
    from cityloop.core.models import Unit, UnitKind

    within = functools.reduce(operator.or_, (Q(path__startswith=p) for p in paths))
    rows = Unit.objects.filter(within, kind__in=[UnitKind.DISTRICT, UnitKind.STREET, UnitKind.COMMUNITY])
    districts: set[int] = set()
    streets: dict[int, int | None] = {}
    communities: dict[int, int | None] = {}
    for pk, kind, parent in rows.order_by().values_list("pk", "kind", "parent_id"):
        if kind == UnitKind.DISTRICT:
            districts.add(pk)
        elif kind == UnitKind.STREET:
            streets[pk] = parent
        else:
            communities[pk] = parent
    parts = []
    if districts:
        parts.append(Q(district_id__in=sorted(districts)))
    if own := sorted(pk for pk, parent in streets.items() if parent not in districts):
        parts.append(Q(street_id__in=own))
    if own := sorted(pk for pk, parent in communities.items() if parent not in streets):
        parts.append(Q(community_id__in=own))
    return functools.reduce(operator.or_, parts) if parts else Q(pk__in=[])

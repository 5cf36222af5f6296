"""The permission scope of cases: which cases a user's units see, built so the database can use its
indexes (registered with ``core.permissions`` in ``CasesConfig.ready``)."""

from __future__ import annotations

import functools
import operator
from collections.abc import Iterable, Sequence

from django.db.models import Q


def _one_of(field: str, ids: Iterable[int]) -> Q:
    wanted = sorted(set(ids))
    return Q(**{field: wanted[0]}) if len(wanted) == 1 else Q(**{f"{field}__in": wanted})


def cases_under(paths: Sequence[str]) -> Q:
    """The cases inside the subtrees rooted at ``paths``: those on their territory and those dispatched
    to one of their units.

    A case belongs to its territory (community → street → district) and to the unit it is dispatched
    to: district staff see the district, a street its own cases and those sent to it or to a unit
    under it, a community likewise, a department or company the cases sent to it or its sub-units.
    The same rows as "community, district or responsible unit in S" over the subtrees' units S, built
    so that the database can use its indexes (an OR of three subqueries defeats them):

    - the units are looked up once and each part is a plain ``IN`` on one indexed column;
    - the territory is taken at its highest level: a case's street and district are its community's
      parents (set from its grid, and units never move), so ``district_id`` covers the streets and
      communities under a district and ``street_id`` the communities under a street;
    - under a district, the cases dispatched to its units are its own cases unless one was sent
      there from another district: one indexed probe tells, and when none was, the scope is
      ``district_id`` alone, which every queue index can serve.
    """
    from cityloop.core.models import Unit, UnitKind

    within = functools.reduce(operator.or_, (Q(path__startswith=p) for p in paths))
    rows = Unit.objects.filter(within | Q(kind=UnitKind.DISTRICT)).order_by()
    units, other_districts = [], []
    for pk, kind, parent, path in rows.values_list("pk", "kind", "parent_id", "path"):
        if any(path.startswith(p) for p in paths):
            units.append((pk, kind, parent))
        else:
            other_districts.append(pk)
    districts = {pk for pk, kind, _parent in units if kind == UnitKind.DISTRICT}
    streets = {pk: parent for pk, kind, parent in units if kind == UnitKind.STREET}
    parts = []
    if districts:
        parts.append(_one_of("district_id", districts))
    if own_streets := [pk for pk, parent in streets.items() if parent not in districts]:
        parts.append(_one_of("street_id", own_streets))
    if communities := [
        pk for pk, kind, parent in units if kind == UnitKind.COMMUNITY and parent not in streets
    ]:
        parts.append(_one_of("community_id", communities))
    # Cases are dispatched to departments, companies, streets, communities and stations, never to a
    # city or district; a unit may take cases from outside its territory, hence its own part.
    assignees = [pk for pk, kind, _p in units if kind not in (UnitKind.CITY, UnitKind.DISTRICT)]
    if assignees and districts and not _sent_in_from(other_districts, assignees):
        assignees = []
    if assignees:
        parts.append(_one_of("responsible_unit_id", assignees))
    return functools.reduce(operator.or_, parts) if parts else Q(pk__in=[])


def _sent_in_from(districts: list[int], units: list[int]) -> bool:
    """Whether a case of one of ``districts`` is dispatched to one of ``units`` (an index probe on
    the responsible unit and district: no case is read)."""
    from .models import Case

    if not districts:
        return False
    return Case.objects.filter(
        _one_of("responsible_unit_id", units), _one_of("district_id", districts)
    ).exists()

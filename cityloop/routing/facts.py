"""The facts a routing decision is made from: what the problem is, where, and which component.

Routing never imports the case loop: callers hand over :class:`Facts`, built here from anything
shaped like a case (:class:`CaseLike`) or from a point and a category (a preview, a report that is
not a case yet).
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from typing import Any, Protocol

from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.geo.index import get_index, locate
from cityloop.geo.models import Grid

# Urgency levels whose cases count as emergencies (besides class 04 events).
URGENT_LEVELS = frozenset({"urgent"})
EMERGENCY_EVENT_CLASSES = frozenset({"04"})


@dataclass(frozen=True, slots=True)
class ComponentFacts:
    """The component a case is about, with the units its record names."""

    code: str
    owner_id: int | None
    maintainer_id: int | None
    authority_id: int | None


@dataclass(frozen=True, slots=True)
class Facts:
    """Everything :func:`cityloop.routing.decide.route` looks at. ``exclude`` holds units that may not
    be chosen (those that returned the case); ``suggested_unit_id`` is the unit the last returning
    unit named."""

    kind: str
    category_code: str
    on: dt.date
    grid_code: str = ""
    grid_unit_id: int | None = None
    community_id: int | None = None
    street_id: int | None = None
    district_id: int | None = None
    condition_number: int | None = None
    urgent: bool = False
    component: ComponentFacts | None = None
    exclude: frozenset[int] = field(default_factory=frozenset)
    suggested_unit_id: int | None = None
    reference: str = ""
    # Where the problem is (WGS84), for claimers that look at the point itself (frontage zones).
    lon: float | None = None
    lat: float | None = None

    @property
    def class_code(self) -> str:
        return self.category_code[:2]

    @property
    def is_emergency(self) -> bool:
        """Class 04 events (突发事件) and urgent registration conditions."""
        return self.urgent or (self.kind == "event" and self.class_code in EMERGENCY_EVENT_CLASSES)

    def excluding(self, units: Iterable[int], suggested: int | None = None) -> Facts:
        """The same facts with more units ruled out (after returns) and the returning unit's hint."""
        return replace(self, exclude=self.exclude | frozenset(units), suggested_unit_id=suggested)


class _Category(Protocol):
    kind: str
    code: str


class _Component(Protocol):
    code: str
    owner_id: int | None
    maintainer_id: int | None
    authority_id: int | None


class _Condition(Protocol):
    number: int


class CaseLike(Protocol):
    """What routing reads from a case (``cityloop.cases.models.Case`` has all of it)."""

    number: str
    grid_id: int | None
    community_id: int | None
    street_id: int | None
    district_id: int
    urgency: str
    lon: float
    lat: float

    @property
    def category(self) -> Any: ...

    @property
    def component(self) -> Any: ...

    @property
    def condition(self) -> Any: ...


def component_facts(component: _Component | None) -> ComponentFacts | None:
    if component is None:
        return None
    return ComponentFacts(component.code, component.owner_id, component.maintainer_id, component.authority_id)


def _grid(grid_id: int | None) -> tuple[str, int | None]:
    if grid_id is None:
        return "", None
    # The grid index holds every grid version with its code and responsible unit.
    known = get_index().by_grid.get(grid_id)
    if known is not None:
        return known.grid_code, known.grid_unit_id
    row = Grid.objects.filter(pk=grid_id).values_list("code", "responsible_unit_id").first()
    return (row[0], row[1]) if row else ("", None)


def facts_for(case: CaseLike, *, on: dt.date | None = None) -> Facts:
    """The facts of a case that has a category (accepted or later)."""
    category: _Category | None = case.category
    if category is None:
        raise ValidationError(
            {"category": "set the category first: routing needs to know what the problem is"}
        )
    grid_code, grid_unit = _grid(case.grid_id)
    condition: _Condition | None = case.condition
    return Facts(
        kind=category.kind,
        category_code=category.code,
        on=on or timezone.localdate(),
        grid_code=grid_code,
        grid_unit_id=grid_unit,
        community_id=case.community_id,
        street_id=case.street_id,
        district_id=case.district_id,
        condition_number=condition.number if condition is not None else None,
        urgent=case.urgency in URGENT_LEVELS,
        component=component_facts(case.component),
        reference=case.number,
        lon=case.lon,
        lat=case.lat,
    )


def facts_at(
    lon: float,
    lat: float,
    *,
    kind: str,
    category_code: str,
    component: _Component | None = None,
    condition_number: int | None = None,
    urgent: bool = False,
    on: dt.date | None = None,
) -> Facts:
    """The facts of a problem at a point (no case needed): locates the grid on day ``on``."""
    day = on or timezone.localdate()
    location = locate(lon, lat, day)
    if location is None:
        raise ValidationError({"location": f"({lon}, {lat}) lies outside every unit grid of the city"})
    grid_code, grid_unit = _grid(location.grid_id)
    return Facts(
        kind=kind,
        category_code=category_code,
        on=day,
        grid_code=grid_code,
        grid_unit_id=grid_unit,
        community_id=location.community_id or None,
        street_id=location.street_id,
        district_id=location.district_id,
        condition_number=condition_number,
        urgent=urgent,
        component=component_facts(component),
        lon=lon,
        lat=lat,
    )

"""``address_string`` without coordinates: the place a road or community of the city it names.

A gazetteer look-up, not a street-number geocoder: the longest road name found in the text places
the report on that road (its midpoint, or where it crosses a second road named), else the longest
community name places it at the community's centre. The operator checks the place when accepting
the report, as for any report."""

from __future__ import annotations

import shapely
from django.utils import timezone

from cityloop.core.models import Unit, UnitKind
from cityloop.geo.models import Grid, Road

from .formats import bad


def place_of(address: str, district: Unit | None) -> tuple[float, float]:
    """``(lon, lat)`` of the place ``address`` names, or a 400 naming ``address_string``."""
    roads = Road.objects.all() if district is None else Road.objects.filter(district=district)
    names = [(pk, name) for pk, name in roads.values_list("pk", "name") if name and name in address]
    by_length = [pk for pk, name in sorted(names, key=lambda n: -len(n[1]))]
    rows = {r.pk: r for r in Road.objects.filter(pk__in=by_length)}
    named = [rows[pk] for pk in by_length]
    if named:
        first = named[0].geometry
        for other in named[1:]:
            crossing = first.intersection(other.geometry)
            if not crossing.is_empty:
                point = crossing.representative_point()
                return point.x, point.y
        point = first.interpolate(0.5, normalized=True)
        return point.x, point.y
    communities = Unit.objects.filter(kind=UnitKind.COMMUNITY)
    if district is not None:
        communities = communities.filter(path__startswith=district.path)
    found = sorted((c for c in communities if c.name and c.name in address), key=lambda c: -len(c.name))
    today = timezone.localdate()
    for community in found:
        centres = list(
            Grid.objects.valid_at(today)
            .filter(community=community)
            .values_list("centroid_lon", "centroid_lat")
        )
        if centres:
            centre = shapely.MultiPoint(centres).centroid
            return centre.x, centre.y
    raise bad(
        "address_string",
        "names no road or community of the city; send lat and long, or name the road",
    )

"""Writes to the gazetteer: door numbers, points of interest and road aliases. Each is a domain action.

An import adds new rows and updates the ones it names again (a door by road, number and suffix; a
point of interest by name), in one transaction with one audit entry, and moves the gazetteer's
counter so that every process reads the new names.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from django.core.exceptions import ValidationError

from cityloop.core.audit import domain_action, record
from cityloop.core.models import User

from . import gazetteer
from .models import AddressPoint, PointOfInterest, RoadAlias
from .placefiles import AddressRow, PoiRow

BATCH = 2000


@dataclass(frozen=True)
class PlaceImportReport:
    """How many rows an import added and how many it updated."""

    created: int
    updated: int
    source: str = ""

    def summary(self) -> str:
        return f"{self.created} added, {self.updated} updated"


def _audit(actor: User, action: str, object_type: str, report: PlaceImportReport) -> None:
    record(
        actor,
        action,
        object_type=object_type,
        object_id="",
        object_repr=f"{report.source or '—'} ({report.created + report.updated})"[:255],
        after={"source": report.source, "created": report.created, "updated": report.updated},
    )


@domain_action
def import_address_points(rows: Sequence[AddressRow], *, actor: User, source: str = "") -> PlaceImportReport:
    """Add or update door numbers (road, number, suffix → point). ``source`` (a file name) is kept on
    each row and in the audit entry."""
    existing = {
        (r, n, s): pk
        for pk, r, n, s in AddressPoint.objects.values_list("pk", "road_name", "number", "suffix").iterator()
    }
    new, changed = [], []
    for row in rows:
        point = AddressPoint(
            road_name=row.road_name,
            number=row.number,
            suffix=row.suffix,
            lon=row.lon,
            lat=row.lat,
            source=source[:100],
        )
        pk = existing.get((row.road_name, row.number, row.suffix))
        if pk is None:
            new.append(point)
        else:
            point.pk = pk
            changed.append(point)
    AddressPoint.objects.bulk_create(new, batch_size=BATCH)
    AddressPoint.objects.bulk_update(changed, ["lon", "lat", "source"], batch_size=BATCH)
    report = PlaceImportReport(len(new), len(changed), source)
    _audit(actor, "address.import", "geo.addresspoint", report)
    gazetteer.bump_version()
    return report


@domain_action
def import_pois(rows: Sequence[PoiRow], *, actor: User, source: str = "") -> PlaceImportReport:
    """Add or update points of interest, matched by name."""
    existing = dict(PointOfInterest.objects.values_list("name", "pk"))
    new, changed = [], []
    for row in rows:
        poi = PointOfInterest(
            name=row.name,
            aliases=list(row.aliases),
            kind=row.kind,
            lon=row.lon,
            lat=row.lat,
            source=source[:100],
        )
        pk = existing.get(row.name)
        if pk is None:
            new.append(poi)
        else:
            poi.pk = pk
            changed.append(poi)
    PointOfInterest.objects.bulk_create(new, batch_size=BATCH)
    PointOfInterest.objects.bulk_update(
        changed, ["aliases", "kind", "lon", "lat", "source"], batch_size=BATCH
    )
    report = PlaceImportReport(len(new), len(changed), source)
    _audit(actor, "poi.import", "geo.pointofinterest", report)
    gazetteer.bump_version()
    return report


@domain_action
def import_road_aliases(
    pairs: Sequence[tuple[str, str]], *, actor: User, source: str = ""
) -> PlaceImportReport:
    """Add aliases (road name, alias); a pair already known is left as it is. An alias that is
    itself the name of another road is refused: it would hide that road."""
    from .models import Road

    roads = set(Road.objects.values_list("name", flat=True).distinct())
    problems = [
        f"{alias!r} is the name of another road; it cannot also mean {road!r}"
        for road, alias in pairs
        if alias in roads and alias != road
    ]
    if problems:
        raise ValidationError(problems)
    known = set(RoadAlias.objects.values_list("road_name", "alias"))
    wanted = {(r, a) for r, a in pairs if r != a} - known
    RoadAlias.objects.bulk_create(
        [RoadAlias(road_name=r, alias=a) for r, a in sorted(wanted)], batch_size=BATCH
    )
    report = PlaceImportReport(len(wanted), 0, source)
    _audit(actor, "road_alias.import", "geo.roadalias", report)
    gazetteer.bump_version()
    return report

"""``cityloop locate LON LAT [--at DATE]``: which grid, community, street and district a point is in.

Exits with status 1 and a message on standard error for a point outside every grid.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cityloop.geo.index import locate

from ._dates import iso_date


class Command(BaseCommand):
    help = "Locate a WGS84 point (longitude latitude) in the unit grids."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("lon", type=float, help="longitude, WGS84 (e.g. 118.79)")
        parser.add_argument("lat", type=float, help="latitude, WGS84 (e.g. 32.06)")
        parser.add_argument("--at", type=iso_date, default=None, help="locate as of this day (YYYY-MM-DD)")

    def handle(self, *args: Any, **options: Any) -> None:
        lon, lat = options["lon"], options["lat"]
        if not (-180 <= lon <= 180 and -90 <= lat <= 90):
            raise CommandError(f"({lon}, {lat}) is not a longitude/latitude pair; give LON LAT in degrees")
        day = options["at"] or timezone.localdate()
        found = locate(lon, lat, at=day)
        if found is None:
            raise CommandError(f"({lon}, {lat}) lies outside every unit grid in service on {day}")
        rows = [
            ("grid", found.grid_code, ""),
            ("community", found.community_code, found.community_name),
            ("street", found.street_code or "-", found.street_name or ""),
            ("district", found.district_code or "-", found.district_name or ""),
        ]
        for label, code, name in rows:
            self.stdout.write(f"{label:<10} {code:<16} {name}".rstrip())

"""``cityloop import-roads FILE [--district CODE] [--crs NAME]``: add a district's roads from GeoJSON, a
Shapefile (.zip or .shp) or a GeoPackage (.gpkg), converted to WGS84. All or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import shapely
import shapely.geometry
from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.core.audit import request_context, system_actor
from cityloop.core.models import Unit
from cityloop.geo.actions import create_roads
from cityloop.geo.readers import read_geodata

# The road classes of Chinese city maps, for files that name them in Chinese.
KINDS = {
    "主干路": "arterial",
    "主干道": "arterial",
    "次干路": "secondary",
    "次干道": "secondary",
    "支路": "lane",
}


class Command(BaseCommand):
    help = (
        "Add roads (LineString features with 'name' and 'kind': arterial, secondary or lane, or 主干路, "
        "次干路, 支路) from GeoJSON, a zipped Shapefile or a GeoPackage; nothing is added if any is bad."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file", type=Path, help="a .geojson, .zip (Shapefile), .shp or .gpkg file of lines"
        )
        parser.add_argument("--district", default=None, help="the district unit's code the roads belong to")
        parser.add_argument(
            "--crs", default=None, help="the file's coordinate system, overriding what the file says"
        )
        parser.add_argument("--layer", default=None, help="the GeoPackage table to read, if it holds several")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        district = None
        if options["district"]:
            district = Unit.objects.filter(code=options["district"]).first()
            if district is None:
                raise CommandError(f"no unit has the code {options['district']!r}")
        try:
            data = read_geodata(path, crs=options["crs"], layer=options["layer"])
            roads, problems = [], []
            for index, feature in enumerate(data.features):
                props = feature.get("properties") or {}
                name = str(props.get("name") or "").strip()
                kind = str(props.get("kind") or "").strip()
                if feature.get("_problem"):
                    problems.append(f"road #{index} ({name or 'no name'}): {feature['_problem']}")
                    continue
                geometry = feature.get("geometry")
                geom = shapely.geometry.shape(geometry) if geometry else shapely.LineString()
                roads.append((name, KINDS.get(kind, kind), geom))
            if problems:
                raise ValidationError(problems)
            with request_context(None):
                count = create_roads(roads, actor=system_actor(), district=district)
        except ValidationError as exc:
            for message in exc.messages:
                self.stderr.write(message)
            raise CommandError(f"{len(exc.messages)} problems in {path.name}; no road was added") from None
        self.stdout.write(f"{path.name}: added {count} roads ({data.crs} converted to WGS84)")

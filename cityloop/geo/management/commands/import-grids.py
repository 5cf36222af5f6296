"""``cityloop import-grids FILE [--valid-from YYYY-MM-DD] [--crs NAME] [--dry-run]``: load unit grids
from GeoJSON, a Shapefile (.zip or .shp) or a GeoPackage (.gpkg), converted to WGS84.

Every bad feature is printed as ``feature #i (code): reason`` and nothing is imported (exit status 1).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.utils import timezone

from cityloop.core.audit import command_actor, request_context
from cityloop.geo.actions import GridImportError, import_grids, plan_import
from cityloop.geo.readers import read_geodata

from ._dates import iso_date


class Command(BaseCommand):
    help = (
        "Import unit grids from GeoJSON, a zipped Shapefile or a GeoPackage (all or nothing); the "
        "coordinate system comes from the file (.prj, GeoPackage srs) or --crs."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            type=Path,
            help="a .geojson, .zip (Shapefile), .shp or .gpkg file of polygons with a 'code' property",
        )
        parser.add_argument(
            "--crs",
            default=None,
            help="the file's coordinate system, overriding what the file says: wgs84, cgcs2000, gcj02, "
            "bd09 or EPSG:4513–4554 (CGCS2000 3-degree Gauss–Krüger zones)",
        )
        parser.add_argument("--layer", default=None, help="the GeoPackage table to read, if it holds several")
        parser.add_argument(
            "--valid-from",
            type=iso_date,
            default=None,
            help="first day the grids are in service (default today)",
        )
        parser.add_argument("--dry-run", action="store_true", help="check only; write nothing")
        parser.add_argument("--as", dest="username", default=None, help="act as this user (default: system)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path: Path = options["file"]
        if not path.is_file():
            raise CommandError(f"no such file: {path}")
        actor = command_actor(options["username"])
        valid_from = options["valid_from"] or timezone.localdate()
        progress = not options["no_progress"]
        try:
            data = read_geodata(path, crs=options["crs"], layer=options["layer"])
            features = data.features
            if data.crs != "wgs84":
                self.stderr.write(f"{path.name}: coordinates in {data.crs}, converted to WGS84")
            with request_context(None):
                if options["dry_run"]:
                    plan = plan_import(features, valid_from=valid_from, progress=progress)
                    warnings, summary = (
                        plan.warnings,
                        f"{path.name}: {len(plan.grids)} grids would be imported valid from {valid_from} "
                        f"({len(plan.replaced_ids)} redrawn); nothing written (dry run)",
                    )
                else:
                    report = import_grids(
                        features, actor=actor, valid_from=valid_from, progress=progress, source=path.name
                    )
                    warnings, summary = report.warnings, f"{path.name}: {report.summary()}"
        except GridImportError as exc:
            for problem in exc.problems:
                self.stderr.write(str(problem))
            raise CommandError(f"{len(exc.problems)} problems in {path.name}; nothing was imported") from None
        except ValidationError as exc:
            raise CommandError(f"{path.name}: {' '.join(exc.messages)}") from None
        for warning in warnings:
            self.stderr.write(f"warning: {warning}")
        self.stdout.write(summary)

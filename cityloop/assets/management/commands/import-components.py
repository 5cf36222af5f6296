"""``cityloop import-components FILE [--crs NAME] [--skip-invalid]``: load components from CSV, GeoJSON,
a Shapefile (.zip or .shp) or a GeoPackage (.gpkg), converted to WGS84."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError, CommandParser

from cityloop.assets.actions import import_components
from cityloop.assets.files import read_file
from cityloop.core.audit import command_actor, request_context


class Command(BaseCommand):
    help = (
        "Create or update components from a CSV, GeoJSON, zipped Shapefile or GeoPackage file, matched "
        "by their 16-digit ID. "
        "If any row is bad nothing changes, unless --skip-invalid."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "file",
            help="a .csv, .geojson, .zip (Shapefile), .shp or .gpkg file (columns as written by "
            "export-components)",
        )
        parser.add_argument(
            "--crs",
            default=None,
            help="the coordinates' system, overriding what the file says: wgs84, cgcs2000, gcj02, bd09 "
            "or EPSG:4513–4554 (CGCS2000 3-degree Gauss–Krüger zones)",
        )
        parser.add_argument("--layer", default=None, help="the GeoPackage table to read, if it holds several")
        parser.add_argument("--skip-invalid", action="store_true", help="import the good rows, skip the bad")
        parser.add_argument(
            "--errors", metavar="CSV", help="also write the rejected rows' errors to this CSV"
        )
        parser.add_argument("--as", dest="username", default=None, help="act as this user (default: system)")
        parser.add_argument("--no-progress", action="store_true", help="no progress bar")

    def handle(self, *args: Any, **options: Any) -> None:
        path = Path(options["file"])
        if not path.exists():
            raise CommandError(f"no such file: {path}")
        actor = command_actor(options["username"])
        with request_context(None):
            try:
                rows, total = read_file(path, crs=options["crs"], layer=options["layer"])
                report = import_components(
                    rows,
                    actor=actor,
                    skip_invalid=options["skip_invalid"],
                    progress=not options["no_progress"],
                    total=total,
                )
            except ValidationError as exc:
                raise CommandError("\n".join(exc.messages)) from None
        for error in report.errors:
            self.stdout.write(f"{error}" + (f"  [{error.component_id}]" if error.component_id else ""))
        if options["errors"]:
            with open(options["errors"], "w", encoding="utf-8", newline="") as fh:
                writer = csv.writer(fh)
                writer.writerow(["where", "field", "reason", "id"])
                writer.writerows([e.where, e.field, e.reason, e.component_id] for e in report.errors)
        self.stdout.write(report.summary())
        if not report.applied:
            raise CommandError(f"{report.rejected} bad rows; nothing was imported")

"""``cityloop export-grids FILE [--at DATE]``: write the grids in service on a day as GeoJSON.

The file has the properties ``import-grids`` reads, so an export can be edited and imported back.
``-`` writes to standard output.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from cityloop.geo.geojson import grids_to_geojson
from cityloop.geo.models import Grid

from ._dates import iso_date


class Command(BaseCommand):
    help = "Export the unit grids in service on a day (today by default) as a GeoJSON FeatureCollection."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="where to write the GeoJSON ('-' for standard output)")
        parser.add_argument("--at", type=iso_date, default=None, help="the day (YYYY-MM-DD; default today)")

    def handle(self, *args: Any, **options: Any) -> None:
        day = options["at"] or timezone.localdate()
        collection = grids_to_geojson(Grid.objects.valid_at(day))
        text = json.dumps(collection, ensure_ascii=False)
        if options["file"] == "-":
            self.stdout.write(text)
            return
        Path(options["file"]).write_text(text, encoding="utf-8")
        self.stderr.write(
            f"wrote {len(collection['features'])} grids in service on {day} to {options['file']}"
        )

"""``cityloop import-addresses FILE.csv [--crs NAME] [--as USER]``: door numbers for the geocoder.

Columns ``road``, ``number`` (12, 12号, 12-1号, 十二号), ``lon``, ``lat`` and optionally ``crs``. All
or nothing: a bad row is reported with its row number and column, and nothing is written."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cityloop.geo.place_actions import import_address_points
from cityloop.geo.placefiles import read_addresses

from ._places import PlaceImportCommand


class Command(PlaceImportCommand):
    help = "Import door numbers (road, number, lon, lat) from a CSV file for address geocoding."
    write = import_address_points

    def read(self, path: Path, crs: str) -> list[Any]:
        return read_addresses(path, crs)

"""``cityloop import-road-aliases FILE.csv [--as USER]``: other names of roads (columns ``road``,
``alias``). All or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cityloop.geo.place_actions import import_road_aliases
from cityloop.geo.placefiles import read_aliases

from ._places import PlaceImportCommand


class Command(PlaceImportCommand):
    help = "Import road aliases (road, alias) from a CSV file for address geocoding."
    has_crs = False
    write = import_road_aliases

    def read(self, path: Path, crs: str) -> list[Any]:
        return read_aliases(path)

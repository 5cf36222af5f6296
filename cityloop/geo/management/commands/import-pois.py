"""``cityloop import-pois FILE.csv [--crs NAME] [--as USER]``: named places for the geocoder.

Columns ``name``, ``lon``, ``lat`` and optionally ``aliases`` (separated by ; 、 or |), ``kind`` and
``crs``. A name already known is updated. All or nothing."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from cityloop.geo.place_actions import import_pois
from cityloop.geo.placefiles import read_pois

from ._places import PlaceImportCommand


class Command(PlaceImportCommand):
    help = "Import points of interest (name, aliases, kind, lon, lat) from a CSV file for address geocoding."
    write = import_pois

    def read(self, path: Path, crs: str) -> list[Any]:
        return read_pois(path, crs)

"""A work order without coordinates: its address placed by the city's geocoder.

:func:`cityloop.geo.geocode.geocode` reads door numbers, crossings, named places, communities and
roads from the city's gazetteer; a work order takes its point only when the geocoder is confident
(an unsure guess would send the case to the wrong grid), else the platform is asked for coordinates.
"""

from __future__ import annotations

from cityloop.geo import gazetteer
from cityloop.geo.geocode import geocode


def locate_address(address: str) -> tuple[float, float] | None:
    """The WGS84 point the address names when the geocoder is confident of it, else None."""
    if not address:
        return None
    found = geocode(address)
    if found.lon is None or found.lat is None:
        return None
    return found.lon, found.lat


def forget() -> None:
    """Forget this process's gazetteer (the next address rebuilds it)."""
    gazetteer.reset()

"""``address_string`` without coordinates: placed by the city's geocoder (:mod:`cityloop.geo.geocode`).

Door numbers, crossings, named places, estates and communities are read from the city's gazetteer;
the request takes the point only when the geocoder is confident of it. Otherwise the client is told
what the address might be (the geocoder's best candidates) and asked for coordinates: an unsure
guess would send the case to the wrong grid. The operator checks the place when accepting the
report, as for any report."""

from __future__ import annotations

from cityloop.core.models import Unit
from cityloop.geo.geocode import geocode

from .formats import bad


def place_of(address: str, district: Unit | None) -> tuple[float, float]:
    """``(lon, lat)`` of the place ``address`` names, or a 400 naming ``address_string``. (A point
    outside ``district`` is refused by the caller, which checks every point the same way.)"""
    found = geocode(address, limit=3)
    if found.lon is not None and found.lat is not None:
        return found.lon, found.lat
    maybe = "、".join(c.name for c in found.candidates)
    hint = f" (did you mean: {maybe}?)" if maybe else ""
    raise bad(
        "address_string",
        f"could not place this address with confidence{hint}; send lat and long, or a door number "
        "or crossing of the city",
    )

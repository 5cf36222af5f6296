"""Bounded input types shared by the API's schemas: every number, text and list a client sends has
its limits in the OpenAPI document, so clients (and the fuzzer) know them before they send."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Any

from pydantic import Field, WithJsonSchema


def decimal_number(*, ge: float, le: float, places: int) -> Any:
    """A decimal quantity (kilograms, hours, points) sent as a JSON number between ``ge`` and ``le``
    with at most ``places`` decimals; stored exactly as a Decimal."""
    return Annotated[
        Decimal,
        Field(ge=Decimal(str(ge)), le=Decimal(str(le)), decimal_places=places),
        WithJsonSchema({"type": "number", "minimum": ge, "maximum": le}),
    ]


# A point as [lon, lat] in WGS84.
LonLat = Annotated[list[float], Field(min_length=2, max_length=2)]
# A ring of a drawn polygon: at most this many points.
MAX_RING_POINTS = 200
Ring = Annotated[list[LonLat], Field(min_length=4, max_length=MAX_RING_POINTS)]

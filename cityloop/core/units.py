"""Units by id and by code, read afresh each time (a unit's path decides whose jurisdiction a case
falls in, so it is never kept between requests)."""

from __future__ import annotations

from collections.abc import Iterable

from .models import Unit


def units_by_id(ids: Iterable[int | None]) -> dict[int, Unit]:
    """The units with these ids, in one query (unknown ids are left out)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    return Unit.objects.in_bulk(wanted)


def unit_by_code(code: str) -> Unit | None:
    """The unit with this code, or None."""
    return Unit.objects.filter(code=code).first()

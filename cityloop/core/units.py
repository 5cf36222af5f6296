"""Units by id for the hot path (every transition needs the case's community, street, district and
responsible unit), from a brief per-process cache: shared instances, read them, never change them.
A unit saved or deleted in this process is read afresh at once; other processes within ``UNITS.ttl``."""

from __future__ import annotations

from collections.abc import Hashable, Iterable

from . import fastsql
from .memo import BriefCache
from .models import Unit

UNITS: BriefCache[Unit] = BriefCache("units")


def _read(ids: list[Hashable]) -> dict[Hashable, Unit]:
    return {u.pk: u for u in fastsql.fetch(Unit, id__in=ids)}


def units_by_id(ids: Iterable[int | None]) -> dict[int, Unit]:
    """The units with these ids (unknown ids are left out)."""
    wanted = [i for i in set(ids) if i is not None]
    return {int(k): v for k, v in UNITS.get_many(wanted, _read).items()}  # type: ignore[call-overload]


UNIT_CODES: BriefCache[Unit | None] = BriefCache("unit-codes")


def unit_by_code(code: str) -> Unit | None:
    """The unit with this code, or None."""

    def read() -> Unit | None:
        found = fastsql.fetch(Unit, code=code)
        return found[0] if found else None

    return UNIT_CODES.get(code, read)

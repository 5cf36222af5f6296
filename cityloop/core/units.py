"""Units by id and by code, as the case loop reads them (every report and transition needs the
case's community, street, district and responsible unit).

Units are kept per process and shared (read them, never change them). A unit's path decides whose
jurisdiction a case falls in, so the copy is never trusted blindly: every read first looks at the
``core.units`` counter (one indexed read of one row, cheaper than reading the units), which every
save or delete of a unit moves in its own transaction (``core.versioned``). A moved or renamed unit
is therefore seen by every process on its very next read, as if nothing were kept.
"""

from __future__ import annotations

import threading
from collections.abc import Iterable

from .models import Unit, UnitKind
from .versioned import Versioned


class KnownUnits:
    """The units this process has read since the counter last moved, filled as they are asked for."""

    def __init__(self, version: int) -> None:
        self.version = version
        self.by_id: dict[int, Unit] = {}
        self.lock = threading.Lock()


# recheck_seconds=0: the counter is read on every call, so no process acts on an old path.
UNITS: Versioned[KnownUnits] = Versioned("core.units", KnownUnits, recheck_seconds=0)


def units_by_id(ids: Iterable[int | None]) -> dict[int, Unit]:
    """The units with these ids (unknown ids are left out)."""
    wanted = {i for i in ids if i is not None}
    if not wanted:
        return {}
    known = UNITS.get()
    missing = wanted - known.by_id.keys()
    if missing:
        found = Unit.objects.in_bulk(missing)
        with known.lock:
            known.by_id.update(found)
    return {i: known.by_id[i] for i in wanted if i in known.by_id}


def unit_by_code(code: str) -> Unit | None:
    """The unit with this code, or None (codes are unique: no ordering needed)."""
    found = list(Unit.objects.filter(code=code).order_by()[:1])
    return found[0] if found else None


def path_ids(unit: Unit) -> list[int]:
    """The ids on the unit's path, from the root down to the unit itself."""
    return [int(p) for p in unit.path.strip("/").split("/") if p]


def district_of(unit: Unit) -> Unit | None:
    """The district the unit belongs to (itself when it is one), or None for a city-level unit (the
    city and the city's own departments and companies, which no district commands)."""
    found = units_by_id(path_ids(unit))
    return next((u for u in found.values() if u.kind == UnitKind.DISTRICT), None)

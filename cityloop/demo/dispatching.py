"""How the simulated dispatchers pick a unit, as a district's dispatchers do by hand: components go to
their owner (or, unowned, to the street of their grid); events go to the street, or to the line
department whose power they need. The routing rules (a later part) will make this decision for real.
"""

from __future__ import annotations

from cityloop.cases.models import Case
from cityloop.core.models import Unit

from .org import DISTRICT_CODE

# Event subclass → line department abbreviation (else: the street of the grid).
EVENT_DEPARTMENTS = {
    "0102": "HW",
    "0104": "HW",
    "0106": "HW",
    "0105": "SW",
    "0103": "ZF",
    "0101": "ZF",
    "0501": "ZF",
    "0505": "JJ",
    "0401": "SZ",
    "0402": "ZLS",
}


def _unit(abbr: str) -> Unit | None:
    return Unit.objects.filter(code=f"{DISTRICT_CODE}-{abbr}").first()


def choose_unit(case: Case, *, exclude: bool = False) -> Unit:
    """The unit a dispatcher would send ``case`` to; ``exclude`` avoids the unit that just returned it
    (the re-dispatch after an approved return)."""
    returned_by = case.events.filter(transition="approve_return").order_by("-seq").first()
    avoid = (returned_by.data.get("returned_by") or {}).get("id") if (exclude and returned_by) else None
    candidates: list[Unit | None] = []
    if case.component is not None:
        candidates += [case.component.owner, case.component.maintainer]
    elif case.category:
        abbr = EVENT_DEPARTMENTS.get(case.category.code)
        if abbr:
            candidates.append(_unit(abbr))
    candidates.append(case.street)
    for unit in candidates:
        if unit is not None and unit.pk != avoid:
            return unit
    assert case.district is not None
    return _unit("ZH") or case.district

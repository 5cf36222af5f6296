"""The 16-digit component ID: 6-digit admin code + 2-digit class + 2-digit subclass + 6-digit sequence.

:class:`IdChecker` loads the catalog and the district codes once, so an import can check a million
IDs with dictionary lookups; :func:`validate_component_id` checks one ID for a form or an API call.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.catalog.models import Category, Kind
from cityloop.core.models import Unit, UnitKind

ID_LENGTH = 16


@dataclass(frozen=True, slots=True)
class SubclassInfo:
    id: int
    code: str
    name: str
    valid_from: dt.date
    retired_from: dt.date | None


class IdChecker:
    """Checks component IDs against the catalog and the districts, as they stand when it is made."""

    def __init__(self) -> None:
        cats = Category.objects.filter(kind=Kind.COMPONENT)
        self.classes: dict[str, str] = {c.code: c.name for c in cats if c.is_class}
        self.subclasses: dict[str, SubclassInfo] = {
            c.code: SubclassInfo(c.pk, c.code, c.name, c.valid_from, c.retired_from)
            for c in cats
            if not c.is_class
        }
        self.districts: dict[str, int] = dict(
            Unit.objects.filter(kind=UnitKind.DISTRICT).values_list("code", "pk")
        )

    def problem(self, code: str, on: dt.date) -> str | None:
        """What is wrong with ``code`` on day ``on``, in words, or None when it is a valid ID."""
        if len(code) != ID_LENGTH:
            return (
                f"component ID {code!r} has {len(code)} characters; it must have 16 digits "
                "(6 admin code + 2 class + 2 subclass + 6 sequence)"
            )
        if not code.isdigit() or not code.isascii():
            bad = next(ch for ch in code if not (ch.isascii() and ch.isdigit()))
            return f"component ID {code!r} must contain digits only (found {bad!r})"
        admin, cls, sub = code[:6], code[6:8], code[6:10]
        if cls not in self.classes:
            known = ", ".join(sorted(self.classes))
            return f"class {cls} in component ID {code} is not a component class (known classes: {known})"
        info = self.subclasses.get(sub)
        if info is None:
            return (
                f"subclass {sub} in component ID {code} does not exist in component class "
                f"{cls} {self.classes[cls]}"
            )
        if info.retired_from is not None and on >= info.retired_from:
            return f"subclass {sub} {info.name} in component ID {code} was retired on {info.retired_from}"
        if on < info.valid_from:
            return f"subclass {sub} {info.name} in component ID {code} is in use only from {info.valid_from}"
        if admin not in self.districts:
            return f"admin code {admin} in component ID {code} is not the code of any district"
        if code[10:] == "000000":
            return f"sequence 000000 in component ID {code} is not allowed; sequences start at 000001"
        return None


def validate_component_id(code: str, *, on: dt.date | None = None) -> Category:
    """The subclass of a valid component ID; raises ``ValidationError`` on ``id`` naming the problem
    (wrong length or non-digits, unknown class, subclass not in that class or retired, unknown
    admin code)."""
    problem = IdChecker().problem(code.strip(), on or timezone.localdate())
    if problem:
        raise ValidationError({"id": problem})
    return Category.objects.get(kind=Kind.COMPONENT, code=code.strip()[6:10])

"""Units named by their code in a request body (a street, a community, a survey's area)."""

from __future__ import annotations

from cityloop.core.models import Unit

from .errors import ApiError


def required_unit(code: str | None, field: str) -> Unit:
    unit = unit_by_code(code, field)
    if unit is None:
        raise ApiError(400, f"{field}: required (a unit code)", field=field)
    return unit


def unit_by_code(code: str | None, field: str) -> Unit | None:
    if not code:
        return None
    unit = Unit.objects.filter(code=code).first()
    if unit is None:
        raise ApiError(400, f"{field}: no unit with code {code}", field=field)
    return unit

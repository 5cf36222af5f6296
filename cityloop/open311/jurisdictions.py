"""``jurisdiction_id``: a district's code. Optional while the server has one district; required once
it has several, so that one server can serve every district of a city."""

from __future__ import annotations

from django.utils import timezone

from cityloop.core.models import Unit, UnitKind

from .formats import bad
from .params import Params


def districts() -> list[Unit]:
    """The districts in use today, by code."""
    today = timezone.localdate()
    found = Unit.objects.filter(kind=UnitKind.DISTRICT, valid_from__lte=today).order_by("code")
    return [u for u in found if u.valid_to is None or today < u.valid_to]


def jurisdiction(params: Params, *, unknown_status: int = 404) -> Unit | None:
    """The district ``jurisdiction_id`` names, or None for a server of one district (or none yet)
    called without it. ``unknown_status``: the code the definition gives this call for an unknown
    jurisdiction (401 for ``GET requests``, 404 elsewhere)."""
    code = params.text("jurisdiction_id", 32)
    known = districts()
    if not code:
        if len(known) > 1:
            codes = ", ".join(u.code for u in known)
            raise bad("jurisdiction_id", f"this server serves several districts; name one of {codes}")
        return known[0] if known else None
    for unit in known:
        if unit.code == code:
            return unit
    codes = ", ".join(u.code for u in known) or "none yet"
    raise bad(
        "jurisdiction_id", f"no district has the code {code!r} (this server serves {codes})", unknown_status
    )

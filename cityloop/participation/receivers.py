"""What this registry learns from the case loop above it: every case transition writes one case
event in its transaction (``cases.CaseEvent``); the facts needed here are copied from it and handled
once that transaction commits, so a transition that rolls back leaves no points or alerts behind,
and nothing here can fail a transition that already happened.
"""

from __future__ import annotations

import logging
from typing import Any

from django.db import transaction

logger = logging.getLogger("cityloop.participation")


def _fact(event: Any) -> dict[str, Any]:
    case = event.case
    category = getattr(case, "category", None) if case.category_id else None
    return {
        "id": case.pk,
        "number": case.number,
        "lon": case.lon,
        "lat": case.lat,
        "reporter_phone": case.reporter_phone,
        "category": category.name if category is not None else "",
        "at": event.at,
    }


def on_case_event(sender: Any, instance: Any, created: bool, **kwargs: Any) -> None:
    """A case event was written: a report (alerts: new), a registration (points), a closing (alerts:
    closed). Merged reports join another case and are not news of their own."""
    if not created or instance.from_state == instance.to_state:
        return
    to_state = instance.to_state
    if instance.seq == 1 and to_state not in ("merged", "not_accepted", "voided"):
        kinds = ["new"]
    elif to_state == "closed":
        kinds = ["closed"]
    elif to_state == "registered":
        kinds = ["registered"]
    else:
        return
    fact = _fact(instance)
    transaction.on_commit(lambda: _handle(fact, kinds))


def _handle(fact: dict[str, Any], kinds: list[str]) -> None:
    from . import alerts, points

    for kind in kinds:
        try:
            if kind == "registered":
                points.on_registered(fact)
            else:
                alerts.note_case(fact, kind)
        except Exception:  # the case moved already: log, never fail the caller after its commit
            logger.exception("participation could not handle %s of case %s", kind, fact["number"])

"""Service requests as the public sees them: every case of the city that has a service type, with
its status following the case.

What is shown is what a citizen may know of any case: the service, the place, the times, the
responsible agency (a unit, never a person) and the public timeline (the state reached; for a
disposed case, the unit's result, as the public tracking page shows it). A case's own text (its
description and address) is shown only for requests that came in through Open311, which a citizen
sent to be published; other channels' texts may hold a caller's personal details. Reporter names,
phones, comments and staff are never read here."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Q, QuerySet
from django.utils import timezone

from cityloop.cases.models import Case, CaseEvent
from cityloop.cases.workflow import STATES, TRANSITIONS, UNIT_STATES
from cityloop.catalog.models import Category
from cityloop.core.models import Unit

from .formats import when
from .services import english

CLOSED_STATES = frozenset(name for name, spec in STATES.items() if spec.terminal)
OPEN_STATES = frozenset(STATES) - CLOSED_STATES
CHANNEL = "open311"
# The transitions that move a case to another state: the updates a citizen can see (urges and
# comments leave the state, and their notes are the staff's). Filtering on them also lets the
# timeline's (transition, at, case) index find a period's updates.
MOVES = sorted(name for name, t in TRANSITIONS.items() if t.target is not None)
# The columns a listed request needs: read as values, not model instances (a page holds 1,000).
COLUMNS = (
    "pk",
    "number",
    "state",
    "category_id",
    "channel__code",
    "description",
    "address",
    "lon",
    "lat",
    "reported_at",
    "updated_at",
    "closed_at",
    "deadline_at",
    "current_step",
    "responsible_unit_id",
    "open311_request__media_url",
    # A request merged into an earlier one of the same problem (合并) follows that case.
    "duplicate_of_id",
    "duplicate_of__number",
    "duplicate_of__state",
    "duplicate_of__closed_at",
)
MERGED = "merged"


def requests_queryset(district: Unit | None) -> QuerySet[Case]:
    """Cases with a service type (every Open311 request has one), in the district if one is named."""
    qs = Case.objects.filter(category__isnull=False)
    if district is not None:
        qs = qs.filter(district=district)
    return qs


def status_filter(qs: QuerySet[Case], statuses: list[str]) -> QuerySet[Case]:
    wanted = set(statuses)
    # A merged request is open while the case it joined is.
    merged_open = Q(state=MERGED, duplicate_of__state__in=sorted(OPEN_STATES))
    if wanted == {"open"}:
        return qs.filter(Q(state__in=sorted(OPEN_STATES)) | merged_open)
    if wanted == {"closed"}:
        return qs.filter(state__in=sorted(CLOSED_STATES)).exclude(merged_open)
    return qs


def _state_note(state: str, in_english: bool | None = None) -> str:
    spec = STATES.get(state)
    if spec is None:
        return state
    return spec.label_en if (english() if in_english is None else in_english) else spec.label


def serialize(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Rows of :data:`COLUMNS` as GeoReport requests (two more queries: the subclasses and units
    named, and the results of the disposed cases)."""
    categories = {
        c.pk: c
        for c in Category.objects.filter(pk__in={r["category_id"] for r in rows})
        .order_by()
        .only("kind", "code", "name", "name_en")
    }
    unit_ids = {r["responsible_unit_id"] for r in rows} - {None}
    units = (
        {u.pk: u for u in Unit.objects.filter(pk__in=unit_ids).order_by().only("name", "name_en")}
        if unit_ids
        else {}
    )

    def followed(r: dict[str, Any]) -> int:
        return int(r["duplicate_of_id"]) if r["state"] == MERGED and r["duplicate_of_id"] else int(r["pk"])

    results = _results([followed(r) for r in rows if r["state"] not in ("reported", "new")])
    in_english = english()
    names = {pk: (c.name_en or c.name) if in_english else c.name for pk, c in categories.items()}
    agencies = {pk: (u.name_en or u.name) if in_english else u.name for pk, u in units.items()}
    out = []
    for r in rows:
        category = categories[r["category_id"]]
        own = r["channel__code"] == CHANNEL
        state, closed_at = r["state"], r["closed_at"]
        note = ""
        if state == MERGED and r["duplicate_of__state"]:
            state, closed_at = r["duplicate_of__state"], r["duplicate_of__closed_at"]
            note = f"{_state_note(MERGED, in_english)} {r['duplicate_of__number']}: "
        closed = state in CLOSED_STATES
        note += _state_note(state, in_english)
        if followed(r) in results:
            note = f"{note}: {results[followed(r)]}"
        expected = r["deadline_at"] if r["state"] in UNIT_STATES and r["current_step"] == "dispose" else None
        request = {
            "service_request_id": r["number"],
            "status": "closed" if closed else "open",
            "status_notes": note,
            "service_name": names[category.pk],
            "service_code": f"{category.kind}-{category.code}",
            "description": r["description"] if own else None,
            "agency_responsible": agencies.get(r["responsible_unit_id"]),
            "requested_datetime": when(r["reported_at"]),
            "updated_datetime": when(closed_at if closed and closed_at else r["updated_at"]),
            "expected_datetime": when(expected),
            "address": (r["address"] or None) if own else None,
            "lat": round(r["lat"], 7),
            "long": round(r["lon"], 7),
            "media_url": r["open311_request__media_url"] or None,
        }
        out.append({k: v for k, v in request.items() if v is not None})
    return out


def _results(case_ids: list[int]) -> dict[int, str]:
    """The latest result a responsible unit reported for each case (the public page shows it)."""
    if not case_ids:
        return {}
    found: dict[int, str] = {}
    events = (
        CaseEvent.objects.filter(case_id__in=case_ids, transition="dispose")
        .order_by("case_id", "seq")
        .values_list("case_id", "note")
    )
    for case_id, note in events:
        if note:
            found[case_id] = note[:500]
    return found


def read(qs: QuerySet[Case]) -> list[dict[str, Any]]:
    return serialize(list(qs.values(*COLUMNS)))


def updates(
    district: Unit | None, start: dt.datetime, end: dt.datetime, offset: int, size: int
) -> list[dict[str, Any]]:
    """The updates extension: each change of a request's state in the period, oldest first, with the
    public note of the state reached (and for a disposal, the unit's result)."""
    events = CaseEvent.objects.filter(
        transition__in=MOVES, at__gte=start, at__lte=end, case__category__isnull=False
    )
    if district is not None:
        events = events.filter(case__district=district)
    rows = list(
        events.order_by("at", "pk").values(
            "pk", "at", "to_state", "from_state", "transition", "note", "case__number"
        )[offset : offset + size]
    )
    out = []
    for e in rows:
        note = _state_note(e["to_state"])
        if e["transition"] == "dispose" and e["note"]:
            note = f"{note}: {e['note'][:500]}"
        out.append(
            {
                "update_id": str(e["pk"]),
                "service_request_id": e["case__number"],
                "status": "closed" if e["to_state"] in CLOSED_STATES else "open",
                "updated_datetime": when(e["at"]),
                "description": note,
            }
        )
    return out


def default_window(start: dt.datetime | None, end: dt.datetime | None) -> tuple[dt.datetime, dt.datetime]:
    """The spec's default: the 90 days before ``end`` (now), or after ``start``."""
    span = dt.timedelta(days=90)
    if start is None and end is None:
        end = timezone.now()
    if start is None:
        assert end is not None
        start = end - span
    if end is None:
        end = start + span
    return start, end

"""Disputes (推诿): how many approved returns each unit pair made, for which categories, and the cases
waiting for arbitration. All counts are set-based queries over ``ReturnRecord``."""

from __future__ import annotations

from collections import defaultdict
from typing import Any

from django.conf import settings
from django.db.models import Count, QuerySet

from cityloop.catalog.models import Category
from cityloop.core.models import Unit

from .models import Arbitration, ArbitrationState, ReturnRecord

DEFAULT_RETURNS_BEFORE_ARBITRATION = 2


def returns_before_arbitration() -> int:
    """After this many approved returns of one case, it goes to arbitration (setting
    ``CITYLOOP_ROUTING_ARBITRATION_AFTER_RETURNS``, default 2)."""
    value = getattr(
        settings, "CITYLOOP_ROUTING_ARBITRATION_AFTER_RETURNS", DEFAULT_RETURNS_BEFORE_ARBITRATION
    )
    return max(1, int(value))


def _unit_ref(units: dict[int, Unit], pk: int | None) -> dict[str, Any] | None:
    unit = units.get(pk) if pk else None
    return {"id": unit.pk, "code": unit.code, "name": unit.name} if unit else None


def arbitration_out(row: Arbitration, units: dict[int, Unit] | None = None) -> dict[str, Any]:
    """An arbitration as the API and the console show it."""
    units = units or {}
    ruled = units.get(row.ruled_unit_id or 0) or row.ruled_unit
    return {
        "id": row.pk,
        "case_id": row.case_id,
        "case_number": row.case_number,
        "state": row.state,
        "category": f"{row.kind} {row.category_code} {row.category_name}".strip(),
        "reason": row.reason,
        "history": row.history,
        "opened_at": row.opened_at,
        "ruled_unit": {"id": ruled.pk, "code": ruled.code, "name": ruled.name} if ruled else None,
        "ruled_at": row.ruled_at,
        "ruling": row.ruling,
        "rule_id": row.rule_id,
    }


def dispute_graph(returns: QuerySet[ReturnRecord], arbitrations: QuerySet[Arbitration]) -> dict[str, Any]:
    """The dispute graph: one edge per (returning unit → unit it named), with its count and the
    categories involved, heaviest first; plus the open arbitrations."""
    grouped = (
        returns.values("returning_unit_id", "suggested_unit_id", "kind", "category_code")
        .annotate(n=Count("id"))
        .order_by()
    )
    edges: dict[tuple[int, int | None], dict[str, Any]] = {}
    per_edge: dict[tuple[int, int | None], list[tuple[str, str, int]]] = defaultdict(list)
    unit_ids: set[int] = set()
    for row in grouped:
        key = (row["returning_unit_id"], row["suggested_unit_id"])
        per_edge[key].append((row["kind"], row["category_code"], row["n"]))
        unit_ids.update(u for u in key if u)
    open_rows = list(arbitrations.filter(state=ArbitrationState.OPEN).order_by("opened_at", "id"))
    unit_ids.update(r.ruled_unit_id for r in open_rows if r.ruled_unit_id)
    units = Unit.objects.in_bulk(list(unit_ids))
    names = {(k, c): n for k, c, n in Category.objects.values_list("kind", "code", "name")}
    for key, cats in per_edge.items():
        cats.sort(key=lambda c: (-c[2], c[0], c[1]))
        edges[key] = {
            "from_unit": _unit_ref(units, key[0]),
            "to_unit": _unit_ref(units, key[1]),
            "count": sum(c[2] for c in cats),
            "categories": [
                {"kind": k, "code": c, "name": names.get((k, c), ""), "count": n} for k, c, n in cats
            ],
        }
    pairs = sorted(
        edges.values(), key=lambda e: (-e["count"], e["from_unit"]["code"] if e["from_unit"] else "")
    )
    return {
        "returns": sum(e["count"] for e in pairs),
        "pairs": pairs,
        "open_arbitrations": [arbitration_out(r, units) for r in open_rows],
    }


def case_history(case_id: int) -> list[dict[str, Any]]:
    """The approved returns of one case, oldest first: who returned it, whom they named, and why."""
    rows = ReturnRecord.objects.filter(case_id=case_id).select_related(
        "returning_unit", "suggested_unit", "approved_by"
    )
    return [
        {
            "at": r.approved_at.isoformat(),
            "returned_by": {
                "id": r.returning_unit.pk,
                "code": r.returning_unit.code,
                "name": r.returning_unit.name,
            },
            "suggested_unit": (
                {"id": r.suggested_unit.pk, "code": r.suggested_unit.code, "name": r.suggested_unit.name}
                if r.suggested_unit
                else None
            ),
            "reason": r.reason,
            "approved_by": str(r.approved_by),
        }
        for r in rows.order_by("approved_at", "id")
    ]

"""Disputes (推诿) between units: per pair of units, the approved returns each way and the
arbitrations their bouncing led to, by category, over a period; and a matrix of returns from one unit
to another for a heat map. Read from routing's records (``ReturnRecord``, ``Arbitration``), which are
a few per thousand cases: grouped counts over the period's index range."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Count, QuerySet

from cityloop.catalog.models import Category
from cityloop.core.models import Unit
from cityloop.routing.models import Arbitration, ReturnRecord

from .filters import Filters
from .rollup import day_bounds

PAIRS = 30
MATRIX_UNITS = 15


@dataclass
class Pair:
    """Two units, in code order (``a`` < ``b``), and what passed between them."""

    a: int
    b: int
    a_to_b: int = 0
    b_to_a: int = 0
    arbitrations: int = 0
    open: int = 0
    ruled: dict[int, int] = field(default_factory=dict)
    categories: dict[tuple[str, str], list[int]] = field(default_factory=lambda: defaultdict(lambda: [0, 0]))

    @property
    def returns(self) -> int:
        return self.a_to_b + self.b_to_a


def _pair(pairs: dict[tuple[int, int], Pair], x: int, y: int) -> tuple[Pair, bool]:
    key = (min(x, y), max(x, y))
    if key not in pairs:
        pairs[key] = Pair(*key)
    return pairs[key], x == key[0]


def _category_codes(filters: Filters) -> list[str] | None:
    if not filters.subclasses:
        return None
    codes = list(Category.objects.filter(pk__in=filters.subclasses).values_list("code", flat=True))
    if filters.category is not None and filters.category.parent_id is None:
        codes.append(filters.category.code)  # a return may be recorded against the class itself
    return codes


def disputes(
    returns: QuerySet[ReturnRecord],
    arbitrations: QuerySet[Arbitration],
    filters: Filters,
    *,
    limit: int = PAIRS,
) -> dict[str, Any]:
    """The unit pairs that bounced cases in the period (both querysets already restricted to the
    user), heaviest first, with their categories, and the returns matrix of the busiest units."""
    start, end = day_bounds(filters.start)[0], day_bounds(filters.end)[0]
    returns = returns.filter(approved_at__gte=start, approved_at__lt=end, suggested_unit__isnull=False)
    arbitrations = arbitrations.filter(opened_at__gte=start, opened_at__lt=end)
    codes = _category_codes(filters)
    if codes is not None:
        returns = returns.filter(category_code__in=codes)
        arbitrations = arbitrations.filter(category_code__in=codes)
    pairs: dict[tuple[int, int], Pair] = {}
    flows: dict[tuple[int, int], int] = defaultdict(int)
    grouped = (
        returns.order_by()
        .values_list("returning_unit_id", "suggested_unit_id", "kind", "category_code")
        .annotate(n=Count("id"))
    )
    for giver, taker, kind, code, n in grouped:
        if giver == taker:
            continue
        pair, forward = _pair(pairs, giver, taker)
        if forward:
            pair.a_to_b += n
        else:
            pair.b_to_a += n
        pair.categories[(kind, code)][0] += n
        flows[(giver, taker)] += n
    rows = arbitrations.order_by().values_list("history", "state", "ruled_unit_id", "kind", "category_code")
    arbitration_total = 0
    for history, state, ruled, kind, code in rows.iterator(chunk_size=2_000):
        arbitration_total += 1
        seen: set[tuple[int, int]] = set()
        for entry in history or []:
            giver = (entry.get("returned_by") or {}).get("id")
            taker = (entry.get("suggested_unit") or {}).get("id")
            if not giver or not taker or giver == taker:
                continue
            key = (min(giver, taker), max(giver, taker))
            if key in seen:
                continue
            seen.add(key)
            pair, _ = _pair(pairs, giver, taker)
            pair.arbitrations += 1
            pair.open += state == "open"
            if ruled:
                pair.ruled[ruled] = pair.ruled.get(ruled, 0) + 1
            pair.categories[(kind, code)][1] += 1
    ranked = sorted(pairs.values(), key=lambda p: (-p.returns - p.arbitrations, -p.arbitrations, p.a, p.b))
    shown = ranked[:limit]
    busiest = _busiest(flows, MATRIX_UNITS)
    units = Unit.objects.in_bulk({p.a for p in shown} | {p.b for p in shown} | set(busiest))
    names = {(k, c): n for k, c, n in Category.objects.values_list("kind", "code", "name")}

    def ref(pk: int) -> dict[str, Any]:
        unit = units.get(pk)
        return {"id": pk, "code": unit.code if unit else "", "name": unit.name if unit else ""}

    return {
        "from": filters.start,
        "to": filters.end - dt.timedelta(days=1),
        "returns": sum(flows.values()),
        "arbitrations": arbitration_total,
        "pairs": [
            {
                "a": ref(p.a),
                "b": ref(p.b),
                "a_to_b": p.a_to_b,
                "b_to_a": p.b_to_a,
                "returns": p.returns,
                "arbitrations": p.arbitrations,
                "open_arbitrations": p.open,
                "ruled_to_a": p.ruled.get(p.a, 0),
                "ruled_to_b": p.ruled.get(p.b, 0),
                "categories": [
                    {"kind": k, "code": c, "name": names.get((k, c), ""), "returns": r, "arbitrations": a}
                    for (k, c), (r, a) in sorted(p.categories.items(), key=lambda i: (-sum(i[1]), i[0]))
                ],
            }
            for p in shown
        ],
        "matrix": {
            "units": [ref(pk) for pk in busiest],
            # [row, column, returns]: the row's unit sent that many cases back naming the column's.
            "cells": [
                [i, j, flows[(x, y)]]
                for i, x in enumerate(busiest)
                for j, y in enumerate(busiest)
                if flows.get((x, y))
            ],
        },
    }


def _busiest(flows: dict[tuple[int, int], int], size: int) -> list[int]:
    """The units most involved in returns (given or named), most first."""
    involved: dict[int, int] = defaultdict(int)
    for (giver, taker), n in flows.items():
        involved[giver] += n
        involved[taker] += n
    return [pk for pk, _n in sorted(involved.items(), key=lambda i: (-i[1], i[0]))[:size]]

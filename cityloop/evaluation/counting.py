"""Counting: run the families' queries once per computation (:class:`Tally`), and find the cases
behind a count with the very definition the count came from (:func:`case_ids`)."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db.models import Count, Q, QuerySet

from cityloop.cases.models import Case

from .measures import DERIVED, FAMILIES, MEASURES, Family, Measure, Window


def _count(measure: Measure, w: Window, case_field: str) -> Count:
    # Summing up a rollup is only right for plain row counts: per-case families never roll up.
    if measure.per_case:
        return Count(case_field, filter=measure.when(w), distinct=True)
    return Count("pk", filter=measure.when(w))


def _query(
    family: Family, fields: tuple[str, ...], w: Window, executed: list[int] | None = None
) -> dict[tuple[Any, ...], dict[str, int]]:
    """One query per family (per step for the steps family); zeros where a group lacks a measure."""
    by_step: dict[str, list[Measure]] = {}
    for m in family.measures:
        by_step.setdefault(m.step, []).append(m)
    out: dict[tuple[Any, ...], dict[str, int]] = {}
    for step, chosen in by_step.items():
        base = family.base(w).filter(step=step) if step else family.base(w)
        aggregates = {m.key: _count(m, w, family.case_field) for m in chosen}
        if executed is not None:
            executed.append(1)
        for row in base.order_by().values(*fields).annotate(**aggregates):
            counts = out.setdefault(tuple(row[f] for f in fields), {m.key: 0 for m in family.measures})
            for m in chosen:
                counts[m.key] = row[m.key]
    return out


class Tally:
    """Counts for one computation: each family query runs once, however many subjects read it."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self._cache: dict[tuple[str, tuple[str, ...]], dict[tuple[Any, ...], dict[str, int]]] = {}
        self.queries = 0

    def _rows(self, family: Family, fields: tuple[str, ...]) -> dict[tuple[Any, ...], dict[str, int]]:
        key = (family.key, fields)
        if key not in self._cache:
            executed: list[int] = []
            self._cache[key] = _query(family, fields, self.window, executed)
            self.queries += len(executed)
        return self._cache[key]

    def by(self, family_key: str, group: str) -> dict[Any, dict[str, int]]:
        """Every measure of the family per value of ``group``; values with no rows are absent."""
        family = FAMILIES[family_key]
        fields = family.rollup if group in family.rollup else (group,)
        position = fields.index(group)
        out: dict[Any, dict[str, int]] = {}
        for values, counts in self._rows(family, fields).items():
            subject = values[position]
            if subject is None:
                continue
            total = out.setdefault(subject, dict.fromkeys(counts, 0))
            for measure, n in counts.items():
                total[measure] += n
        return out


def add_derived(counts: dict[str, int]) -> dict[str, int]:
    """Fill in the derived measures (and zeros for missing parts) of one subject's counts."""
    for key, parts in DERIVED.items():
        counts[key] = sum(counts.get(p, 0) for p in parts)
    return counts


def case_ids(key: str, group: str, values: Iterable[Any], w: Window) -> QuerySet[Any]:
    """The ids of the cases behind measure ``key`` for subjects whose ``group`` is in ``values``."""
    if key in DERIVED:
        return Case.objects.filter(
            Q(pk__in=case_ids(DERIVED[key][0], group, values, w))
            | Q(pk__in=case_ids(DERIVED[key][1], group, values, w))
        ).values("pk")
    family, measure = MEASURES[key]
    rows = family.base(w).filter(**{f"{group}__in": list(values)}).filter(measure.when(w))
    return rows.order_by().values(family.case_field)


def rows_behind(key: str, group: str, values: Iterable[Any], w: Window) -> int:
    """How many rows (or cases, for per-case measures) are behind a count: the drill-down's total."""
    if key in DERIVED:
        return sum(rows_behind(k, group, values, w) for k in DERIVED[key])
    family, measure = MEASURES[key]
    rows = family.base(w).filter(**{f"{group}__in": list(values)}).filter(measure.when(w))
    if measure.per_case:
        return rows.order_by().values(family.case_field).distinct().count()
    return rows.count()

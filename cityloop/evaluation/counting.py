"""Counting: run the families' queries once per computation (:class:`Tally`), and find the cases
behind a count with the very definition the count came from (:func:`case_ids`)."""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from contextlib import contextmanager
from typing import Any

from django.conf import settings
from django.db import connection, connections
from django.db.models import Count, Q, QuerySet

from cityloop.cases.models import Case

from .measure_types import Family, Measure, Window
from .measures import DERIVED, FAMILIES, MEASURES


def _count(measure: Measure, w: Window, case_field: str) -> Count:
    # Summing up a rollup is only right for plain row counts: per-case families never roll up.
    if measure.per_case:
        return Count(case_field, filter=measure.when(w), distinct=True)
    return Count("pk", filter=measure.when(w))


Task = tuple[Family, tuple[str, ...], str, list[Measure]]
Rows = dict[tuple[Any, ...], dict[str, int]]


def _tasks(family: Family, fields: tuple[str, ...]) -> list[Task]:
    """The queries a family needs: one, or one per step for the steps family."""
    by_step: dict[str, list[Measure]] = {}
    for m in family.measures:
        by_step.setdefault(m.step, []).append(m)
    return [(family, fields, step, chosen) for step, chosen in by_step.items()]


# PostgreSQL keeps the sets a count is matched against (cases closed in the month …) in memory only
# if they fit in work_mem; otherwise it re-reads the set for every row. A month of a large city needs
# more than the default 4 MB, so the counting queries get more for their own duration.
WORK_MEM = "256MB"


@contextmanager
def _analytics_session() -> Iterator[None]:
    if connection.vendor != "postgresql":
        yield
        return
    with connection.cursor() as cursor:
        cursor.execute("SELECT current_setting('work_mem')")
        before = cursor.fetchone()[0]
        cursor.execute("SELECT set_config('work_mem', %s, false)", [WORK_MEM])
    try:
        yield
    finally:
        with connection.cursor() as cursor:
            cursor.execute("SELECT set_config('work_mem', %s, false)", [before])


def _run(task: Task, w: Window) -> list[dict[str, Any]]:
    family, fields, step, chosen = task
    base = family.base(w).filter(step=step) if step else family.base(w)
    aggregates = {m.key: _count(m, w, family.case_field) for m in chosen}
    with _analytics_session():
        return list(base.order_by().values(*fields).annotate(**aggregates))


def _run_in_thread(task: Task, w: Window) -> list[dict[str, Any]]:
    try:
        return _run(task, w)
    finally:
        connections.close_all()  # this worker thread's own connections


def _parallel() -> int:
    """Worker threads for the counting queries: several when reading committed data (each thread has
    its own connection; SQLite's WAL and PostgreSQL serve concurrent readers), one inside a
    transaction, whose uncommitted rows other connections cannot see."""
    if connection.in_atomic_block:
        return 1
    # Opt-in (setting CITYLOOP_EVALUATION_WORKERS): on a busy two-core machine it gained nothing.
    return max(1, int(getattr(settings, "CITYLOOP_EVALUATION_WORKERS", 1)))


def _merge(into: Rows, task: Task, rows: list[dict[str, Any]]) -> None:
    family, fields, _, chosen = task
    for row in rows:
        counts = into.setdefault(tuple(row[f] for f in fields), {m.key: 0 for m in family.measures})
        for m in chosen:
            counts[m.key] = row[m.key]


class Tally:
    """Counts for one computation: each family query runs once, however many subjects read it."""

    def __init__(self, window: Window) -> None:
        self.window = window
        self._cache: dict[tuple[str, tuple[str, ...]], Rows] = {}
        self.queries = 0

    @staticmethod
    def fields(family_key: str, group: str) -> tuple[str, ...]:
        family = FAMILIES[family_key]
        return family.rollup if group in family.rollup else (group,)

    def prefetch(self, pairs: Iterable[tuple[str, str]]) -> None:
        """Run the queries for these (family, group) pairs, several at a time when possible."""
        wanted = {(f, self.fields(f, g)) for f, g in pairs} - set(self._cache)
        tasks = [t for f, fields in sorted(wanted) for t in _tasks(FAMILIES[f], fields)]
        workers = min(_parallel(), len(tasks))
        if workers > 1:
            with ThreadPoolExecutor(max_workers=workers) as pool:
                results = list(pool.map(lambda t: _run_in_thread(t, self.window), tasks))
        else:
            results = [_run(t, self.window) for t in tasks]
        for f, fields in wanted:
            self._cache[(f, fields)] = {}
        for task, rows in zip(tasks, results, strict=True):
            _merge(self._cache[(task[0].key, task[1])], task, rows)
        self.queries += len(tasks)

    def by(self, family_key: str, group: str) -> dict[Any, dict[str, int]]:
        """Every measure of the family per value of ``group``; values with no rows are absent."""
        fields = self.fields(family_key, group)
        self.prefetch([(family_key, group)])
        position = fields.index(group)
        out: dict[Any, dict[str, int]] = {}
        for values, counts in self._cache[(family_key, fields)].items():
            subject = values[position]
            if subject is None:
                continue
            total = out.setdefault(subject, dict.fromkeys(counts, 0))
            for measure, n in counts.items():
                total[measure] += n
        return out


def add_derived(counts: dict[str, int], keys: Iterable[str] | None = None) -> dict[str, int]:
    """Fill in the derived measures of one subject's counts (those in ``keys``, default all)."""
    wanted = set(DERIVED if keys is None else keys)
    for key, parts in DERIVED.items():
        if key in wanted:
            counts[key] = sum(counts.get(p, 0) for p in parts)
    return counts


def case_ids(key: str, group: str, values: Iterable[Any], w: Window) -> QuerySet[Any]:
    """The ids of the cases behind measure ``key`` for subjects whose ``group`` is in ``values``."""
    if key in DERIVED:
        values = list(values)
        either = Q()
        for part in DERIVED[key]:
            either |= Q(pk__in=case_ids(part, group, values, w))
        return Case.objects.filter(either).values("pk")
    family, measure = MEASURES[key]
    if not family.counts_cases:
        return Case.objects.none().values("pk")
    rows = family.base(w).filter(**{f"{group}__in": list(values)}).filter(measure.when(w))
    return rows.order_by().values(family.case_field)


def rows_behind(key: str, group: str, values: Iterable[Any], w: Window) -> int:
    """How many rows (or cases, for per-case measures) are behind a count: the drill-down's total."""
    if key in DERIVED:
        values = list(values)
        return sum(rows_behind(k, group, values, w) for k in DERIVED[key])
    family, measure = MEASURES[key]
    rows = family.base(w).filter(**{f"{group}__in": list(values)}).filter(measure.when(w))
    if measure.per_case:
        return rows.order_by().values(family.case_field).distinct().count()
    return rows.count()

"""The closings roll-up (``Closing``) that makes recurrence (回潮) a count of indexed rows: per closed
case, the first report of the same subclass at the same grid, and at the same resolution-9 hexagon,
after it closed (within ``WINDOW``).

Kept by the roll-up's sweep, in two directions:

- **closing side**: cases closed since the last sweep (and, once an hour, all those closed in the last
  24 hours, which catches late commits) get their row written again, with their first re-report found
  among the cases reported after them;
- **report side**: each case reported since the last sweep is offered to the closings at its spot in
  the ``WINDOW`` before it; a closing keeps the earliest report (never a later one), so offering a
  report twice changes nothing.

Matching is one merge of closings sorted by closing time with reports sorted by report time: a report
takes every closing at its spot that closed before it and has not been matched yet. ``rebuild`` runs it
once over the whole history."""

from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

from django.db import connection, transaction
from django.db.models import Exists, Max, Min, OuterRef, Q
from django.utils import timezone

from cityloop.cases.models import Case

from .models import Closing, RollupState
from .rollup import COUNTED, parents

STATE = "closings"
SETTLED = "closings-settled"  # the watermark at the last settling
LATE_IDS = 200  # ids below the last settling's watermark offered again (a commit straddling it)
WINDOW = dt.timedelta(days=180)  # the longest recurrence window the API accepts
SETTLE = dt.timedelta(hours=24)
# How long a closing's transaction may stay uncommitted and still be caught by the next settling:
# an hourly settling rewrites the closings since the previous one less this margin (at most SETTLE
# back), not a whole day's again (at 1,000,000 cases a year: 2,356 closings rewritten → about 100).
LATE_COMMIT = dt.timedelta(hours=1)
REOPEN_CHECK = dt.timedelta(days=30)  # closings this recent are dropped when their case reopened
INSERT_BATCH = 5_000
CHUNK = 5_000
QUARTER = dt.timedelta(days=91)
# Reports after a batch's first beyond which the batch is taken to reach far back (an import with its
# history) and offered to every closing at its spots instead (see ``_candidates``).
LATER = 20_000

CLOSED_FIELDS = (
    "pk",
    "number",
    "closed_at",
    "district_id",
    "street_id",
    "community_id",
    "responsible_unit_id",
    "grid_id",
    "h3",
    "category_id",
)
REPORT_FIELDS = ("pk", "number", "reported_at", "grid_id", "h3", "category_id")


@dataclass(slots=True)
class Link:
    """A closing's first re-report at one kind of spot: the report's id, number and the gap."""

    case_id: int
    number: str
    gap: int  # seconds from the closing


@dataclass(slots=True)
class Pending:
    case_id: int
    closed_at: dt.datetime
    grid_key: tuple[Any, int]
    hex_key: tuple[str, int]
    grid: Link | None = None
    hex: Link | None = None


def _keys(grid: int | None, cell: str, category: int) -> tuple[tuple[Any, int], tuple[str, int]]:
    return (grid, category), (parents(cell)[1], category)


def match(closings: list[Pending], reports: Iterable[tuple[Any, ...]]) -> None:
    """Set each closing's first re-report at its grid and its hexagon from ``reports`` (rows of
    REPORT_FIELDS in report-time order), within ``WINDOW`` after the closing."""
    ordered = sorted(closings, key=lambda c: c.closed_at)
    waiting: dict[str, dict[tuple[Any, int], list[Pending]]] = {
        "grid": defaultdict(list),
        "hex": defaultdict(list),
    }
    i = 0
    for pk, number, reported, grid, cell, category in reports:
        while i < len(ordered) and ordered[i].closed_at < reported:
            c = ordered[i]
            if c.grid_key[0] is not None:
                waiting["grid"][c.grid_key].append(c)
            if c.hex_key[0]:
                waiting["hex"][c.hex_key].append(c)
            i += 1
        if category is None:
            continue
        grid_key, hex_key = _keys(grid, cell, category)
        for kind, key in (("grid", grid_key), ("hex", hex_key)):
            found = waiting[kind].pop(key, None)
            for c in found or ():
                gap = reported - c.closed_at
                if gap <= WINDOW and c.case_id != pk:
                    setattr(c, kind, Link(pk, number, int(gap.total_seconds())))


def _reports(query: Q, start: dt.datetime, end: dt.datetime) -> Iterator[tuple[Any, ...]]:
    return (
        Case.objects.filter(COUNTED, query, reported_at__gt=start, reported_at__lte=end)
        .order_by("reported_at", "pk")
        .values_list(*REPORT_FIELDS)
        .iterator(chunk_size=CHUNK)
    )


def _pending(rows: Iterable[tuple[Any, ...]]) -> tuple[list[Pending], dict[int, tuple[Any, ...]]]:
    out, by_id = [], {}
    for row in rows:
        pk, _n, closed_at, _d, _s, _c, _u, grid, cell, category = row
        grid_key, hex_key = _keys(grid, cell, category)
        out.append(Pending(pk, closed_at, grid_key, hex_key))
        by_id[pk] = row
    return out, by_id


def _closing(row: tuple[Any, ...], p: Pending) -> Closing:
    pk, number, closed_at, district, street, community, unit, grid, cell, category = row
    return Closing(
        case_id=pk,
        number=number,
        closed_at=closed_at,
        district_id=district,
        street_id=street,
        community_id=community,
        responsible_unit_id=unit,
        grid_id=grid,
        h3_9=parents(cell)[1],
        category_id=category,
        grid_again_id=p.grid.case_id if p.grid else None,
        grid_again_number=p.grid.number if p.grid else "",
        grid_gap=p.grid.gap if p.grid else None,
        hex_again_id=p.hex.case_id if p.hex else None,
        hex_again_number=p.hex.number if p.hex else "",
        hex_gap=p.hex.gap if p.hex else None,
    )


def _closed_cases() -> Any:
    return Case.objects.filter(COUNTED, state="closed", closed_at__isnull=False, category__isnull=False)


def write_closings(rows: list[tuple[Any, ...]]) -> int:
    """Write (again) the closings of ``rows`` (CLOSED_FIELDS of closed cases), each with its first
    re-report read from the cases reported after it, in one transaction."""
    if not rows:
        return 0
    pending, by_id = _pending(rows)
    first = min(p.closed_at for p in pending)
    last = max(p.closed_at for p in pending)
    districts = sorted({r[3] for r in rows})
    categories = sorted({r[9] for r in rows})
    match(pending, _reports(Q(district_id__in=districts, category_id__in=categories), first, last + WINDOW))
    with transaction.atomic():
        ids = [p.case_id for p in pending]
        for k in range(0, len(ids), 900):
            Closing.objects.filter(case_id__in=ids[k : k + 900]).delete()
        Closing.objects.bulk_create((_closing(by_id[p.case_id], p) for p in pending), batch_size=INSERT_BATCH)
    return len(pending)


def _candidates(reports: list[tuple[Any, ...]]) -> dict[int, list[Any]]:
    """The closings a batch of reports (in report-time order) may be re-reports of, closed in the
    ``WINDOW`` before them. A closing can take a report only if it holds no re-report of that kind
    of spot yet, or holds one reported after the batch's first report: most closings at a busy spot
    hold an earlier one long since and are left in the database (20,000,000 cases a year: 147,000
    closings read and matched for an hour's batch before, see docs/analytics.md)."""
    start, end = reports[0][2] - WINDOW, reports[-1][2]
    fields = (
        *("case_id", "closed_at", "grid_id", "h3_9", "category_id"),
        *("grid_again_id", "grid_again_number", "grid_gap", "hex_again_id", "hex_again_number", "hex_gap"),
    )
    found: dict[int, list[Any]] = {}

    def take(rows: Iterable[tuple[Any, ...]]) -> None:
        # The window is applied here, not in SQL: given a range on the closing time, SQLite may
        # prefer that index (the whole window's closings) to the spot's.
        for row in rows:
            if start <= row[1] < end:
                found[row[0]] = list(row)

    later = list(Case.objects.filter(reported_at__gt=reports[0][2]).values_list("pk", flat=True)[: LATER + 1])
    holding_later = len(later) <= LATER
    if holding_later:  # the usual sweep: those holding a later report are found by it
        for link in ("grid_again_id", "hex_again_id"):
            for k in range(0, len(later), 900):
                take(Closing.objects.filter(**{f"{link}__in": later[k : k + 900]}).values_list(*fields))
    # A batch reaching far back (an import with its history): every closing at its spots is offered.
    grids: dict[int, set[int]] = defaultdict(set)
    hexes: dict[int, set[str]] = defaultdict(set)
    for _pk, _n, _at, grid, cell, category in reports:
        if grid is not None:
            grids[category].add(grid)
        if hexagon := parents(cell)[1]:
            hexes[category].add(hexagon)
    wanted: list[tuple[str, str, int, list[Any]]] = [
        ("grid_id", "grid_again_id", c, sorted(g)) for c, g in grids.items()
    ]
    wanted += [("h3_9", "hex_again_id", c, sorted(h)) for c, h in hexes.items()]
    for column, link, category, spots in wanted:
        holding_none = {f"{link}__isnull": True} if holding_later else {}
        for k in range(0, len(spots), 900):
            take(
                Closing.objects.filter(
                    **holding_none,
                    **{f"{column}__in": spots[k : k + 900]},
                    category_id=category,
                    closed_at__gte=start,
                    closed_at__lt=end,
                ).values_list(*fields)
            )
    return found


def _update_links(rows: list[list[Any]]) -> None:
    """Write the re-report links of closings (one prepared UPDATE run for every row: many thousand
    rows a sweep when a quiet city's closings get their first re-reports)."""
    if not rows:
        return
    meta = Closing._meta
    columns = [
        "grid_again_id",
        "grid_again_number",
        "grid_gap",
        "hex_again_id",
        "hex_again_number",
        "hex_gap",
    ]
    qn = connection.ops.quote_name
    sets = ", ".join(f"{qn(c)} = %s" for c in columns)  # plain fields: the names are the columns
    sql = f"UPDATE {qn(meta.db_table)} SET {sets} WHERE {qn(meta.pk.column)} = %s"
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.executemany(sql, rows)


def offer_reports(reports: list[tuple[Any, ...]]) -> int:
    """Offer new reports (REPORT_FIELDS rows) to the closings at their spots in the ``WINDOW`` before
    them; a closing takes a report only when it is earlier than the one it holds. Returns how many
    closings changed."""
    reports = sorted((r for r in reports if r[5] is not None), key=lambda r: (r[2], r[0]))
    if not reports:
        return 0
    held = _candidates(reports)
    pending = [Pending(pk, row[1], (row[2], row[4]), (row[3], row[4])) for pk, row in held.items()]
    match(pending, reports)
    changed: list[list[Any]] = []
    for p in pending:
        row, dirty = held[p.case_id], False
        if p.grid and (row[7] is None or p.grid.gap < row[7]):
            row[5:8] = [p.grid.case_id, p.grid.number, p.grid.gap]
            dirty = True
        if p.hex and (row[10] is None or p.hex.gap < row[10]):
            row[8:11] = [p.hex.case_id, p.hex.number, p.hex.gap]
            dirty = True
        if dirty:
            changed.append([*row[5:11], row[0]])
    _update_links(changed)
    return len(changed)


def _drop_reopened(now: dt.datetime) -> int:
    """Drop the recent closings whose case is no longer closed (reopened after an unsatisfied
    return visit, voided or merged). Compared in the database: the month's closings are tens of
    thousands of rows in a big city, and reading both lists into Python cost most of a settling."""
    since = now - REOPEN_CHECK
    still_closed = _closed_cases().filter(pk=OuterRef("case_id"))
    gone = list(
        Closing.objects.filter(closed_at__gte=since)
        .exclude(Exists(still_closed))
        .values_list("case_id", flat=True)
    )
    for k in range(0, len(gone), 900):
        Closing.objects.filter(case_id__in=gone[k : k + 900]).delete()
    return len(gone)


def _chunks(rows: Iterator[tuple[Any, ...]]) -> Iterator[list[tuple[Any, ...]]]:
    chunk: list[tuple[Any, ...]] = []
    for row in rows:
        chunk.append(row)
        if len(chunk) >= CHUNK:
            yield chunk
            chunk = []
    if chunk:
        yield chunk


def refresh(
    now: dt.datetime, new_reports: list[tuple[Any, ...]] | None = None, *, settle: bool
) -> dict[str, int]:
    """The sweep's step: write the closings of cases closed since the last sweep (when ``settle``:
    since the last settling less ``LATE_COMMIT``, at most 24 hours back), then offer the cases
    reported since the last sweep to the closings before them."""
    state = RollupState.objects.filter(name=STATE).first()
    if state is None:  # never built: the first refresh reads the whole history once
        return {**rebuild(), "relinked": 0, "dropped": 0}
    mark = state.settled_at
    if settle:
        settled = RollupState.objects.filter(name=SETTLED).values_list("settled_at", flat=True).first()
        since = max(now - SETTLE, settled - LATE_COMMIT) if settled else now - SETTLE
    else:
        since = now - SETTLE if mark is None else mark - dt.timedelta(minutes=5)
    # Closed since the last sweep, and new cases that arrived closed (an import with its history).
    fresh = Q(closed_at__gte=since) | Q(pk__gt=state.last_case_id)
    closed_rows = list(_closed_cases().filter(fresh).order_by().values_list(*CLOSED_FIELDS))
    written = 0
    for k in range(0, len(closed_rows), CHUNK):
        written += write_closings(closed_rows[k : k + CHUNK])
    last = state.last_case_id
    offered = 0
    if new_reports is None:
        new_reports = []
        while True:
            batch = list(
                Case.objects.filter(COUNTED, pk__gt=last).order_by("pk").values_list(*REPORT_FIELDS)[:CHUNK]
            )
            if not batch:
                break
            last = batch[-1][0]
            offered += offer_reports(batch)
    else:
        offered = offer_reports(new_reports)
        last = max([last, *(r[0] for r in new_reports)])
    if settle:
        # Reports committed late under an id below the watermark: those since the last settling are
        # offered again (offering a report twice changes nothing).
        mark_row, _ = RollupState.objects.get_or_create(name=SETTLED, defaults={"last_case_id": last})
        # Up to the watermark this sweep started from: the reports above it were just offered.
        since_id, upto = mark_row.last_case_id - LATE_IDS, state.last_case_id
        recent = (
            Case.objects.filter(COUNTED, pk__gt=since_id, pk__lte=upto).order_by().values_list(*REPORT_FIELDS)
        )
        for chunk in _chunks(recent.iterator(chunk_size=CHUNK)):
            offered += offer_reports(chunk)
        RollupState.objects.filter(pk=mark_row.pk).update(last_case_id=last, settled_at=now)
    dropped = _drop_reopened(now) if settle else 0
    top = Case.objects.aggregate(top=Max("pk"))["top"] or 0
    RollupState.objects.filter(pk=state.pk).update(
        last_case_id=min(max(last, state.last_case_id), top), settled_at=now, updated_at=timezone.now()
    )
    return {"closings": written, "relinked": offered, "dropped": dropped}


def rebuild() -> dict[str, int]:
    """Drop the closings and find every closed case's first re-report again: per district and
    quarter of closings, one pass over the cases reported from the quarter's start to ``WINDOW``
    after its end (a quarter at a time keeps the memory bounded over millions of cases)."""
    now = timezone.now()
    top = Case.objects.aggregate(top=Max("pk"))["top"] or 0
    Closing.objects.all().delete()
    RollupState.objects.filter(name__in=[STATE, SETTLED]).delete()
    written = 0
    closed = _closed_cases().order_by()
    for district in sorted(set(closed.values_list("district_id", flat=True).distinct())):
        span = closed.filter(district_id=district).aggregate(first=Min("closed_at"), last=Max("closed_at"))
        start = span["first"]
        while start is not None and start <= span["last"]:
            end = start + QUARTER
            rows = list(
                closed.filter(district_id=district, closed_at__gte=start, closed_at__lt=end).values_list(
                    *CLOSED_FIELDS
                )
            )
            if rows:
                pending, by_id = _pending(rows)
                match(pending, _reports(Q(district_id=district), start, end + WINDOW))
                with transaction.atomic():
                    Closing.objects.bulk_create(
                        (_closing(by_id[p.case_id], p) for p in pending), batch_size=INSERT_BATCH
                    )
                written += len(pending)
            start = end
    RollupState.objects.create(name=STATE, last_case_id=top, settled_at=now)
    RollupState.objects.create(name=SETTLED, last_case_id=top, settled_at=now)
    return {"closings": written}

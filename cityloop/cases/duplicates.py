"""Likely duplicates: the open cases near a report that probably tell of the same problem.

A supervisor photographs a cover a citizen reported an hour ago; two callers ring about the same
smell. Before a person has to think, the open cases of the same subclass (or, with words in common,
of a related one: the same class, or not classified yet) within the category's window are scored
and the likely ones offered. The window is data on the category (``duplicate_radius_m``,
``duplicate_days``; the class's when the subclass has none): a fixed object is reported at itself,
30 m by default for components, a smell or a noise from anywhere around, 300 m by default for
events; 7 days either way.

The score (0 to 1) weighs what makes two reports one problem:

- the same subclass: 0.5, plus up to 0.3 for nearness and 0.2 for words in common. Two reports of
  one subclass inside its window are offered even in different words (a cover is a cover);
- a related category: 0.6 for words in common and 0.2 for nearness, offered only when the words
  overlap (``RELATED_TEXT``): a different problem at the same spot is not a duplicate.

Words in common are the Jaccard overlap of the two descriptions' search terms (Chinese character
pairs and words, :mod:`cityloop.cases.search`). Candidates come from the case table's H3 index
(cells at resolution 11 around the point, by equality) and the open states, so a look-up reads a
few rows whatever the size of the table.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Any

import h3
from django.db.models import QuerySet

from cityloop.assets.nearest import haversine_m
from cityloop.catalog.lookup import category_by_id
from cityloop.catalog.models import Category, Kind

from .models import Case
from .reporting import H3_RESOLUTION
from .search import index_terms
from .workflow.spec import OPEN_STATES

DEFAULT_RADIUS_M = {Kind.COMPONENT: 30, Kind.EVENT: 300}
DEFAULT_DAYS = 7
# Centres of neighbouring resolution-11 cells are about 49 m apart (edge 28.7 m × √3).
CELL_SPACING_M = 49.0
OFFER_SCORE = 0.5
RELATED_TEXT = 0.3
MAX_OFFERED = 5
# Rows read at most around one point: a busy crossing's open cases, not a table scan.
MAX_CANDIDATES = 300


@dataclass(frozen=True)
class LikelyDuplicate:
    """An open case that probably tells of the same problem, and how sure and how far."""

    case_id: int
    number: str
    score: float
    distance_m: float

    def as_json(self) -> dict[str, Any]:
        return {
            "id": self.case_id,
            "number": self.number,
            "score": round(self.score, 3),
            "distance_m": round(self.distance_m, 1),
        }


def window(category: Category | None) -> tuple[int, int]:
    """``(radius in metres, days)`` within which reports of ``category`` may be one problem."""
    if category is None:
        return DEFAULT_RADIUS_M[Kind.EVENT], DEFAULT_DAYS
    category = category_by_id(category.pk)  # with its class, kept per process
    parent = category.parent if category.parent_id else None
    radius = category.duplicate_radius_m or (parent.duplicate_radius_m if parent else None)
    days = category.duplicate_days or (parent.duplicate_days if parent else None)
    return radius or DEFAULT_RADIUS_M[Kind(category.kind)], days or DEFAULT_DAYS


def word_overlap(a: str, b: str) -> float:
    """Jaccard overlap of two texts' search terms: 1 for the same words, 0 for none in common."""
    left, right = set(index_terms([a]).split()), set(index_terms([b]).split())
    if not left or not right:
        return 0.0
    return len(left & right) / len(left | right)


def find(
    *,
    within: QuerySet[Case],
    lon: float,
    lat: float,
    at: dt.datetime,
    category: Category | None,
    text: str,
    exclude: int | None = None,
) -> list[LikelyDuplicate]:
    """The likely duplicates among ``within`` (the cases the asker may see) of a report at
    ``(lon, lat)`` at time ``at``: best first, at most ``MAX_OFFERED``."""
    radius, days = window(category)
    cells = _cells_around(lon, lat, radius)
    span = dt.timedelta(days=days)
    near = within.filter(
        h3__in=cells,
        state__in=sorted(OPEN_STATES),
        reported_at__gte=at - span,
        reported_at__lte=at + span,
        duplicate_of__isnull=True,
    )
    if exclude is not None:
        near = near.exclude(pk=exclude)
    rows = near.order_by("-reported_at").values_list(
        "pk", "number", "lon", "lat", "description", "category_id", "category__parent_id"
    )[:MAX_CANDIDATES]
    found: list[LikelyDuplicate] = []
    for pk, number, other_lon, other_lat, description, category_id, parent_id in rows:
        distance = haversine_m(lon, lat, other_lon, other_lat)
        score = _score(category, text, distance, radius, category_id, parent_id, description)
        if score is not None:
            found.append(LikelyDuplicate(pk, number, score, distance))
    found.sort(key=lambda d: (-d.score, d.distance_m))
    return found[:MAX_OFFERED]


def _cells_around(lon: float, lat: float, radius: float) -> list[str]:
    """The case table's H3 cells (resolution 11) that hold every point within ``radius`` metres."""
    rings = math.ceil(radius / CELL_SPACING_M) + 1
    return list(h3.grid_disk(h3.latlng_to_cell(lat, lon, H3_RESOLUTION), rings))


def find_any(
    *,
    within: QuerySet[Case],
    lon: float,
    lat: float,
    at: dt.datetime,
    categories: list[Category],
    text: str,
) -> list[LikelyDuplicate]:
    """:func:`find` for a report whose subclass is one of ``categories`` (suggested, not chosen yet;
    none: by the words alone), each case offered once with its best score."""
    best: dict[int, LikelyDuplicate] = {}
    asked: list[Category | None] = list(categories) or [None]
    for category in asked:
        for found in find(within=within, lon=lon, lat=lat, at=at, category=category, text=text):
            if found.case_id not in best or found.score > best[found.case_id].score:
                best[found.case_id] = found
    return sorted(best.values(), key=lambda d: (-d.score, d.distance_m))[:MAX_OFFERED]


def _score(
    category: Category | None,
    text: str,
    distance: float,
    radius: int,
    other_category_id: int | None,
    other_parent_id: int | None,
    other_text: str,
) -> float | None:
    """How likely another open case tells of the same problem; None below ``OFFER_SCORE``."""
    if distance > radius:
        return None
    nearness = 1.0 - distance / radius
    words = word_overlap(text, other_text)
    if category is not None and other_category_id == category.pk:
        score = 0.5 + 0.3 * nearness + 0.2 * words
    elif _related(category, other_category_id, other_parent_id) and words >= RELATED_TEXT:
        score = 0.6 * words + 0.2 * nearness
    else:
        return None
    return score if score >= OFFER_SCORE else None


def flagged(cases: list[Case], within: QuerySet[Case]) -> set[int]:
    """The ids of ``cases`` (a page of the queue) that have a likely duplicate among ``within``: one
    query for the whole page, its cells and times together, instead of one per case."""
    asking = [c for c in cases if c.state in OPEN_STATES and c.duplicate_of_id is None]
    if not asking:
        return set()
    windows = {c.pk: window(c.category) for c in asking}
    cells: set[str] = set()
    for c in asking:
        cells.update(_cells_around(c.lon, c.lat, windows[c.pk][0]))
    longest = dt.timedelta(days=max(days for _radius, days in windows.values()))
    earliest = min(c.reported_at for c in asking) - longest
    latest = max(c.reported_at for c in asking) + longest
    rows = list(
        within.filter(
            h3__in=sorted(cells),
            state__in=sorted(OPEN_STATES),
            reported_at__gte=earliest,
            reported_at__lte=latest,
            duplicate_of__isnull=True,
        ).values_list("pk", "lon", "lat", "reported_at", "description", "category_id", "category__parent_id")[
            : MAX_CANDIDATES * 4
        ]
    )
    found: set[int] = set()
    for c in asking:
        radius, days = windows[c.pk]
        span = dt.timedelta(days=days)
        for pk, lon, lat, at, text, category_id, parent_id in rows:
            if pk == c.pk or abs(at - c.reported_at) > span:
                continue
            distance = haversine_m(c.lon, c.lat, lon, lat)
            if _score(c.category, c.description, distance, radius, category_id, parent_id, text) is not None:
                found.add(c.pk)
                break
    return found


def _related(category: Category | None, other_id: int | None, other_parent_id: int | None) -> bool:
    """Either not classified yet, or both subclasses of one class."""
    if category is None or other_id is None:
        return True
    return category.parent_id is not None and category.parent_id == other_parent_id


def of_case(case: Case, within: QuerySet[Case]) -> list[LikelyDuplicate]:
    """The likely duplicates of an existing case, among ``within``. A case already marked a
    duplicate, or no longer open, is offered none."""
    if case.duplicate_of_id is not None or case.state not in OPEN_STATES:
        return []
    return find(
        within=within,
        lon=case.lon,
        lat=case.lat,
        at=case.reported_at,
        category=case.category,
        text=case.description,
        exclude=case.pk,
    )


@dataclass(frozen=True)
class Pair:
    """Two open cases that probably tell of one problem: the later one and the earlier."""

    later: Case
    earlier: LikelyDuplicate


def pairs(since: dt.datetime, until: dt.datetime, within: QuerySet[Case]) -> list[Pair]:
    """For review: each open case of ``within`` reported in ``[since, until)`` with the earlier open
    cases it likely repeats (a pair is listed once, from its later case), oldest first."""
    found: list[Pair] = []
    later_cases = (
        within.filter(
            reported_at__gte=since,
            reported_at__lt=until,
            state__in=sorted(OPEN_STATES),
            duplicate_of__isnull=True,
        )
        .select_related("category")
        .order_by("reported_at", "pk")
    )
    for case in later_cases.iterator(chunk_size=500):
        for likely in of_case(case, within.filter(reported_at__lte=case.reported_at)):
            found.append(Pair(case, likely))
    return found

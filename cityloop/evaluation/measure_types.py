"""The shapes of the evaluation's counts: the period's window, a measure, a family of measures."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from django.db.models import Q, QuerySet


@dataclass(frozen=True)
class Window:
    """What a computation looks at: the period ``[start, end)``, the cut-off for "before the end"
    (``min(end, now)``) and the districts of the evaluated area."""

    start: dt.datetime
    end: dt.datetime
    cutoff: dt.datetime
    districts: tuple[int, ...]


@dataclass(frozen=True)
class Measure:
    """One count: rows of its family matching ``when`` (counted once per case if ``per_case``)."""

    key: str
    label: str
    label_en: str
    when: Callable[[Window], Q] = field(default=lambda w: Q())
    per_case: bool = False
    step: str = ""  # in the "steps" family: the step it counts (one query per step)


@dataclass(frozen=True)
class Family:
    """A base query and the measures counted over it, grouped by one of ``groups``."""

    key: str
    base: Callable[[Window], QuerySet[Any]]
    groups: tuple[str, ...]
    measures: tuple[Measure, ...]
    case_field: str = "case_id"
    # Group fields that nest (grid → community → street → district): query once by all of them and
    # sum up.
    rollup: tuple[str, ...] = ()
    # False for families of rows that are not cases (survey answers): no drill-down to cases.
    counts_cases: bool = True

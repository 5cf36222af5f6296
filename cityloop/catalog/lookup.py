"""Reading the catalog as the case workflow needs it: which subclass, which registration conditions
apply at a place on a day, which step limit applies, and text search over names and conditions.

Every function takes the day (``on``) it answers for, today by default, so a case can be judged by
the rules of its registration day. Every report and transition asks these questions, so the answers
of ``category``, ``conditions_for`` and ``step_limit`` are kept briefly (``core.caching``): dropped
at once when this process saves catalog data, seen by other processes within 30 seconds.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, NamedTuple

from django.core.exceptions import ValidationError
from django.db.models import Q
from django.utils import timezone

from cityloop.core.caching import Memo
from cityloop.core.models import Unit

from .models import Category, Condition, Kind, Step, StepLimit, Urgency

STEPS = frozenset(Step.values)  # asked on every step a case starts

# Catalog rows shared by every caller: read them, never change them.
REFERENCE: Memo[object] = Memo("catalog")


def _day(on: dt.date | None) -> dt.date:
    return on or timezone.localdate()


def category(code: str, kind: str, on: dt.date | None = None) -> Category:
    """The class or subclass ``code`` of ``kind`` (component or event) in use on day ``on``.

    Raises ``ValidationError`` naming the problem: a malformed code, an unknown code, or a subclass
    not yet in use or already retired on that day.
    """
    if kind not in Kind.values:
        raise ValidationError({"kind": f"unknown kind {kind!r}; use component or event"})
    code = (code or "").strip()
    if not (code.isdigit() and len(code) in (2, 4)):
        raise ValidationError({"code": f"{code!r} is not a class (2 digits) or subclass (4 digits) code"})
    found = REFERENCE.get(
        ("category", kind, code),
        lambda: Category.objects.filter(kind=kind, code=code).select_related("parent").first(),
    )
    if not isinstance(found, Category):
        raise ValidationError({"code": f"there is no {kind} class or subclass {code}"})
    day = _day(on)
    if found.retired_from is not None and day >= found.retired_from:
        raise ValidationError(
            {"code": f"{kind} {code} {found.name} was retired on {found.retired_from.isoformat()}"}
        )
    if day < found.valid_from:
        raise ValidationError(
            {"code": f"{kind} {code} {found.name} is in use only from {found.valid_from.isoformat()}"}
        )
    return found


def _region_ids(region_units: Iterable[Unit | int]) -> dict[int, int]:
    """Region id → its depth in the tree; the deeper (street) wins over the shallower (district)."""
    units = list(region_units)
    ids = [u.pk if isinstance(u, Unit) else int(u) for u in units]
    depths = {u.pk: u.depth for u in units if isinstance(u, Unit)}
    missing = [i for i in ids if i not in depths]
    if missing:
        depths.update(dict(Unit.objects.filter(pk__in=missing).values_list("pk", "depth")))
    return depths


def conditions_for(
    category: Category, *, region_units: Iterable[Unit | int] = (), on: dt.date | None = None
) -> list[Condition]:
    """The registration conditions of a subclass in force on day ``on`` at a place lying in
    ``region_units`` (its street and district), ordered by number.

    Where a condition specific to one of those regions has the same number as a general one, the
    specific one wins (a street's over its district's); conditions specific to other regions are left out.
    """
    depths = _region_ids(region_units)
    day = _day(on)
    key = ("conditions", category.pk, tuple(sorted(depths.items())), day)
    found = REFERENCE.get(key, lambda: _conditions_for(category, depths, day))
    assert isinstance(found, list)
    return found


def _conditions_for(category: Category, depths: dict[int, int], day: dt.date) -> list[Condition]:
    rows = (
        Condition.objects.valid_at(day)
        .filter(category=category)
        .filter(Q(region__isnull=True) | Q(region_id__in=list(depths)))
        .select_related("urgency", "region", "category")
    )
    chosen: dict[int, tuple[int, Condition]] = {}
    for row in rows:
        rank = -1 if row.region_id is None else depths.get(row.region_id, 0)
        if row.number not in chosen or rank > chosen[row.number][0]:
            chosen[row.number] = (rank, row)
    return [chosen[n][1] for n in sorted(chosen)]


def condition(
    category: Category, number: int, *, region_units: Iterable[Unit | int] = (), on: dt.date | None = None
) -> Condition:
    """Registration condition ``number`` of a subclass as it applies at a place on a day.

    Raises ``ValidationError`` when the subclass has no such condition then and there.
    """
    for row in conditions_for(category, region_units=region_units, on=on):
        if row.number == number:
            return row
    numbers = [c.number for c in conditions_for(category, region_units=region_units, on=on)]
    hint = f"; it has {', '.join(map(str, numbers))}" if numbers else "; it has none in force"
    raise ValidationError(
        {"condition": f"{category.kind} {category.code} {category.name} has no condition {number}{hint}"}
    )


def category_by_id(pk: int) -> Category:
    """A class or subclass by id, with its parent class."""
    found = REFERENCE.get(("category_id", pk), lambda: Category.objects.select_related("parent").get(pk=pk))
    assert isinstance(found, Category)
    return found


def condition_version(pk: int) -> Condition:
    """One version of a registration condition, with its subclass and urgency (a case keeps the
    version in force on its registration day)."""
    found = REFERENCE.get(
        ("condition", pk),
        lambda: Condition.objects.select_related("category", "urgency").get(pk=pk),
    )
    assert isinstance(found, Condition)
    return found


class StepLimitRef(NamedTuple):
    """A step's time limit and the version (the ``StepLimit`` id) it came from."""

    amount: int
    unit: str
    version_ref: int


def urgency_of(urgency: Urgency | str) -> Urgency:
    """The urgency level for a code (``urgent``, ``normal`` …) or the level itself."""
    if isinstance(urgency, Urgency):
        return urgency
    found = Urgency.objects.filter(code=urgency).first()
    if found is None:
        known = ", ".join(Urgency.objects.values_list("code", flat=True))
        raise ValidationError({"urgency": f"unknown urgency {urgency!r}; use one of {known}"})
    return found


def step_limit(step: str, urgency: Urgency | str, *, on: dt.date | None = None) -> StepLimitRef:
    """The time limit of ``step`` (verify, register, dispatch, check, close) for ``urgency`` on day
    ``on``: ``(amount, unit, version_ref)``."""
    if step not in STEPS:
        raise ValidationError({"step": f"unknown step {step!r}; use one of {', '.join(Step.values)}"})
    code = urgency.code if isinstance(urgency, Urgency) else urgency
    found = REFERENCE.get(("step_limit", step, code, _day(on)), lambda: _step_limit(step, urgency, on))
    assert isinstance(found, StepLimitRef)
    return found


def _step_limit(step: str, urgency: Urgency | str, on: dt.date | None) -> StepLimitRef:
    level = urgency_of(urgency)
    row = (
        StepLimit.objects.valid_at(_day(on)).filter(step=step, urgency=level).order_by("-valid_from").first()
    )
    if row is None:
        raise ValidationError(
            {"step": f"no time limit for step {step} ({level.code}) on {_day(on).isoformat()}; set one"}
        )
    return StepLimitRef(row.amount, row.unit, row.pk)


@dataclass
class SearchHit:
    """A class or subclass found by text, with why: its name, and/or some of its conditions."""

    category: Category
    name_matched: bool
    conditions: list[Condition] = field(default_factory=list)


def name_match_rank(name: str, text: str) -> int:
    """How closely a Chinese name answers ``text``: 0 the name itself, 1 a name ending with it, 2 one
    starting with it, 3 one holding it elsewhere. Chinese names put the thing last (暴露垃圾 is a
    kind of 垃圾, 垃圾箱 a kind of 箱), so a name ending with the text is a kind of what was typed."""
    text = "".join(text.split()).lower()
    name = name.lower()
    if name == text:
        return 0
    if name.endswith(text):
        return 1
    return 2 if name.startswith(text) else 3


def search(
    text: str,
    *,
    kind: str | None = None,
    on: dt.date | None = None,
    limit: int = 100,
    usage: Mapping[int, int] | None = None,
) -> list[SearchHit]:
    """Classes and subclasses whose code, Chinese or English name, or a condition in force, contains
    every word of ``text``. Typing 井盖 finds every manhole-cover subclass; 破损 finds the subclasses
    with a "damaged" condition. Name matches come first: the exact name, then the most used
    (``usage``: cases per category id, as the caller counts them), then by how closely the name
    answers the text (:func:`name_match_rank`), shorter names, kind and code."""
    words = [w for w in (text or "").split() if w]
    if not words:
        return []
    day = _day(on)
    cats = Category.objects.active(day).select_related("parent")
    if kind:
        cats = cats.filter(kind=kind)
    # The catalog is small (hundreds of subclasses, a few thousand condition versions), so matching is
    # done in Python: case-insensitive "contains" that reads the same on SQLite and PostgreSQL.
    words = [w.lower() for w in words]
    names = {c.pk: (c, f"{c.name} {c.name_en}".lower()) for c in cats}
    hits: dict[int, SearchHit] = {
        pk: SearchHit(c, True)
        for pk, (c, name) in names.items()
        if all(w in name or c.code.startswith(w) for w in words)
    }
    conds = (
        Condition.objects.valid_at(day)
        .filter(category_id__in=list(names))
        .select_related("urgency", "region")
    )
    for cond in conds.order_by("category_id", "number", "region_id"):
        cat, name = names[cond.category_id]
        own = f"{cond.description} {cond.description_en}".lower()
        # A condition matches when its own text holds at least one word and the rest are in it or
        # in its subclass's name ("井盖 丢失" finds the "missing" condition of every cover).
        if any(w in own for w in words) and all(w in own or w in name for w in words):
            hits.setdefault(cat.pk, SearchHit(cat, False)).conditions.append(cond)
    used = usage or {}

    def rank(hit: SearchHit) -> tuple[Any, ...]:
        close = name_match_rank(hit.category.name, text)
        return (
            not hit.name_matched,
            close != 0,
            -used.get(hit.category.pk, 0),
            close,
            len(hit.category.name),
            hit.category.kind,
            hit.category.code,
        )

    ordered = sorted(hits.values(), key=rank)
    return ordered[:limit]

"""The rule set in memory: every rule compiled once per process, indexed by category and area.

A decision looks up at most a few dozen index keys (category pattern × area of the case) and sorts
the handful of rules it finds, so it never queries the database for rules. Each process keeps one
snapshot and rebuilds it when the rules, or the units and categories they name, change
(``cityloop.core.versioned``: every such write moves the ``routing.rules`` counter).
"""

from __future__ import annotations

import datetime as dt
import threading
from dataclasses import dataclass
from typing import Any

from cityloop.catalog.models import Category
from cityloop.core.models import Unit, UnitKind
from cityloop.core.versioned import Versioned

from .models import ROLE_TARGETS, TERRITORIAL_TARGETS, Rule

_FOREVER = dt.date.max.toordinal()
# How narrow an area is: at equal priority and category, a rule for a narrower area wins.
AREA_RANK = {
    "any": 0,
    UnitKind.CITY: 1,
    UnitKind.DISTRICT: 2,
    UnitKind.STREET: 3,
    UnitKind.COMMUNITY: 4,
    "grid": 5,
}
# Unit kinds preloaded into every snapshot (the area tree); other units are fetched when first named.
AREA_KINDS = (UnitKind.CITY, UnitKind.DISTRICT, UnitKind.STREET, UnitKind.COMMUNITY)

AreaKey = tuple[str, Any]  # ("any", 0) | ("unit", unit id) | ("grid", grid code)
CategoryKey = tuple[str, str, int | None]  # (kind, class/subclass code, condition) with "" for any


@dataclass(frozen=True, slots=True)
class UnitInfo:
    id: int
    code: str
    name: str
    name_en: str
    kind: str
    path: str
    valid_from: int
    valid_to: int

    def active(self, day: int) -> bool:
        return self.valid_from <= day < self.valid_to

    def ref(self) -> dict[str, Any]:
        return {"id": self.id, "code": self.code, "name": self.name, "kind": self.kind}


@dataclass(frozen=True, slots=True)
class CompiledRule:
    """A rule as decisions read it. ``sort_key`` orders candidates: best first."""

    id: int
    revision: int
    name: str
    purpose: str
    category: CategoryKey
    area: AreaKey
    area_rank: int
    category_rank: int
    level: str
    target: str
    target_unit_id: int | None
    priority: int
    auto_dispatch: bool
    source: str
    valid_from: int
    valid_to: int

    @property
    def sort_key(self) -> tuple[int, int, int, int, int]:
        return (-self.priority, -self.category_rank, -self.area_rank, -self.valid_from, -self.id)

    @property
    def rank(self) -> tuple[int, int, int]:
        """Rules with equal rank that name different units make a decision ambiguous."""
        return (self.priority, self.category_rank, self.area_rank)

    @property
    def territorial(self) -> bool:
        return self.target in TERRITORIAL_TARGETS

    @property
    def role(self) -> bool:
        return self.target in ROLE_TARGETS

    def ref(self) -> dict[str, Any]:
        return {"id": self.id, "revision": self.revision, "name": self.name, "source": self.source}


def category_rank(kind: str, code: str, condition: int | None) -> int:
    if condition is not None:
        return 4
    return {0: 1 if kind else 0, 2: 2, 4: 3}[len(code)]


class RuleSet:
    """An immutable snapshot of the rules, the area units and the category names."""

    def __init__(self, version: int) -> None:
        self.version = version
        self._lock = threading.Lock()
        self.units: dict[int, UnitInfo] = {}
        self._load_units(Unit.objects.filter(kind__in=AREA_KINDS))
        self.categories: dict[tuple[str, str], tuple[str, str]] = {
            (kind, code): (name, name_en)
            for kind, code, name, name_en in Category.objects.values_list("kind", "code", "name", "name_en")
        }
        self.index: dict[tuple[str, CategoryKey, AreaKey], list[CompiledRule]] = {}
        self.count = 0
        rows = Rule.objects.values_list(
            "id",
            "revision",
            "name",
            "purpose",
            "kind",
            "category_code",
            "condition_number",
            "area_unit_id",
            "area_unit__kind",
            "area_grid__code",
            "level",
            "target",
            "target_unit_id",
            "priority",
            "auto_dispatch",
            "source",
            "valid_from",
            "valid_to",
        )
        named: set[int] = set()
        for (
            pk,
            revision,
            name,
            purpose,
            kind,
            code,
            condition,
            area_unit,
            area_kind,
            grid_code,
            level,
            target,
            target_unit,
            priority,
            auto,
            source,
            valid_from,
            valid_to,
        ) in rows:
            if grid_code:
                area: AreaKey = ("grid", grid_code)
                area_rank = AREA_RANK["grid"]
            elif area_unit:
                area, area_rank = ("unit", area_unit), AREA_RANK.get(area_kind, 0)
            else:
                area, area_rank = ("any", 0), 0
            key: CategoryKey = (kind, code, condition)
            rule = CompiledRule(
                pk,
                revision,
                name,
                purpose,
                key,
                area,
                area_rank,
                category_rank(kind, code, condition),
                level,
                target,
                target_unit,
                priority,
                auto,
                source,
                valid_from.toordinal(),
                valid_to.toordinal() if valid_to else _FOREVER,
            )
            self.index.setdefault((purpose, key, area), []).append(rule)
            self.count += 1
            if target_unit:
                named.add(target_unit)
        for bucket in self.index.values():
            bucket.sort(key=lambda r: r.sort_key)
        self._load_units(Unit.objects.filter(pk__in=named - set(self.units)))

    def _load_units(self, queryset: Any) -> None:
        for pk, code, name, name_en, kind, path, valid_from, valid_to in queryset.values_list(
            "id", "code", "name", "name_en", "kind", "path", "valid_from", "valid_to"
        ):
            self.units[pk] = UnitInfo(
                pk,
                code,
                name,
                name_en,
                kind,
                path,
                valid_from.toordinal(),
                valid_to.toordinal() if valid_to else _FOREVER,
            )

    def unit(self, unit_id: int | None) -> UnitInfo | None:
        """A unit by id; units not preloaded (owners, departments) are fetched once and kept."""
        if unit_id is None:
            return None
        info = self.units.get(unit_id)
        if info is None:
            with self._lock:
                self._load_units(Unit.objects.filter(pk=unit_id))
            info = self.units.get(unit_id)
        return info

    def area_keys(
        self, grid_code: str, community_id: int | None, district_id: int | None, street_id: int | None
    ) -> list[AreaKey]:
        """The areas a place lies in, narrowest first: its grid, community, street, district and the
        district's ancestors (the city), then everywhere."""
        keys: list[AreaKey] = []
        if grid_code:
            keys.append(("grid", grid_code))
        keys += [("unit", u) for u in (community_id, street_id) if u]
        district = self.unit(district_id)
        if district is not None:
            keys += [("unit", int(p)) for p in reversed(district.path.strip("/").split("/")) if p]
        keys.append(("any", 0))
        return keys

    def category_name(self, kind: str, code: str) -> tuple[str, str]:
        return self.categories.get((kind, code), ("", ""))


RULES: Versioned[RuleSet] = Versioned("routing.rules", RuleSet)


def current_version() -> int:
    """The rule set's counter (a decision records the version it was made with)."""
    return RULES.current_version()


def bump_version() -> None:
    """Tell every process that the rules changed. Call inside the transaction that changed them."""
    RULES.bump()


def reset() -> None:
    """Forget this process's rule set; the next decision rebuilds it."""
    RULES.reset()


def get_ruleset() -> RuleSet:
    """This process's rule set, rebuilt if the rules changed since it was built."""
    return RULES.get()

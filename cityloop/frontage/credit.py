"""Scoring a month's credit for every party, and the red and black lists that follow from it.

A party's credit at the end of month M counts what happened in the scheme's window of months ending
with M: each item (inspections passed or failed, notices, penalties, self-corrections, peer
inspections done) adds its points per occurrence, capped per item, to the base, kept between the
floor and the ceiling. The counts come from :data:`SOURCES`, one grouped query each.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.db.models import Count, QuerySet
from django.utils import timezone

from .models import (
    CorrectionState,
    CreditScheme,
    Inspection,
    Notice,
    NoticeStatus,
    PeerInspection,
    SelfCorrection,
)

DEFAULT_CONFIG: dict[str, Any] = {
    "base": 90,
    "floor": 0,
    "ceiling": 100,
    "months": 12,
    "items": [
        {"code": "inspection_passed", "name": "检查合格", "points": 1, "cap": 10},
        {"code": "inspection_failed", "name": "检查不合格", "points": -5, "cap": -40},
        {"code": "notice_issued", "name": "整改通知", "points": -3, "cap": -30},
        {"code": "penalty", "name": "逾期未改移交执法（处罚）", "points": -10, "cap": -40},
        {"code": "self_corrected", "name": "自行纠正", "points": 2, "cap": 10},
        {"code": "self_correction_expired", "name": "逾期未自行纠正", "points": -3, "cap": -30},
        {"code": "peer_inspections_done", "name": "自治联盟互查", "points": 1, "cap": 6},
    ],
    "lists": {
        "red": {"at_least": 95, "months": 3},
        "black": {"at_most": 60, "months": 1, "lift": {"at_least": 75, "months": 3}, "manual_lift_after": 3},
    },
}

Counter = Callable[[dt.datetime, dt.datetime], dict[int, int]]
SOURCES: dict[str, Counter] = {}


def source(code: str) -> Callable[[Counter], Counter]:
    """Register the counter of an item: ``{party id: occurrences}`` between two moments."""

    def register(fn: Counter) -> Counter:
        SOURCES[code] = fn
        return fn

    return register


def _grouped(qs: QuerySet[Any]) -> dict[int, int]:
    return dict(qs.values("party_id").annotate(n=Count("id")).order_by().values_list("party_id", "n"))


@source("self_corrected")
def _self_corrected(start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    return _grouped(
        SelfCorrection.objects.filter(state=CorrectionState.FIXED, opened_at__gte=start, opened_at__lt=end)
    )


@source("self_correction_expired")
def _expired(start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    return _grouped(
        SelfCorrection.objects.filter(state=CorrectionState.EXPIRED, opened_at__gte=start, opened_at__lt=end)
    )


def _official(start: dt.datetime, end: dt.datetime) -> QuerySet[Inspection]:
    # Inspections by the street's officers and supervisors: peer inspections count for the inspector.
    return Inspection.objects.filter(inspected_at__gte=start, inspected_at__lt=end, peer__isnull=True)


@source("inspection_passed")
def _passed(start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    return _grouped(_official(start, end).filter(passed=True))


@source("inspection_failed")
def _failed(start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    return _grouped(_official(start, end).filter(passed=False))


@source("notice_issued")
def _notices(start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    return _grouped(
        Notice.objects.filter(issued_at__gte=start, issued_at__lt=end).exclude(status=NoticeStatus.CANCELLED)
    )


@source("penalty")
def _penalties(start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    # Not rectified by the re-inspection: escalated to a law-enforcement case (处罚).
    return _grouped(
        Notice.objects.filter(status=NoticeStatus.ESCALATED, issued_at__gte=start, issued_at__lt=end)
    )


@source("peer_inspections_done")
def _peer(start: dt.datetime, end: dt.datetime) -> dict[int, int]:
    rows = PeerInspection.objects.filter(
        inspection__inspected_at__gte=start, inspection__inspected_at__lt=end
    )
    return dict(
        rows.values("inspector_party_id")
        .annotate(n=Count("id"))
        .order_by()
        .values_list("inspector_party_id", "n")
    )


def validate_config(config: Any) -> dict[str, Any]:
    """A scheme's configuration, checked: numbers where numbers go, known item codes, caps with the
    sign of their points, list rules with thresholds inside the floor and ceiling."""
    if not isinstance(config, dict):
        raise ValidationError({"config": "the configuration is a JSON object"})
    try:
        base, floor, ceiling = (Decimal(str(config[k])) for k in ("base", "floor", "ceiling"))
        months = int(config["months"])
    except (KeyError, ValueError, ArithmeticError, TypeError):
        raise ValidationError({"config": "give base, floor, ceiling (numbers) and months (1–36)"}) from None
    if not (floor <= base <= ceiling) or not 1 <= months <= 36:
        raise ValidationError({"config": "floor ≤ base ≤ ceiling, and months between 1 and 36"})
    items = config.get("items")
    if not isinstance(items, list) or not items:
        raise ValidationError({"config": "items: a list of {code, name, points, cap}"})
    for item in items:
        if not isinstance(item, dict) or item.get("code") not in KNOWN_ITEMS:
            raise ValidationError(
                {"config": f"unknown item {item!r}; use one of {', '.join(sorted(KNOWN_ITEMS))}"}
            )
        try:
            points, cap = Decimal(str(item["points"])), Decimal(str(item.get("cap", 0)))
        except (KeyError, ArithmeticError, ValueError):
            raise ValidationError({"config": f"item {item['code']}: points and cap are numbers"}) from None
        if cap and (cap > 0) != (points > 0):
            raise ValidationError({"config": f"item {item['code']}: the cap has the sign of the points"})
    lists = config.get("lists") or {}
    red, black = lists.get("red") or {}, lists.get("black") or {}
    for name, rule, key in (("red", red, "at_least"), ("black", black, "at_most")):
        if rule and (key not in rule or int(rule.get("months", 1)) < 1):
            raise ValidationError({"config": f"lists.{name}: give {key} and months (≥ 1)"})
    return config


# Items whose counts come from the inspections and notices (see ``credit_sources``) are known even
# before their source registers, so a scheme can name them.
KNOWN_ITEMS = {item["code"] for item in DEFAULT_CONFIG["items"]}


def month_start(day: dt.date) -> dt.date:
    return day.replace(day=1)


def add_months(month: dt.date, n: int) -> dt.date:
    index = month.year * 12 + month.month - 1 + n
    return dt.date(index // 12, index % 12 + 1, 1)


def local_midnight(day: dt.date) -> dt.datetime:
    return timezone.make_aware(dt.datetime.combine(day, dt.time()))


def scheme_for(month: dt.date, code: str = "frontage") -> CreditScheme:
    """The scheme version in force on the month's last day."""
    last_day = add_months(month, 1) - dt.timedelta(days=1)
    found = (
        CreditScheme.objects.filter(code=code, valid_from__lte=last_day)
        .order_by("-valid_from", "-version")
        .first()
    )
    if found is None:
        raise ValidationError({"scheme": f"no credit scheme {code!r} is in force in {month:%Y-%m}"})
    return found


@dataclass(frozen=True)
class Scoring:
    """A scheme compiled for one month: the window and each item's points and cap."""

    base: Decimal
    floor: Decimal
    ceiling: Decimal
    start: dt.datetime
    end: dt.datetime
    items: list[tuple[str, Decimal, Decimal]]

    @classmethod
    def of(cls, scheme: CreditScheme, month: dt.date) -> Scoring:
        config = scheme.config
        months = int(config["months"])
        return cls(
            Decimal(str(config["base"])),
            Decimal(str(config["floor"])),
            Decimal(str(config["ceiling"])),
            local_midnight(add_months(month, 1 - months)),
            local_midnight(add_months(month, 1)),
            [(i["code"], Decimal(str(i["points"])), Decimal(str(i.get("cap", 0)))) for i in config["items"]],
        )

    def counts(self) -> dict[str, dict[int, int]]:
        return {code: SOURCES[code](self.start, self.end) for code, _p, _c in self.items if code in SOURCES}

    def score(self, party_id: int, counts: dict[str, dict[int, int]]) -> tuple[Decimal, dict[str, list[Any]]]:
        total, parts = self.base, {}
        for code, points, cap in self.items:
            n = counts.get(code, {}).get(party_id, 0)
            if not n:
                continue
            got = points * n
            if cap:
                got = max(got, cap) if points < 0 else min(got, cap)
            total += got
            parts[code] = [n, float(got)]
        return min(max(total, self.floor), self.ceiling), parts

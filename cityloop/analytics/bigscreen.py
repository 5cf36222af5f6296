"""The command centre's big screen (大屏): one snapshot of the area a wall shows and refreshes.

Everything a wall shows is read from the roll-ups, never from the case table:

* **today's intake by channel**, and per hour, from the hourly roll-up (``HourlyCount``);
* **the lights of open cases** on the map, per small square (about 100 m) and light, and **the units
  with the most red cases**, from the open cases' roll-up (``OpenCount``, recounted by the worker's
  sweep: ``open_rollup``), so that a wall's refresh reads a few thousand rows however many cases
  are open;
* **hotspots** of the last seven days against each grid's own history (``hotspots.hotspots``);
* **the month's evaluation standing**: the current month's run if one was computed, else the
  previous month's, its streets and departments ranked (``cityloop.evaluation.reading``).

Each part is restricted to the viewer's jurisdiction: the same roll-ups and cases the analytics
pages and the map read through ``restrict``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, Q, QuerySet, Sum
from django.utils import timezone

from cityloop.cases.models import Case, Channel
from cityloop.cases.workflow.spec import OPEN_STATES
from cityloop.core.memberships import active_memberships
from cityloop.core.models import Role, Unit, User

from . import filters as analytics_filters
from .hotspots import Source, hotspots
from .models import HOW, OpenCount, RollupState
from .open_models import SQUARE_LEVEL, UNIT_LEVEL
from .open_rollup import STATE as OPEN_STATE
from .open_rollup import centre_of
from .rollup import day_bounds

# Who may watch the wall: leaders and the command centre (as the analytics pages).
WATCHERS = frozenset({Role.LEADER, Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER})
HOTSPOT_DAYS = 7
HOTSPOT_ROWS = 8
RED_UNIT_ROWS = 8
STANDING_ROWS = 5
MAX_SQUARES = 4000  # the wall's map never gets more (the worst lights first)
LIGHT_RANK = {"red": 3, "yellow": 2, "green": 1, "": 0}


def may_watch(user: Any) -> bool:
    """Whether ``user`` may open the big screen: a leader, or staff of the command centre."""
    if not isinstance(user, User) or not user.is_authenticated:
        return False
    if user.is_superuser:
        return True
    return any(m.role in WATCHERS for m in active_memberships(user))


@dataclass(frozen=True)
class Rows:
    """What the viewer may see: the roll-ups, each already restricted."""

    source: Source
    open: QuerySet[OpenCount]
    user: Any


def intake_today(source: Source, now: dt.datetime) -> dict[str, Any]:
    """Cases reported today (local day) per channel and per hour, from the hourly roll-up."""
    today = timezone.localtime(now).date()
    start, end = day_bounds(today)
    rows = source.hourly.filter(hour__gte=start, hour__lt=end).order_by()
    per_channel = dict(rows.values_list("channel_id").annotate(n=Sum("n")))
    per_hour = [0] * 24
    for hour, n in rows.values_list("hour").annotate(n=Sum("n")):
        per_hour[timezone.localtime(hour).hour] += n
    yesterday_start, _ = day_bounds(today - dt.timedelta(days=1))
    # Yesterday up to the same time of day: a fair comparison at 10 o'clock in the morning.
    same_time = yesterday_start + (now - start)
    yesterday = (
        source.hourly.filter(hour__gte=yesterday_start, hour__lt=same_time).aggregate(n=Sum("n"))["n"] or 0
    )
    channels = [
        {"code": code, "name": name, "n": per_channel.get(pk, 0)}
        for pk, code, name in Channel.objects.filter(Q(active=True) | Q(pk__in=list(per_channel)))
        .order_by("code")
        .values_list("pk", "code", "name")
    ]
    channels.sort(key=lambda c: (-c["n"], c["code"]))
    return {
        "day": today,
        "total": sum(per_channel.values()),
        "yesterday_same_time": yesterday,
        "channels": channels,
        "hours": per_hour,
    }


def month_total(source: Source, now: dt.datetime) -> int:
    """Cases reported so far this month (each case is counted once in the hour-of-week rows)."""
    today = timezone.localtime(now).date()
    rows = source.daily.filter(level=HOW, day__gte=today.replace(day=1), day__lte=today)
    return int(rows.aggregate(n=Sum("n"))["n"] or 0)


def lights(open_rows: QuerySet[OpenCount]) -> dict[str, Any]:
    """Open cases per light, and per small square of the map (centre, light counts, worst light),
    from the open cases' roll-up."""
    totals = {"red": 0, "yellow": 0, "green": 0, "none": 0}
    squares: dict[str, dict[str, int]] = {}
    found = (
        open_rows.filter(level=SQUARE_LEVEL).order_by().values_list("place", "light").annotate(total=Sum("n"))
    )
    for place, light, n in found:
        totals[light if light in totals else "none"] += n
        cell = squares.setdefault(place, {})
        cell[light] = cell.get(light, 0) + n
    points: list[tuple[float, float, str, int, int, int]] = []
    for place, counts in squares.items():
        x, y = centre_of(place)
        worst = max(counts, key=lambda k: LIGHT_RANK.get(k, 0))
        points.append((x, y, worst, sum(counts.values()), counts.get("red", 0), counts.get("yellow", 0)))
    points.sort(key=lambda p: (-LIGHT_RANK.get(p[2], 0), -p[3]))
    as_of = RollupState.objects.filter(name=OPEN_STATE).values_list("settled_at", flat=True).first()
    return {"totals": totals, "open": sum(totals.values()), "squares": points[:MAX_SQUARES], "as_of": as_of}


def red_units(open_rows: QuerySet[OpenCount], limit: int = RED_UNIT_ROWS) -> list[dict[str, Any]]:
    """The responsible units with the most red (overdue) open cases, with their yellow ones, from
    the open cases' roll-up."""
    found = (
        open_rows.filter(level=UNIT_LEVEL, light__in=("red", "yellow"))
        .order_by()
        .values_list("place")
        .annotate(
            red=Sum("n", filter=Q(light="red"), default=0),
            yellow=Sum("n", filter=Q(light="yellow"), default=0),
        )
    )
    return _named([(int(place), red, yellow) for place, red, yellow in found], limit)


def red_units_of(cases: QuerySet[Case], limit: int = RED_UNIT_ROWS) -> list[dict[str, Any]]:
    """The same, counted from ``cases`` now (a briefing, written once, reads the cases themselves)."""
    rows = (
        cases.filter(state__in=OPEN_STATES, light__in=("red", "yellow"), responsible_unit__isnull=False)
        .order_by()
        .values_list("responsible_unit_id")
        .annotate(red=Count("pk", filter=Q(light="red")), yellow=Count("pk", filter=Q(light="yellow")))
    )
    return _named(list(rows), limit)


def _named(rows: list[tuple[int, int, int]], limit: int) -> list[dict[str, Any]]:
    ranked = sorted((r for r in rows if r[1]), key=lambda r: (-r[1], -r[2], r[0]))[:limit]
    names = Unit.objects.in_bulk([r[0] for r in ranked])
    return [
        {
            "unit": names[pk].code if pk in names else "",
            "name": names[pk].name if pk in names else "",
            "red": red,
            "yellow": yellow,
        }
        for pk, red, yellow in ranked
    ]


def hot_grids(source: Source, now: dt.datetime) -> dict[str, Any]:
    """Grids unusual for their own history over the last seven days (significant ones first)."""
    today = timezone.localtime(now).date()
    f = analytics_filters.parse(
        start=(today - dt.timedelta(days=HOTSPOT_DAYS - 1)).isoformat(), end=today.isoformat(), today=today
    )
    result = hotspots(source, f, HOTSPOT_ROWS)
    return {
        "days": HOTSPOT_DAYS,
        "significant": result["significant"],
        "spots": [
            {k: s.get(k) for k in ("place", "name", "code", "lat", "lon", "count", "expected", "significant")}
            for s in result["spots"]
        ],
    }


def standing(user: Any, now: dt.datetime) -> dict[str, Any] | None:
    """The month's evaluation standing the viewer may see: this month's run, or last month's when
    this one has not been computed yet; None when neither exists."""
    # Evaluation is a peer of analytics: read here, never the other way round.
    from django.core.exceptions import ObjectDoesNotExist

    from cityloop.evaluation.periods import parse_period
    from cityloop.evaluation.reading import find_run, rankings

    today = timezone.localtime(now).date()
    this = parse_period(f"{today:%Y-%m}")
    for period in (this, this.previous(1)[0]):
        try:
            run = find_run(period, user)
        except ObjectDoesNotExist:
            continue
        tables = []
        for subject, title in (("street", "街道"), ("department", "处置部门")):
            scores = list(rankings(run, subject, user))
            if not scores:
                continue
            # Only ranked scores stand: one below the minimum volume has an index of nothing.
            scores = [s for s in scores if s.ranked and s.index is not None]
            rows = [
                {"rank": s.rank, "name": s.label, "index": float(s.index or 0), "grade": s.grade}
                for s in scores
            ]
            tables.append(
                {
                    "subject": subject,
                    "title": title,
                    "top": rows[:STANDING_ROWS],
                    "bottom": rows[STANDING_ROWS:][-3:],
                    "ranked": len(rows),
                }
            )
        return {
            "period": period.key,
            "label": period.label,
            "status": run.status,
            "scope": run.scope.name,
            "tables": tables,
        }
    return None


def snapshot(rows: Rows, now: dt.datetime | None = None) -> dict[str, Any]:
    """Everything the wall shows, at ``now``."""
    now = now or timezone.now()
    return {
        "at": now,
        "intake": intake_today(rows.source, now),
        "month_total": month_total(rows.source, now),
        "lights": lights(rows.open),
        "hotspots": hot_grids(rows.source, now),
        "red_units": red_units(rows.open),
        "evaluation": standing(rows.user, now),
    }

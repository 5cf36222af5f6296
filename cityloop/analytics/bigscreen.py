"""The command centre's big screen (大屏): one snapshot of the area a wall shows and refreshes.

Everything a wall shows is read from the roll-ups or from indexes, never by scanning the case table:

* **today's intake by channel**, and per hour, from the hourly roll-up (``HourlyCount``);
* **the lights of open cases** on the map, counted per small square (about 100 m) and light by the
  database from the queue index (state, light, lon, lat), so a city with 30,000 open cases sends a
  few thousand squares, not 30,000 points;
* **hotspots** of the last seven days against each grid's own history (``hotspots.hotspots``);
* **the units with the most red cases** (open and overdue), from the units' queue index;
* **the month's evaluation standing**: the current month's run if one was computed, else the
  previous month's, its streets and departments ranked (``cityloop.evaluation.reading``).

Each part is restricted to the viewer's jurisdiction: the same roll-ups and cases the analytics
pages and the map read through ``restrict``."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db.models import Count, F, Q, QuerySet, Sum
from django.db.models.functions import Floor
from django.utils import timezone

from cityloop.cases.models import Case, Channel
from cityloop.cases.workflow.spec import OPEN_STATES
from cityloop.core.memberships import active_memberships
from cityloop.core.models import Role, Unit, User

from . import filters as analytics_filters
from .hotspots import Source, hotspots
from .models import HOW
from .rollup import day_bounds

# Who may watch the wall: leaders and the command centre (as the analytics pages).
WATCHERS = frozenset({Role.LEADER, Role.OPERATOR, Role.SHIFT_LEADER, Role.DISPATCHER})
HOTSPOT_DAYS = 7
HOTSPOT_ROWS = 8
RED_UNIT_ROWS = 8
STANDING_ROWS = 5
SQUARE = 1000  # the map's squares: 1/1000 of a degree (about 100 m by 110 m)
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
    """What the viewer may see: the roll-ups and the cases, each already restricted."""

    source: Source
    cases: QuerySet[Case]
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


def lights(cases: QuerySet[Case]) -> dict[str, Any]:
    """Open cases per light, and per small square of the map (centre, light counts, worst light)."""
    open_cases = cases.filter(state__in=OPEN_STATES).order_by()
    totals = {"red": 0, "yellow": 0, "green": 0, "none": 0}
    for light, n in open_cases.values_list("light").annotate(n=Count("pk")):
        totals[light if light in totals else "none"] += n
    squares: dict[tuple[float, float], dict[str, int]] = {}
    binned = (
        open_cases.filter(lon__isnull=False, lat__isnull=False)
        .annotate(x=Floor(F("lon") * SQUARE), y=Floor(F("lat") * SQUARE))
        .values_list("x", "y", "light")
        .annotate(n=Count("pk"))
    )
    for x, y, light, n in binned:
        # The square's centre (Floor gives its south-west corner, in thousandths of a degree).
        at = (round((int(x) + 0.5) / SQUARE, 5), round((int(y) + 0.5) / SQUARE, 5))
        cell = squares.setdefault(at, {})
        cell[light or ""] = cell.get(light or "", 0) + n
    points: list[tuple[float, float, str, int, int, int]] = []
    for (x, y), counts in squares.items():
        worst = max(counts, key=lambda k: LIGHT_RANK.get(k, 0))
        points.append((x, y, worst, sum(counts.values()), counts.get("red", 0), counts.get("yellow", 0)))
    points.sort(key=lambda p: (-LIGHT_RANK.get(p[2], 0), -p[3]))
    return {"totals": totals, "open": sum(totals.values()), "squares": points[:MAX_SQUARES]}


def red_units(cases: QuerySet[Case], limit: int = RED_UNIT_ROWS) -> list[dict[str, Any]]:
    """The responsible units with the most red (overdue) open cases, with their yellow ones."""
    rows = (
        cases.filter(state__in=OPEN_STATES, light__in=("red", "yellow"), responsible_unit__isnull=False)
        .order_by()
        .values_list("responsible_unit_id")
        .annotate(red=Count("pk", filter=Q(light="red")), yellow=Count("pk", filter=Q(light="yellow")))
    )
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
        "lights": lights(rows.cases),
        "hotspots": hot_grids(rows.source, now),
        "red_units": red_units(rows.cases),
        "evaluation": standing(rows.user, now),
    }

"""What anyone may see of the city's problems on the public map (公众地图), like FixMyStreet.

A case appears with its category, a public state (reported / in progress / fixed), the day it was
reported (and closed), its place rounded to ``CITYLOOP_PUBLIC_MAP_DECIMALS`` and its street and
community, and its report photos only where the reporter agreed (``Case.photos_public``) or, for
cases staff reported, where the city switched that on. Never a name, a phone, the description or
address typed by the reporter, or anything staff wrote. Reports refused, voided or merged do not
appear: a merged report's number leads to the case it joined.

Reads are limited to a box and a period and paged, and answered from ``case_public_map_idx``.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.db.models import Q, QuerySet
from django.utils import timezone

from cityloop.catalog.models import Category
from cityloop.core.models import Unit
from cityloop.participation.models import CitySetting

from .merging import joined
from .models import Attachment, Case

# The public states and the case states each stands for.
GROUPS: dict[str, tuple[str, ...]] = {
    "reported": ("reported", "verifying", "verified", "accepted"),
    "in_progress": (
        "registered",
        "dispatched",
        "return_requested",
        "arbitration",
        "extension_requested",
        "hold_requested",
        "on_hold",
        "disposed",
        "checking",
        "checked",
        "self_handled",
    ),
    "closed": ("closed",),
}
GROUP_LABELS = {"reported": "已上报", "in_progress": "处理中", "closed": "已解决"}
GROUP_OF = {state: group for group, states in GROUPS.items() for state in states}
SHOWN_STATES = tuple(GROUP_OF)
MAX_BOX_DEGREES = 2.0
MAX_PERIOD_DAYS = 366
DEFAULT_PERIOD_DAYS = 90
MAP_POINTS = 2000


class FilterError(ValueError):
    """A filter the public map refuses; ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field


@dataclass(frozen=True)
class Filters:
    """A box (min lon, min lat, max lon, max lat), a period of days, and optional narrowing."""

    box: tuple[float, float, float, float]
    since: dt.date | None = None
    until: dt.date | None = None
    category: str | None = None
    state: str | None = None
    area: str | None = None


def _rounded(value: float) -> float:
    return round(value, int(settings.CITYLOOP_PUBLIC_MAP_DECIMALS))


def cases(filters: Filters, today: dt.date | None = None) -> QuerySet[Case]:
    """The public cases matching ``filters``, newest first; FilterError for a filter out of bounds."""
    min_lon, min_lat, max_lon, max_lat = filters.box
    if not (-180 <= min_lon < max_lon <= 180 and -90 <= min_lat < max_lat <= 90):
        raise FilterError("bbox", "bbox: give min_lon,min_lat,max_lon,max_lat with min < max")
    if max_lon - min_lon > MAX_BOX_DEGREES or max_lat - min_lat > MAX_BOX_DEGREES:
        raise FilterError("bbox", f"bbox: at most {MAX_BOX_DEGREES} degree on each side; zoom in")
    today = today or timezone.localdate()
    until = filters.until or today
    since = filters.since or until - dt.timedelta(days=DEFAULT_PERIOD_DAYS)
    if since > until:
        raise FilterError("since", "since: the period starts after it ends")
    if (until - since).days > MAX_PERIOD_DAYS:
        raise FilterError("since", f"since: a period of at most {MAX_PERIOD_DAYS} days")
    tz = timezone.get_current_timezone()
    start = dt.datetime.combine(since, dt.time.min, tzinfo=tz)
    end = dt.datetime.combine(until + dt.timedelta(days=1), dt.time.min, tzinfo=tz)
    states = SHOWN_STATES
    if filters.state:
        if filters.state not in GROUPS:
            raise FilterError("state", f"state: one of {', '.join(GROUPS)}")
        states = GROUPS[filters.state]
    qs = Case.objects.filter(
        lon__gte=min_lon,
        lon__lte=max_lon,
        lat__gte=min_lat,
        lat__lte=max_lat,
        reported_at__gte=start,
        reported_at__lt=end,
        state__in=states,
    )
    if filters.category:
        ids = Category.objects.filter(Q(code=filters.category) | Q(parent__code=filters.category))
        qs = qs.filter(category_id__in=list(ids.values_list("pk", flat=True)))
    if filters.area:
        unit = Unit.objects.filter(code=filters.area).first()
        if unit is None:
            raise FilterError("area", f"area: no street, community or district with code {filters.area}")
        qs = qs.filter(Q(street_id=unit.pk) | Q(community_id=unit.pk) | Q(district_id=unit.pk))
    return qs.order_by("-reported_at", "-id")


def points(filters: Filters) -> tuple[list[list[Any]], bool]:
    """The map's markers: ``[number, lon, lat, public state, category code]``, at most
    ``MAP_POINTS`` (newest first) and whether more matched."""
    rows = list(
        cases(filters).values_list("number", "lon", "lat", "state", "category__code")[: MAP_POINTS + 1]
    )
    return [
        [n, _rounded(lon), _rounded(lat), GROUP_OF[state], code or ""] for n, lon, lat, state, code in rows
    ][:MAP_POINTS], len(rows) > MAP_POINTS


def find(number: str) -> Case | None:
    """The public case for a number: the case itself, or the one a merged report joined; None for a
    case the public does not see."""
    case = (
        Case.objects.select_related("category", "street", "community", "duplicate_of", "channel")
        .filter(number=number.strip())
        .first()
    )
    if case is None:
        return None
    case = joined(case)
    return case if case.state in GROUP_OF else None


def public_photos(case: Case) -> list[Attachment]:
    """The report's photos the public may see: with the reporter's consent, or for a staff report
    if the city shows those."""
    staff_report = not case.channel.is_public
    if not (case.photos_public or (staff_report and CitySetting.current().staff_photos_public)):
        return []
    return list(
        case.attachments.filter(content_type__startswith="image/", event__seq=1, purpose="report").order_by(
            "id"
        )
    )


def summary(case: Case) -> dict[str, Any]:
    """One case as a list row."""
    group = GROUP_OF[case.state]
    return {
        "number": case.number,
        "category": case.category.code if case.category else None,
        "category_name": case.category.name if case.category else None,
        "state": group,
        "state_label": GROUP_LABELS[group],
        "reported_on": timezone.localdate(case.reported_at),
        "closed_on": timezone.localdate(case.closed_at) if case.closed_at and group == "closed" else None,
        "lon": _rounded(case.lon),
        "lat": _rounded(case.lat),
        "street": case.street.name if case.street is not None else None,
        "community": case.community.name if case.community is not None else None,
    }


def detail(case: Case, photo_url: Any) -> dict[str, Any]:
    """One case's public page: the row, its timeline of public states, how many reports joined it,
    and its photos (``photo_url(case, attachment)`` makes each link)."""
    history, last = [], None
    for to_state, at in case.events.order_by("seq").values_list("to_state", "at"):
        group = GROUP_OF.get(to_state)
        if group and group != last:
            history.append({"state": group, "state_label": GROUP_LABELS[group], "on": timezone.localdate(at)})
            last = group
    return {
        **summary(case),
        "reports": 1 + case.duplicates.filter(state="merged").count(),
        "history": history,
        "photos": [photo_url(case, a) for a in public_photos(case)],
    }

"""The filters every analysis takes (period, category, channel, level), checked once for the API and
the console: a bad value raises :class:`BadFilter` naming the field and saying what to send."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.utils import timezone

from cityloop.cases.models import Channel
from cityloop.catalog.models import Category

from .models import LEVELS

MAX_DAYS = 366
DEFAULT_DAYS = 30


class BadFilter(ValueError):
    """A filter value that cannot be used: ``field`` names it."""

    def __init__(self, field: str, message: str) -> None:
        super().__init__(message)
        self.field = field
        self.message = message


@dataclass(frozen=True)
class Filters:
    start: dt.date  # first local day
    end: dt.date  # the day after the last
    level: str
    category: Category | None
    subclasses: tuple[int, ...]  # the category's subclasses (itself when it is one); () for all
    channel: Channel | None

    @property
    def days(self) -> int:
        return (self.end - self.start).days


def _date(field: str, text: str | None) -> dt.date | None:
    if not text:
        return None
    try:
        return dt.date.fromisoformat(text[:10])
    except ValueError:
        raise BadFilter(field, f"{field}: give a date as YYYY-MM-DD, not {text[:20]!r}") from None


def parse(
    *,
    start: str | None = None,
    end: str | None = None,
    level: str | None = "grid",
    category: str | None = None,
    channel: str | None = None,
    today: dt.date | None = None,
) -> Filters:
    """Filters from their text: ``start`` and ``end`` are local days, both included (default: the
    last 30 days to today); ``category`` a class (2 digits) or subclass (4 digits) code; ``channel``
    a channel code; ``level`` one of LEVELS."""
    today = today or timezone.localdate()
    last = _date("to", end) or today
    first = _date("from", start) or last - dt.timedelta(days=DEFAULT_DAYS - 1)
    if first > last:
        raise BadFilter("from", "from: the first day must not be after the last ('to')")
    if (last - first).days + 1 > MAX_DAYS:
        raise BadFilter("to", f"to: a period is at most {MAX_DAYS} days")
    level = level or "grid"
    if level not in LEVELS:
        raise BadFilter("level", f"level: one of {', '.join(LEVELS)}")
    cat: Category | None = None
    subclasses: tuple[int, ...] = ()
    if category:
        # A code names a class of components and one of events alike: both are meant.
        found = list(Category.objects.filter(code=category).order_by("kind"))
        if not found:
            raise BadFilter("category", f"category: there is no class or subclass {category[:8]!r}")
        cat = found[0]
        classes = [c.pk for c in found if c.parent_id is None]
        subclasses = tuple(
            sorted(
                {c.pk for c in found if c.parent_id is not None}
                | set(Category.objects.filter(parent_id__in=classes).values_list("pk", flat=True))
            )
        )
    chan = None
    if channel:
        chan = Channel.objects.filter(code=channel).first()
        if chan is None:
            raise BadFilter("channel", f"channel: there is no channel {channel[:32]!r}")
    return Filters(first, last + dt.timedelta(days=1), level, cat, subclasses or (-1,) if cat else (), chan)

"""Rate limits for what the internet can reach: anonymous reports (per client address and per phone
number), API tokens, proofs typed on the public tracking page. (Console logins are limited by
django-axes: a lockout after repeated failures.)

A limit is a setting such as ``"30/m"`` (30 a minute), ``"5/h"``, ``"100/10m"`` or ``"1000/d"``;
empty or ``"none"`` turns it off. Going over raises :class:`RateLimited`, which the API answers with
429 and ``Retry-After``, and the console with its own 429 page.

Counting is in fixed windows, in a table of the project's own database (:class:`RateCounter`), so
every server process counts against the same limits without a cache server to run. A request under
its limit costs two queries (read the count, add one); one over it costs one read and writes nothing,
so a flood does not turn into a flood of writes. Two requests arriving at the same instant may both
pass at the last place of a window: a limit is a brake, not an exact quota. (Django's database cache,
which we used first through django-ratelimit, cost twelve queries per counted request.)
"""

from __future__ import annotations

import hashlib
import ipaddress
import re
import time

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import F
from django.http import HttpRequest

from .models import RateCounter

RATE = re.compile(r"^(\d+)/(\d*)([smhd])$")
SECONDS = {"s": 1, "m": 60, "h": 3600, "d": 86400}


class RateLimited(Exception):
    """Too many requests of one kind from one sender; ``retry_after`` seconds until it may try again."""

    def __init__(self, what: str, retry_after: int) -> None:
        super().__init__(f"too many {what}; try again in {retry_after} s")
        self.what = what
        self.retry_after = max(1, retry_after)


def client_address(request: HttpRequest) -> str:
    """The client's IP address: ``REMOTE_ADDR``, or behind a reverse proxy the header it sets
    (``CITYLOOP_CLIENT_ADDRESS_HEADER``, e.g. ``HTTP_X_REAL_IP``; trust it only behind your proxy)."""
    header = getattr(settings, "CITYLOOP_CLIENT_ADDRESS_HEADER", "")
    found = request.META.get(header, "") if header else ""
    # X-Forwarded-For may hold a chain: the proxy appends the address it saw last.
    return found.split(",")[-1].strip() or request.META.get("REMOTE_ADDR") or "unknown"


def login_guard_address(request: HttpRequest) -> str | None:
    """The client's address for the login guard (django-axes), which stores it in an IP address
    column: None when it is missing or not an address (a request without ``REMOTE_ADDR``, as over a
    Unix socket, or a proxy header holding something else), which PostgreSQL would refuse."""
    found = client_address(request)
    try:
        return str(ipaddress.ip_address(found))
    except ValueError:
        return None


def check_rate(rate: str | None) -> str | None:
    """``rate`` if it reads as a limit ("30/m"), None for no limit ("", "none"); else ValueError."""
    if rate is None or rate in ("", "none"):
        return None
    parse_rate(rate)
    return rate


def hit(request: HttpRequest, what: str, value: str, rate: str | None) -> None:
    """Count one ``what`` (e.g. "anonymous reports from one address") for ``value`` against
    ``rate``; raise :class:`RateLimited` when this one goes over."""
    _count(request, what, value, rate, increment=True)


def ensure_below(request: HttpRequest, what: str, value: str, rate: str | None) -> None:
    """Raise :class:`RateLimited` if ``value`` is already over ``rate`` (counts nothing: for
    limits on failures, which are counted with :func:`hit` only when they happen)."""
    _count(request, what, value, rate, increment=False)


def parse_rate(rate: str) -> tuple[int, int]:
    """``"30/m"`` → (30, 60): requests allowed and the window's length in seconds."""
    found = RATE.match(rate)
    if found is None:
        raise ValueError(f"{rate!r} is not a rate: write it like 30/m, 5/h or 1000/d")
    allowed, multiple, unit = found.groups()
    return int(allowed), int(multiple or 1) * SECONDS[unit]


def _count(request: HttpRequest, what: str, value: str, rate: str | None, *, increment: bool) -> None:
    rate = check_rate(rate)
    if rate is None:
        return
    allowed, seconds = parse_rate(rate)
    now = time.time()
    window = int(now // seconds) * seconds
    key = hashlib.sha256(f"{what}\0{seconds}\0{value}".encode()).hexdigest()
    counters = RateCounter.objects.filter(key=key, window=window)
    count = counters.values_list("count", flat=True).first() or 0
    if count >= allowed:
        raise RateLimited(what, int(window + seconds - now) + 1)
    if not increment:
        return
    if count:
        counters.update(count=F("count") + 1)
        return
    try:
        with transaction.atomic():
            RateCounter.objects.create(key=key, window=window, count=1)
    except IntegrityError:  # another process opened the window first
        counters.update(count=F("count") + 1)


def forget_past_windows(now: float | None = None) -> int:
    """Delete the counters of windows that ended more than a day ago (the longest window is a day
    or a few); the worker calls this on its sweep."""
    horizon = int((now if now is not None else time.time()) - 2 * SECONDS["d"])
    deleted, _ = RateCounter.objects.filter(window__lt=horizon).delete()
    return deleted


def limit_anonymous_suggestions(request: HttpRequest) -> None:
    """Count one request for category suggestions from someone without an account (the API's and
    the report forms' alike), by client address."""
    hit(
        request,
        "category suggestions from one address",
        client_address(request),
        settings.CITYLOOP_RATELIMIT_SUGGEST_PER_ADDRESS,
    )


def limit_anonymous_report(request: HttpRequest, phone: str) -> None:
    """Count a report from someone without an account, by client address and by the phone number
    given (digits only, so spacing does not make a new number)."""
    hit(
        request,
        "anonymous reports from one address",
        client_address(request),
        settings.CITYLOOP_RATELIMIT_REPORTS_PER_ADDRESS,
    )
    digits = "".join(c for c in phone if c.isdigit())
    if digits:
        hit(
            request,
            "anonymous reports for one phone number",
            digits,
            settings.CITYLOOP_RATELIMIT_REPORTS_PER_PHONE,
        )


def count_tracking_miss(request: HttpRequest) -> None:
    """Count a tracking code that named no case, per client address (someone guessing codes)."""
    hit(
        request,
        "unknown tracking codes from one address",
        client_address(request),
        settings.CITYLOOP_RATELIMIT_TRACK_MISSES,
    )

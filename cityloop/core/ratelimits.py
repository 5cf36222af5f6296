"""Rate limits for what the internet can reach: anonymous reports (per client address and per phone
number), API tokens, proofs typed on the public tracking page. (Console logins are limited by
django-axes: a lockout after repeated failures.)

Counting is django-ratelimit's, on the ``ratelimit`` cache: a table in the project's own database
(``cityloop_ratelimit``), so every server process counts against the same limits without a cache
server to run. A limit is a setting such as ``"30/m"`` (30 a minute), ``"5/h"`` or ``"1000/d"``;
empty turns it off. Going over raises :class:`RateLimited`, which the API answers with 429 and
``Retry-After``, and the console with its own 429 page.
"""

from __future__ import annotations

import re

from django.conf import settings
from django.http import HttpRequest
from django_ratelimit.core import get_usage

RATE = re.compile(r"^\d+/\d*[smhd]$")


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


def check_rate(rate: str | None) -> str | None:
    """``rate`` if it reads as a limit ("30/m"), None for no limit ("", "none"); else ValueError."""
    if rate is None or rate in ("", "none"):
        return None
    if not RATE.match(rate):
        raise ValueError(f"{rate!r} is not a rate: write it like 30/m, 5/h or 1000/d")
    return rate


def hit(request: HttpRequest, what: str, value: str, rate: str | None) -> None:
    """Count one ``what`` (e.g. "anonymous reports from one address") for ``value`` against
    ``rate``; raise :class:`RateLimited` when this one goes over."""
    _count(request, what, value, rate, increment=True)


def ensure_below(request: HttpRequest, what: str, value: str, rate: str | None) -> None:
    """Raise :class:`RateLimited` if ``value`` is already over ``rate`` (counts nothing: for
    limits on failures, which are counted with :func:`hit` only when they happen)."""
    _count(request, what, value, rate, increment=False)


def _count(request: HttpRequest, what: str, value: str, rate: str | None, *, increment: bool) -> None:
    rate = check_rate(rate)
    if rate is None:
        return
    usage = get_usage(
        request, group=f"cityloop:{what}", key=lambda _g, _r: value, rate=rate, increment=increment
    )
    if usage is None:
        return
    over = usage["should_limit"] if increment else usage["count"] >= usage["limit"]
    if over:
        raise RateLimited(what, int(usage["time_left"]))


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

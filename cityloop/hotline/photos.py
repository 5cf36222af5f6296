"""Links to a result's photos that the hotline can open: signed with the platform's secret and
valid for ``CITYLOOP_HOTLINE_PHOTO_DAYS``. A case's photos are otherwise served only to staff who
may see the case; the hotline has no account, so its link carries its own proof."""

from __future__ import annotations

import hashlib
import hmac
import time

from django.conf import settings
from django.urls import reverse

from .models import Platform


def _mac(platform: Platform, attachment_id: int, expires: int) -> str:
    key = platform.secret.encode()
    return hmac.new(key, f"{platform.code}.{attachment_id}.{expires}".encode(), hashlib.sha256).hexdigest()


def photo_url(platform: Platform, attachment_id: int, *, now: float | None = None) -> str:
    """An absolute link to one photo for this platform."""
    expires = int((now or time.time()) + settings.CITYLOOP_HOTLINE_PHOTO_DAYS * 86400)
    path = reverse("hotline-photo", args=[platform.code, attachment_id])
    base = str(settings.CITYLOOP_HOTLINE_PUBLIC_URL).rstrip("/")
    return f"{base}{path}?expires={expires}&sig={_mac(platform, attachment_id, expires)}"


def link_valid(
    platform: Platform, attachment_id: int, expires: str, sig: str, *, now: float | None = None
) -> bool:
    """Whether a photo link is this platform's and not yet expired (compared in constant time)."""
    try:
        until = int(expires)
    except ValueError:
        return False
    if until < (now or time.time()):
        return False
    return hmac.compare_digest(_mac(platform, attachment_id, until), sig)

"""Case numbers people can say on the phone, and tracking codes for the public."""

from __future__ import annotations

import datetime as dt
import secrets

from django.db.models import F

from cityloop.core.models import Unit

from .models import CaseSequence

# No 0/O, 1/I/L: a tracking code read out over the phone must not be misheard.
_TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 8


def next_case_number(district: Unit, day: dt.date) -> str:
    """``<district code>-<yymmdd>-<sequence>``, e.g. ``990102-261122-0017``. Call inside a transaction:
    the sequence row is updated in place, so concurrent reports get distinct numbers."""
    updated = CaseSequence.objects.filter(district=district, day=day).update(last=F("last") + 1)
    if not updated:
        CaseSequence.objects.get_or_create(district=district, day=day, defaults={"last": 0})
        CaseSequence.objects.filter(district=district, day=day).update(last=F("last") + 1)
    last = CaseSequence.objects.filter(district=district, day=day).values_list("last", flat=True).get()
    return f"{district.code}-{day:%y%m%d}-{last:04d}"


def new_tracking_code() -> str:
    """A random public code the reporter uses to follow the case (no personal data behind it)."""
    return "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))

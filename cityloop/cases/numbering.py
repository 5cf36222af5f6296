"""Case numbers people can say on the phone, and tracking codes for the public."""

from __future__ import annotations

import datetime as dt
import secrets

from cityloop.core import fastsql
from cityloop.core.models import Unit

from .models import CaseSequence

# No 0/O, 1/I/L: a tracking code read out over the phone must not be misheard.
_TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 8


def next_case_number(district: Unit, day: dt.date) -> str:
    """``<district code>-<yymmdd>-<sequence>``, e.g. ``990102-261122-0017``. Call inside a transaction:
    the sequence row is incremented in place (one ``UPDATE … RETURNING``), so concurrent reports get
    distinct numbers."""
    table = CaseSequence._meta.db_table
    sql = f"UPDATE {table} SET last = last + 1 WHERE district_id = %s AND day = %s RETURNING last"
    found = fastsql.execute(sql, [district.pk, day])
    if not found:
        CaseSequence.objects.get_or_create(district=district, day=day, defaults={"last": 0})
        found = fastsql.execute(sql, [district.pk, day])
    return f"{district.code}-{day:%y%m%d}-{found[0][0]:04d}"


def new_tracking_code() -> str:
    """A random public code the reporter uses to follow the case (no personal data behind it)."""
    return "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))

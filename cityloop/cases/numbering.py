"""Case numbers people can say on the phone, and tracking codes for the public."""

from __future__ import annotations

import datetime as dt
import secrets
from typing import Any

from django.db import connection

from cityloop.core.models import Unit

from .models import CaseSequence

# No 0/O, 1/I/L: a tracking code read out over the phone must not be misheard.
_TRACKING_ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
TRACKING_LENGTH = 8


def _format(district: Unit, day: dt.date, sequence: int) -> str:
    return f"{district.code}-{day:%y%m%d}-{sequence:04d}"


def _sequence_sql() -> str:
    table = CaseSequence._meta.db_table
    return f"UPDATE {table} SET last = last + 1 WHERE district_id = %s AND day = %s RETURNING last"


def _increment(sql: str, district: Unit, day: dt.date) -> list[Any]:
    """Run the counter's ``UPDATE … RETURNING`` (the ORM's ``update()`` cannot return the new
    value, and reading it back in a second statement could see another report's increment)."""
    with connection.cursor() as cursor:
        cursor.execute(sql, [district.pk, day])
        return cursor.fetchall()


def _open_day(district: Unit, day: dt.date) -> None:
    """The district's counter for ``day``, at zero (a no-op when another report opened it first)."""
    CaseSequence.objects.get_or_create(district=district, day=day, defaults={"last": 0})


def next_case_number(district: Unit, day: dt.date) -> str:
    """``<district code>-<yymmdd>-<sequence>``, e.g. ``990102-261122-0017``, inside the caller's
    transaction: the sequence row is incremented in place (one ``UPDATE … RETURNING``), so
    concurrent reports get distinct numbers, and a report that rolls back gives its number back."""
    sql = _sequence_sql()
    found = _increment(sql, district, day)
    if not found:
        _open_day(district, day)
        found = _increment(sql, district, day)
    return _format(district, day, found[0][0])


def number_ahead(district: Unit, day: dt.date) -> str:
    """The next case number, taken before the report's transaction opens where that helps, else ""
    (the report then takes it inside its transaction with :func:`next_case_number`).

    Every report of a district on one day increments the same row. Inside the report's transaction
    that row stays locked until the report commits, so on PostgreSQL concurrent reports of one
    district would queue behind each other for their whole write and its commit flush. There, when
    no transaction is open yet, the number is taken in a short transaction of its own instead: the
    row is locked for one statement. A report that then fails to save leaves a gap in the day's
    numbers; a number is never given twice.

    That short transaction (the statement alone, in autocommit) commits without waiting for its
    flush to disk (``synchronous_commit`` off for it alone). The report's own commit, which does
    wait, comes later in the same server log and so makes the number durable with it; if the server
    stops before that, the report was never saved, and reusing its number after recovery is
    harmless.

    SQLite (one writer at a time anyway) and callers already inside a transaction of their own get
    "": they take the number inside the report's transaction."""
    if connection.vendor != "postgresql" or connection.in_atomic_block:
        return ""
    for _ in range(2):
        # Outside a transaction the statement is a transaction of its own: one round trip.
        found = _increment(_ahead_sql(), district, day)
        if found:
            return _format(district, day, found[0][0])
        _open_day(district, day)  # the district's first report of the day
    raise RuntimeError(f"no case-number counter for district {district.code} on {day}")


def _ahead_sql() -> str:
    """The counter's increment for :func:`number_ahead`: ``set_config(…, true)`` turns
    ``synchronous_commit`` off for the statement's own transaction only (as ``SET LOCAL`` would),
    and its commit then does not wait for the flush (evaluating it more often changes nothing)."""
    return _sequence_sql().replace(
        " RETURNING ", " AND set_config('synchronous_commit', 'off', true) IS NOT NULL RETURNING "
    )


def new_tracking_code() -> str:
    """A random public code the reporter uses to follow the case (no personal data behind it)."""
    return "".join(secrets.choice(_TRACKING_ALPHABET) for _ in range(TRACKING_LENGTH))

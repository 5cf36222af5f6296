"""Bulk writes of component rows with one prepared statement per batch (``executemany``).

Building a model instance per row and letting the ORM render a multi-row INSERT cost two thirds of
a million-row import (Django caps SQLite statements at 999 parameters, ~50 rows); a prepared
statement executed for the whole batch keeps the import well inside its time budget on both engines.
The statement is built from the model's own table and column names, so it follows migrations.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Sequence
from typing import Any

from django.db import connection

from .models import Component

# Attribute names in the order the values are given.
COLUMNS = (
    "code",
    "subclass_id",
    "authority_id",
    "owner_id",
    "maintainer_id",
    "state_id",
    "source",
    "note",
    "lon",
    "lat",
    "geom_wkb",
    "original_crs",
    "original_x",
    "original_y",
    "grid_id",
    "community_id",
    "street_id",
    "district_id",
    "first_recorded",
    "changed",
    "h3",
)
DATE_POSITIONS = (COLUMNS.index("first_recorded"), COLUMNS.index("changed"))


@functools.cache
def _statement(vendor: str, upsert: bool) -> str:
    meta = Component._meta
    quote = connection.ops.quote_name
    columns = [quote(str(getattr(meta.get_field(name), "column", name))) for name in COLUMNS]
    placeholders = ", ".join(["%s"] * len(columns))
    sql = f"INSERT INTO {quote(meta.db_table)} ({', '.join(columns)}) VALUES ({placeholders})"
    if upsert:
        # Same syntax on SQLite (3.24+) and PostgreSQL: the row with this ID takes the new values.
        updates = ", ".join(f"{c} = excluded.{c}" for c in columns[1:])
        sql += f" ON CONFLICT ({columns[0]}) DO UPDATE SET {updates}"
    return sql


def write_rows(rows: Sequence[Sequence[Any]], *, upsert: bool) -> None:
    """Insert (or, with ``upsert``, insert-or-replace by ID) rows of values in :data:`COLUMNS` order."""
    if not rows:
        return
    if connection.vendor == "postgresql" and not upsert:
        _copy(rows)
        return
    adapt = connection.ops.adapt_datefield_value
    cache: dict[dt.date, Any] = {}
    prepared = []
    for row in rows:
        values = list(row)
        for pos in DATE_POSITIONS:
            day = values[pos]
            if day not in cache:
                cache[day] = adapt(day)
            values[pos] = cache[day]
        prepared.append(values)
    with connection.cursor() as cursor:
        cursor.executemany(_statement(connection.vendor, upsert), prepared)


def _copy(rows: Sequence[Sequence[Any]]) -> None:
    """New rows on PostgreSQL go in with COPY, several times faster than even a prepared INSERT."""
    meta = Component._meta
    quote = connection.ops.quote_name
    columns = ", ".join(quote(str(getattr(meta.get_field(name), "column", name))) for name in COLUMNS)
    with connection.cursor() as cursor:
        raw = cursor.cursor  # the psycopg cursor under Django's wrapper: it knows COPY
        with raw.copy(f"COPY {quote(meta.db_table)} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def refresh_statistics() -> None:
    """Let the query planner see the table's new shape after a bulk load (sampled on SQLite)."""
    table = connection.ops.quote_name(Component._meta.db_table)
    with connection.cursor() as cursor:
        if connection.vendor == "sqlite":
            cursor.execute("PRAGMA analysis_limit = 1000")
        cursor.execute(f"ANALYZE {table}")


def widen_cache() -> None:
    """Give SQLite's page cache room for the table's indexes during a bulk load.

    With the default 2 MB cache, inserts into the H3 index (random order) evict dirty pages to the
    write-ahead log over and over and the import slows several-fold as the table grows; 256 MB keeps
    a million rows' indexes in memory. PostgreSQL sizes its buffers itself.
    """
    if connection.vendor == "sqlite":
        with connection.cursor() as cursor:
            cursor.execute("PRAGMA cache_size = -262144")

"""Running the hot path's statements: straight to the driver when nobody watches the queries
(see the package's docstring), and what the reading and writing sides share."""

from __future__ import annotations

import functools
from collections.abc import Callable, Sequence
from typing import Any

import psycopg
from django.conf import settings
from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX
from django.db.models.fields import Field

from ..postgres.statements import statements_of

Converter = Callable[[Any, Any, BaseDatabaseWrapper], Any]


@functools.lru_cache(maxsize=512)
def _qmark(sql: str) -> str:
    """The statement in sqlite3's parameter style (as Django's SQLite backend rewrites it)."""
    return FORMAT_QMARK_REGEX.sub("?", sql).replace("%%", "%")


def _execute(
    connection: BaseDatabaseWrapper, sql: str, params: Sequence[Any], rows: bool = True
) -> list[Any]:
    """Run one statement; its rows (``rows=False``: a statement that returns none)."""
    unobserved = not connection.queries_logged and not connection.execute_wrappers
    if connection.vendor == "sqlite" and unobserved:
        connection.validate_no_broken_transaction()
        if connection.connection is None:
            connection.ensure_connection()
        with connection.wrap_database_errors:
            cursor = connection.connection.execute(_qmark(sql), params)
            return cursor.fetchall() if rows else []
    if connection.vendor == "postgresql" and unobserved:
        connection.validate_no_broken_transaction()
        if connection.connection is None:
            connection.ensure_connection()
        with connection.wrap_database_errors:
            if settings.PG_PREPARED_STATEMENTS:
                # Prepared once per connection, run through libpq (core.postgres.statements).
                return statements_of(connection).run(sql, params, rows)
            # Behind a pooler that cannot keep prepared statements: server-side binding still
            # sends the values as they are instead of quoting them into the text.
            cursor = _pg_cursor(connection)
            cursor.execute(sql, params)
            return cursor.fetchall() if rows else []
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return cursor.fetchall() if rows else []


def _pg_cursor(connection: BaseDatabaseWrapper) -> psycopg.Cursor[Any]:
    """The connection's own cursor for these statements, made once per connection (making one per
    statement cost about as much as a small statement's round trip)."""
    raw = connection.connection
    cursor: psycopg.Cursor[Any] | None = getattr(connection, "_fastsql_cursor", None)
    if cursor is None or cursor.closed or cursor.connection is not raw:
        cursor = psycopg.Cursor(raw)
        connection._fastsql_cursor = cursor  # type: ignore[attr-defined]
    return cursor


def execute(sql: str, params: Sequence[Any], *, rows: bool = True, using: str = "default") -> list[Any]:
    """A hand-written statement on the hot path, run as this module runs its own (its rows)."""
    return _execute(connections[using], sql, params, rows)


def _connection(model: type[models.Model]) -> tuple[str, BaseDatabaseWrapper]:
    alias = router.db_for_write(model)
    return alias, connections[alias]


@functools.cache
def _fields_by_name(model: type[models.Model]) -> dict[str, Field]:
    """Concrete fields by field name and by attribute name (``unit`` and ``unit_id``)."""
    found: dict[str, Field] = {}
    for f in model._meta.concrete_fields:
        found[f.name] = found[f.attname] = f
    return found

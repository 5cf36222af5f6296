"""Single-row INSERT (and several rows of one model in one INSERT) and UPDATE by primary key, with
the statement built once per model and column set and each value adapted as the ORM adapts it."""

from __future__ import annotations

import datetime as dt
import functools
import json
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from django.conf import settings
from django.db import connections, models
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.fields import Field

from .execution import _connection, _execute, _fields_by_name


@functools.cache
def _insert_plan(model: type[models.Model], alias: str) -> tuple[str, tuple[Field, ...]]:
    meta = model._meta
    connection = connections[alias]
    quote = connection.ops.quote_name
    pk = meta.pk
    assert pk is not None
    fields = tuple(f for f in meta.concrete_fields if not (f.primary_key and isinstance(f, models.AutoField)))
    columns = ", ".join(quote(f.column) for f in fields)
    placeholders = ", ".join(["%s"] * len(fields))
    sql = (
        f"INSERT INTO {quote(meta.db_table)} ({columns}) VALUES ({placeholders}) RETURNING {quote(pk.column)}"
    )
    return sql, fields


@functools.cache
def _update_plan(
    model: type[models.Model], alias: str, names: tuple[str, ...]
) -> tuple[str, tuple[Field, ...]]:
    meta = model._meta
    connection = connections[alias]
    quote = connection.ops.quote_name
    pk = meta.pk
    assert pk is not None
    by_name = _fields_by_name(model)
    fields = tuple(by_name[name] for name in names)
    assignments = ", ".join(f"{quote(f.column)} = %s" for f in fields)
    sql = f"UPDATE {quote(meta.db_table)} SET {assignments} WHERE {quote(pk.column)} = %s"
    return sql, fields


def _db_value(field: Field, connection: BaseDatabaseWrapper) -> Callable[[Any], Any]:
    """How ``field`` adapts a value for the database: its own ``get_db_prep_save``, with the values
    the hot path writes most (plain strings, integers, flags, aware datetimes and JSON on SQLite) adapted to
    exactly what that would give without its layers of calls."""
    plain: tuple[type, ...] = ()
    if isinstance(field, models.CharField | models.TextField):
        plain = (str,)
    elif isinstance(field, models.BooleanField):
        plain = (bool,)
    elif isinstance(field, models.IntegerField) or (
        isinstance(field, models.ForeignKey) and isinstance(field.target_field, models.IntegerField)
    ):
        plain = (int,)
    elif isinstance(field, models.FloatField):
        plain = (float,)
    sqlite_datetime = (
        isinstance(field, models.DateTimeField) and connection.vendor == "sqlite" and settings.USE_TZ
    )
    # A JSON object or list on SQLite: the text json.dumps makes of it, as the backend's
    # adapt_json_value does (PostgreSQL's wraps it for psycopg instead, so it goes the long way).
    sqlite_json = (
        isinstance(field, models.JSONField) and connection.vendor == "sqlite" and field.encoder is None
    )
    prep = field.get_db_prep_save

    def adapt(value: Any) -> Any:
        kind = type(value)
        if value is None or kind in plain:
            return value
        if sqlite_datetime and kind is dt.datetime and value.tzinfo is not None:
            # What Django's SQLite backend stores: the UTC wall time as text.
            return str(value.astimezone(dt.UTC).replace(tzinfo=None))
        if sqlite_json and isinstance(value, dict | list):
            return json.dumps(value)
        return prep(value, connection)

    return adapt


@functools.cache
def _getters(
    model: type[models.Model], alias: str, names: tuple[str, ...], add: bool
) -> tuple[tuple[Callable[[Any], Any], Callable[[Any], Any]], ...]:
    """For each column: how to read the value to write from an instance (its field's ``pre_save``;
    a plain attribute read where the field keeps Django's default one) and how to adapt it."""
    by_name = _fields_by_name(model)
    found = []
    for name in names:
        field = by_name[name]
        if type(field).pre_save is Field.pre_save:
            read: Callable[[Any], Any] = operator.attrgetter(field.attname)
        else:
            read = functools.partial(_pre_save, field, add)
        found.append((read, _db_value(field, connections[alias])))
    return tuple(found)


def _pre_save(field: Field, add: bool, obj: models.Model) -> Any:
    return field.pre_save(obj, add)


def _row(
    obj: models.Model, getters: tuple[tuple[Callable[[Any], Any], Callable[[Any], Any]], ...]
) -> list[Any]:
    return [adapt(read(obj)) for read, adapt in getters]


@functools.cache
def _insert_getters(
    model: type[models.Model], alias: str
) -> tuple[tuple[Callable[[Any], Any], Callable[[Any], Any]], ...]:
    _, fields = _insert_plan(model, alias)
    return _getters(model, alias, tuple(f.attname for f in fields), True)


def insert(obj: models.Model) -> None:
    """Insert ``obj`` as a new row and give it its primary key."""
    model = type(obj)
    alias, connection = _connection(model)
    sql, _ = _insert_plan(model, alias)
    obj.pk = _execute(connection, sql, _row(obj, _insert_getters(model, alias)))[0][0]
    obj._state.adding = False
    obj._state.db = alias


def insert_many(objs: Sequence[models.Model]) -> None:
    """Insert rows of one model in one statement (ids ascend in the order given)."""
    if len(objs) == 1:
        insert(objs[0])
        return
    if not objs:
        return
    model = type(objs[0])
    alias, connection = _connection(model)
    sql, _ = _insert_plan(model, alias)
    head, _, tail = sql.partition(" VALUES ")
    row, _, returning = tail.partition(" RETURNING ")
    getters = _insert_getters(model, alias)
    values = [value for obj in objs for value in _row(obj, getters)]
    found = _execute(
        connection, f"{head} VALUES {', '.join([row] * len(objs))} RETURNING {returning}", values
    )
    # Both engines return the rows in the order of the VALUES list (Django's bulk_create relies on it
    # too); sort anyway, as ids are handed out in that order.
    ids = sorted(r[0] for r in found)
    for obj, pk in zip(objs, ids, strict=True):
        obj.pk = pk
        obj._state.adding = False
        obj._state.db = alias


def update(obj: models.Model, names: Iterable[str]) -> None:
    """Write the columns ``names`` (field names or attribute names) of an existing row."""
    model = type(obj)
    by_name = _fields_by_name(model)
    key = tuple(dict.fromkeys(by_name[n].attname for n in names))
    if not key:
        return
    alias, connection = _connection(model)
    sql, _ = _update_plan(model, alias, key)
    _execute(connection, sql, [*_row(obj, _getters(model, alias, key, False)), obj.pk], rows=False)

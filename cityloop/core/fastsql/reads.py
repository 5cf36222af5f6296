"""Plain SELECTs by equality, ``IN`` and ``IS NULL``, read into model instances (or, for a few
columns, into plain tuples) with the converters the ORM uses."""

from __future__ import annotations

import datetime as dt
import functools
from typing import Any, TypeVar

from django.conf import settings
from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.models.base import ModelState
from django.db.models.fields import Field
from django.utils.dateparse import parse_datetime

from .execution import Converter, _execute, _fields_by_name
from .instances import watched

M = TypeVar("M", bound=models.Model)


@functools.cache
def _select_plan(
    model: type[models.Model], alias: str
) -> tuple[str, str, list[str], list[tuple[int, list[Converter], Any]]]:
    """The model's column list and table (quoted), its attribute names, and the converters of the
    columns that need one."""
    meta = model._meta
    connection = connections[alias]
    quote = connection.ops.quote_name
    fields = list(meta.concrete_fields)
    columns = ", ".join(f"{quote(meta.db_table)}.{quote(f.column)}" for f in fields)
    converters = _converters(fields, meta.db_table, connection)
    return columns, quote(meta.db_table), [f.attname for f in fields], converters


def _converters(
    fields: list[Field], table: str, connection: BaseDatabaseWrapper
) -> list[tuple[int, list[Converter], Any]]:
    """For each of the columns ``fields`` that needs one, its position and the ORM's converters."""
    converters = []
    # Django's SQLite converter for datetimes, on a connection in UTC: taken over by a leaner one.
    slow_datetime = (
        getattr(connection.ops, "convert_datetimefield_value", None)
        if connection.vendor == "sqlite" and settings.USE_TZ and connection.timezone == dt.UTC
        else None
    )
    for i, field in enumerate(fields):
        col = field.get_col(table)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if slow_datetime is not None:
            found = [_sqlite_utc_datetime if func == slow_datetime else func for func in found]
        if found:
            converters.append((i, found, col))
    return converters


def _sqlite_utc_datetime(value: Any, expression: Any, connection: BaseDatabaseWrapper) -> Any:
    """What Django's SQLite backend makes of a datetime column on a connection in UTC, without its
    layers of calls: the driver has already parsed the text; the naive value is UTC wall time."""
    if value is None:
        return None
    if not isinstance(value, dt.datetime):
        value = parse_datetime(value)
    return value.replace(tzinfo=dt.UTC) if value.tzinfo is None else value


def _convert(
    values: list[Any], converters: list[tuple[int, list[Converter], Any]], connection: BaseDatabaseWrapper
) -> list[Any]:
    """A row's values as the ORM reads them (in place)."""
    for i, funcs, col in converters:
        for func in funcs:
            values[i] = func(values[i], col, connection)
    return values


def _instance(model: type[M], alias: str, connection: BaseDatabaseWrapper, values: list[Any]) -> M:
    """A model instance from a row's values in :func:`_select_plan`'s column order."""
    _, _, names, converters = _select_plan(model, alias)
    _convert(values, converters, connection)
    if watched(model):
        return model.from_db(alias, names, values)
    # What ``from_db`` ends with, without ``Model.__init__``'s walk through every field's descriptor
    # (a third of the time to read a row): a full row loaded from the database, not yet changed.
    obj = model.__new__(model)
    state = ModelState()
    state.adding = False
    state.db = alias
    attributes = obj.__dict__
    attributes["_state"] = state
    attributes.update(zip(names, values, strict=True))
    return obj


def _where(
    model: type[models.Model], connection: BaseDatabaseWrapper, where: dict[str, Any], table: str = ""
) -> tuple[str, list[Any]] | None:
    """The WHERE clause for ``name=value``, ``name=None`` and ``name__in=[...]`` (columns qualified
    by ``table`` when given); None: matches nothing."""
    by_name = _fields_by_name(model)
    quote = connection.ops.quote_name
    clauses, params = [], []
    for key, value in where.items():
        name, _, op = key.partition("__")
        column = f"{table}.{quote(by_name[name].column)}" if table else quote(by_name[name].column)
        if op == "in":
            values = list(value)
            if not values:
                return None
            clauses.append(f"{column} IN ({', '.join(['%s'] * len(values))})")
            params.extend(values)
        elif op:
            raise ValueError(f"fetch understands name=value and name__in=[...], not {key}")
        elif value is None:
            clauses.append(f"{column} IS NULL")
        else:
            clauses.append(f"{column} = %s")
            params.append(value)
    return (" WHERE " + " AND ".join(clauses) if clauses else ""), params


def count(model: type[models.Model], **where: Any) -> int:
    """How many rows of ``model`` match (same conditions as :func:`fetch`)."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    found = _where(model, connection, where)
    if found is None:
        return 0
    sql = f"SELECT COUNT(*) FROM {connection.ops.quote_name(model._meta.db_table)}{found[0]}"
    return int(_execute(connection, sql, found[1])[0][0])


def _tail(
    model: type[models.Model],
    connection: BaseDatabaseWrapper,
    order_by: str,
    for_update: bool,
    table: str = "",
) -> str:
    """The ORDER BY (column ``order_by``, ``-name`` descending; qualified by ``table`` when given)
    and FOR UPDATE ends of a statement."""
    tail = ""
    if order_by:
        column = connection.ops.quote_name(_fields_by_name(model)[order_by.lstrip("-")].column)
        tail = (
            f" ORDER BY {table + '.' if table else ''}{column}{' DESC' if order_by.startswith('-') else ''}"
        )
    if for_update and connection.features.has_select_for_update:
        tail += " FOR UPDATE"
    return tail


def fetch(model: type[M], *, order_by: str = "", for_update: bool = False, **where: Any) -> list[M]:
    """Rows of ``model`` whose columns equal the given values (``name=None``: the column is null;
    ``name__in=[...]`` for a list), as model instances, ordered by the column ``order_by``
    (``-name`` descending). ``for_update`` locks them where the database can (PostgreSQL; SQLite's
    write transaction already holds the whole database)."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    columns, table, _, _ = _select_plan(model, alias)
    found_where = _where(model, connection, where)
    if found_where is None:
        return []
    sql = f"SELECT {columns} FROM {table}{found_where[0]}{_tail(model, connection, order_by, for_update)}"
    return [
        _instance(model, alias, connection, list(row)) for row in _execute(connection, sql, found_where[1])
    ]


def fetch_related(
    model: type[M], related: str, *, order_by: str = "", for_update: bool = False, **where: Any
) -> list[M]:
    """Rows of ``model`` as :func:`fetch` finds them, each with the object its foreign key
    ``related`` points to read in the same statement (as ``select_related`` does: ``obj.<related>``
    then needs no query). Rows whose key is null are left out. ``for_update`` locks the rows of
    both tables."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    field = model._meta.get_field(related)
    assert isinstance(field, models.ForeignKey), f"{related} is not a foreign key of {model.__name__}"
    target = field.related_model
    assert isinstance(target, type) and issubclass(target, models.Model)
    columns, table, names, _ = _select_plan(model, alias)
    target_columns, target_table, _, _ = _select_plan(target, alias)
    quote = connection.ops.quote_name
    found_where = _where(model, connection, where, table)
    if found_where is None:
        return []
    target_pk = target._meta.pk
    assert target_pk is not None
    sql = (
        f"SELECT {columns}, {target_columns} FROM {table} INNER JOIN {target_table} "
        f"ON {target_table}.{quote(target_pk.column)} = {table}.{quote(field.column)}{found_where[0]}"
        f"{_tail(model, connection, order_by, for_update, table)}"
    )
    found = []
    width = len(names)
    for row in _execute(connection, sql, found_where[1]):
        obj = _instance(model, alias, connection, list(row[:width]))
        field.set_cached_value(obj, _instance(target, alias, connection, list(row[width:])))
        found.append(obj)
    return found


@functools.cache
def _values_plan(
    model: type[models.Model], alias: str, names: tuple[str, ...]
) -> tuple[str, list[tuple[int, list[Converter], Any]]]:
    """The column list of the fields ``names`` and the converters of those that need one."""
    meta = model._meta
    connection = connections[alias]
    quote = connection.ops.quote_name
    by_name = _fields_by_name(model)
    fields = [by_name[name] for name in names]
    return ", ".join(quote(f.column) for f in fields), _converters(fields, meta.db_table, connection)


def fetch_values(
    model: type[models.Model], *names: str, order_by: str = "", **where: Any
) -> list[tuple[Any, ...]]:
    """The columns ``names`` of the rows of ``model`` that match (as :func:`fetch`), as tuples of
    values converted as the ORM converts them: for questions about many rows that need only a few
    of their columns, without building an instance of each."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    columns, converters = _values_plan(model, alias, names)
    found_where = _where(model, connection, where)
    if found_where is None:
        return []
    table = connection.ops.quote_name(model._meta.db_table)
    sql = f"SELECT {columns} FROM {table}{found_where[0]}{_tail(model, connection, order_by, False)}"
    rows = _execute(connection, sql, found_where[1])
    if not converters:
        return [tuple(row) for row in rows]
    return [tuple(_convert(list(row), converters, connection)) for row in rows]

"""Single-row INSERT, UPDATE by primary key and plain SELECT with statements prepared once per model.

The ORM renders every statement afresh: about 0.4 ms of Python per query on our servers, which was
most of a case transition's time (a transition writes seven rows: the case, two step rows, two timer
rows, the audit entry and the timeline event). The hot path of the case loop writes through these
two functions instead. They do what ``Model.save`` does for a plain row (``pre_save`` of each field,
so ``auto_now`` and defaults apply, then ``get_db_prep_save``, so every type is adapted exactly as
the ORM adapts it) but build the SQL once per model and column set, from the model's own table and
column names, so they follow migrations.

``fetch`` reads rows of one table by equality (``None``: IS NULL) or ``IN`` on columns, converting
values with the same converters the ORM uses; ``fetch_related`` adds the row a foreign key points to,
from the same statement; ``count`` counts them.

Not sent: ``pre_save``/``post_save`` signals. Use them only for models nobody listens to (a test
checks that for the models the case loop writes).

When nobody watches the queries (no debug log, no ``CaptureQueriesContext``, no
``execute_wrapper``), a statement goes straight to the driver: on SQLite in its ``?`` form, kept once
per statement (Django's cursor wrappers and its per-query rewriting of ``%s`` cost as much as
SQLite's own work on these one-row statements); on PostgreSQL prepared once per connection and run
through libpq (``core.postgres.statements``: Django's client-side binding quotes every value into
the text in Python, the server would parse and plan each statement afresh, and psycopg's cursor
adds about 40 µs of Python to each). ``PG_PREPARED_STATEMENTS=0`` (a pooler that cannot keep
prepared statements) runs them on a server-side binding cursor instead. Errors are still Django's
(``IntegrityError`` …). ``execute`` runs a hand-written statement the same way.
"""

from __future__ import annotations

import datetime as dt
import functools
import operator
from collections.abc import Callable, Iterable, Sequence
from typing import Any, TypeVar

import psycopg
from django.conf import settings
from django.db import connections, models, router
from django.db.backends.base.base import BaseDatabaseWrapper
from django.db.backends.sqlite3.base import FORMAT_QMARK_REGEX
from django.db.models import signals
from django.db.models.base import ModelState
from django.db.models.fields import Field

from .postgres.statements import statements_of

M = TypeVar("M", bound=models.Model)
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
    the hot path writes most (plain strings, integers, flags, aware datetimes on SQLite) adapted to
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
    prep = field.get_db_prep_save

    def adapt(value: Any) -> Any:
        kind = type(value)
        if value is None or kind in plain:
            return value
        if sqlite_datetime and kind is dt.datetime and value.tzinfo is not None:
            # What Django's SQLite backend stores: the UTC wall time as text.
            return str(value.astimezone(dt.UTC).replace(tzinfo=None))
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
def _fields_by_name(model: type[models.Model]) -> dict[str, Field]:
    """Concrete fields by field name and by attribute name (``unit`` and ``unit_id``)."""
    found: dict[str, Field] = {}
    for f in model._meta.concrete_fields:
        found[f.name] = found[f.attname] = f
    return found


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
    converters = []
    for i, field in enumerate(fields):
        col = field.get_col(meta.db_table)
        found = connection.ops.get_db_converters(col) + col.get_db_converters(connection)
        if found:
            converters.append((i, found, col))
    return columns, quote(meta.db_table), [f.attname for f in fields], converters


@functools.cache
def _plain_construction(model: type[models.Model]) -> bool:
    """Whether ``model`` builds its instances as ``Model`` does (no ``__init__`` or ``from_db`` of its
    own), so a row's values can be put straight into a new instance."""
    own_from_db = any("from_db" in base.__dict__ for base in model.__mro__ if base is not models.Model)
    return model.__init__ is models.Model.__init__ and not own_from_db


def _instance(model: type[M], alias: str, connection: BaseDatabaseWrapper, values: list[Any]) -> M:
    """A model instance from a row's values in :func:`_select_plan`'s column order."""
    _, _, names, converters = _select_plan(model, alias)
    for i, funcs, col in converters:
        for func in funcs:
            values[i] = func(values[i], col, connection)
    if (
        not _plain_construction(model)
        or signals.pre_init.has_listeners(model)
        or signals.post_init.has_listeners(model)
    ):
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


def fetch(model: type[M], *, order_by: str = "", for_update: bool = False, **where: Any) -> list[M]:
    """Rows of ``model`` whose columns equal the given values (``name=None``: the column is null;
    ``name__in=[...]`` for a list), as model instances, ordered by the column ``order_by``
    (``-name`` descending). ``for_update`` locks them where the database can (PostgreSQL; SQLite's
    write transaction already holds the whole database)."""
    alias = router.db_for_read(model)
    connection = connections[alias]
    columns, table, _, _ = _select_plan(model, alias)
    by_name = _fields_by_name(model)
    quote = connection.ops.quote_name
    found_where = _where(model, connection, where)
    if found_where is None:
        return []
    sql = f"SELECT {columns} FROM {table}{found_where[0]}"
    params = found_where[1]
    if order_by:
        column = quote(by_name[order_by.lstrip("-")].column)
        sql += f" ORDER BY {column}{' DESC' if order_by.startswith('-') else ''}"
    if for_update and connection.features.has_select_for_update:
        sql += " FOR UPDATE"
    return [_instance(model, alias, connection, list(row)) for row in _execute(connection, sql, params)]


def fetch_related(model: type[M], related: str, **where: Any) -> list[M]:
    """Rows of ``model`` as :func:`fetch` finds them, each with the object its foreign key
    ``related`` points to read in the same statement (as ``select_related`` does: ``obj.<related>``
    then needs no query). Rows whose key is null are left out."""
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
    )
    found = []
    width = len(names)
    for row in _execute(connection, sql, found_where[1]):
        obj = _instance(model, alias, connection, list(row[:width]))
        field.set_cached_value(obj, _instance(target, alias, connection, list(row[width:])))
        found.append(obj)
    return found

"""Migration helpers. A column's index moved from ``db_index=True`` / ``unique=True`` into ``Meta``,
without rebuilding the table.

On PostgreSQL Django gives every indexed or unique ``CharField`` a second index with
``varchar_pattern_ops`` (for ``LIKE 'prefix%'``). Where nothing searches a column by prefix, that
index only costs a write on every insert. Declaring the index in ``Meta`` instead drops it; letting
Django migrate that would rebuild the indexes on PostgreSQL and copy the whole table on SQLite (four
times for four columns), and on SQLite the copy would also lose the table's triggers. Here the
existing index is renamed (PostgreSQL) or rebuilt on its own (SQLite), and the pattern index dropped.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

Operation = Callable[[Any, Any], None]


def _pg_indexes(cursor: Any, table: str, column: str) -> tuple[str | None, list[str]]:
    """The plain btree index on ``column`` alone and its pattern-ops twins (by name)."""
    cursor.execute(
        "SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = current_schema() AND tablename = %s",
        [table],
    )
    plain, patterns = None, []
    for name, definition in cursor.fetchall():
        columns = definition.rsplit("(", 1)[1].rstrip(")")
        if columns in (column, f'"{column}"') and " WHERE " not in definition:
            plain = name
        elif columns.endswith("_pattern_ops") and columns.split()[0].strip('"') == column:
            patterns.append(name)
    return plain, patterns


def move_indexes_to_meta(table: str, renames: dict[str, tuple[str, bool]]) -> tuple[Operation, Operation]:
    """Forward and backward functions for ``RunPython``: for each ``column: (new name, unique)``,
    the column's existing index takes the new name and its pattern-ops index goes. A unique column
    keeps its uniqueness throughout (on SQLite in the table's own definition)."""

    def forward(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        with schema_editor.connection.cursor() as cursor:
            for column, (new_name, unique) in renames.items():
                if vendor == "postgresql":
                    plain, patterns = _pg_indexes(cursor, table, column)
                    for name in patterns:
                        cursor.execute(f'DROP INDEX IF EXISTS "{name}"')
                    if plain is None:
                        kind = "UNIQUE INDEX" if unique else "INDEX"
                        cursor.execute(f'CREATE {kind} "{new_name}" ON "{table}" ("{column}")')
                    elif plain != new_name:
                        cursor.execute(f'ALTER INDEX "{plain}" RENAME TO "{new_name}"')
                elif not unique:
                    # SQLite: only the plain index exists; rebuild it under its new name. A unique
                    # column's UNIQUE stays in the table's definition, which is equivalent.
                    old = schema_editor._create_index_name(table, [column], suffix="")
                    cursor.execute(f'DROP INDEX IF EXISTS "{old}"')
                    cursor.execute(f'CREATE INDEX IF NOT EXISTS "{new_name}" ON "{table}" ("{column}")')

    def backward(apps: Any, schema_editor: Any) -> None:
        vendor = schema_editor.connection.vendor
        with schema_editor.connection.cursor() as cursor:
            for column, (new_name, unique) in renames.items():
                old = schema_editor._create_index_name(table, [column], suffix="")
                if vendor == "postgresql":
                    cursor.execute(f'ALTER INDEX IF EXISTS "{new_name}" RENAME TO "{old}"')
                    pattern = f'"{column}" varchar_pattern_ops'
                    cursor.execute(f'CREATE INDEX IF NOT EXISTS "{old}_like" ON "{table}" ({pattern})')
                elif not unique:
                    cursor.execute(f'DROP INDEX IF EXISTS "{new_name}"')
                    cursor.execute(f'CREATE INDEX IF NOT EXISTS "{old}" ON "{table}" ("{column}")')

    return forward, backward


def carry_counter(app_label: str, model_name: str, shared_name: str) -> Operation:
    """A ``RunPython`` function that copies the one counter row of ``app_label.model_name`` (the
    per-app version tables of 0.1) into ``core.SharedVersion`` under ``shared_name``."""

    def forward(apps: Any, schema_editor: Any) -> None:
        old = apps.get_model(app_label, model_name).objects.filter(pk=1)
        counter = old.values_list("counter", flat=True).first()
        shared = apps.get_model("core", "SharedVersion")
        shared.objects.update_or_create(name=shared_name, defaults={"counter": counter or 0})

    return forward

"""A measurement aid for the side-by-side mode: put this folder first on a variant's ``PYTHONPATH``
and every Django connection of that variant gets a pass-through execute wrapper. Release 0.1's
``core.fastsql`` then sent its statements through Django's cursor instead of straight to the sqlite3
driver, which is how the raw sqlite3 path's own gain was measured (docs/performance.md)."""

from typing import Any

try:
    from django.db.backends.signals import connection_created

    def _observe(sender: Any, connection: Any, **kwargs: Any) -> None:
        connection.execute_wrappers.append(
            lambda execute, sql, params, many, context: execute(sql, params, many, context)
        )

    connection_created.connect(_observe, weak=False)
except ImportError:  # not a Django process
    pass

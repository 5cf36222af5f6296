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
from the same statement; ``fetch_values`` reads a few columns as plain tuples; ``count`` counts them.

``build`` makes a new row's instance without ``Model.__init__``'s walk through the descriptors.

Modules: ``execution`` (running a statement), ``writes`` (INSERT, UPDATE), ``reads`` (SELECT),
``instances`` (building instances).

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

from .execution import execute
from .instances import build
from .reads import count, fetch, fetch_related, fetch_values
from .writes import insert, insert_many, update

__all__ = [
    "build",
    "count",
    "execute",
    "fetch",
    "fetch_related",
    "fetch_values",
    "insert",
    "insert_many",
    "update",
]

"""The hot path's statements on PostgreSQL, prepared once per connection and run through libpq.

``core.fastsql`` builds a handful of statements (one-row inserts, updates by key, reads by
equality) and runs them on every case transition. Through a psycopg cursor each one cost about
40 µs of Python besides the server's work: psycopg drives libpq from generators that poll the
socket, built for async and pipelines. Here each statement is prepared once per connection under a
name of ours and run with ``PQexecPrepared``, which waits inside libpq with the GIL released;
psycopg's own adapters still turn the values into text and the rows back into Python objects, so
every type comes out exactly as psycopg gives it to Django.

Parameters are sent as text and typed by the server from the statement (a column's type in an
INSERT or a comparison), the way it types a literal. Statements must therefore give each
parameter a context that fixes its type (``col = %s``, ``VALUES (%s)``, ``%s::int``), as all of
``core.fastsql``'s do.

The connection's transaction is psycopg's: a statement outside autocommit first opens it with the
connection's own ``BEGIN`` settings, as psycopg would. psycopg itself prepares nothing (settings no
longer give it a ``prepare_threshold``), so it never sends ``DEALLOCATE ALL`` on a rollback; if the
server forgets our statements all the same (``DISCARD ALL`` from a pooler), the statement is
prepared again when no transaction is open, and the error is raised inside one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Sequence
from typing import Any

import psycopg
from psycopg import pq
from psycopg.adapt import PyFormat, Transformer

UNDEFINED_STATEMENT = b"26000"  # invalid_sql_statement_name: "prepared statement … does not exist"
FAILED = (pq.ExecStatus.FATAL_ERROR, pq.ExecStatus.NONFATAL_ERROR, pq.ExecStatus.BAD_RESPONSE)
_PLACEHOLDER = re.compile(r"%%|%s")


@functools.lru_cache(maxsize=1024)
def numbered(sql: str) -> bytes:
    """``sql`` with psycopg's ``%s`` placeholders as PostgreSQL's ``$1, $2 …`` (``%%`` is ``%``)."""
    count = 0

    def replace(match: re.Match[str]) -> str:
        nonlocal count
        if match.group() == "%%":
            return "%"
        count += 1
        return f"${count}"

    return _PLACEHOLDER.sub(replace, sql).encode()


class Statements:
    """One connection's prepared statements (by SQL text) and the transformer for its values."""

    def __init__(self, raw: psycopg.Connection[Any]) -> None:
        self.raw = raw
        self.names: dict[str, bytes] = {}
        self.prepared = 0  # names are never reused, even after the server forgot them
        self.transformer = Transformer.from_context(raw)

    def run(self, sql: str, params: Sequence[Any], rows: bool) -> list[tuple[Any, ...]]:
        """Run ``sql`` with ``params``; its rows as tuples (none when ``rows`` is false)."""
        pgconn = self.raw.pgconn
        if not self.raw.autocommit and pgconn.transaction_status == pq.TransactionStatus.IDLE:
            self._check(pgconn.exec_(self._begin()))
        # None stands for NULL, as libpq takes it (psycopg's type hints leave it out).
        values: Any = self.transformer.dump_sequence(params, [PyFormat.TEXT] * len(params))
        result = pgconn.exec_prepared(self._name(sql), values)
        if (
            result.status == pq.ExecStatus.FATAL_ERROR
            and result.error_field(pq.DiagnosticField.SQLSTATE) == UNDEFINED_STATEMENT
        ):
            self.names.clear()  # the server forgot them all (DISCARD ALL, DEALLOCATE ALL)
            if pgconn.transaction_status == pq.TransactionStatus.IDLE:
                result = pgconn.exec_prepared(self._name(sql), values)
        self._check(result)
        if not rows:
            return []
        self.transformer.set_pgresult(result)
        return self.transformer.load_rows(0, result.ntuples, tuple)

    def _name(self, sql: str) -> bytes:
        name = self.names.get(sql)
        if name is None:
            self.prepared += 1
            name = f"cityloop_{self.prepared}".encode()
            self._check(self.raw.pgconn.prepare(name, numbered(sql)))
            self.names[sql] = name
        return name

    def _begin(self) -> bytes:
        """The ``BEGIN`` psycopg would send for this connection's transaction settings."""
        raw = self.raw
        command = b"BEGIN"
        if raw.isolation_level is not None:
            command += b" ISOLATION LEVEL " + raw.isolation_level.name.replace("_", " ").encode()
        if raw.read_only is not None:
            command += b" READ ONLY" if raw.read_only else b" READ WRITE"
        if raw.deferrable is not None:
            command += b" DEFERRABLE" if raw.deferrable else b" NOT DEFERRABLE"
        return command

    def _check(self, result: pq.abc.PGresult) -> None:
        if result.status in FAILED:
            raise psycopg.errors.error_from_result(result, encoding=self.raw.info.encoding)


def statements_of(wrapper: Any) -> Statements:
    """The prepared statements of a Django connection's current psycopg connection."""
    raw = wrapper.connection
    found: Statements | None = getattr(wrapper, "_cityloop_statements", None)
    if found is None or found.raw is not raw:
        found = Statements(raw)
        wrapper._cityloop_statements = found
    return found

"""The database's refusal to change the audit tables, and the one way round it for maintenance.

Triggers on ``core_auditentry`` refuse UPDATE, DELETE and (PostgreSQL) TRUNCATE; on
``core_auditchainhead`` they refuse DELETE, TRUNCATE and an UPDATE that moves the head backwards
(one that writes the same values again is let through: restoring a snapshot does that).
They stand aside only inside :func:`maintenance`, which only code holding a database connection can
enter (the test suite's flushes, ``cityloop restore``): nothing reachable from HTTP calls it.

- PostgreSQL: the trigger function reads the transaction-local setting ``cityloop.audit_maintenance``.
- SQLite: the triggers ask ``cityloop_audit_maintenance()``, a function each Django connection
  registers (see :func:`register_sqlite_function`); a connection that lacks it (the ``sqlite3``
  shell) fails on "no such function", so the refusal holds there too.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db import transaction
from django.db.backends.base.base import BaseDatabaseWrapper

REFUSAL = "the audit log is append-only"
SQLITE_FUNCTION = "cityloop_audit_maintenance"
PG_SETTING = "cityloop.audit_maintenance"

# Migration 0009 creates these: change them only together with a new migration that replaces them.

SQLITE_TRIGGERS = [
    f"""CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
        WHEN NOT {SQLITE_FUNCTION}() BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END;""",
    f"""CREATE TRIGGER core_auditentry_no_delete BEFORE DELETE ON core_auditentry
        WHEN NOT {SQLITE_FUNCTION}() BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END;""",
    f"""CREATE TRIGGER core_auditchainhead_no_delete BEFORE DELETE ON core_auditchainhead
        WHEN NOT {SQLITE_FUNCTION}() BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END;""",
    f"""CREATE TRIGGER core_auditchainhead_forward_only BEFORE UPDATE ON core_auditchainhead
        WHEN NEW.last_id <= OLD.last_id AND NOT (NEW.last_id = OLD.last_id AND NEW.last_hash = OLD.last_hash)
             AND NOT {SQLITE_FUNCTION}()
        BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END;""",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update;",
    "DROP TRIGGER IF EXISTS core_auditentry_no_delete;",
    "DROP TRIGGER IF EXISTS core_auditchainhead_no_delete;",
    "DROP TRIGGER IF EXISTS core_auditchainhead_forward_only;",
]

PG_TRIGGERS = [
    f"""CREATE OR REPLACE FUNCTION cityloop_audit_guard() RETURNS trigger AS $$
        BEGIN
            IF coalesce(current_setting('{PG_SETTING}', true), '') = 'on' THEN
                IF TG_LEVEL = 'STATEMENT' THEN RETURN NULL; END IF;
                IF TG_OP = 'DELETE' THEN RETURN OLD; END IF;
                RETURN NEW;
            END IF;
            -- Nested: plpgsql does not stop at the first false operand of AND.
            IF TG_OP = 'UPDATE' AND TG_TABLE_NAME = 'core_auditchainhead' THEN
                IF NEW.last_id > OLD.last_id OR NEW = OLD THEN RETURN NEW; END IF;
            END IF;
            RAISE EXCEPTION '{REFUSAL} (% on %)', TG_OP, TG_TABLE_NAME
                USING ERRCODE = 'insufficient_privilege';
        END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_auditentry_guard BEFORE UPDATE OR DELETE ON core_auditentry
        FOR EACH ROW EXECUTE FUNCTION cityloop_audit_guard();""",
    """CREATE TRIGGER core_auditentry_no_truncate BEFORE TRUNCATE ON core_auditentry
        FOR EACH STATEMENT EXECUTE FUNCTION cityloop_audit_guard();""",
    """CREATE TRIGGER core_auditchainhead_guard BEFORE UPDATE OR DELETE ON core_auditchainhead
        FOR EACH ROW EXECUTE FUNCTION cityloop_audit_guard();""",
    """CREATE TRIGGER core_auditchainhead_no_truncate BEFORE TRUNCATE ON core_auditchainhead
        FOR EACH STATEMENT EXECUTE FUNCTION cityloop_audit_guard();""",
]
PG_DROP = [
    "DROP TRIGGER IF EXISTS core_auditentry_guard ON core_auditentry;",
    "DROP TRIGGER IF EXISTS core_auditentry_no_truncate ON core_auditentry;",
    "DROP TRIGGER IF EXISTS core_auditchainhead_guard ON core_auditchainhead;",
    "DROP TRIGGER IF EXISTS core_auditchainhead_no_truncate ON core_auditchainhead;",
    "DROP FUNCTION IF EXISTS cityloop_audit_guard();",
]


def register_sqlite_function(sender: Any, connection: BaseDatabaseWrapper, **kwargs: Any) -> None:
    """On each new SQLite connection, the function the triggers ask (``connection_created``)."""
    if connection.vendor != "sqlite":
        return
    wrapper = weakref.ref(connection)

    def on() -> int:
        held = wrapper()
        return 1 if held is not None and getattr(held, "_cityloop_audit_maintenance", False) else 0

    connection.connection.create_function(SQLITE_FUNCTION, 0, on)


@contextmanager
def maintenance(connection: BaseDatabaseWrapper) -> Iterator[None]:
    """Within the block (one transaction on ``connection``), the audit tables may be emptied or
    changed. For the test suite's flush and ``cityloop restore`` only: whatever changes the chain
    here shows in ``cityloop audit verify`` unless the chain is rebuilt, and an auditor holding an
    exported head still sees it."""
    with transaction.atomic(using=connection.alias):
        if connection.vendor == "postgresql":
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'on', true)", [PG_SETTING])
            yield
            # Inside a caller's transaction the setting would outlive the block: end it here.
            with connection.cursor() as cursor:
                cursor.execute("SELECT set_config(%s, 'off', true)", [PG_SETTING])
        else:
            connection.ensure_connection()
            connection._cityloop_audit_maintenance = True  # type: ignore[attr-defined]
            try:
                yield
            finally:
                connection._cityloop_audit_maintenance = False  # type: ignore[attr-defined]

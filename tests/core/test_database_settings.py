"""Each engine as the settings configure it: SQLite's own locking and checkpoints, PostgreSQL's
prepared statements through psycopg, and connections the server closed replaced before use."""

from __future__ import annotations

import psycopg
import pytest
from django.db import connection

from cityloop import settings as cityloop_settings


def test_sqlite_writers_wait_their_turn_with_sqlites_own_mechanisms(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "sqlite:////tmp/city.sqlite3")
    options = cityloop_settings._database()["OPTIONS"]
    assert options["transaction_mode"] == "IMMEDIATE"
    assert options["timeout"] == 20  # the busy timeout, in seconds
    assert "journal_mode=WAL" in options["init_command"]
    assert "wal_autocheckpoint=10000" in options["init_command"]  # the worker checkpoints first


def test_postgresql_prepares_statements_through_psycopg(monkeypatch):
    monkeypatch.setenv("DATABASE_URL", "postgres://cityloop@db.example:5432/cityloop")
    config = cityloop_settings._database()
    assert config["ENGINE"] == "django.db.backends.postgresql"
    assert config["OPTIONS"] == {"server_side_binding": True, "prepare_threshold": 2}
    monkeypatch.setenv("PG_PREPARE_THRESHOLD", "0")  # behind a pooler that cannot keep them
    assert cityloop_settings._database()["OPTIONS"]["prepare_threshold"] is None


@pytest.mark.postgres
@pytest.mark.django_db
def test_a_statement_run_often_is_prepared_once_on_the_server(org):
    from cityloop.core.models import Unit

    for _ in range(4):
        assert Unit.objects.filter(code="990000").count() == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "core_unit" WHERE "core_unit"."code" = $1%'],
        )
        assert cursor.fetchone()[0] == 1


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_a_connection_the_server_closed_is_replaced_before_the_next_request_uses_it():
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        other.execute("SELECT pg_sleep(0.2)")
    # What a request does first: Django's health check finds it broken and opens a new one.
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid

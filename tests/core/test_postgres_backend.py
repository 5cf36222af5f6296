"""The PostgreSQL backend's health check: no round trip for a healthy connection, and a connection
the server closed is noticed before the request uses it."""

from __future__ import annotations

from unittest import mock

import psycopg
import pytest
from django.db import connection
from django.db.backends.postgresql import base as django_postgresql

# Real connection states (no test transaction around them); serialized_rollback puts the
# migrations' data back after the flush, as in the other transactional tests.
pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True, serialized_rollback=True)]


def test_a_healthy_connection_is_usable_without_asking_the_server():
    connection.ensure_connection()
    with mock.patch.object(django_postgresql.DatabaseWrapper, "is_usable", side_effect=AssertionError):
        assert connection.is_usable()


def test_a_connection_the_server_closed_is_noticed_and_replaced():
    connection.ensure_connection()
    pid = connection.connection.info.backend_pid
    with psycopg.connect(**connection.get_connection_params(), autocommit=True) as other:
        other.execute("SELECT pg_terminate_backend(%s)", [pid])
        other.execute("SELECT pg_sleep(0.2)")  # the FATAL message and the close reach our socket
    assert not connection.is_usable()
    # What a request does first: the health check closes it, and the query runs on a new one.
    connection.close_if_unusable_or_obsolete()
    connection.health_check_done = False
    connection.close_if_health_check_failed()
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_backend_pid()")
        assert cursor.fetchone()[0] != pid

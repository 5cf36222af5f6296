"""The hot path's prepared statements on PostgreSQL (``core.postgres.statements``): prepared once,
run through libpq inside Django's transactions, with Django's errors, and prepared again when the
server forgot them."""

from __future__ import annotations

import pytest
from django.db import IntegrityError, ProgrammingError, connection, transaction

from cityloop.core import fastsql
from cityloop.core.models import Unit
from cityloop.core.postgres.statements import numbered

STATEMENT = '%FROM "core_unit" WHERE "code" = $1'


def _prepared_count(statement: str = STATEMENT) -> int:
    with connection.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s", [statement])
        return int(cursor.fetchone()[0])


def _city() -> Unit:
    unit = Unit(code="990000", name="示范市", kind="city")
    fastsql.insert(unit)
    return unit


def test_placeholders_are_numbered_and_a_doubled_percent_is_one():
    assert numbered("SELECT a FROM t WHERE b = %s AND c LIKE 'x%%' AND d IN (%s, %s)") == (
        b"SELECT a FROM t WHERE b = $1 AND c LIKE 'x%' AND d IN ($2, $3)"
    )


@pytest.mark.postgres
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
class TestOnPostgreSQL:
    def test_a_statement_is_prepared_once_and_outlives_a_rollback(self):
        city = _city()
        assert [u.pk for u in fastsql.fetch(Unit, code="990000")] == [city.pk]
        with pytest.raises(RuntimeError), transaction.atomic():
            fastsql.fetch(Unit, code="990000")
            raise RuntimeError("roll back")
        # psycopg prepares nothing of its own, so its rollback deallocates nothing of ours.
        assert [u.pk for u in fastsql.fetch(Unit, code="990000")] == [city.pk]
        assert _prepared_count() == 1

    def test_writes_belong_to_the_surrounding_transaction(self):
        with pytest.raises(RuntimeError), transaction.atomic():
            _city()
            assert fastsql.count(Unit, code="990000") == 1
            raise RuntimeError("roll back")
        assert not Unit.objects.filter(code="990000").exists()
        with transaction.atomic():
            _city()
        assert Unit.objects.filter(code="990000").count() == 1

    def test_errors_are_djangos(self):
        _city()
        with pytest.raises(IntegrityError), transaction.atomic():
            _city()
        assert Unit.objects.filter(code="990000").count() == 1

    def test_statements_the_server_forgot_are_prepared_again(self):
        city = _city()
        fastsql.fetch(Unit, code="990000")
        with connection.cursor() as cursor:
            cursor.execute("DEALLOCATE ALL")  # what a pooler's reset (DISCARD ALL) also does
        # Outside a transaction the statement is prepared again at once.
        assert [u.pk for u in fastsql.fetch(Unit, code="990000")] == [city.pk]
        # Inside one, the transaction has failed by then: the error is raised, and the statement
        # is prepared again next time.
        with pytest.raises(ProgrammingError, match="does not exist"), transaction.atomic():
            with connection.cursor() as cursor:
                cursor.execute("DEALLOCATE ALL")
            fastsql.fetch(Unit, code="990000")
        assert [u.pk for u in fastsql.fetch(Unit, code="990000")] == [city.pk]
        assert _prepared_count() == 1

    def test_without_prepared_statements_for_a_pooler(self, settings):
        settings.PG_PREPARED_STATEMENTS = False
        city = _city()
        assert [u.pk for u in fastsql.fetch(Unit, name="示范市")] == [city.pk]
        assert _prepared_count('%FROM "core_unit" WHERE "name" = $1') == 0

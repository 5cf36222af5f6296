"""The hot path's helpers: prepared single-row statements, batched audit entries, cached memberships
and brief reference caches. Each must behave exactly like the slower way it replaces."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.db.models.signals import post_init, post_save, pre_save
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cityloop.cases.models import Attachment, Case, CaseEvent, CaseSequence, CaseStep, CaseText
from cityloop.core import fastsql, memberships, memo
from cityloop.core.actions import grant_role, revoke_role
from cityloop.core.audit import Snapshot, domain_action, flush_audit, record
from cityloop.core.fastsql.writes import _db_value
from cityloop.core.memo import BriefCache
from cityloop.core.models import AuditEntry, Membership, Role, Unit, User
from cityloop.timeclock.models import StepTimer


def _columns(obj: Any) -> dict[str, Any]:
    return {f.attname: getattr(obj, f.attname) for f in type(obj)._meta.concrete_fields}


def _timer(org: Any) -> StepTimer:
    start = timezone.make_aware(dt.datetime(2026, 3, 2, 9, 0))
    return StepTimer(
        subject_type="cases.case",
        subject_id="41",
        district=org.district,
        responsible_unit=org.water,
        step="dispose",
        started_at=start,
        limit_amount=2.5,
        limit_unit="working_day",
        extension=0.5,
        pauses=[["2026-03-02T03:00:00+00:00", None]],
        rule_ref={"source": "condition", "code": "0101-1", "版本": 3},
        deadline_at=start + dt.timedelta(days=3),
    )


def test_insert_writes_what_the_orm_reads_back(org):
    timer = _timer(org)
    fastsql.insert(timer)
    assert timer.pk is not None and not timer._state.adding
    stored = StepTimer.objects.get(pk=timer.pk)
    assert _columns(stored) == _columns(timer)
    # Defaults the model fills in (pre_save) were written too.
    assert stored.revision == StepTimer._meta.get_field("revision").get_default()


def _unwrapped(value: Any) -> Any:
    return (type(value).__name__, value.obj) if type(value).__name__ == "Jsonb" else value


@pytest.mark.parametrize("model", [StepTimer, CaseStep, CaseEvent, AuditEntry, Case])
def test_values_are_adapted_exactly_as_the_orm_adapts_them(org, model):
    timer = _timer(org)
    samples: dict[type, list[Any]] = {
        str: ["", "井盖", "x" * 300],
        int: [0, 7, 2**40],
        bool: [True, False],
        float: [0.5, 2.0],
        dt.datetime: [timer.started_at, timezone.now(), dt.datetime(2026, 3, 2, 9, 0, 0, 123, tzinfo=dt.UTC)],
        dict: [{}, {"a": [1, "井盖", 0.5], "t": None}, Snapshot({"state": "dispatched"})],
        list: [[], [["2026-03-02T03:00:00+00:00", None]]],
    }
    for field in model._meta.concrete_fields:
        adapt = _db_value(field, connection)
        for kind, values in samples.items():
            for value in [None, *values]:
                try:
                    expected = field.get_db_prep_save(value, connection)
                except (TypeError, ValueError, ValidationError):
                    continue  # not a value this field takes
                if kind is str and not isinstance(field, models.CharField | models.TextField):
                    continue
                # PostgreSQL's JSON values come wrapped (psycopg's Jsonb), which do not compare.
                assert _unwrapped(adapt(value)) == _unwrapped(expected), (field.name, value)


def test_statements_are_seen_when_watched_and_errors_are_djangos(org):
    from django.db import IntegrityError

    timer = _timer(org)
    with CaptureQueriesContext(connection) as queries:
        fastsql.insert(timer)
    assert [q["sql"].split()[:3] for q in queries.captured_queries] == [
        ["INSERT", "INTO", '"timeclock_steptimer"']
    ]
    # Unwatched (SQLite: straight to the driver) the same statements run, and a broken constraint is
    # still Django's IntegrityError, which callers catch.
    again = _timer(org)
    again.started_at = timer.started_at
    with pytest.raises(IntegrityError), transaction.atomic():
        fastsql.insert(again)  # a second running timer of the same step and subject
    assert fastsql.count(StepTimer, subject_id="41") == 1


def test_update_writes_only_the_named_columns(org):
    timer = _timer(org)
    fastsql.insert(timer)
    StepTimer.objects.filter(pk=timer.pk).update(light="yellow")  # someone else's change
    timer.ended_at = timer.started_at + dt.timedelta(hours=5)
    timer.on_time, timer.elapsed = True, 0.6
    timer.responsible_unit = org.sanitation
    fastsql.update(timer, ["ended_at", "on_time", "elapsed", "responsible_unit_id"])
    stored = StepTimer.objects.get(pk=timer.pk)
    assert (stored.ended_at, stored.on_time, stored.elapsed) == (timer.ended_at, True, 0.6)
    assert stored.responsible_unit_id == org.sanitation.pk
    assert stored.light == "yellow"  # not named, so not overwritten


def test_update_of_nothing_writes_nothing(org):
    timer = _timer(org)
    fastsql.insert(timer)
    with CaptureQueriesContext(connection) as queries:
        fastsql.update(timer, [])
    assert not queries.captured_queries


def test_fetch_matches_the_orm(org):
    ids = []
    for step in ("accept", "register", "dispatch"):
        timer = _timer(org)
        timer.step = step
        fastsql.insert(timer)
        ids.append(timer.pk)
    found = fastsql.fetch(StepTimer, id__in=ids, order_by="-id")
    assert [t.pk for t in found] == sorted(ids, reverse=True)
    orm = {t.pk: _columns(t) for t in StepTimer.objects.filter(pk__in=ids)}
    assert all(_columns(t) == orm[t.pk] for t in found)
    assert fastsql.fetch(StepTimer, subject_id="41", step="register")[0].pk == ids[1]
    assert fastsql.fetch(StepTimer, id__in=[]) == []
    units = fastsql.fetch(Unit, id__in=[org.street_a.pk, org.water.pk], order_by="id")
    assert [u.pk for u in units] == sorted([org.street_a.pk, org.water.pk])
    assert units[0].path == Unit.objects.get(pk=units[0].pk).path


def test_fetched_rows_are_instances_as_the_orm_builds_them(org):
    timer = _timer(org)
    fastsql.insert(timer)
    found = fastsql.fetch(StepTimer, id=timer.pk)[0]
    orm = StepTimer.objects.get(pk=timer.pk)
    assert vars(found).keys() == vars(orm).keys()
    assert _columns(found) == _columns(orm)
    assert (found._state.adding, found._state.db) == (False, "default")
    # It behaves as a loaded row: its foreign keys resolve, and saving it updates the row.
    assert found.responsible_unit == org.water
    found.step = "check"
    found.save(update_fields=["step"])
    assert StepTimer.objects.get(pk=timer.pk).step == "check"
    assert StepTimer.objects.count() == 1


def test_fetched_rows_are_built_by_the_orm_where_something_listens_to_their_creation(org):
    timer = _timer(org)
    fastsql.insert(timer)
    seen: list[Any] = []

    def note(sender: Any, instance: Any, **kwargs: Any) -> None:
        seen.append(instance)

    post_init.connect(note, sender=StepTimer)
    try:
        found = fastsql.fetch(StepTimer, id=timer.pk)[0]
    finally:
        post_init.disconnect(note, sender=StepTimer)
    assert seen == [found]
    assert _columns(found) == _columns(StepTimer.objects.get(pk=timer.pk))


def test_fetch_related_reads_the_row_and_its_foreign_key_in_one_statement(org):
    timers = []
    for step, unit in (("accept", org.sanitation), ("register", org.water), ("dispatch", None)):
        timer = _timer(org)
        timer.step, timer.responsible_unit = step, unit
        fastsql.insert(timer)
        timers.append(timer)
    with CaptureQueriesContext(connection) as queries:
        found = fastsql.fetch_related(StepTimer, "responsible_unit", id__in=[t.pk for t in timers])
        units = {t.pk: t.responsible_unit for t in found}  # no query of its own
    assert len(queries.captured_queries) == 1
    # The row without a unit is left out; the others carry exactly what the ORM reads.
    assert set(units) == {timers[0].pk, timers[1].pk}
    orm = StepTimer.objects.select_related("responsible_unit").filter(pk__in=units)
    for timer in orm:
        assert _columns(units[timer.pk]) == _columns(timer.responsible_unit)
    assert all(_columns(t) == _columns(StepTimer.objects.get(pk=t.pk)) for t in found)
    assert fastsql.fetch_related(StepTimer, "responsible_unit", id__in=[]) == []


def test_fetch_values_reads_a_few_columns_converted_as_the_orm_converts_them(org):
    ids = []
    for step, pauses in (("accept", []), ("register", [["2026-03-02T03:00:00+00:00", None]])):
        timer = _timer(org)
        timer.step, timer.pauses = step, pauses
        fastsql.insert(timer)
        ids.append(timer.pk)
    found = fastsql.fetch_values(StepTimer, "step", "started_at", "pauses", id__in=ids, order_by="-id")
    orm = list(
        StepTimer.objects.filter(pk__in=ids).order_by("-id").values_list("step", "started_at", "pauses")
    )
    assert found == orm
    assert found[0][2] == [["2026-03-02T03:00:00+00:00", None]]  # JSON read back, aware datetimes
    assert fastsql.fetch_values(StepTimer, "step", id__in=[]) == []


def test_fetch_related_orders_and_locks(org):
    timers = []
    for step in ("accept", "register"):
        timer = _timer(org)
        timer.step = step
        fastsql.insert(timer)
        timers.append(timer)
    ids = [t.pk for t in timers]
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        found = fastsql.fetch_related(StepTimer, "district", order_by="-id", for_update=True, id__in=ids)
    assert [t.pk for t in found] == sorted(ids, reverse=True)
    assert ("FOR UPDATE" in queries.captured_queries[-1]["sql"]) == connection.features.has_select_for_update


def test_datetimes_are_read_back_aware_as_the_orm_reads_them(org):
    from cityloop.core.fastsql import reads

    timer = _timer(org)
    timer.ended_at = dt.datetime(2026, 3, 3, 1, 2, 3, 456, tzinfo=dt.UTC)
    fastsql.insert(timer)
    found = fastsql.fetch(StepTimer, id=timer.pk)[0]
    orm = StepTimer.objects.get(pk=timer.pk)
    assert (found.started_at, found.ended_at) == (orm.started_at, orm.ended_at)
    assert found.ended_at.tzinfo is not None and found.ended_at == timer.ended_at
    assert fastsql.fetch_values(StepTimer, "ended_at", id=timer.pk) == [(timer.ended_at,)]
    assert reads._sqlite_utc_datetime(None, None, connection) is None
    assert reads._sqlite_utc_datetime("2026-03-03 01:02:03", None, connection) == dt.datetime(
        2026, 3, 3, 1, 2, 3, tzinfo=dt.UTC
    )
    converters = [f for _, funcs, _ in reads._select_plan(StepTimer, "default")[3] for f in funcs]
    lean = reads._sqlite_utc_datetime in converters
    assert lean == (connection.vendor == "sqlite")


def test_fetch_refuses_lookups_it_does_not_understand():
    with pytest.raises(ValueError, match="name__in"):
        fastsql.fetch(Unit, code__startswith="99")


def test_fetch_for_update_locks_on_postgresql(org):
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        fastsql.fetch(Unit, for_update=True, id=org.district.pk)
    locked = "FOR UPDATE" in queries.captured_queries[-1]["sql"]
    assert locked == connection.features.has_select_for_update


def test_hot_path_statements_are_prepared_once_on_postgresql(org):
    if connection.vendor != "postgresql":
        pytest.skip("prepared statements are PostgreSQL's")
    for _ in range(3):
        fastsql.fetch(Unit, id=org.district.pk)
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT statement FROM pg_prepared_statements WHERE statement LIKE %s",
            ['%FROM "core_unit" WHERE "id" = $1'],
        )
        prepared = [row[0] for row in cursor.fetchall()]
    # One statement, prepared once and reused (Django's default would leave none prepared).
    assert len(prepared) == 1


def test_settings_use_our_backend_for_postgresql(monkeypatch):
    from cityloop import settings

    monkeypatch.setenv("DATABASE_URL", "postgres://cityloop@db.example:5432/cityloop")
    assert settings._database()["ENGINE"] == "cityloop.core.postgres"


def test_psycopg_is_given_no_prepare_threshold(monkeypatch):
    # psycopg would then prepare statements of its own and send DEALLOCATE ALL on each rollback,
    # which would drop ours too.
    from cityloop import settings

    monkeypatch.setenv("DATABASE_URL", "postgres://cityloop@db.example:5432/cityloop")
    assert "prepare_threshold" not in settings._database().get("OPTIONS", {})


@pytest.mark.parametrize(
    "model", [AuditEntry, Case, CaseStep, CaseEvent, StepTimer, CaseText, Attachment, CaseSequence]
)
def test_nobody_listens_to_saves_of_the_models_written_by_prepared_statements(model):
    # fastsql sends no save signals: a receiver on these models would silently miss the hot path.
    assert not post_save.has_listeners(model) and not pre_save.has_listeners(model)


def test_a_failed_inner_action_fails_the_outer_one_even_if_the_outer_catches_it(org, actor):
    @domain_action
    def inner(*, actor: User) -> None:
        Unit.objects.filter(pk=org.street_a.pk).update(name="改名")
        raise ValidationError("inner refuses")

    @domain_action
    def outer(*, actor: User) -> None:
        record(actor, "test.outer", org.district)
        with pytest.raises(ValidationError):
            inner(actor=actor)
        # The transaction is marked for rollback: nothing more may be written in it.
        Unit.objects.filter(pk=org.district.pk).update(name="不该写入")

    with pytest.raises(transaction.TransactionManagementError):
        outer(actor=actor)
    assert Unit.objects.get(pk=org.street_a.pk).name != "改名"
    assert Unit.objects.get(pk=org.district.pk).name != "不该写入"
    assert not AuditEntry.objects.filter(action="test.outer").exists()


def test_an_inner_action_joins_the_outer_transaction_without_a_savepoint(org, actor):
    @domain_action
    def inner(*, actor: User) -> None:
        record(actor, "test.inner", org.street_a)

    @domain_action
    def outer(*, actor: User) -> None:
        with CaptureQueriesContext(connection) as queries:
            inner(actor=actor)
        assert not [q for q in queries.captured_queries if "SAVEPOINT" in q["sql"].upper()]

    outer(actor=actor)
    assert AuditEntry.objects.filter(action="test.inner").count() == 1


def test_audit_entries_of_an_action_are_written_together_at_its_end(org, actor):
    seen: dict[str, Any] = {}

    @domain_action
    def outer(*, actor: User) -> None:
        first = record(actor, "test.outer", org.district)
        inner(actor=actor)
        seen["pk_before_end"] = first.pk
        seen["rows_before_end"] = AuditEntry.objects.filter(action__startswith="test.").count()

    @domain_action
    def inner(*, actor: User) -> None:
        record(actor, "test.inner", org.street_a)

    outer(actor=actor)
    assert seen == {"pk_before_end": None, "rows_before_end": 0}
    written = list(AuditEntry.objects.filter(action__startswith="test.").order_by("id"))
    assert [e.action for e in written] == ["test.outer", "test.inner"]


def test_flush_gives_entries_their_ids_and_a_failed_action_leaves_none(org, actor):
    @domain_action
    def flushing(*, actor: User) -> int | None:
        entry = record(actor, "test.flushed", org.district)
        flush_audit()
        return entry.pk

    assert AuditEntry.objects.get(pk=flushing(actor=actor)).action == "test.flushed"

    @domain_action
    def failing(*, actor: User) -> None:
        record(actor, "test.failed", org.district)
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing(actor=actor)
    assert not AuditEntry.objects.filter(action="test.failed").exists()


def test_outside_an_action_record_writes_at_once(org, actor):
    assert record(actor, "test.direct", org.district).pk is not None


def test_memberships_are_read_once_and_follow_grants_and_revocations(org, actor):
    user = org.users["water_handler"]
    first = memberships.active_memberships(user)
    assert [(m.unit_id, m.role) for m in first] == [(org.water.pk, Role.HANDLER)]
    with CaptureQueriesContext(connection) as queries:
        assert memberships.active_memberships(user) is first
    assert not queries.captured_queries
    granted = grant_role(actor=actor, user=user, unit=org.street_a, role=Role.UNIT_MANAGER)
    assert {m.role for m in memberships.active_memberships(user)} == {Role.HANDLER, Role.UNIT_MANAGER}
    revoke_role(actor=actor, membership=granted)
    assert {m.role for m in memberships.active_memberships(user)} == {Role.HANDLER}


def test_memberships_not_yet_valid_or_ended_do_not_count(org):
    user = org.users["street_b_manager"]
    today = timezone.localdate()
    Membership.objects.create(
        user=user, unit=org.water, role=Role.HANDLER, valid_from=today + dt.timedelta(days=1)
    )
    Membership.objects.create(
        user=user, unit=org.sanitation, role=Role.HANDLER, valid_from=dt.date(2020, 1, 1), valid_to=today
    )
    found = memberships.active_memberships(user)
    assert [(m.unit_id, m.role) for m in found] == [(org.street_b.pk, Role.UNIT_MANAGER)]
    assert found[0].unit.path == org.street_b.path  # the unit comes with it


def test_memberships_are_read_again_after_the_ttl(org, monkeypatch):
    user = org.users["leader"]
    memberships.active_memberships(user)
    later = memo.time.monotonic() + memberships.TTL_SECONDS + 1
    monkeypatch.setattr("cityloop.core.memo.time.monotonic", lambda: later)
    with CaptureQueriesContext(connection) as queries:
        memberships.active_memberships(user)
    assert queries.captured_queries


def test_brief_cache_keeps_answers_but_not_errors(monkeypatch):
    cache: BriefCache[int] = BriefCache("test")
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert cache.get("k", compute) == 1 and cache.get("k", compute) == 1

    def broken() -> int:
        raise LookupError("no")

    with pytest.raises(LookupError):
        cache.get("bad", broken)
    with pytest.raises(LookupError):
        cache.get("bad", broken)
    cache.clear()
    assert cache.get("k", compute) == 2
    now = memo.time.monotonic()
    monkeypatch.setattr("cityloop.core.memo.time.monotonic", lambda: now + cache.ttl + 1)
    assert cache.get("k", compute) == 3


def test_write_turns_are_taken_one_at_a_time_on_a_sqlite_file(tmp_path, monkeypatch):
    import threading
    import time

    from cityloop.core import writelock

    if connection.vendor != "sqlite":
        pytest.skip("write turns exist for SQLite only")
    monkeypatch.setitem(connection.settings_dict, "NAME", str(tmp_path / "city.sqlite3"))
    monkeypatch.setattr(type(connection), "in_atomic_block", False, raising=False)
    inside: list[int] = []
    overlaps: list[int] = []

    def writer(n: int) -> None:
        for _ in range(5):
            with writelock.write_turn():
                inside.append(n)
                if len(inside) > 1:
                    overlaps.append(n)
                time.sleep(0.002)
                inside.remove(n)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(3)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert overlaps == []
    assert (tmp_path / "city.sqlite3-writelock").exists()


def test_the_checkpointer_copies_the_wal_into_the_database_beside_the_writers(tmp_path):
    import os
    import sqlite3
    import time

    from cityloop.core import checkpoint

    path = str(tmp_path / "city.sqlite3")
    writer = sqlite3.connect(path, isolation_level=None)
    writer.execute("PRAGMA journal_mode=WAL")
    writer.execute("PRAGMA wal_autocheckpoint=0")  # only the checkpointer copies
    writer.execute("CREATE TABLE t (x TEXT)")
    assert os.path.getsize(path) <= 4096  # in WAL mode the writes go to the -wal file
    for _ in range(checkpoint.EVERY_COMMITS):
        writer.execute("INSERT INTO t VALUES (?)", ("x" * 3000,))
        checkpoint.committed(path)
    checkpointer = checkpoint.checkpointer_for(path)
    assert checkpointer is not None
    deadline = time.monotonic() + 10
    while checkpointer.done < 1 and time.monotonic() < deadline:
        time.sleep(0.01)
    assert checkpointer.done == 1
    # The rows, written to the WAL only, are now in the database file too.
    assert os.path.getsize(path) > checkpoint.EVERY_COMMITS * 3000
    before = checkpointer.done
    checkpoint.committed(path)  # not yet the next turn
    time.sleep(0.05)
    assert checkpointer.done == before
    writer.close()


def test_no_write_turn_inside_a_transaction_the_caller_opened(db, tmp_path, monkeypatch):
    from cityloop.core import writelock

    monkeypatch.setitem(connection.settings_dict, "NAME", str(tmp_path / "city.sqlite3"))
    # The test runs inside a transaction: taking a turn there could wait on a writer that waits on us.
    assert connection.in_atomic_block
    with writelock.write_turn():
        pass
    assert not (tmp_path / "city.sqlite3-writelock").exists()


def test_parts_of_an_action_are_recorded_in_its_own_entry(org, actor):
    from cityloop.core.audit import as_parts

    @domain_action
    def part(*, actor: User) -> None:
        record(actor, "test.part", org.street_a, after={"name": "东街道"})

    @domain_action
    def whole(*, actor: User) -> None:
        with as_parts() as parts:
            part(actor=actor)
        record(actor, "test.whole", org.district, after={"parts": parts})

    whole(actor=actor)
    assert not AuditEntry.objects.filter(action="test.part").exists()
    entry = AuditEntry.objects.get(action="test.whole")
    assert entry.after["parts"] == [
        {
            "action": "test.part",
            "object_type": "core.unit",
            "object_id": str(org.street_a.pk),
            "before": None,
            "after": {"name": "东街道"},
        }
    ]

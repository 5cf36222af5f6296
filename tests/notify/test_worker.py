"""``cityloop worker``: the sweep loop, and exactly-once with two workers on PostgreSQL."""

from __future__ import annotations

import datetime as dt
import json
import threading
from io import StringIO
from typing import Any

import pytest
from django.conf import settings as django_settings
from django.core.management import call_command
from django.db import connection

from cityloop.core.audit import system_actor
from cityloop.notify.actions import save_webhook
from cityloop.notify.models import Delivery, InboxMessage, Outbox, WebhookSubscription
from cityloop.notify.worker import Worker, run_sweep
from cityloop.timeclock import calendars
from cityloop.timeclock.actions import start_timer
from cityloop.timeclock.models import StepTimer

from .conftest import Receiver

SHANGHAI = dt.timezone(dt.timedelta(hours=8))
ON_SQLITE = django_settings.DATABASES["default"]["ENGINE"].endswith("sqlite3")


@pytest.fixture(autouse=True)
def quiet(settings: Any) -> None:
    settings.CITYLOOP_NOTIFY_CHANNELS = {}


@pytest.mark.django_db
def test_worker_loop_sweeps_and_stops(org: Any, actor: Any) -> None:
    start_timer(
        actor=actor,
        subject=("cases.case", 1),
        step="verify",
        started_at=dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI),
        amount=30,
        unit="minute",
        responsible_unit=org.water,
    )
    worker = Worker(sweep_interval=60, poll_interval=0.01)
    worker.run(max_loops=2)
    assert Outbox.objects.get().kind == "timeclock.overdue"
    assert InboxMessage.objects.filter(user=org.users["water_handler"]).count() == 1
    worker.stop()
    assert not worker.running
    worker.run()  # returns at once once stopped


@pytest.mark.django_db
def test_worker_once_prints_what_the_sweep_did(org: Any, actor: Any) -> None:
    start_timer(
        actor=actor,
        subject=("cases.case", 1),
        step="verify",
        started_at=dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI),
        amount=30,
        unit="minute",
        responsible_unit=org.water,
    )
    out = StringIO()
    call_command("worker", "--once", "--now", "2026-03-02T16:00+08:00", stdout=out)
    assert json.loads(out.getvalue())["timers"]["overdue"] == 1


def _sweep_in_thread(now: dt.datetime, barrier: threading.Barrier, results: list[Any]) -> None:
    try:
        barrier.wait()
        results.append(run_sweep(now))
    except Exception as exc:  # reported by the test
        results.append(exc)
    finally:
        connection.close()


@pytest.mark.postgres
@pytest.mark.skipif(
    ON_SQLITE, reason="SQLite serialises writers; the concurrent-worker race needs PostgreSQL"
)
@pytest.mark.django_db(transaction=True, serialized_rollback=True)
def test_two_workers_send_each_notice_once(org: Any, receiver: Receiver) -> None:
    calendars.reset()
    actor = system_actor()
    save_webhook(actor=actor, subscription=WebhookSubscription(name="hook", url=receiver.url, secret="k"))
    count = 120
    for i in range(count):
        start_timer(
            actor=actor,
            subject=("cases.case", i),
            step="dispose",
            started_at=dt.datetime(2026, 3, 2, 9, tzinfo=SHANGHAI),
            amount=1 + i % 3,
            unit="working_hour",
            district=org.district,
            responsible_unit=org.water,
        )
    now = dt.datetime(2026, 3, 3, 9, tzinfo=SHANGHAI)
    changed: list[int] = []
    for _round in range(2):
        barrier, results = threading.Barrier(2), []
        threads = [threading.Thread(target=_sweep_in_thread, args=(now, barrier, results)) for _ in range(2)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        assert not [r for r in results if isinstance(r, Exception)], results
        changed += [r["timers"]["overdue"] for r in results]
        now += dt.timedelta(minutes=1)

    # Between them the workers turned each timer red once (the second round found nothing left).
    assert sum(changed) == count, changed

    assert StepTimer.objects.filter(light="red", overdue_at__isnull=False).count() == count
    assert Outbox.objects.filter(kind="timeclock.overdue").count() == count
    assert Outbox.objects.filter(status="pending").count() == 0
    # Each notice reached the unit's handler and each district member once.
    assert InboxMessage.objects.filter(user=org.users["water_handler"]).count() == count
    assert InboxMessage.objects.filter(user=org.users["leader"]).count() == count
    # The webhook received each notice exactly once.
    delivered = [json.loads(r["body"])["dedupe_key"] for r in receiver.requests]
    assert len(delivered) == count and len(set(delivered)) == count
    assert Delivery.objects.filter(status="sent", attempts=1).count() == count


def test_the_worker_checkpoints_sqlites_write_ahead_log(
    tmp_path: Any, monkeypatch: Any, django_db_blocker: Any
) -> None:
    """What requests write piles up in the ``-wal`` file; the worker copies it into the database."""
    from django.db.backends.sqlite3.base import DatabaseWrapper

    from cityloop import settings as cityloop_settings
    from cityloop.notify import worker as worker_module

    path = tmp_path / "city.sqlite3"
    monkeypatch.setenv("DATABASE_URL", f"sqlite:///{path}")
    config = cityloop_settings._database()  # a file database set up as the settings set one up
    config.update(TIME_ZONE=None, CONN_HEALTH_CHECKS=False, CONN_MAX_AGE=0, AUTOCOMMIT=True)
    config.update(ATOMIC_REQUESTS=False)
    db = DatabaseWrapper(config, alias="checkpoint-test")
    monkeypatch.setattr(worker_module, "connection", db)
    with django_db_blocker.unblock():
        try:
            with db.cursor() as cursor:
                cursor.execute("CREATE TABLE t (x TEXT)")
                for n in range(200):
                    cursor.execute("INSERT INTO t VALUES (%s)", ["x" * 2000 + str(n)])
            # The rows are in the -wal file only: well under the automatic checkpoint's 10,000 pages.
            before = path.stat().st_size
            assert (tmp_path / "city.sqlite3-wal").stat().st_size > 200 * 2000
            worker_module.checkpoint_sqlite()
            assert path.stat().st_size > before + 200 * 2000  # copied into the database file
        finally:
            db.close()

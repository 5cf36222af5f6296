"""The audit log is a hash chain: tampering in any way shows in ``cityloop audit verify``, and the
database refuses UPDATE, DELETE and TRUNCATE of it outside maintenance."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cityloop.core import audit_chain
from cityloop.core.actions import create_unit
from cityloop.core.audit import Snapshot, record
from cityloop.core.audit_guard import maintenance
from cityloop.core.models import GENESIS_HASH, AuditChainHead, AuditEntry, User

pytestmark = pytest.mark.django_db


def units(actor: User, count: int) -> list[int]:
    """Audit entries written by real actions; their ids."""
    for n in range(count):
        create_unit(actor=actor, code=f"97{n:04d}", name=f"测试市{n}", kind="city")
    return list(AuditEntry.objects.order_by("-id").values_list("id", flat=True)[:count])[::-1]


def sql(statement: str, params: list[Any] | None = None) -> None:
    with connection.cursor() as cursor:
        cursor.execute(statement, params or [])


def tamper(statement: str, params: list[Any] | None = None) -> None:
    with maintenance(connection):
        sql(statement, params)


def row_of(entry_id: int) -> dict[str, Any]:
    return AuditEntry.objects.filter(id=entry_id).values(*audit_chain.ROW_FIELDS).get()


def forge(entry_id: int, prev_hash: str, **content: Any) -> None:
    """Insert an entry by hand with a hash that fits its own content, as a forger who read the code."""
    row = {
        "id": entry_id,
        "at": timezone.now(),
        "actor_id": None,
        "actor_label": "forger",
        "action": "unit.create",
        "object_type": "core.unit",
        "object_id": "1",
        "object_repr": "",
        "before": None,
        "after": {"name": "假"},
        "request_id": "",
        "prev_hash": prev_hash,
        **content,
    }
    digest = audit_chain.entry_hash(tuple(row[name] for name in audit_chain.CONTENT_FIELDS))
    AuditEntry(**row, hash=digest).save(force_insert=True)


def broken() -> audit_chain.Break:
    report = audit_chain.verify()
    assert report.problem is not None, "verify should have found the tampering"
    return report.problem


def test_actions_write_a_chain_that_verifies(actor: User) -> None:
    ids = units(actor, 3)
    entries = list(AuditEntry.objects.order_by("id"))
    prev = GENESIS_HASH
    for entry in entries:
        assert entry.prev_hash == prev
        assert entry.hash == audit_chain.entry_hash(audit_chain.content_of(entry))
        assert len(entry.hash) == 64
        prev = entry.hash
    head = AuditChainHead.objects.get()
    assert (head.last_id, head.last_hash) == (ids[-1], prev)
    report = audit_chain.verify()
    assert report.ok, report.problem
    assert report.checked == len(entries)
    assert report.last_id == ids[-1]


def test_what_reads_back_differently_hashes_the_same(actor: User) -> None:
    """Floats jsonb writes as integers, keys that come back as strings, tuples as lists, text."""
    inner = Snapshot({"limit_amount": 30.0, "keys": {2: "b", 10: "c", True: 1}, "pair": (1.0, 2)})
    after = {"x": 1e20, "y": 1.0, "z": 0.1, "w": -0.0, "名": "东街道 \u2028", "snapshot": inner}
    entry = record(actor, "unit.create", object_type="core.unit", object_id=1, after=after)
    assert entry is not None
    stored = AuditEntry.objects.get(pk=entry.pk)
    assert audit_chain.entry_hash(audit_chain.content_of(stored)) == entry.hash
    assert audit_chain.verify().ok


def test_one_transaction_locks_the_head_once(actor: User) -> None:
    with transaction.atomic(), CaptureQueriesContext(connection) as queries:
        for n in range(3):
            record(actor, "unit.create", object_type="core.unit", object_id=n)
    head_reads = [
        q["sql"] for q in queries if "core_auditchainhead" in q["sql"] and q["sql"].startswith("SELECT")
    ]
    assert len(head_reads) == 1
    if connection.vendor == "postgresql":
        assert "FOR UPDATE" in head_reads[0]
    assert audit_chain.verify().ok


def test_a_rolled_back_savepoint_leaves_no_hole_in_the_chain(actor: User) -> None:
    with transaction.atomic():
        first = record(actor, "unit.create", object_type="core.unit", object_id=1)
        try:
            with transaction.atomic():
                record(actor, "unit.create", object_type="core.unit", object_id=2)
                raise RuntimeError("undo")
        except RuntimeError:
            pass
        third = record(actor, "unit.create", object_type="core.unit", object_id=3)
    assert first is not None and third is not None
    assert third.prev_hash == first.hash
    assert third.id == first.id + 1
    assert audit_chain.verify().ok


def test_a_changed_field_is_named(actor: User) -> None:
    ids = units(actor, 4)
    tamper("UPDATE core_auditentry SET actor_label = 'someone else' WHERE id = %s", [ids[1]])
    assert broken() == audit_chain.Break("changed", ids[1], "its content no longer matches its hash")


def test_a_changed_entry_hashed_again_is_named(actor: User) -> None:
    ids = units(actor, 4)
    row = row_of(ids[1])
    row["object_repr"] = "另一个"
    digest = audit_chain.entry_hash(tuple(row[name] for name in audit_chain.CONTENT_FIELDS))
    tamper("UPDATE core_auditentry SET object_repr = %s, hash = %s WHERE id = %s", ["另一个", digest, ids[1]])
    problem = broken()
    assert (problem.kind, problem.entry_id) == ("changed", ids[1])


def test_a_deleted_middle_entry_is_named(actor: User) -> None:
    ids = units(actor, 4)
    tamper("DELETE FROM core_auditentry WHERE id = %s", [ids[1]])
    problem = broken()
    assert (problem.kind, problem.entry_id) == ("deleted", ids[2])
    assert f"#{ids[0]}" in problem.detail


def test_deleted_last_entries_are_named(actor: User) -> None:
    ids = units(actor, 4)
    tamper("DELETE FROM core_auditentry WHERE id >= %s", [ids[2]])
    problem = broken()
    assert (problem.kind, problem.entry_id) == ("deleted", ids[3])


def test_a_forged_entry_appended_without_the_head_is_named(actor: User) -> None:
    ids = units(actor, 3)
    with maintenance(connection):
        forge(ids[-1] + 1, row_of(ids[-1])["hash"])
    problem = broken()
    assert (problem.kind, problem.entry_id) == ("inserted", ids[-1] + 1)


def test_a_forged_entry_in_a_gap_is_named(actor: User) -> None:
    """Entries written before the chain have gaps in their ids (the old sequence's): a forger may
    fill one, chained to the entry before it, or not chained at all."""
    ids = units(actor, 3)
    with maintenance(connection):
        # Spread the ids out, as the sequence left them, and chain them again as the migration does.
        for n, entry_id in enumerate(reversed(ids)):
            sql("UPDATE core_auditentry SET id = %s WHERE id = %s", [1000 - n * 10, entry_id])
    spread = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
    audit_chain.rebuild()
    assert audit_chain.verify().ok
    gap = spread[-3] + 5
    with maintenance(connection):
        forge(gap, row_of(spread[-3])["hash"])
    assert broken() == audit_chain.Break(
        "inserted", gap, f"entries after #{spread[-3]} and before #{spread[-2]} were added"
    )
    with maintenance(connection):
        sql("DELETE FROM core_auditentry WHERE id = %s", [gap])
        forge(gap, "f" * 64)
    problem = broken()
    assert (problem.kind, problem.entry_id) == ("inserted", gap)


def test_swapped_contents_are_named(actor: User) -> None:
    ids = units(actor, 4)
    a, b = row_of(ids[1]), row_of(ids[2])
    columns = [name for name in audit_chain.ROW_FIELDS if name not in ("id", "at", "before", "after")]

    def put(entry_id: int, row: dict[str, Any]) -> None:
        assignments = ", ".join(f"{name} = %s" for name in columns)
        sql(f"UPDATE core_auditentry SET {assignments} WHERE id = %s", [*(row[c] for c in columns), entry_id])

    with maintenance(connection):
        put(ids[1], b)
        put(ids[2], a)
    problem = broken()
    assert (problem.kind, problem.entry_id) == ("changed", ids[1])


def test_a_rewritten_chain_fails_against_an_exported_head(actor: User, tmp_path: Path) -> None:
    ids = units(actor, 3)
    held = tmp_path / "head.json"
    call_command("audit", "head", "--output", str(held))
    assert json.loads(held.read_text())["id"] == ids[-1]
    # Someone able to turn the guard off changes an entry and hashes the whole chain again.
    tamper("UPDATE core_auditentry SET object_repr = 'rewritten' WHERE id = %s", [ids[0]])
    audit_chain.rebuild()
    assert audit_chain.verify().ok
    with pytest.raises(CommandError, match=rf"#{ids[-1]}: changed"):
        call_command("audit", "verify", "--from-head", str(held))
    head = json.loads(held.read_text())
    with pytest.raises(CommandError, match="changed"):
        call_command("audit", "verify", "--expect", head["hash"], "--id", str(head["id"]))


def test_the_database_refuses_update_delete_and_truncate(actor: User) -> None:
    ids = units(actor, 2)
    refused = [
        ("UPDATE core_auditentry SET actor_label = 'x' WHERE id = %s", [ids[0]]),
        ("DELETE FROM core_auditentry WHERE id = %s", [ids[0]]),
        ("DELETE FROM core_auditentry", []),
        ("DELETE FROM core_auditchainhead", []),
        ("UPDATE core_auditchainhead SET last_id = last_id - 1, last_hash = 'x'", []),
    ]
    if connection.vendor == "postgresql":
        refused += [("TRUNCATE core_auditentry CASCADE", []), ("TRUNCATE core_auditchainhead", [])]
        # The test's own inserts leave deferred foreign key checks, which PostgreSQL would name
        # before TRUNCATE reaches the trigger: run them now.
        sql("SET CONSTRAINTS ALL IMMEDIATE")
    for statement, params in refused:
        with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
            sql(statement, params)
    assert AuditEntry.objects.filter(id__in=ids).count() == 2
    assert audit_chain.verify().ok


def test_the_orm_refuses_to_change_entries(actor: User) -> None:
    units(actor, 2)
    entry = AuditEntry.objects.first()
    assert entry is not None
    for attempt in (
        lambda: AuditEntry.objects.all().delete(),
        lambda: AuditEntry.objects.filter(id=entry.id).update(actor_label="x"),
        lambda: AuditEntry.objects.bulk_update([entry], ["actor_label"]),
        entry.delete,
        entry.save,
    ):
        with pytest.raises(PermissionError):
            attempt()
    assert audit_chain.verify().ok


def test_verify_command_output_and_exit(actor: User, capsys: Any) -> None:
    ids = units(actor, 3)
    call_command("audit", "verify")
    assert f"up to #{ids[-1]}" in capsys.readouterr().out
    tamper("UPDATE core_auditentry SET action = 'unit.delete' WHERE id = %s", [ids[1]])
    with pytest.raises(CommandError, match=rf"broken at #{ids[1]}: changed"):
        call_command("audit", "verify", "--json")
    result = json.loads(capsys.readouterr().out)
    assert result["ok"] is False
    assert result["break"]["entry_id"] == ids[1]


def test_verify_exits_non_zero_from_the_console_script(actor: User) -> None:
    from cityloop.cli import main

    ids = units(actor, 2)
    tamper("DELETE FROM core_auditentry WHERE id = %s", [ids[0]])
    with pytest.raises(SystemExit) as exit_:
        main(["audit", "verify"])
    assert exit_.value.code != 0


def test_the_daily_head_is_exported_once(actor: User, settings: Any, tmp_path: Path) -> None:
    settings.CITYLOOP_AUDIT_HEAD_DIR = str(tmp_path)
    ids = units(actor, 2)
    tomorrow = timezone.localtime() + dt.timedelta(days=1)
    assert audit_chain.export_daily_heads(tomorrow) == {"written": [timezone.localdate().isoformat()]}
    held = json.loads((tmp_path / f"audit-head-{timezone.localdate().isoformat()}.json").read_text())
    assert (held["id"], held["hash"]) == (ids[-1], row_of(ids[-1])["hash"])
    assert audit_chain.export_daily_heads(tomorrow) == {"written": []}
    call_command("audit", "verify", "--from-head", str(tmp_path / f"audit-head-{held['day']}.json"))


def test_the_worker_sweep_exports_the_heads_and_the_command_gives_a_days_head(
    actor: User, capsys: Any
) -> None:
    from cityloop.notify.worker import _SWEEPS

    assert _SWEEPS["audit_heads"] is audit_chain.export_daily_heads
    ids = units(actor, 2)
    today = timezone.localdate()
    call_command("audit", "head", "--date", today.isoformat())
    held = json.loads(capsys.readouterr().out)
    assert (held["id"], held["day"]) == (ids[-1], today.isoformat())
    with pytest.raises(CommandError, match="no entry by then"):
        call_command("audit", "head", "--date", "2000-01-01")

"""The audit log as a hash chain: each entry's hash covers its content and the previous entry's hash.

- :func:`entry_hash`: the SHA-256 of an entry's canonical content (a stable format: changing it
  breaks every chain already written).
- :func:`next_link`: the id and prev_hash of the next entry, from the chain head locked in the
  action's transaction (``record()`` calls it).
- :func:`verify`: walks the chain in id order, in chunks (constant memory), and names the first
  entry that was changed, deleted or inserted (in :mod:`.audit_verify`).
- :func:`head_at` / :func:`export_daily_heads`: the head at the end of a day, for a third party to hold.
- :func:`rebuild`: hashes a run of entries written outside ``record()`` (the migration that
  introduced the chain, bulk loaders of benchmarks), under the maintenance switch.

The hashing itself lives in :mod:`.audit_hash`; both it and the walk are re-exported here.
"""

from __future__ import annotations

import datetime as dt
import json
import os
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model
from django.utils import timezone

from .audit_guard import maintenance
from .audit_hash import CONTENT_FIELDS, HEAD_ID, ROW_FIELDS, _utc, canonical, content_of, entry_hash
from .audit_verify import RECENT, Break, Report, verify, verify_from
from .models import GENESIS_HASH, AuditChainHead, AuditEntry

__all__ = [
    "CONTENT_FIELDS",
    "HEAD_ID",
    "RECENT",
    "ROW_FIELDS",
    "Break",
    "Report",
    "append",
    "canonical",
    "content_of",
    "entry_hash",
    "export_daily_heads",
    "forget_cached_head",
    "head_at",
    "head_directory",
    "rebuild",
    "verify",
    "verify_from",
]


# --- writing ---------------------------------------------------------------------------------------

_CACHE = "_cityloop_audit_head"


class _Mark:
    """An on_commit callback that does nothing: while it is still queued, the head cached with it
    is this transaction's (Django drops the callbacks of a savepoint rolled back, and all of them at
    commit or rollback)."""

    def __call__(self) -> None:
        pass


def _locked_head(using: str) -> list[Any]:
    """[last_id, last_hash] of the head, locked for this transaction (one SELECT … FOR UPDATE per
    transaction: later entries of the same transaction reuse what the first one read)."""
    connection = connections[using]
    cached = getattr(connection, _CACHE, None)
    if cached is not None:
        mark, head = cached
        for queued in reversed(connection.run_on_commit):
            if queued[1] is mark:
                return head
    heads = AuditChainHead.objects.using(using).select_for_update()
    row = heads.filter(pk=HEAD_ID).values_list("last_id", "last_hash").first()
    if row is None:
        # No head (a flushed test database, a restore of the entries alone): start it from the
        # last entry, once, whoever comes first.
        last = AuditEntry.objects.using(using).order_by("-id").values_list("id", "hash").first()
        start = last or (0, GENESIS_HASH)
        AuditChainHead.objects.using(using).bulk_create(
            [AuditChainHead(pk=HEAD_ID, last_id=start[0], last_hash=start[1])], ignore_conflicts=True
        )
        row = heads.filter(pk=HEAD_ID).values_list("last_id", "last_hash").get()
    return [row[0], row[1]]


def _remember(using: str, head: list[Any]) -> None:
    mark = _Mark()
    transaction.on_commit(mark, using=using)
    setattr(connections[using], _CACHE, (mark, head))


def append(entry: AuditEntry, using: str = DEFAULT_DB_ALIAS) -> AuditEntry:
    """Insert ``entry`` at the end of the chain: its id, time, prev_hash and hash are set here, and
    the head moves to it, in the caller's transaction."""
    if not connections[using].in_atomic_block:
        with transaction.atomic(using=using):
            return append(entry, using)
    head = _locked_head(using)
    entry.id = head[0] + 1
    entry.at = timezone.now()
    entry.prev_hash = head[1]
    entry.hash = entry_hash(content_of(entry))
    entry.save(force_insert=True, using=using)
    AuditChainHead.objects.using(using).filter(pk=HEAD_ID).update(last_id=entry.id, last_hash=entry.hash)
    head[0], head[1] = entry.id, entry.hash
    _remember(using, head)
    return entry


def rebuild(model: type[Model] = AuditEntry, using: str = DEFAULT_DB_ALIAS, after_id: int = 0) -> int:
    """Hash the entries after ``after_id`` in id order, chained to the entry at ``after_id`` (or the
    genesis), and move the head to the last one; returns how many. For entries written outside
    :func:`append` only (the migration that brought the chain, bulk loaders): it rewrites them, so
    it runs under :func:`maintenance`. ``model`` may be a migration's historical model."""
    connection = connections[using]
    entries = model._base_manager.using(using)
    prev = GENESIS_HASH
    if after_id:
        prev = entries.filter(id=after_id).values_list("hash", flat=True).get()
    count, last_id = 0, after_id
    with maintenance(connection):
        while True:
            chunk = list(entries.filter(id__gt=last_id).order_by("id").values_list(*CONTENT_FIELDS)[:2000])
            if not chunk:
                break
            updates = []
            for row in chunk:
                row = (*row[:-1], prev)
                prev = entry_hash(row)
                updates.append((row[-1], prev, row[0]))
            with connection.cursor() as cursor:
                cursor.executemany(
                    "UPDATE core_auditentry SET prev_hash = %s, hash = %s WHERE id = %s", updates
                )
            count += len(chunk)
            last_id = chunk[-1][0]
        with connection.cursor() as cursor:
            cursor.execute("DELETE FROM core_auditchainhead")
            cursor.execute(
                "INSERT INTO core_auditchainhead (id, last_id, last_hash) VALUES (%s, %s, %s)",
                [HEAD_ID, last_id, prev],
            )
    forget_cached_head(using)
    return count


def forget_cached_head(using: str = DEFAULT_DB_ALIAS) -> None:
    """Drop the head this connection cached (after the chain was rewritten under maintenance)."""
    if hasattr(connections[using], _CACHE):
        delattr(connections[using], _CACHE)


# --- exporting the head ----------------------------------------------------------------------------


def head_at(day: dt.date | None = None, using: str = DEFAULT_DB_ALIAS) -> dict[str, Any] | None:
    """The last entry at the end of ``day`` (local time; None: now) as {"id", "at", "hash"}, to
    hand to a third party: every entry up to it is fixed by that hash."""
    entries = AuditEntry.objects.using(using)
    if day is not None:
        end = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=1), dt.time()))
        entries = entries.filter(at__lt=end)
    row = entries.order_by("-id").values_list("id", "at", "hash").first()
    if row is None:
        return None
    head = {"id": row[0], "at": _utc(row[1]), "hash": row[2]}
    if day is not None:
        head["day"] = day.isoformat()
    return head


def head_directory() -> Path:
    return Path(settings.CITYLOOP_AUDIT_HEAD_DIR)


def export_daily_heads(now: dt.datetime) -> dict[str, Any]:
    """The worker's daily export: for each of the last seven finished days (local time) without a
    file yet, write ``audit-head-YYYY-MM-DD.json`` into CITYLOOP_AUDIT_HEAD_DIR."""
    directory = head_directory()
    today = timezone.localtime(now).date()
    written = []
    for back in range(7, 0, -1):
        day = today - dt.timedelta(days=back)
        path = directory / f"audit-head-{day.isoformat()}.json"
        if path.exists():
            continue
        head = head_at(day)
        if head is None:
            continue
        directory.mkdir(parents=True, exist_ok=True)
        tmp = path.with_suffix(f".{os.getpid()}.tmp")  # two workers may sweep at once
        tmp.write_text(json.dumps(head, sort_keys=True) + "\n", encoding="utf-8")
        tmp.replace(path)
        written.append(day.isoformat())
    return {"written": written}

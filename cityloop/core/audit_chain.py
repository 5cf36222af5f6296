"""The audit log as a hash chain: each entry's hash covers its content and the previous entry's hash.

- :func:`entry_hash`: the SHA-256 of an entry's canonical content (a stable format: changing it
  breaks every chain already written).
- :func:`next_link`: the id and prev_hash of the next entry, from the chain head locked in the
  action's transaction (``record()`` calls it).
- :func:`verify`: walks the chain in id order, in chunks (constant memory), and names the first
  entry that was changed, deleted or inserted.
- :func:`head_at` / :func:`export_daily_heads`: the head at the end of a day, for a third party to hold.
- :func:`rebuild`: hashes a run of entries written outside ``record()`` (the migration that
  introduced the chain, bulk loaders of benchmarks), under the maintenance switch.
"""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
import os
from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections, transaction
from django.db.models import Model, TextField
from django.db.models.functions import Cast
from django.utils import timezone

from .audit_guard import maintenance
from .models import GENESIS_HASH, AuditChainHead, AuditEntry

# The columns of an entry, in the order the functions below take them.
CONTENT_FIELDS = (
    "id",
    "at",
    "actor_id",
    "actor_label",
    "action",
    "object_type",
    "object_id",
    "object_repr",
    "before",
    "after",
    "request_id",
    "prev_hash",
)
ROW_FIELDS = (*CONTENT_FIELDS, "hash")
HEAD_ID = 1


def _json_key(key: Any) -> str:
    """A dict key as JSON writes it (and as it reads back): sorting must see the same strings."""
    if isinstance(key, str):
        return key
    if key is True or key is False or key is None:
        return json.dumps(key)
    return repr(key) if isinstance(key, float) else str(key)


def _number_safe(value: Any) -> Any:
    """``value`` as it reads back from the database: keys as strings, tuples as lists, and a float
    with no fraction as an integer (jsonb gives 1e20 back as 100000000000000000000), on both engines,
    so the hash written is the hash found."""
    kind = type(value)
    if kind is str or kind is int or value is None or kind is bool:  # most values: checked first
        return value
    if kind is dict:  # as read back: string keys (checked per key all the same, cheaply)
        return {k if type(k) is str else _json_key(k): _number_safe(v) for k, v in value.items()}
    if kind is list:
        return [_number_safe(v) for v in value]
    if isinstance(value, float):
        return int(decimal.Decimal(repr(value))) if value.is_integer() else value
    if isinstance(value, dict):  # a Snapshot, a subclass
        return {_json_key(k): _number_safe(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_number_safe(v) for v in value]
    return value


def _utc(at: dt.datetime) -> str:
    return at.astimezone(dt.UTC).isoformat(timespec="microseconds")  # 2026-12-06T06:27:55.101426+00:00


def canonical(row: tuple[Any, ...], *, read_back: bool = False) -> bytes:
    """The bytes an entry's hash covers: its :data:`CONTENT_FIELDS` as JSON with sorted keys, no
    whitespace, UTF-8 (times in UTC with microseconds). ``read_back``: before and after were
    decoded by :func:`_decode` already."""
    content = dict(zip(CONTENT_FIELDS, row, strict=True))
    content["at"] = _utc(content["at"])
    if not read_back:
        content["before"] = _number_safe(content["before"])
        content["after"] = _number_safe(content["after"])
    text = json.dumps(content, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return text.encode("utf-8", "surrogatepass")


def entry_hash(row: tuple[Any, ...], *, read_back: bool = False) -> str:
    """The hex SHA-256 of :func:`canonical`."""
    return hashlib.sha256(canonical(row, read_back=read_back)).hexdigest()


def _float(text: str) -> float | int:
    value = float(text)
    return int(decimal.Decimal(text)) if value.is_integer() else value


_DECODER = json.JSONDecoder(parse_float=_float)


def _decode(text: str | None) -> Any:
    """A JSON column's text as :func:`_number_safe` would make its value, in one pass (verify reads
    the text itself: decoding and then walking every value took a third of its time)."""
    return None if text is None else _DECODER.decode(text)


def content_of(entry: AuditEntry) -> tuple[Any, ...]:
    return tuple(getattr(entry, name) for name in CONTENT_FIELDS)


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


# --- verifying -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Break:
    """The first place the chain does not hold: ``kind`` is changed, deleted, inserted or head."""

    kind: str
    entry_id: int | None
    detail: str

    def as_dict(self) -> dict[str, Any]:
        return {"kind": self.kind, "entry_id": self.entry_id, "detail": self.detail}


@dataclass
class Report:
    checked: int = 0
    last_id: int = 0
    last_hash: str = GENESIS_HASH
    problem: Break | None = None
    expected_seen: bool = False

    @property
    def ok(self) -> bool:
        return self.problem is None


_TEXT_FIELDS = tuple(f"{name}_text" if name in ("before", "after") else name for name in ROW_FIELDS)
_BEFORE, _AFTER = ROW_FIELDS.index("before"), ROW_FIELDS.index("after")


def _rows(using: str, after_id: int = 0, chunk: int = 5000) -> Iterator[tuple[Any, ...]]:
    """The entries after ``after_id`` in id order, :data:`ROW_FIELDS` each, JSON decoded by
    :func:`_decode`; one chunk in memory at a time."""
    entries = (
        AuditEntry.objects.using(using)
        .order_by("id")
        .annotate(before_text=Cast("before", TextField()), after_text=Cast("after", TextField()))
    )
    while True:
        rows = list(entries.filter(id__gt=after_id).values_list(*_TEXT_FIELDS)[:chunk])
        for row in rows:
            yield (*row[:_BEFORE], _decode(row[_BEFORE]), _decode(row[_AFTER]), *row[_AFTER + 1 :])
        if len(rows) < chunk:
            return
        after_id = rows[-1][0]


# How far back verify remembers hashes, to tell an inserted entry (one the chain skips) from a
# deleted one (a predecessor no longer there). Bounded: the walk keeps constant memory.
RECENT = 10_000


def verify(using: str = DEFAULT_DB_ALIAS, expect: dict[str, Any] | None = None, chunk: int = 5000) -> Report:
    """Walk the whole chain; the report names the first break, if any. ``expect``: an exported head
    ({"id", "hash"}) the chain must still contain."""
    report = Report()
    recent: OrderedDict[str, int] = OrderedDict()
    prev_id: int | None = None
    expected_prev = GENESIS_HASH

    def check(row: tuple[Any, ...], following: tuple[Any, ...] | None) -> Break | None:
        entry_id, stored_prev, stored = row[0], row[-2], row[-1]
        computed = entry_hash(row[:-1], read_back=True)
        if computed == stored and stored_prev == expected_prev:
            return None
        if computed != stored:
            return Break("changed", entry_id, "its content no longer matches its hash")
        if following is not None and following[-2] == expected_prev:
            return Break("inserted", entry_id, "the chain passes over this entry: it was added")
        if stored_prev in recent:
            first = _first_after(using, recent[stored_prev])
            return Break(
                "inserted", first, f"entries after #{recent[stored_prev]} and before #{entry_id} were added"
            )
        if prev_id is None:
            return Break("deleted", entry_id, "the entries before this one were deleted")
        if entry_id > prev_id + 1:
            return Break("deleted", entry_id, f"entries between #{prev_id} and #{entry_id} were deleted")
        return Break(
            "changed",
            prev_id,
            f"entry #{prev_id} was changed and hashed again (or replaced): #{entry_id} points elsewhere",
        )

    rows = _rows(using, chunk=chunk)
    row = next(rows, None)
    while row is not None:
        following = next(rows, None)
        problem = check(row, following)
        if problem is not None:
            report.problem = problem
            return report
        if expect is not None and row[0] == expect["id"]:
            report.expected_seen = True
            if row[-1] != expect["hash"]:
                report.problem = Break(
                    "changed", row[0], "its hash differs from the exported head: the chain was rewritten"
                )
                return report
        report.checked += 1
        prev_id, expected_prev = row[0], row[-1]
        recent[expected_prev] = prev_id
        if len(recent) > RECENT:
            recent.popitem(last=False)
        row = following
    report.last_id, report.last_hash = prev_id or 0, expected_prev
    report.problem = _check_head(using, report, expect)
    return report


def _first_after(using: str, entry_id: int) -> int:
    return (
        AuditEntry.objects.using(using).filter(id__gt=entry_id).order_by("id").values_list("id", flat=True)[0]
    )


def _check_head(using: str, report: Report, expect: dict[str, Any] | None) -> Break | None:
    # Entries read above were committed before the head is read now, so a sound head is at or past
    # the last of them (past it: entries appended meanwhile, which are walked too).
    for _ in range(5):
        head = (
            AuditChainHead.objects.using(using).filter(pk=HEAD_ID).values_list("last_id", "last_hash").first()
        )
        if head is None:
            if report.checked == 0:
                break
            return Break("head", None, "the chain head is missing")
        if head[0] <= report.last_id:
            break
        more = verify_from(using, report)
        if more is not None:
            return more
        if head[0] > report.last_id:
            return Break(
                "deleted",
                head[0],
                f"the last entries were deleted: the head is #{head[0]}, the last entry #{report.last_id}",
            )
    if head is not None:
        if head[0] < report.last_id:
            first = _first_after(using, head[0])
            return Break("inserted", first, f"entries after the head #{head[0]} were added")
        if head[1] != report.last_hash:
            return Break("head", head[0], "the head's hash differs from the last entry's")
    if expect is not None and not report.expected_seen:
        return Break("deleted", expect["id"], "the exported head's entry is no longer in the chain")
    return None


def verify_from(using: str, report: Report) -> Break | None:
    """Continue a sound walk past ``report.last_id`` (entries appended during the walk)."""
    prev = report.last_hash
    for row in _rows(using, after_id=report.last_id):
        if row[-2] != prev or entry_hash(row[:-1], read_back=True) != row[-1]:
            return Break("changed", row[0], "an entry appended during the walk does not chain")
        prev = row[-1]
        report.checked += 1
        report.last_id, report.last_hash = row[0], prev
    return None


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

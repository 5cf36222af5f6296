"""Verifying the audit chain: :func:`verify` walks it in id order, in chunks (constant memory), and
names the first entry that was changed, deleted or inserted (a :class:`Break`), then checks the head
and, if given, an exported head the chain must still contain."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.db import DEFAULT_DB_ALIAS
from django.db.models import TextField
from django.db.models.functions import Cast

from .audit_hash import HEAD_ID, ROW_FIELDS, _decode, entry_hash
from .models import GENESIS_HASH, AuditChainHead, AuditEntry


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

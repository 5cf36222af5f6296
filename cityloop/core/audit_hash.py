"""The audit chain's hashing: which columns of an entry its hash covers, their canonical bytes
(a stable format: changing it breaks every chain already written) and the SHA-256 of them, and the
reading back of JSON columns as the hash saw them. Writing is in :mod:`.audit_chain`, the walk that
checks the chain in :mod:`.audit_verify`."""

from __future__ import annotations

import datetime as dt
import decimal
import hashlib
import json
from typing import Any

from .models import AuditEntry

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

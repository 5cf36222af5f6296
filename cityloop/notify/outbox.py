"""Queue a notice in the caller's transaction: ``enqueue(kind, recipients=…, dedupe_key=…)``.

Call it inside the action that causes the notice. The row commits or rolls back with the change,
and its unique ``dedupe_key`` means the same notice can never be queued twice, whoever tries.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from django.db import IntegrityError, models, transaction

from cityloop.core.models import Unit, User

from .models import Outbox


def _ids(recipients: Iterable[User | Unit], model: type[models.Model]) -> list[int]:
    return sorted({int(r.pk) for r in recipients if isinstance(r, model) and r.pk is not None})


def enqueue(
    kind: str,
    *,
    recipients: Iterable[User | Unit] = (),
    subject_type: str = "",
    subject_id: str | int = "",
    payload: dict[str, Any] | None = None,
    dedupe_key: str,
    district: Unit | int | None = None,
    fresh: bool = False,
) -> Outbox | None:
    """Queue a notice of ``kind`` for ``recipients`` (users, and units meaning their active members).

    ``payload`` carries ``title`` and ``body`` for people plus any data for machines. Returns the new
    outbox row, or None when a notice with ``dedupe_key`` was queued before (nothing is written).
    ``fresh`` says the key names something this transaction made (a new ticket's first message), so
    no one can have queued it: the row is written without the look-up and the savepoint, which are
    half the statements an intake pays for its notice.
    """
    if not dedupe_key:
        raise ValueError("a notice needs a dedupe_key (e.g. 'timer:42:r0:overdue')")
    recipients = list(recipients)
    unknown = [r for r in recipients if not isinstance(r, User | Unit)]
    if unknown:
        raise TypeError(f"recipients must be users or units, got {unknown!r}")
    district_id = district.pk if isinstance(district, Unit) else district
    row = Outbox(
        kind=kind,
        subject_type=subject_type,
        subject_id=str(subject_id),
        district_id=district_id,
        payload=payload or {},
        recipient_users=_ids(recipients, User),
        recipient_units=_ids(recipients, Unit),
        dedupe_key=dedupe_key,
    )
    if fresh:
        row.save(force_insert=True)
        return row
    if Outbox.objects.filter(dedupe_key=dedupe_key).exists():
        return None
    try:
        # A savepoint: losing a race to a concurrent writer of the same notice must not spoil the
        # caller's transaction (on PostgreSQL the insert waits for the other and then conflicts).
        with transaction.atomic():
            row.save(force_insert=True)
            return row
    except IntegrityError:
        if Outbox.objects.filter(dedupe_key=dedupe_key).exists():
            return None
        raise

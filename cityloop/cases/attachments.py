"""Photos and documents: upload (checked by content), then attach to a case with a transition."""

from __future__ import annotations

from collections.abc import Iterable

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile

from cityloop.core.audit import domain_action, record
from cityloop.core.models import User

from .models import Attachment, Case, CaseEvent
from .uploads import check_upload

PURPOSES = {p for p, _ in Attachment.PURPOSES}


@domain_action
def upload_attachment(*, actor: User, name: str, content: bytes, purpose: str = "other") -> Attachment:
    """Store a checked file, not yet on any case; a later transition attaches it by id."""
    if purpose not in PURPOSES:
        raise ValidationError({"purpose": f"use one of {', '.join(sorted(PURPOSES))}"})
    checked = check_upload(name, content)
    attachment = Attachment(
        purpose=purpose,
        original_name=name[:200],
        content_type=checked.content_type,
        size=len(content),
        sha256=checked.sha256,
        uploaded_by=actor,
    )
    attachment.file.save(f"{checked.sha256[:16]}.{checked.extension}", ContentFile(content), save=False)
    attachment.save()
    record(
        actor,
        "attachment.upload",
        attachment,
        after={"name": name, "type": checked.content_type, "size": len(content)},
    )
    return attachment


def attach(
    case: Case, event: CaseEvent, ids: Iterable[int], *, actor: User, purpose: str | None = None
) -> list[Attachment]:
    """Link the actor's own unattached uploads to the case and the timeline event (inside the transition)."""
    wanted = {int(i) for i in ids}
    found = [
        a
        for a in Attachment.objects.select_for_update().filter(id__in=sorted(wanted)).order_by("id")
        if a.case_id is None and a.uploaded_by_id == actor.pk
    ]
    missing = wanted - {a.pk for a in found}
    if missing:
        raise ValidationError(
            {"attachments": f"uploads {sorted(missing)} are not yours, do not exist or are already on a case"}
        )
    for attachment in found:
        attachment.case = case
        attachment.event = event
        if purpose and attachment.purpose == "other":
            attachment.purpose = purpose
        attachment.save(update_fields=["case", "event", "purpose"])
    return found

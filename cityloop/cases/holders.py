"""How the case loop hears a holder who is asked before the unit (a frontage party, 门前三包).

A case dispatched on a frontage claim goes to the party's street, and the party has a short window to
put the problem right itself. Frontage sends its signals inside the transaction that records the
party's answer, so what happens to the case commits with it:

- fixed (with a photo): the system records the disposal on the street's behalf, with the party's
  photo and note, and the case goes on to the supervisor's check like any other;
- declined or not fixed in time: the street handles the case; the timeline says so.
"""

from __future__ import annotations

from typing import Any

from django.core.files.base import ContentFile
from django.utils import timezone

from cityloop.core.audit import system_actor

from .engine import Context, apply
from .models import Attachment, Case
from .workflow import TRANSITIONS

UNIT_STATES_TO_DISPOSE = frozenset({"dispatched"})


def _case(case_id: int) -> Case | None:
    return Case.objects.select_for_update(of=("self",)).select_related("category").filter(pk=case_id).first()


def _comment(case: Case, note: str, data: dict[str, Any]) -> None:
    if case.state not in TRANSITIONS["comment"].sources:
        return
    ctx = Context(
        case, TRANSITIONS["comment"], system_actor(), None, timezone.now(), {"note": note}, note=note
    )
    ctx.data.update(automatic=True, **data)
    apply(ctx, None)


def on_correction_fixed(sender: Any, correction: Any, actor: Any, **kwargs: Any) -> None:
    """The party fixed it: dispose on the street's behalf with the party's photo (when the case still
    waits for its disposal); otherwise only note it on the timeline."""
    from .effects import EFFECTS  # the table of every effect imports the receivers' neighbours

    case = _case(int(correction.case_id))
    if case is None:
        return
    note = f"责任主体{correction.party.name}已自行纠正" + (
        f"：{correction.answer}" if correction.answer else ""
    )
    data = {"holder": {"party": correction.party.uscc, "name": correction.party.name, "outcome": "fixed"}}
    if case.state not in UNIT_STATES_TO_DISPOSE:
        _comment(case, note, data)
        return
    system = system_actor()
    correction.photo.open("rb")
    try:
        content = correction.photo.read()
    finally:
        correction.photo.close()
    photo = Attachment(
        purpose="disposal",
        original_name=f"自行纠正-{correction.case_number}",
        content_type=correction.photo_type,
        size=len(content),
        sha256=correction.photo_sha256,
        uploaded_by=system,
    )
    photo.file.save(correction.photo.name.rsplit("/", 1)[-1], ContentFile(content), save=False)
    photo.save()
    payload = {"feedback": note, "attachments": [photo.pk]}
    ctx = Context(case, TRANSITIONS["dispose"], system, None, timezone.now(), payload, note=note)
    ctx.data.update(automatic=True, self_correction=True, **data)
    apply(ctx, EFFECTS.get("dispose"))


def on_correction_passed_on(sender: Any, correction: Any, actor: Any, reason: str, **kwargs: Any) -> None:
    """The party declined or let the window run out: the street deals with the case (a timeline note)."""
    case = _case(int(correction.case_id))
    if case is None:
        return
    outcome = str(correction.state)
    _comment(
        case,
        reason,
        {"holder": {"party": correction.party.uscc, "name": correction.party.name, "outcome": outcome}},
    )


def party_fix_refused(case: Case, actor: Any, reason: str) -> None:
    """A failed check of a case its frontage party said it fixed: the party is not credited with the
    fix (frontage records it, in this transition's transaction)."""
    from cityloop.frontage.correction_actions import refuse_fix

    refuse_fix(case.pk, actor=actor, reason=reason)

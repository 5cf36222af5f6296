"""Domain actions on cases. Reports enter through ``submit_report`` (in :mod:`.reporting`, re-exported
here); every later move is a transition taken through ``perform`` (named wrappers below make the
common ones read well), and the reporter rates a closed case with ``rate_closed_case``."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cityloop.core.audit import domain_action, record
from cityloop.core.audit_actions import AuditAction
from cityloop.core.models import Unit, User

from . import receipts
from .channels import forget_channels
from .engine import perform
from .models import Case
from .reporting import submit_report

RATINGS = range(1, 6)


@domain_action
def rate_closed_case(
    case: Case,
    *,
    actor: User,
    rating: int,
    comment: str = "",
    phone_last4: str = "",
    receipt_key: str = "",
) -> Case:
    """The reporter rates how the closed case was handled (1 very unsatisfied … 5 very satisfied).

    Only the reporter, once: they prove it with the signed key of their receipt link, or with the
    last four digits of the phone number they gave. Not a workflow transition: the case's state,
    version and timeline stay as they are; only ``citizen_rating`` and ``citizen_comment`` are set. The
    comment reaches the staff and the API, not the public page (it may name people)."""
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if locked.state != "closed":
        raise ValidationError({"rating": _("You can rate the result once the case is closed.")})
    if locked.citizen_rating is not None:
        raise ValidationError({"rating": _("This case has already been rated. Thank you!")})
    if rating not in RATINGS:
        raise ValidationError({"rating": _("Choose from 1 to 5 stars.")})
    if not (receipt_key and receipts.receipt_key_matches(locked, receipt_key)):
        if not receipts.phone_tail(locked.reporter_phone):
            raise ValidationError(
                {"phone_last4": _("This case can be rated only through the link on its receipt.")}
            )
        if not receipts.phone_tail_matches(locked, phone_last4):
            raise ValidationError(
                {"phone_last4": _("Enter the last four digits of the phone number you gave with the report.")}
            )
    locked.citizen_rating = rating
    locked.citizen_comment = comment.strip()[:500]
    locked.save(update_fields=["citizen_rating", "citizen_comment"])
    proof = "receipt link" if receipt_key and receipts.receipt_key_matches(locked, receipt_key) else "phone"
    record(
        actor,
        AuditAction.CASE_RATE,
        locked,
        before={"citizen_rating": None},
        after={"citizen_rating": rating, "comment": locked.citizen_comment, "proof": proof},
    )
    return locked


# Named actions for the common transitions: each is `perform` with a readable signature.


def send_for_verification(case: Case, *, actor: User, note: str = "") -> Case:
    return perform(case, "send_for_verification", actor=actor, payload={"note": note})


def register_case(case: Case, *, actor: User, condition: int, note: str = "") -> Case:
    return perform(case, "register", actor=actor, payload={"condition": condition, "note": note})


def dispatch_case(case: Case, *, actor: User, unit: Unit | str, note: str = "") -> Case:
    unit_ref = unit.pk if isinstance(unit, Unit) else unit
    return perform(case, "dispatch", actor=actor, payload={"unit": unit_ref, "note": note})


def dispose_case(case: Case, *, actor: User, feedback: str, attachments: list[int]) -> Case:
    return perform(case, "dispose", actor=actor, payload={"feedback": feedback, "attachments": attachments})


def close_case(case: Case, *, actor: User, note: str = "") -> Case:
    return perform(case, "close", actor=actor, payload={"note": note})


__all__ = [
    "close_case",
    "dispatch_case",
    "dispose_case",
    "forget_channels",
    "perform",
    "rate_closed_case",
    "register_case",
    "send_for_verification",
    "submit_report",
]

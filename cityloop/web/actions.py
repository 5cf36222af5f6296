"""Writes the console makes itself (everything else goes through the cases app's actions).

The workflow has no transition for a citizen's rating of a closed case, so the console records it
here, as a domain action with its audit entry: once per case, 1–5 stars, only after closing.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from cityloop.cases.models import Case
from cityloop.core.audit import domain_action, record
from cityloop.core.models import User

RATINGS = range(1, 6)


@domain_action
def rate_closed_case(case: Case, *, actor: User, rating: int, comment: str = "") -> Case:
    """The reporter rates how the closed case was handled (1 very unsatisfied … 5 very satisfied).

    Refused when the case is not closed yet or was already rated. The comment stays in the audit
    entry (it may name people, so it is not shown on the public page)."""
    locked = Case.objects.select_for_update(of=("self",)).get(pk=case.pk)
    if locked.state != "closed":
        raise ValidationError({"rating": _("You can rate the result once the case is closed.")})
    if locked.citizen_rating is not None:
        raise ValidationError({"rating": _("This case has already been rated. Thank you!")})
    if rating not in RATINGS:
        raise ValidationError({"rating": _("Choose from 1 to 5 stars.")})
    # A single-column update: the case's version and timeline belong to the workflow, not to this.
    Case.objects.filter(pk=locked.pk).update(citizen_rating=rating)
    record(
        actor,
        "case.rate",
        locked,
        before={"citizen_rating": None},
        after={"citizen_rating": rating, "comment": comment.strip()[:500]},
    )
    locked.citizen_rating = rating
    return locked

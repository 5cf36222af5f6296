"""合并: a duplicate report joins the open case of the same problem.

The same problem reported many times at one spot is one case with many reporters (DOMAIN.md §9).
The operator merges a duplicate (offered by :mod:`cityloop.cases.duplicates`, or named by its
number) before it is registered: the duplicate ends in the state ``merged`` with ``duplicate_of``
pointing at the case it joined, which runs the loop alone. Each reporter keeps their own tracking
code and follows the joined case: the public tracking page shows its progress and result, a hotline
hears its result for its own ticket, an Open311 client reads its status.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError

from cityloop.core.ids import row_id
from cityloop.core.permissions import restrict

from .engine import Context
from .models import Case
from .workflow.spec import OPEN_STATES


def merge(ctx: Context) -> None:
    """The effect of ``merge``: the case named by ``into`` (number or id) must be another open case
    of the same district that the actor may see and that is not itself merged."""
    case, ref = ctx.case, str(ctx.payload.get("into") or "").strip()
    visible = restrict(Case.objects.all(), ctx.actor, "view")
    pk = row_id(ref)
    found = visible.filter(pk=pk) if pk else visible.filter(number=ref)
    # Locked: a target merging elsewhere at the same moment would leave a chain.
    target = found.select_for_update().first()
    if target is None:
        raise ValidationError({"into": f"no case {ref} that you may see"})
    if target.pk == case.pk:
        raise ValidationError({"into": "a case cannot be merged into itself"})
    if target.duplicate_of_id is not None or target.state not in OPEN_STATES:
        raise ValidationError({"into": f"case {target.number} is not open: merge into an open case"})
    if target.district_id != case.district_id:
        raise ValidationError({"into": f"case {target.number} is in another district"})
    case.duplicate_of = target
    ctx.data["into"] = {"id": target.pk, "number": target.number}


def joined(case: Case) -> Case:
    """The case whose progress ``case``'s reporter follows: the case it was merged into, or itself."""
    return case.duplicate_of if case.state == "merged" and case.duplicate_of is not None else case

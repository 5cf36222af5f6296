"""Staff actions on hotline work orders (the platforms' own are in ``platforms`` and ``inbound``)."""

from __future__ import annotations

from cityloop.cases.engine import perform
from cityloop.cases.models import Case
from cityloop.core.models import User

from .outbound import transferring_back

# Before acceptance the operator refuses it; once accepted, the shift leader voids it.
TRANSFER_BACK = {
    "reported": "not_accept",
    "verified": "not_accept",
    "accepted": "void",
    "registered": "void",
    "verifying": "void",
}


def transfer_back(case: Case, *, actor: User, reason: str) -> Case:
    """退单: hand a work order back to its hotline because it is not the city's business. The case
    ends as the workflow allows from its state (不予受理 before acceptance, 作废 after), taken by
    ``actor`` through the engine (their role decides), and the hotline gets ``transferred_back``."""
    name = TRANSFER_BACK.get(case.state, "not_accept")  # any other state: the engine says 409 and why
    with transferring_back():
        return perform(case, name, actor=actor, payload={"reason": reason})

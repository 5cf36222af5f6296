"""The staff side of the loop for the hotline simulator: takes each open hotline case one step
further as the city's staff would, through the engine, as a real user who holds the role there.

Used by ``cityloop hotline simulate`` against a running server (it shares the server's database), so
that simulated work orders reach 办结 and get their return visits. Not used by the server itself.
"""

from __future__ import annotations

import io
import random

from django.core.exceptions import ValidationError

from cityloop.cases import clocks
from cityloop.cases.attachments import upload_attachment
from cityloop.cases.engine import TransitionError, acting_membership, perform
from cityloop.cases.models import Case
from cityloop.cases.workflow import TRANSITIONS
from cityloop.cases.workflow.spec import Step
from cityloop.core.models import Membership, User

DEFAULT_CATEGORY = "0102"  # exposed refuse: every demo city routes it


def _png() -> bytes:
    from PIL import Image

    buffer = io.BytesIO()
    Image.new("RGB", (16, 16), "green").save(buffer, "PNG")
    return buffer.getvalue()


class StaffDriver:
    """Moves hotline cases along the happy path, asking for an extension now and then."""

    def __init__(self, *, seed: int = 1, extension_rate: float = 0.2) -> None:
        self.rng = random.Random(seed)
        self.extension_rate = extension_rate
        self.extended: set[int] = set()
        self._staff: dict[str, list[User]] = {}

    def _users(self, role: str) -> list[User]:
        if role not in self._staff:
            ids = Membership.objects.active().filter(role=role).values_list("user_id", flat=True)
            self._staff[role] = list(
                User.objects.filter(pk__in=ids, is_active=True, hotline_platform__isnull=True)
                .exclude(username__in=("system", "public"))
                .order_by("pk")
            )
        return self._staff[role]

    def _actor(self, case: Case, name: str) -> User | None:
        t = TRANSITIONS[name]
        for role in sorted(t.roles):
            for user in self._users(role):
                if acting_membership(user, case, t) is not False:
                    return user
        return None

    def _next(self, case: Case) -> tuple[str, dict[str, object]] | None:
        state = case.state
        if state == "reported":
            return ("send_for_verification", {}) if case.channel.needs_verification else self._accept(case)
        if state == "verifying":
            return "verify", {"found": True, "note": "现场核实属实"}
        if state == "verified":
            return self._accept(case)
        if state == "accepted":
            return "register", {"condition": 1}
        if state == "registered":
            return "dispatch", {}
        if state == "dispatched":
            if case.pk not in self.extended and self.rng.random() < self.extension_rate:
                running = clocks.running(case, Step.DISPOSE)
                if running is not None:
                    self.extended.add(case.pk)
                    return "request_extension", {
                        "reason": "需要协调多个部门",
                        "amount": 1,
                        "time_unit": running.limit_unit,
                    }
            return "dispose", {"feedback": "已处置完毕，现场恢复整洁"}
        if state == "disposed":
            return "send_for_check", {}
        if state == "checking":
            return "check_pass", {"note": "核查通过"}
        if state == "checked" and case.satisfaction in ("satisfied", "basically_satisfied"):
            return "close", {"note": "回访满意，结案"}
        return None  # waiting for the hotline (return visit, extension answer) or finished

    def _accept(self, case: Case) -> tuple[str, dict[str, object]]:
        code = case.category.code if case.category else DEFAULT_CATEGORY
        kind = case.category.kind if case.category else "event"
        return "accept", {"category": code, "kind": kind}

    def step(self, case_ids: list[int]) -> int:
        """Take one step on each case that has one; returns how many moved."""
        moved = 0
        for case in Case.objects.filter(pk__in=case_ids).select_related("channel", "category"):
            found = self._next(case)
            if found is None:
                continue
            name, payload = found
            actor = self._actor(case, name)
            if actor is None:
                continue
            if name == "dispose":
                photo = upload_attachment(actor=actor, name="result.png", content=_png(), purpose="disposal")
                payload["attachments"] = [photo.pk]
            try:
                perform(case, name, actor=actor, payload=payload)
                moved += 1
            except (TransitionError, ValidationError):
                continue  # moved meanwhile (an automatic dispatch): the next round sees it
        return moved

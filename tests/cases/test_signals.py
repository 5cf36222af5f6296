"""The case loop writes every row through the ORM, so a receiver of any model's save signal sees
every write (nothing may silently miss one)."""

from __future__ import annotations

from typing import Any

import pytest
from django.db.models.signals import post_save

pytestmark = pytest.mark.django_db

WRITTEN_BY_THE_LOOP = [
    "cases.Case",
    "cases.CaseText",
    "cases.CaseStep",
    "cases.CaseEvent",
    "cases.Attachment",
    "timeclock.StepTimer",
    "core.AuditEntry",
]


def test_every_row_of_a_report_and_its_transitions_sends_its_save_signal(loop: Any) -> None:
    saved: list[str] = []

    def remember(sender: Any, **kwargs: Any) -> None:
        saved.append(sender._meta.label)

    post_save.connect(remember, dispatch_uid="test-every-row", weak=False)
    try:
        case = loop.report()
        case = loop.drive(case, "accept", "register", "dispatch", "dispose")
    finally:
        post_save.disconnect(dispatch_uid="test-every-row")
    for label in WRITTEN_BY_THE_LOOP:
        assert label in saved, label
    # One save signal per timeline event: the report and four transitions.
    assert saved.count("cases.CaseEvent") == 5

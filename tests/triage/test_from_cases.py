"""``cityloop triage train --from-cases``: the city's closed cases, through the real loop, become a
model of their final categories, or with ``--units`` of the units that disposed of them."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.core.management import call_command

from cityloop.triage.models import TriageModel
from tests.cases.conftest import Loop

pytestmark = pytest.mark.django_db

GARBAGE = ("路边有一堆垃圾没人清", "垃圾扔得满地都是", "人行道上散落着垃圾袋", "垃圾堆在路口发臭")
DIRTY = ("路面全是泥巴很脏", "马路上有一大片油污", "道路好几天没人扫了", "路上撒了一地沙子")


def closed(loop: Loop, description: str, category: str, unit: str = "D-SANI") -> None:
    case = loop.report(description=description)
    loop.drive(case, "accept")
    if category != "0102":
        case = loop.act(case, "change_category", category=category, kind="event")
    case = loop.act(loop.act(case, "register"), "dispatch", unit=unit, reason="按职责派遣")
    handler = loop.users["water_handler" if unit == "D-WATER" else "sanitation_handler"]
    case = loop.act(case, "dispose", user=handler, attachments=[loop.photo(handler)])
    loop.drive(case, "send_for_check", "check_pass", "close")


def test_train_from_closed_cases(loop: Loop) -> None:
    for i in range(3):
        for text in GARBAGE:
            closed(loop, f"{text}{'！' * i}", "0102")
        for text in DIRTY:
            closed(loop, f"{text}{'。' * i}", "0104", unit="D-WATER")
    loop.report(description="还没办完的案件不算")
    out = io.StringIO()
    call_command("triage", "train", "--from-cases", stdout=out)
    model = TriageModel.objects.get(name="cases")
    assert model.active and model.labels_kind == "category" and model.rows == 24
    assert set(model.report["labels"]) == {"event:0102", "event:0104"}
    assert model.source == "24 closed cases (final categories)"
    call_command("triage", "train", "--from-cases", "--units", stdout=out)
    units = TriageModel.objects.get(name="case-units")
    assert units.labels_kind == "unit" and units.active
    assert set(units.report["labels"]) == {"D-SANI", "D-WATER"}
    assert TriageModel.objects.get(name="cases").active  # both stay active, one of each kind


def test_closed_case_loop_helper_reaches_closed(loop: Loop) -> None:
    from cityloop.cases.models import Case

    closed(loop, "垃圾", "0104")
    found: Any = Case.objects.get()
    assert (found.state, found.category.code) == ("closed", "0104")

"""The catalog admin writes through the actions: local subclasses, retirement, condition versions."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse

from cityloop.catalog import actions
from cityloop.catalog.models import Category, Condition, StepLimit
from cityloop.core.actions import create_user
from cityloop.core.models import AuditEntry


@pytest.fixture
def admin_client(client, actor):
    create_user(actor=actor, username="root", password="demo-pass-2026", is_superuser=True)
    assert client.login(username="root", password="demo-pass-2026")
    return client


def test_changelists_render(admin_client):
    for model in ("category", "condition", "urgency", "steplimit"):
        response = admin_client.get(reverse(f"admin:catalog_{model}_changelist"))
        assert response.status_code == 200, model
    assert (
        "上水井盖"
        in admin_client.get(reverse("admin:catalog_category_changelist"), {"q": "井盖"}).content.decode()
    )


def test_add_local_subclass_in_the_admin(admin_client):
    response = admin_client.post(
        reverse("admin:catalog_category_add"),
        {
            "kind": "component",
            "code": "0190",
            "name": "充电桩",
            "name_en": "charging pile",
            "valid_from": "2024-01-01",
        },
    )
    assert response.status_code == 302
    made = Category.objects.get(kind="component", code="0190")
    assert made.is_local and made.parent.code == "01"
    assert AuditEntry.objects.filter(action="category.create", actor__username="root").exists()


def test_retire_in_the_admin(admin_client):
    special = Category.objects.get(kind="component", code="0130")
    url = reverse("admin:catalog_category_change", args=[special.pk])
    response = admin_client.post(
        url, {"name": special.name, "name_en": special.name_en, "retired_from": "2025-01-01"}
    )
    assert response.status_code == 302
    special.refresh_from_db()
    assert special.retired_from == dt.date(2025, 1, 1)


def test_changing_a_condition_in_the_admin_makes_a_version(admin_client, actor):
    cat = Category.objects.get(kind="event", code="0102")
    v1 = actions.add_condition(
        actor=actor,
        category=cat,
        number=1,
        description="成堆垃圾",
        urgency="normal",
        limit_amount=4,
        limit_unit="working_hour",
        valid_from=dt.date(2024, 1, 1),
    )
    url = reverse("admin:catalog_condition_change", args=[v1.pk])
    form = {
        "description": "成堆垃圾",
        "description_en": "",
        "closure": "现场整洁",
        "closure_en": "",
        "urgency": v1.urgency_id,
        "limit_amount": 2,
        "limit_unit": "working_hour",
        "source_note": "",
        "revise_from": "2025-03-01",
    }
    response = admin_client.post(url, form)
    assert response.status_code == 302, response.content.decode()[:2000]
    versions = list(Condition.objects.filter(category=cat, number=1).order_by("version"))
    assert [(v.version, v.limit_amount, v.valid_from, v.valid_to) for v in versions] == [
        (1, 4, dt.date(2024, 1, 1), dt.date(2025, 3, 1)),
        (2, 2, dt.date(2025, 3, 1), None),
    ]


def test_step_limit_added_from_a_day(admin_client):
    normal = StepLimit.objects.filter(step="verify").first().urgency
    response = admin_client.post(
        reverse("admin:catalog_steplimit_add"),
        {"step": "verify", "urgency": normal.pk, "amount": 20, "unit": "minute", "valid_from": "2025-01-01"},
    )
    assert response.status_code == 302
    assert StepLimit.objects.filter(
        step="verify", urgency=normal, valid_from=dt.date(2025, 1, 1), amount=20
    ).exists()

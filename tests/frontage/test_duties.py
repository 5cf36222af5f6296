"""Duties are data: the standard three from the migration, a city's own added through an audited
action (the admin uses it too)."""

from __future__ import annotations

import importlib

import pytest
from django.core.exceptions import ValidationError
from django.urls import reverse

from cityloop.core.models import AuditEntry
from cityloop.frontage.actions import STANDARD_DUTIES, import_frontage, load_standard_duties, save_duty
from cityloop.frontage.models import Duty, Zone

from .conftest import shop


def test_the_three_come_with_the_migration_and_the_action():
    migration = importlib.import_module("cityloop.frontage.migrations.0002_standard_duties")
    assert migration.DUTIES == STANDARD_DUTIES
    assert [name for _, name, _, _ in STANDARD_DUTIES] == ["市容卫生", "秩序", "绿化/设施"]


def test_loading_them_again_adds_nothing(actor):
    assert list(Duty.objects.values_list("name", flat=True)) == ["市容卫生", "秩序", "绿化/设施"]
    assert load_standard_duties(actor=actor) == 0


def test_a_city_adds_its_own_and_zones_may_hold_it(org, grids, actor):
    duty = save_duty(actor=actor, code="snow", name="除雪", order=40)
    entry = AuditEntry.objects.get(action="frontage.duty.save")
    assert entry.before is None and entry.after["name"] == "除雪"
    assert import_frontage([shop(1, duties="除雪、sanitation")], actor=actor).applied
    assert set(Zone.objects.get().duties.all()) == {duty, Duty.objects.get(code="sanitation")}
    with pytest.raises(ValidationError):
        save_duty(actor=actor, code="", name="x")


def test_admin_saves_through_the_action(client, actor, db):
    actor.is_staff = actor.is_superuser = True
    actor.save()
    client.force_login(actor)
    url = reverse("admin:frontage_duty_add")
    response = client.post(url, {"code": "lawn", "name": "草坪", "description": "", "order": 50})
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="frontage.duty.save", object_repr="草坪").exists()

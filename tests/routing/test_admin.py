"""The rules admin: adding and changing go through the actions (audited, versioned); problems show on
the form; rules are never deleted there."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cityloop.core.actions import create_user
from cityloop.core.models import AuditEntry
from cityloop.routing.models import Rule


@pytest.fixture
def admin_client(client, actor, city):
    create_user(actor=actor, username="root", password="demo-pass-2026", is_superuser=True)
    assert client.login(username="root", password="demo-pass-2026")
    return client


def _form(city, **changes):
    form = {
        "name": "暴露垃圾交环卫所",
        "purpose": "dispatch",
        "kind": "event",
        "category_code": "0102",
        "condition_number": "",
        "area_unit": city.district.pk,
        "area_grid": "",
        "level": "district",
        "target": "unit",
        "target_unit": city.sanitation.pk,
        "priority": 0,
        "valid_from": "2026-01-01",
        "valid_to": "",
        "note": "",
    }
    form.update(changes)
    return form


def test_add_change_and_refuse_through_the_actions(admin_client, city):
    add = reverse("admin:routing_rule_add")
    response = admin_client.post(add, _form(city, auto_dispatch="on"))
    assert response.status_code == 302, response.content.decode()[:2000]
    rule = Rule.objects.get()
    assert rule.auto_dispatch and rule.source == "admin"
    assert AuditEntry.objects.filter(action="routing.rule.create", object_id=str(rule.pk)).exists()
    change = reverse("admin:routing_rule_change", args=[rule.pk])
    assert admin_client.post(change, _form(city, priority=4)).status_code == 302
    rule.refresh_from_db()
    assert rule.priority == 4 and rule.revision == 2
    bad = admin_client.post(add, _form(city, target="owner"))
    assert bad.status_code == 200 and "role of a component" in bad.content.decode()
    assert Rule.objects.count() == 1
    listing = admin_client.get(reverse("admin:routing_rule_changelist"), {"in_force": "yes"})
    assert "暴露垃圾交环卫所" in listing.content.decode()
    assert admin_client.get(reverse("admin:routing_rule_delete", args=[rule.pk])).status_code == 403

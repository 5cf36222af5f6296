"""The components admin: search by ID, filters, and records made through the actions."""

from __future__ import annotations

import pytest
from django.urls import reverse

from cityloop.assets.actions import import_components
from cityloop.assets.models import Component, ComponentState
from cityloop.core.actions import create_user
from cityloop.core.models import AuditEntry

from .conftest import cover


@pytest.fixture
def admin_client(client, actor, org, grids):
    create_user(actor=actor, username="root", password="demo-pass-2026", is_superuser=True)
    import_components([cover(1, owner="D-WATER"), cover(2, sub="0114")], actor=actor)
    assert client.login(username="root", password="demo-pass-2026")
    return client


def test_changelist_search_and_filters(admin_client):
    url = reverse("admin:assets_component_changelist")
    assert "9901000101000001" in admin_client.get(url, {"q": "9901000101000001"}).content.decode()
    unowned = admin_client.get(url, {"unowned": "yes"}).content.decode()
    assert "9901000114000002" in unowned and "9901000101000001" not in unowned
    assert (
        admin_client.get(url, {"state__id__exact": ComponentState.objects.get(code="intact").pk}).status_code
        == 200
    )


def test_add_and_change_through_the_actions(admin_client, org):
    intact = ComponentState.objects.get(code="intact")
    form = {
        "code": "9901000305000009",
        "state": intact.pk,
        "lon": 118.7815,
        "lat": 32.0415,
        "source": "",
        "note": "",
    }
    response = admin_client.post(reverse("admin:assets_component_add"), {**form, "owner": org.sanitation.pk})
    assert response.status_code == 302, response.content.decode()[:3000]
    made = Component.objects.get(code="9901000305000009")
    assert made.owner == org.sanitation and made.grid.code == "990100001001001"
    change = reverse("admin:assets_component_change", args=[made.pk])
    response = admin_client.post(change, {**form, "lon": 118.7865, "lat": 32.0465, "note": "挪到北边"})
    assert response.status_code == 302
    made.refresh_from_db()
    assert made.grid.code == "990100002001002" and made.is_unowned and made.note == "挪到北边"
    assert AuditEntry.objects.filter(action__in=["component.create", "component.update"]).count() == 2


def test_bad_id_shows_on_the_form(admin_client):
    intact = ComponentState.objects.get(code="intact")
    response = admin_client.post(
        reverse("admin:assets_component_add"),
        {
            "code": "9901000901000009",
            "state": intact.pk,
            "lon": 118.7815,
            "lat": 32.0415,
            "source": "",
            "note": "",
        },
    )
    assert response.status_code == 200
    assert "class 09 in component ID" in response.content.decode()
    assert not Component.objects.filter(code="9901000901000009").exists()

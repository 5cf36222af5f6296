"""Checklist items, letter templates and party accounts: who may change them, and bad input."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from cityloop.core.models import AuditEntry
from cityloop.frontage.accounts import create_party_account
from cityloop.frontage.checklist import category_for, save_item
from cityloop.frontage.letter_templates import save_template, template_for
from cityloop.frontage.models import ChecklistItem, Duty


def test_checklist_items_are_data_for_administrators(org, shops):
    order = Duty.objects.get(code="order")
    item = save_item(
        actor=org.users["admin"], duty=order, code="ord_awning", text="遮阳棚不超出门前", weight=5
    )
    assert item.pk and category_for(item) == "0599"
    assert AuditEntry.objects.filter(action="frontage.checklist.save").exists()
    with pytest.raises(ValidationError):
        save_item(actor=org.users["street_a_manager"], duty=order, code="x1", text="x")
    with pytest.raises(ValidationError) as exc:
        save_item(actor=org.users["admin"], duty=order, code="", text="", weight=0)
    assert {"code", "text", "weight"} <= set(exc.value.message_dict)
    assert ChecklistItem.objects.get(code="ord_outside").category == "0504"


def test_templates_per_street_and_city_default(org, shops):
    save_template(actor=org.users["admin"], street=None, title="全市责任书", body="{party}：{duties}")
    assert template_for(org.street_a)[1] == "全市责任书"
    save_template(
        actor=org.users["street_a_manager"], street=org.street_a, title="东街道责任书", body="{party}"
    )
    assert template_for(org.street_a)[1] == "东街道责任书" and template_for(org.street_b)[1] == "全市责任书"
    with pytest.raises(PermissionDenied):
        save_template(actor=org.users["street_a_manager"], street=None, title="x", body="x")
    with pytest.raises(PermissionDenied):
        save_template(actor=org.users["street_b_manager"], street=org.street_a, title="x", body="x")


def test_party_accounts(org, shops):
    pharmacy = shops["pharmacy"]
    with pytest.raises(PermissionDenied):
        create_party_account(
            actor=org.users["street_b_manager"], party=pharmacy, username="shop2", password=None
        )
    with pytest.raises(ValidationError) as exc:
        create_party_account(
            actor=org.users["street_a_manager"], party=pharmacy, username="a b", password=None
        )
    assert "username" in exc.value.message_dict
    with pytest.raises(ValidationError):
        create_party_account(
            actor=org.users["street_a_manager"], party=shops["noodle"], username="shop9", password=None
        )
    user = create_party_account(
        actor=org.users["street_a_manager"], party=pharmacy, username="shop2", password="Yaodian-2026-pass"
    )
    pharmacy.refresh_from_db()
    assert pharmacy.account == user and user.check_password("Yaodian-2026-pass")
    assert not user.memberships.exists()
    assert AuditEntry.objects.filter(action="frontage.party.account").count() == 1

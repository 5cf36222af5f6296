"""Administering the organisation: every change inside the administrator's area, none outside it."""

from __future__ import annotations

import datetime as dt

import pytest
from django.contrib.sessions.models import Session
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client
from django.utils import timezone

from cityloop.core import accounts
from cityloop.core.actions import (
    create_api_token,
    create_unit,
    create_user,
    deactivate_unit,
    grant_role,
    move_unit,
    revoke_role,
    update_unit,
)
from cityloop.core.models import AuditEntry, Membership, Role, Unit, User, UserSession
from cityloop.core.permissions import restrict


@pytest.fixture
def street_admin(org, actor) -> User:
    """The administrator of street A (their area: street A and community A)."""
    return create_user(
        actor=actor, username="east_admin", password="demo-pass-2026", roles=[(org.street_a, Role.ADMIN)]
    )


def test_an_administrator_creates_units_and_users_in_their_area(org, street_admin):
    unit = create_unit(
        actor=street_admin, code="990100001009", name="东九社区", kind="community", parent=org.street_a
    )
    assert unit.path.startswith(org.street_a.path)
    user = create_user(actor=street_admin, username="east9", password=None, roles=[(unit, Role.SUPERVISOR)])
    assert Membership.objects.get(user=user).unit == unit
    assert AuditEntry.objects.filter(
        action="unit.create", object_id=str(unit.pk), actor=street_admin
    ).exists()


def test_outside_the_area_every_operation_is_refused(org, actor, street_admin):
    outsider = org.users["street_b_manager"]
    before = AuditEntry.objects.count()
    with pytest.raises(ValidationError) as err:
        create_unit(actor=street_admin, code="X2", name="西九社区", kind="community", parent=org.street_b)
    assert "parent" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        create_unit(actor=street_admin, code="X3", name="新市", kind="city")
    assert "parent" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        update_unit(actor=street_admin, unit=org.street_b, name="改名")
    with pytest.raises(PermissionDenied):
        move_unit(actor=street_admin, unit=org.community_b, parent=org.street_a)
    with pytest.raises(ValidationError) as err:
        move_unit(actor=street_admin, unit=org.community_a, parent=org.street_b)
    assert "parent" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        deactivate_unit(actor=street_admin, unit=org.community_b)
    with pytest.raises(ValidationError) as err:
        create_user(actor=street_admin, username="spy", password=None, roles=[(org.street_b, Role.HANDLER)])
    assert "unit" in err.value.message_dict
    with pytest.raises(ValidationError):
        create_user(actor=street_admin, username="nobody", password=None)
    with pytest.raises(ValidationError) as err:
        grant_role(actor=street_admin, user=org.users["supervisor_a"], unit=org.street_b, role=Role.ADMIN)
    assert "unit" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        revoke_role(actor=street_admin, membership=Membership.objects.get(user=outsider))
    with pytest.raises(PermissionDenied):
        accounts.update_user(actor=street_admin, user=outsider, phone="13812345678")
    with pytest.raises(PermissionDenied):
        accounts.reset_password(actor=street_admin, user=outsider)
    with pytest.raises(PermissionDenied):
        accounts.deactivate_user(actor=street_admin, user=outsider)
    # A district-wide dispatcher also works outside street A: not the street's to manage.
    with pytest.raises(PermissionDenied):
        accounts.reset_password(actor=street_admin, user=org.users["dispatcher"])
    assert AuditEntry.objects.count() == before
    outsider.refresh_from_db()
    assert outsider.is_active and outsider.phone == ""


def test_moving_a_unit_moves_its_subtree_and_the_jurisdictions(org, actor):
    admin = org.users["admin"]
    street_c = create_unit(actor=admin, code="990100003", name="南街道", kind="street", parent=org.district)
    move_unit(actor=admin, unit=org.community_a, parent=street_c)
    station = create_unit(actor=admin, code="ST-1", name="东一站", kind="station", parent=org.community_a)
    move_unit(actor=admin, unit=org.community_a, parent=org.street_b)
    community = Unit.objects.get(pk=org.community_a.pk)
    station.refresh_from_db()
    assert community.path == f"{org.street_b.path}{community.pk}/" and community.depth == 3
    assert station.path == f"{community.path}{station.pk}/" and station.depth == 4
    visible = restrict(Unit.objects.all(), org.users["street_b_manager"], "view")
    assert {community.code, station.code} <= set(visible.values_list("code", flat=True))
    entry = AuditEntry.objects.filter(action="unit.move").last()
    assert entry.before["path"] != entry.after["path"] and entry.after["units_moved"] == 2
    with pytest.raises(ValidationError):
        move_unit(actor=admin, unit=org.street_a, parent=org.community_a)  # under its own sub-unit? no
    with pytest.raises(ValidationError):
        move_unit(actor=admin, unit=org.street_b, parent=community)  # a loop


def test_a_deactivated_unit_ends_its_memberships_and_takes_no_dispatch(org, actor):
    from cityloop.cases.effects_routing import resolve_unit

    admin = org.users["admin"]
    deactivate_unit(actor=admin, unit=org.street_a)
    for unit in (org.street_a, org.community_a):
        unit.refresh_from_db()
        assert not unit.is_active()
    assert not Membership.objects.active().filter(unit=org.community_a).exists()
    assert not restrict(Unit.objects.all(), org.users["supervisor_a"], "view").exists()
    with pytest.raises(ValidationError, match="东街道"):
        resolve_unit(org.street_a.code)
    with pytest.raises(ValidationError):
        deactivate_unit(actor=admin, unit=org.street_a)
    with pytest.raises(ValidationError):
        grant_role(actor=admin, user=org.users["supervisor_a"], unit=org.community_a, role=Role.SUPERVISOR)


def test_an_administrator_cannot_deactivate_their_own_unit_or_account(org, street_admin):
    with pytest.raises(PermissionDenied):
        deactivate_unit(actor=street_admin, unit=org.street_a)
    with pytest.raises(PermissionDenied):
        accounts.deactivate_user(actor=street_admin, user=street_admin)


def test_update_user_checks_phone_and_email(org, street_admin):
    user = org.users["supervisor_a"]
    accounts.update_user(actor=street_admin, user=user, display_name="王五", phone="+86 138 1234 5678")
    user.refresh_from_db()
    assert (user.display_name, user.phone) == ("王五", "13812345678")
    with pytest.raises(ValidationError) as err:
        accounts.update_user(actor=street_admin, user=user, phone="12345")
    assert "phone" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        accounts.update_user(actor=street_admin, user=user, email="not-an-address")
    assert "email" in err.value.message_dict
    with pytest.raises(ValidationError):
        accounts.update_user(actor=street_admin, user=user, is_superuser=True)


def test_reset_password_is_shown_once_and_must_be_changed(org, street_admin):
    user = org.users["supervisor_a"]
    raw = accounts.reset_password(actor=street_admin, user=user)
    user.refresh_from_db()
    assert user.check_password(raw) and user.must_change_password
    entry = AuditEntry.objects.filter(action="user.reset_password", object_id=str(user.pk)).get()
    assert raw not in str(entry.after) and raw not in str(entry.before)
    with pytest.raises(ValidationError) as err:
        accounts.change_password(actor=user, user=user, old_password="wrong", new_password="x")
    assert "old_password" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        accounts.change_password(actor=user, user=user, old_password=raw, new_password="short")
    assert "new_password" in err.value.message_dict
    with pytest.raises(PermissionDenied):
        accounts.change_password(
            actor=street_admin, user=user, old_password=raw, new_password="Qx7-long-pass"
        )
    accounts.change_password(actor=user, user=user, old_password=raw, new_password="Qx7-long-pass")
    user.refresh_from_db()
    assert user.check_password("Qx7-long-pass") and not user.must_change_password


def test_deactivating_a_user_ends_sessions_and_tokens_at_once(org, street_admin, api_as):
    user = org.users["supervisor_a"]
    browser = Client()
    browser.force_login(user)
    assert UserSession.objects.filter(user=user).count() == 1
    assert browser.get("/account/").status_code == 200
    api = api_as(user)
    assert api.get("/api/v1/org/me").status_code == 200
    accounts.deactivate_user(actor=street_admin, user=user)
    assert not Session.objects.filter(session_key__in=UserSession.objects.values("session_key")).exists()
    assert not UserSession.objects.filter(user=user).exists()
    page = browser.get("/account/")
    assert page.status_code == 302 and page["Location"].startswith("/login/")
    assert api.get("/api/v1/org/me").status_code == 401
    entry = AuditEntry.objects.filter(action="user.deactivate").last()
    assert entry.after["tokens_revoked"] == 1 and entry.after["sessions_ended"] == 1
    user2, raw = accounts.reactivate_user(actor=street_admin, user=user)
    assert user2.is_active and user2.must_change_password and user2.check_password(raw)


def test_a_role_ends_on_a_day_and_history_stays(org, street_admin):
    membership = Membership.objects.get(user=org.users["supervisor_a"])
    revoke_role(actor=street_admin, membership=membership, on=timezone.localdate())
    assert not Membership.objects.active().filter(pk=membership.pk).exists()
    new = grant_role(
        actor=street_admin,
        user=org.users["supervisor_a"],
        unit=org.community_a,
        role=Role.COMMUNITY_HEAD,
        valid_from=timezone.localdate(),
    )
    assert new.valid_on(timezone.localdate())
    with pytest.raises(ValidationError):
        grant_role(
            actor=street_admin,
            user=org.users["supervisor_a"],
            unit=org.community_a,
            role=Role.COMMUNITY_HEAD,
            valid_from=timezone.localdate(),
        )
    assert dt.date(2000, 1, 1) == membership.valid_from


def test_tokens_of_a_user_who_must_change_password_are_refused(org, api_as, street_admin):
    user = org.users["supervisor_a"]
    api = api_as(user)
    accounts.reset_password(actor=street_admin, user=user)
    answer = api.get("/api/v1/org/me")
    assert answer.status_code == 403 and "password" in answer.json()["detail"]
    token, _raw = create_api_token(actor=street_admin, user=org.users["street_a_manager"])
    assert token.user.must_change_password is False


def test_a_superuser_is_managed_only_by_a_superuser(org, actor, street_admin):
    root = create_user(actor=actor, username="root", password="x-long-pass-2026", is_superuser=True,
                       roles=[(org.community_a, Role.SUPERVISOR)])  # fmt: skip
    with pytest.raises(PermissionDenied):
        accounts.reset_password(actor=street_admin, user=root)
    with pytest.raises(PermissionDenied):
        accounts.reset_password(actor=org.users["admin"], user=root)  # a city administrator neither
    other = create_user(actor=actor, username="root2", password="x-long-pass-2026", is_superuser=True)
    assert accounts.reset_password(actor=other, user=root)

"""Units, roles, jurisdictions and the permission choke point."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured, ValidationError

from cityloop.core.actions import create_unit, grant_role, update_unit
from cityloop.core.audit import ActorRequired
from cityloop.core.models import AuditEntry, Membership, Unit, User
from cityloop.core.permissions import can, jurisdiction, restrict


def test_unit_paths_form_subtrees(org):
    assert org.community_a.path == f"{org.street_a.path}{org.community_a.pk}/"
    assert set(org.street_a.subtree()) == {org.street_a, org.community_a}
    assert org.community_a.ancestor_of_kind("district") == org.district


def test_unit_kind_must_fit_parent(org, actor):
    with pytest.raises(ValidationError) as err:
        create_unit(actor=actor, code="X1", name="错位社区", kind="community", parent=org.district)
    assert "不能隶属于区" in str(err.value)
    assert not Unit.objects.filter(code="X1").exists()


def test_duplicate_unit_code_is_refused(org, actor):
    with pytest.raises(ValidationError, match="已被使用"):
        create_unit(actor=actor, code=org.street_a.code, name="重复", kind="street", parent=org.district)


def test_actions_need_an_actor(org):
    with pytest.raises(ActorRequired):
        create_unit(actor=None, code="Y", name="无人", kind="city")  # type: ignore[arg-type]


def test_every_action_writes_one_audit_entry(org, actor):
    before = AuditEntry.objects.count()
    update_unit(actor=actor, unit=org.street_a, name="东城街道")
    entries = list(AuditEntry.objects.all()[before:])
    assert len(entries) == 1
    entry = entries[0]
    assert entry.action == "unit.update"
    assert entry.before["name"] == "东街道" and entry.after["name"] == "东城街道"
    assert entry.actor == actor and entry.object_id == str(org.street_a.pk)


def test_audit_log_is_append_only(org):
    entry = AuditEntry.objects.first()
    entry.action = "tampered"
    with pytest.raises(PermissionError):
        entry.save()
    with pytest.raises(PermissionError):
        entry.delete()
    # The database refuses too, even for a raw queryset update.
    with pytest.raises(Exception, match="append-only"):
        AuditEntry.objects.filter(pk=entry.pk).update(action="tampered")


def test_failed_action_leaves_nothing_behind(org, actor):
    count_units, count_audit = Unit.objects.count(), AuditEntry.objects.count()
    with pytest.raises(ValidationError):
        update_unit(actor=actor, unit=org.street_a, code="")
    assert Unit.objects.count() == count_units
    assert AuditEntry.objects.count() == count_audit
    org.street_a.refresh_from_db()
    assert org.street_a.code == "990100001"


def test_jurisdiction_is_the_subtree_of_the_users_units(org):
    street_user = org.users["street_a_manager"]
    assert set(jurisdiction(street_user)) == {org.street_a, org.community_a}
    assert set(jurisdiction(org.users["leader"])) >= {org.street_a, org.street_b, org.water}


def test_restrict_units_and_users_by_jurisdiction(org):
    street_user = org.users["street_a_manager"]
    visible_units = set(restrict(Unit.objects.all(), street_user, "view"))
    assert visible_units == {org.street_a, org.community_a}
    visible_users = set(restrict(User.objects.all(), street_user, "view"))
    assert org.users["supervisor_a"] in visible_users
    assert org.users["street_b_manager"] not in visible_users
    assert org.users["water_handler"] not in visible_users


def test_manage_needs_the_admin_role(org):
    assert not can(org.users["leader"], "manage", org.street_a)
    assert can(org.users["admin"], "manage", org.street_a)
    assert restrict(Unit.objects.all(), None, "view").count() == 0


def test_unknown_action_is_a_programming_error(org):
    with pytest.raises(ImproperlyConfigured):
        restrict(Unit.objects.all(), org.users["admin"], "explode")


def test_ended_membership_no_longer_grants(org, actor):
    import datetime as dt

    from cityloop.core.actions import revoke_role

    user = org.users["street_b_manager"]
    extra = grant_role(actor=actor, user=user, unit=org.street_a, role="unit_manager")
    assert org.street_a in set(jurisdiction(user))
    revoke_role(actor=actor, membership=extra, on=dt.date(2001, 1, 1))
    assert org.street_a not in set(jurisdiction(user))
    assert Membership.objects.filter(pk=extra.pk).exists()

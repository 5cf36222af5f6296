"""The rules every action lives by (core.audit): one transaction, nested actions joining it, the
audit entry written with the change or not at all, and action names from one enum; memberships as
a request sees them; the reference memos."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from cityloop.core import caching, memberships
from cityloop.core.actions import grant_role, revoke_role
from cityloop.core.audit import as_parts, domain_action, record
from cityloop.core.audit_actions import AuditAction
from cityloop.core.models import AuditEntry, Membership, Role, Unit, User

pytestmark = pytest.mark.django_db


def test_a_failed_inner_action_fails_the_outer_one_even_if_the_outer_catches_it(org, actor):
    @domain_action
    def inner(*, actor: User) -> None:
        Unit.objects.filter(pk=org.street_a.pk).update(name="改名")
        raise ValidationError("inner refuses")

    @domain_action
    def outer(*, actor: User) -> None:
        record(actor, AuditAction.UNIT_UPDATE, org.district, after={"try": "outer"})
        with pytest.raises(ValidationError):
            inner(actor=actor)
        # The transaction is marked for rollback: nothing more may be written in it.
        Unit.objects.filter(pk=org.district.pk).update(name="不该写入")

    with pytest.raises(transaction.TransactionManagementError):
        outer(actor=actor)
    assert Unit.objects.get(pk=org.street_a.pk).name != "改名"
    assert Unit.objects.get(pk=org.district.pk).name != "不该写入"
    assert not AuditEntry.objects.filter(after__try="outer").exists()


def test_an_inner_action_joins_the_outer_transaction_without_a_savepoint(org, actor):
    @domain_action
    def inner(*, actor: User) -> None:
        record(actor, AuditAction.UNIT_UPDATE, org.street_a, after={"inner": True})

    @domain_action
    def outer(*, actor: User) -> None:
        with CaptureQueriesContext(connection) as queries:
            inner(actor=actor)
        assert not [q for q in queries.captured_queries if "SAVEPOINT" in q["sql"].upper()]

    outer(actor=actor)
    assert AuditEntry.objects.filter(after__inner=True).count() == 1


def test_a_failed_action_leaves_no_entry_and_a_good_one_has_its_entry_at_once(org, actor):
    @domain_action
    def failing(*, actor: User) -> None:
        record(actor, AuditAction.UNIT_UPDATE, org.district, after={"failed": True})
        raise RuntimeError("boom")

    with pytest.raises(RuntimeError):
        failing(actor=actor)
    assert not AuditEntry.objects.filter(after__failed=True).exists()

    @domain_action
    def good(*, actor: User) -> int | None:
        entry = record(actor, AuditAction.UNIT_UPDATE, org.district, after={"good": True})
        assert entry is not None
        return entry.pk

    assert AuditEntry.objects.get(pk=good(actor=actor)).after == {"good": True}


def test_action_names_come_from_the_enum(org, actor):
    with pytest.raises(ValueError, match="not a valid AuditAction"):
        record(actor, "unit.touched", org.district)
    entry = record(actor, "unit.update", org.district)
    assert entry is not None and entry.get_action_display() == str(AuditAction.UNIT_UPDATE.label)


def test_every_workflow_transition_has_its_audit_action():
    from cityloop.cases.workflow import TRANSITIONS

    names = set(AuditAction.values)
    assert {f"case.{name}" for name in TRANSITIONS} <= names


def test_parts_of_an_action_are_recorded_in_its_own_entry(org, actor):
    @domain_action
    def part(*, actor: User) -> None:
        record(actor, AuditAction.UNIT_UPDATE, org.street_a, after={"name": "东街道"})

    @domain_action
    def whole(*, actor: User) -> None:
        with as_parts() as parts:
            part(actor=actor)
        record(actor, AuditAction.UNIT_CREATE, org.district, after={"parts": parts})

    before = AuditEntry.objects.count()
    whole(actor=actor)
    assert AuditEntry.objects.count() == before + 1
    entry = AuditEntry.objects.latest("id")
    assert entry.after["parts"] == [
        {
            "action": "unit.update",
            "object_type": "core.unit",
            "object_id": str(org.street_a.pk),
            "before": None,
            "after": {"name": "东街道"},
        }
    ]


# --- memberships ---------------------------------------------------------------------------


def test_memberships_are_read_once_per_user_instance_and_follow_grants_and_revocations(org, actor):
    user = org.users["water_handler"]
    first = memberships.active_memberships(user)
    assert [(m.unit_id, m.role) for m in first] == [(org.water.pk, Role.HANDLER)]
    with CaptureQueriesContext(connection) as queries:
        assert memberships.active_memberships(user) == first
    assert not queries.captured_queries
    granted = grant_role(actor=actor, user=user, unit=org.street_a, role=Role.UNIT_MANAGER)
    assert {m.role for m in memberships.active_memberships(user)} == {Role.HANDLER, Role.UNIT_MANAGER}
    revoke_role(actor=actor, membership=granted)
    assert {m.role for m in memberships.active_memberships(user)} == {Role.HANDLER}


def test_a_new_user_instance_sees_a_role_ended_elsewhere(org):
    user = org.users["water_handler"]
    assert memberships.active_memberships(user)
    Membership.objects.filter(user=user).update(valid_to=timezone.localdate())  # no signal
    assert memberships.active_memberships(User.objects.get(pk=user.pk)) == []
    assert memberships.active_memberships(user, fresh=True) == []


def test_memberships_not_yet_valid_or_ended_do_not_count(org):
    user = org.users["street_b_manager"]
    today = timezone.localdate()
    Membership.objects.create(
        user=user, unit=org.water, role=Role.HANDLER, valid_from=today + dt.timedelta(days=1)
    )
    Membership.objects.create(
        user=user, unit=org.sanitation, role=Role.HANDLER, valid_from=dt.date(2020, 1, 1), valid_to=today
    )
    found = memberships.active_memberships(user, fresh=True)
    assert [(m.unit_id, m.role) for m in found] == [(org.street_b.pk, Role.UNIT_MANAGER)]
    assert found[0].unit.path == org.street_b.path  # the unit comes with it


# --- reference memos ---------------------------------------------------------------------------


def test_a_memo_keeps_answers_but_not_errors(monkeypatch):
    memo: caching.Memo[int] = caching.Memo("test", ttl=60)
    calls: list[int] = []

    def compute() -> int:
        calls.append(1)
        return len(calls)

    assert memo.get("k", compute) == 1 and memo.get("k", compute) == 1

    def broken() -> int:
        raise LookupError("no")

    for _ in range(2):
        with pytest.raises(LookupError):
            memo.get("bad", broken)
    memo.clear()
    assert memo.get("k", compute) == 2


def test_a_memo_forgets_after_its_ttl():
    clock = [100.0]
    memo: caching.Memo[int] = caching.Memo("short", ttl=5, timer=lambda: clock[0])
    memo.get("k", lambda: 1)
    clock[0] += 6
    assert memo.get("k", lambda: 2) == 2


def test_every_audit_action_reads_in_chinese():
    from django.utils import translation

    with translation.override("zh-hans"):
        untranslated = [
            a.value for a in AuditAction if str(a.label) == str(a.label).encode("ascii", "ignore").decode()
        ]
    assert not untranslated, f"add their Chinese labels to the .po file: {untranslated}"

"""Credit: the scheme's items and caps, a month's scores, the red and black lists on and off, the
officer's lift, the monthly sweep, and the groups."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from cityloop.core.models import AuditEntry
from cityloop.frontage.actions import import_frontage
from cityloop.frontage.credit import DEFAULT_CONFIG, add_months, local_midnight
from cityloop.frontage.credit_actions import lift_listing, monthly_sweep, recompute_credit, save_scheme
from cityloop.frontage.groups import create_group, join_group, leave_group, members, set_leader
from cityloop.frontage.models import (
    CorrectionState,
    CreditListing,
    CreditScore,
    Duty,
    ListKind,
    Party,
    SelfCorrection,
)

from .conftest import shop

MONTH = dt.date(2026, 9, 1)


@pytest.fixture
def parties(org, grids, actor):
    import_frontage([shop(1), shop(2, lon=118.7830), shop(3, lon=118.7850)], actor=actor)
    return list(Party.objects.order_by("uscc"))


def correction(party, n: int, state: str, when: dt.datetime) -> SelfCorrection:
    zone = party.zones.first()
    return SelfCorrection.objects.create(
        case_id=n,
        case_number=f"C{n}",
        party=party,
        zone=zone,
        duty=Duty.objects.get(code="order"),
        street=party.street,
        district=party.street.parent,
        kind="event",
        category_code="0507",
        category_name="乱堆物堆料",
        description="x",
        lon=118.78,
        lat=32.04,
        state=state,
        opened_at=when,
        deadline_at=when + dt.timedelta(hours=2),
        window="2 working_hour",
    )


def test_scores_count_items_with_caps_inside_the_window(parties, actor):
    good, bad, quiet = parties
    when = local_midnight(MONTH) + dt.timedelta(days=3)
    for n in range(8):  # 8 × +2, capped at +10
        correction(good, n, CorrectionState.FIXED, when)
    for n in range(100, 105):  # 5 × −3
        correction(bad, n, CorrectionState.EXPIRED, when)
    correction(bad, 200, CorrectionState.EXPIRED, local_midnight(add_months(MONTH, -12)))  # outside
    summary = recompute_credit(actor=actor, month=MONTH)
    assert summary["parties"] == 3
    scores = {s.party_id: s for s in CreditScore.objects.filter(month=MONTH)}
    assert scores[good.pk].score == Decimal(100) and scores[good.pk].parts["self_corrected"] == [8, 10.0]
    assert scores[bad.pk].score == Decimal(75) and scores[bad.pk].parts == {
        "self_correction_expired": [5, -15.0]
    }
    assert scores[quiet.pk].score == Decimal(90) and scores[quiet.pk].parts == {}
    assert AuditEntry.objects.filter(action="frontage.credit.recompute").count() == 1
    # Again: the month's scores are replaced, not doubled.
    recompute_credit(actor=actor, month=MONTH)
    assert CreditScore.objects.filter(month=MONTH).count() == 3


def test_black_list_on_and_lifted_automatically_and_by_an_officer(parties, actor):
    bad = parties[1]
    when = local_midnight(MONTH) + dt.timedelta(days=3)
    for n in range(10):  # 10 × −3 = −30 → 60: black (at most 60)
        correction(bad, n, CorrectionState.EXPIRED, when)
    assert recompute_credit(actor=actor, month=MONTH)["black_on"] == 1
    listing = CreditListing.objects.get(party=bad, kind=ListKind.BLACK, until__isnull=True)
    assert listing.since == MONTH and "60" in listing.reason
    with pytest.raises(ValidationError, match="3个月"):
        lift_listing(actor=actor, listing=listing, reason="已整改", today=MONTH)
    # The scheme changes to a 1-month window: the old expiries drop out and the score recovers.
    config = {**DEFAULT_CONFIG, "months": 1}
    save_scheme(actor=actor, name="一个月窗口", valid_from=add_months(MONTH, 1), config=config)
    for k in range(1, 4):
        recompute_credit(actor=actor, month=add_months(MONTH, k))
    listing.refresh_from_db()
    assert listing.until == add_months(MONTH, 4) and "自动移出" in listing.lift_reason
    history = CreditListing.objects.filter(party=bad).count()
    assert history == 1


def test_an_officer_lifts_after_the_minimum(parties, actor):
    bad = parties[1]
    listing = CreditListing.objects.create(
        party=bad, kind=ListKind.BLACK, since=MONTH, reason="test", street=bad.street
    )
    with pytest.raises(ValidationError, match="reason"):
        lift_listing(actor=actor, listing=listing, reason=" ", today=add_months(MONTH, 3))
    lift_listing(actor=actor, listing=listing, reason="复查合格，信用修复", today=add_months(MONTH, 3))
    listing.refresh_from_db()
    assert listing.until == add_months(MONTH, 3) and listing.lifted_by == actor
    assert AuditEntry.objects.filter(action="frontage.list.lift").exists()


def test_red_list_needs_months_in_a_row(parties, actor):
    good = parties[0]
    for k in range(3):
        month = add_months(MONTH, k)
        for n in range(3):
            correction(good, k * 10 + n, CorrectionState.FIXED, local_midnight(month) + dt.timedelta(days=1))
    config = {**DEFAULT_CONFIG, "months": 1}
    save_scheme(actor=actor, name="一个月窗口", valid_from=dt.date(2000, 1, 1), config=config)
    assert recompute_credit(actor=actor, month=MONTH)["red_on"] == 0
    assert recompute_credit(actor=actor, month=add_months(MONTH, 1))["red_on"] == 0
    assert recompute_credit(actor=actor, month=add_months(MONTH, 2))["red_on"] == 1
    assert recompute_credit(actor=actor, month=add_months(MONTH, 3))["red_off"] == 1  # nothing that month: 90


def test_scheme_config_is_checked(actor, db):
    for bad in (
        {},
        {**DEFAULT_CONFIG, "base": 200},
        {**DEFAULT_CONFIG, "items": [{"code": "nope", "points": 1}]},
    ):
        with pytest.raises(ValidationError):
            save_scheme(actor=actor, name="x", valid_from=MONTH, config=bad)


def test_the_worker_scores_last_month_once(parties, actor):
    now = timezone.now()
    first = monthly_sweep(now)
    assert first["parties"] == 3
    assert monthly_sweep(now) == {"scored": None}


def test_groups(parties, org, actor):
    a, b, c = parties
    group = create_group(actor=actor, street=a.street, name="东街商户自治联盟")
    with pytest.raises(ValidationError):
        create_group(actor=actor, street=a.street, name="东街商户自治联盟")
    join_group(actor=actor, group=group, party=a)
    join_group(actor=actor, group=group, party=b)
    with pytest.raises(ValidationError):
        join_group(actor=actor, group=group, party=a)
    with pytest.raises(ValidationError, match="成员"):
        set_leader(actor=actor, group=group, party=c)
    set_leader(actor=actor, group=group, party=a)
    assert {p.pk for p in members(group)} == {a.pk, b.pk}
    leave_group(actor=actor, group=group, party=a, on=timezone.localdate() - dt.timedelta(days=0))
    group.refresh_from_db()
    assert group.leader is None


def _ticks(party, ok: bool) -> dict[str, bool]:
    from cityloop.frontage.inspections import checklist_for

    return {i.code: ok for i in checklist_for(party, timezone.localdate())}


def test_inspections_notices_penalties_and_peer_inspections_count(parties, org, actor):
    from cityloop.frontage.accounts import create_party_account
    from cityloop.frontage.checklist import load_standard_checklist
    from cityloop.frontage.credit import month_start
    from cityloop.frontage.inspections import record_inspection
    from cityloop.frontage.models import Notice, NoticeStatus
    from cityloop.frontage.peer import peer_inspect
    from tests.frontage.loopkit import PASSWORD

    load_standard_checklist(actor=actor)
    good, bad, peer = parties
    record_inspection(actor=actor, party=good, ticks=_ticks(good, True))
    record_inspection(actor=actor, party=bad, ticks=_ticks(bad, False))
    notices = Notice.objects.filter(party=bad)
    assert notices.exists()
    Notice.objects.filter(pk=notices.first().pk).update(status=NoticeStatus.ESCALATED)
    group = create_group(actor=actor, street=good.street, name="互查联盟")
    for p in (good, peer):
        join_group(actor=actor, group=group, party=p)
    account = create_party_account(actor=actor, party=peer, username="peer1", password=PASSWORD)
    with pytest.raises(ValidationError):
        peer_inspect(actor=account, group=group, party=peer, ticks=_ticks(peer, True))
    with pytest.raises(ValidationError):
        peer_inspect(actor=account, group=group, party=bad, ticks=_ticks(bad, True))  # not a member
    peer_inspect(actor=account, group=group, party=good, ticks=_ticks(good, False))
    recompute_credit(actor=actor, month=month_start(timezone.localdate()))
    scores = {s.party_id: s for s in CreditScore.objects.filter(month=month_start(timezone.localdate()))}
    # The peer's failed tick is not an official failure for the inspected shop.
    assert scores[good.pk].parts == {"inspection_passed": [1, 1.0]}
    n = notices.count()
    assert scores[bad.pk].parts["inspection_failed"] == [1, -5.0]
    assert scores[bad.pk].parts["notice_issued"] == [n, -3.0 * n] and scores[bad.pk].parts["penalty"] == [
        1,
        -10.0,
    ]
    assert scores[peer.pk].parts == {"peer_inspections_done": [1, 1.0]}

"""The credit page and the district overview: Chinese, scoped, lifting by the street's manager."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import Client
from django.utils import timezone

from cityloop.frontage import index
from cityloop.frontage.correction_actions import answer_fixed
from cityloop.frontage.credit import add_months, month_start
from cityloop.frontage.credit_actions import recompute_credit
from cityloop.frontage.groups import create_group, join_group
from cityloop.frontage.models import CreditListing, ListKind, SelfCorrection

from .loopkit import shop_at_point_a
from .test_console import english_words
from .test_loop import photo, registered


@pytest.fixture
def scored(loop, actor):
    index.reset()
    party = shop_at_point_a(actor)
    case = registered(loop)
    answer_fixed(SelfCorrection.objects.get(case_id=case.pk).pk, actor=party.account, photo=photo())
    recompute_credit(actor=actor, month=add_months(month_start(timezone.localdate()), -1))
    group = create_group(actor=actor, street=party.street, name="东街商户自治联盟")
    join_group(actor=actor, group=group, party=party)
    return party


def login(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_credit_page(loop, scored):
    org = loop.org
    html = login(org.users["street_a_manager"]).get("/frontage/credit/").content.decode()
    assert scored.name in html and "90.0" in html
    assert not english_words(html), english_words(html)
    assert scored.name not in login(org.users["street_b_manager"]).get("/frontage/credit/").content.decode()
    assert login(scored.account).get("/frontage/credit/").status_code == 403


def test_lifting_on_the_page(loop, scored):
    org = loop.org
    row = CreditListing.objects.create(
        party=scored,
        kind=ListKind.BLACK,
        since=dt.date(2026, 1, 1),
        reason="信用分过低",
        street=scored.street,
    )
    assert "信用分过低" in login(org.users["leader"]).get("/frontage/credit/").content.decode()
    assert (
        login(org.users["leader"]).post(f"/frontage/credit/lists/{row.pk}/lift", {"reason": "x"}).status_code
        == 403
    )
    done = login(org.users["street_a_manager"]).post(
        f"/frontage/credit/lists/{row.pk}/lift", {"reason": "复查合格"}
    )
    assert done.status_code == 302
    row.refresh_from_db()
    assert row.until is not None and row.lift_reason == "复查合格"


def test_overview(loop, scored):
    html = login(loop.org.users["street_a_manager"]).get("/frontage/overview/").content.decode()
    assert "东街道" in html and scored.name in html and "东街商户自治联盟" in html and "heat-5" in html
    assert not english_words(html), english_words(html)

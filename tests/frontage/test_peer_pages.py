"""The party's phone pages for peer inspections (联盟互查): its group's other members, the checklist
of one of them, and the inspection saved for the inspecting party; nobody else's pages."""

from __future__ import annotations

import pytest
from django.test import Client

from cityloop.frontage.accounts import create_party_account
from cityloop.frontage.actions import import_frontage
from cityloop.frontage.checklist import load_standard_checklist
from cityloop.frontage.groups import create_group, join_group
from cityloop.frontage.models import Inspection, PeerInspection
from tests.frontage.loopkit import PASSWORD

from .conftest import shop

pytestmark = pytest.mark.django_db


@pytest.fixture
def shops(org, grids, actor):
    import_frontage([shop(1), shop(2, lon=118.7830), shop(3, lon=118.7850)], actor=actor)
    from cityloop.frontage.models import Party

    load_standard_checklist(actor=actor)
    return list(Party.objects.order_by("pk"))


def _client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_a_member_inspects_another_member_of_its_group(shops, org, actor):
    a, b, outsider = shops
    group = create_group(actor=actor, street=a.street, name="东街商户自治联盟")
    join_group(actor=actor, group=group, party=a)
    join_group(actor=actor, group=group, party=b)
    me = _client(create_party_account(actor=actor, party=a, username="shop-a", password=PASSWORD))
    page = me.get("/frontage/my/peers/").content.decode()
    assert "东街商户自治联盟" in page and b.name in page and outsider.name not in page
    form = me.get(f"/frontage/my/peers/{b.uscc}/")
    assert form.status_code == 200 and "保存互查结果" in form.content.decode()
    items = [
        line.split('name="item-')[1].split('"')[0]
        for line in form.content.decode().split("\n")
        if 'value="fail"' in line
    ]
    assert items
    done = me.post(f"/frontage/my/peers/{b.uscc}/", {f"item-{items[0]}": "fail", "note": "门口有纸箱"})
    assert done.status_code == 302 and done["Location"].endswith("/frontage/my/peers/")
    peer = PeerInspection.objects.get()
    assert peer.inspector_party == a and peer.inspection.party == b and not peer.inspection.passed
    assert b.name in me.get("/frontage/my/peers/").content.decode()
    # Not a member of the group, not oneself: no page; staff have none either.
    assert me.get(f"/frontage/my/peers/{outsider.uscc}/").status_code == 404
    assert me.get(f"/frontage/my/peers/{a.uscc}/").status_code == 404
    assert _client(org.users["street_a_manager"]).get("/frontage/my/peers/").status_code == 403
    assert Inspection.objects.count() == 1


def test_a_shop_outside_any_group_is_told_how_to_join(shops, actor):
    me = _client(create_party_account(actor=actor, party=shops[2], username="shop-c", password=PASSWORD))
    assert "尚未加入商户自治联盟" in me.get("/frontage/my/peers/").content.decode()

"""Point → zone: the process's STRtree, its validity dates, and its rebuild when zones change."""

from __future__ import annotations

import datetime as dt

from cityloop.frontage import index
from cityloop.frontage.actions import import_frontage, update_party
from cityloop.frontage.models import Party, Zone

from .conftest import shop


def test_point_inside_edge_and_outside(org, grids, actor):
    import_frontage([shop(1), shop(2, lon=118.7811)], actor=actor)
    first, second = Zone.objects.order_by("code")
    assert index.zone_ids_at(118.78105, 32.04103) == [first.pk]
    assert index.zone_ids_at(118.78115, 32.04103) == [second.pk]
    # On the shared edge both zones hold it: the older first.
    assert index.zone_ids_at(118.7811, 32.04103) == [first.pk, second.pk]
    assert index.zone_ids_at(118.78105, 32.04107) == []  # 7.8 m from the frontage, the zone is 5 m
    assert index.zone_ids_at(118.78105, 32.04099) == []  # the road side


def test_validity_dates(org, grids, actor):
    import_frontage([shop(1, valid_from="2026-01-01", valid_to="2027-01-01")], actor=actor)
    zone = Zone.objects.get()
    assert index.zone_ids_at(118.78105, 32.04103, dt.date(2026, 6, 1)) == [zone.pk]
    assert index.zone_ids_at(118.78105, 32.04103, dt.date(2025, 12, 31)) == []
    assert index.zone_ids_at(118.78105, 32.04103, dt.date(2027, 1, 1)) == []


def test_a_changed_zone_is_seen_at_once(org, grids, actor):
    import_frontage([shop(1)], actor=actor)
    assert index.zone_ids_at(118.78105, 32.04103)
    import_frontage([shop(1, lat=32.0420)], actor=actor)  # the same zone code, moved north
    assert index.zone_ids_at(118.78105, 32.04103) == []
    assert index.zone_ids_at(118.78105, 32.04203) == [Zone.objects.get().pk]


def test_party_edits_are_audited_and_refuse_its_code(org, grids, actor):
    import_frontage([shop(1)], actor=actor)
    party = Party.objects.get()
    update_party(actor=actor, party=party, street=org.street_b.code)
    assert Zone.objects.get().street == org.street_b and party.community is None
    import pytest
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        update_party(actor=actor, party=party, uscc="x")
    assert "uscc" in caught.value.message_dict

"""Back alleys: the fixed post and person, daily check-ins, the district's findings and the street's
fixes, and the workload-weighted scores per street."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils import timezone

from cityloop.community import alleys
from cityloop.community.models import AlleySegment, AlleyWeighting
from cityloop.core.models import Unit

from .conftest import POINT_A, Community, png_bytes

pytestmark = pytest.mark.django_db
LON, LAT = POINT_A


def _segment(
    community: Community, code: str = "A-001", street: Unit | None = None, length_deg: float = 0.005
) -> AlleySegment:
    org = community.loop.org
    return alleys.register_segment(
        actor=community.users["street_a_manager"] if street is None else community.users["admin"],
        code=code,
        name="东一巷",
        street=street or org.street_a,
        community=org.community_a if street is None else None,
        geometry=f"LINESTRING ({LON} {LAT}, {LON + length_deg} {LAT})",
        responsible=community.users["building_head"],
        post="巷长",
        duties="每日巡查保洁、劝导乱堆放",
        fixed_point="巷口",
    )


def test_register_a_segment_with_its_fixed_post_and_person(community: Community) -> None:
    segment = _segment(community)
    assert 400 < segment.length_m < 600
    with pytest.raises(PermissionDenied):
        alleys.register_segment(
            actor=community.users["street_b_manager"],
            code="B-1",
            name="x",
            street=community.loop.org.street_a,
            geometry="LINESTRING (0 0, 0.001 0)",
            responsible=community.users["station_head"],
            post="巷长",
            duties="巡查",
        )
    with pytest.raises(ValidationError, match="geometry"):
        alleys.register_segment(
            actor=community.users["street_a_manager"],
            code="A-2",
            name="x",
            street=community.loop.org.street_a,
            geometry="POINT (1 1)",
            responsible=community.users["station_head"],
            post="巷长",
            duties="巡查",
        )


def test_daily_check_in_at_the_alley(community: Community) -> None:
    segment = _segment(community)
    head = community.users["building_head"]
    with pytest.raises(ValidationError, match="lon"):
        alleys.check_in(actor=head, segment=segment, lon=LON + 0.02, lat=LAT)  # ~2 km away
    with pytest.raises(PermissionDenied):
        alleys.check_in(actor=community.users["station_head"], segment=segment, lon=LON, lat=LAT + 0.0001)
    with pytest.raises(ValidationError, match="photo"):
        alleys.check_in(actor=head, segment=segment, lon=LON, lat=LAT, photo=("x.png", b"junk"))
    assert list(alleys.missed_checkins(AlleySegment.objects.all(), timezone.localdate())) == [segment]
    row = alleys.check_in(
        actor=head,
        segment=segment,
        lon=LON + 0.001,
        lat=LAT + 0.0001,
        findings="有一处堆物",
        photo=("p.png", png_bytes()),
    )
    assert row.distance_m < 20 and row.photo
    with pytest.raises(ValidationError, match="segment"):
        alleys.check_in(actor=head, segment=segment, lon=LON, lat=LAT)
    assert not alleys.missed_checkins(AlleySegment.objects.all(), timezone.localdate()).exists()


def test_the_district_inspects_and_the_street_fixes(community: Community) -> None:
    segment = _segment(community)
    with pytest.raises(PermissionDenied):  # a street does not inspect itself
        alleys.inspect_segment(
            actor=community.users["street_a_manager"], segment=segment, finding="x", points=Decimal(1)
        )
    leader = community.users["leader"]
    with pytest.raises(ValidationError, match="points"):
        alleys.inspect_segment(actor=leader, segment=segment, finding="堆物", points=Decimal(500))
    finding = alleys.inspect_segment(
        actor=leader, segment=segment, finding="巷口堆放杂物", points=Decimal("2")
    )
    with pytest.raises(PermissionDenied):
        alleys.fix_finding(actor=community.users["street_b_manager"], inspection=finding, note="已清")
    alleys.fix_finding(actor=community.users["street_a_manager"], inspection=finding, note="已清理杂物")
    with pytest.raises(ValidationError):
        alleys.fix_finding(actor=community.users["street_a_manager"], inspection=finding, note="again")


def test_scores_are_weighted_by_workload_independently_recomputed(community: Community) -> None:
    org = community.loop.org
    long_a = _segment(community, "A-1", length_deg=0.01)  # ~0.96 km
    short_b = _segment(community, "B-1", street=org.street_b, length_deg=0.001)  # ~0.1 km
    leader = community.users["leader"]
    today = timezone.localdate()
    fixed = alleys.inspect_segment(actor=leader, segment=long_a, finding="堆物", points=Decimal("4"))
    alleys.fix_finding(actor=community.users["street_a_manager"], inspection=fixed, note="已清")
    alleys.inspect_segment(actor=leader, segment=short_b, finding="垃圾", points=Decimal("1"))
    start = today.replace(day=1)
    end = (start + dt.timedelta(days=32)).replace(day=1)
    streets = Unit.objects.filter(pk__in=[org.street_a.pk, org.street_b.pk])
    by_km = {s.street_id: s for s in alleys.street_scores(streets, start, end)}
    km_a = long_a.length_m / 1000
    assert by_km[org.street_a.pk].per_workload == round(4 * 0.5 / km_a, 2)  # fixed in time: half kept
    assert by_km[org.street_b.pk].per_workload == round(1 / (short_b.length_m / 1000), 2)
    assert by_km[org.street_b.pk].unfixed == 1
    AlleyWeighting.objects.create(valid_from=start, basis="segment", fixed_in_time_factor=Decimal("0"))
    by_segment = {s.street_id: s for s in alleys.street_scores(streets, start, end)}
    assert by_segment[org.street_a.pk].per_workload == 0.0
    assert by_segment[org.street_b.pk].per_workload == 1.0

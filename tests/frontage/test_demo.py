"""The demo city's shops: a few hundred along the main roads, each zone on the street side."""

from __future__ import annotations

import shapely

from cityloop.demo.city import DemoCity
from cityloop.frontage.index import zone_ids_at
from cityloop.frontage.models import Party, Zone
from cityloop.frontage.uscc import problem
from tests.demo.conftest import demo_city  # noqa: F401  (the fixture)


def test_demo_shops_have_valid_codes_and_zones_along_the_roads(demo_city: DemoCity) -> None:  # noqa: F811
    parties = list(Party.objects.all())
    assert 200 <= len(parties) <= 600 and demo_city.summary["frontage parties"] == len(parties)
    assert all(problem(p.uscc) is None for p in parties)
    assert all(p.community_id and p.contact_phone for p in parties)
    zones = list(Zone.objects.all())
    assert len(zones) == len(parties) and all(z.depth_m == 5 for z in zones)
    roads = shapely.union_all([line for d in demo_city.districts for _, _, line in d.roads])
    for zone in zones[:50]:
        polygon, front = zone.geometry, shapely.from_wkb(bytes(zone.frontage_wkb))
        # The zone lies between the shop front and the road: its far edge is nearer the road.
        assert polygon.centroid.distance(roads) < front.centroid.distance(roads)
        inside = polygon.representative_point()
        assert zone.pk in zone_ids_at(inside.x, inside.y)


def test_demo_groups(demo_city: DemoCity) -> None:  # noqa: F811
    from cityloop.frontage.models import GroupMembership, SelfDisciplineGroup

    group = SelfDisciplineGroup.objects.order_by("id").first()
    assert group is not None and group.leader is not None
    assert GroupMembership.objects.filter(group=group, left_on__isnull=True).count() >= 2
    assert demo_city.summary["frontage self-discipline groups"] == SelfDisciplineGroup.objects.count()

"""The geocoder on a tiny city: normalisation, door numbers (exact and interpolated), crossings in
the forms people say them, places, communities, and unknown addresses answered by candidates."""

from __future__ import annotations

import pytest

from cityloop.geo import gazetteer
from cityloop.geo.geocode import CONFIDENT, door_point, geocode
from cityloop.geo.normalize import chinese_number, door_number, normalize

from . import geocode_city
from .geocode_city import CROSSING, MID_LAT


@pytest.fixture
def city(grids, org, actor):
    gazetteer.reset()
    geocode_city.build(org, actor)
    yield
    gazetteer.reset()


@pytest.mark.parametrize(
    ("numeral", "value"),
    [
        ("十二", 12),
        ("十", 10),
        ("二十", 20),
        ("一百零五", 105),
        ("一二八", 128),
        ("两百三十", 230),
        ("x", None),
    ],
)
def test_chinese_numbers(numeral, value):
    assert chinese_number(numeral) == value


def test_normalize_half_width_numerals_prefixes_and_near_words():
    found = normalize("云湖区 长江中路十二号 附近", prefixes=("云湖区",))
    assert found.text == "长江中路12号"
    assert found.near == ["附近"]
    assert normalize("長江路１２号").text == "長江路12号"
    assert normalize("桂花一巷门口").text == "桂花一巷"  # a lane's numeral is part of its name
    assert door_number("12-1号楼") == (12, "-1")
    assert door_number("路口") is None


def test_a_surveyed_door_is_placed_at_it(city):
    found = geocode("长江中路22号")
    assert found.method == "door" and found.confidence >= 0.9
    assert (found.lon, found.lat) == pytest.approx((geocode_city.door_lon(22), MID_LAT - 0.0001))
    assert found.location.grid_code == "990100002001003"
    assert (found.location.community_name, found.location.street_name) == ("西一社区", "西街道")


def test_a_number_between_surveyed_doors_is_interpolated_on_its_side_less_sure(city):
    found = geocode("长江中路十五号")
    assert found.method == "interpolated"
    assert CONFIDENT <= found.confidence < geocode("长江中路11号").confidence
    assert found.lon == pytest.approx(geocode_city.door_lon(11) + 0.0004)
    assert found.lat > MID_LAT  # odd numbers on the north side
    assert found.location.grid_code == "990100001001002"


def test_door_point_past_the_last_surveyed_number_is_unsure():
    road = gazetteer.Road("x", None, 0.0)
    assert door_point(road, 5, "") is None


def test_short_forms_and_suffix_variants_find_the_road(city):
    for said in ("长江路15号", "长江中街15号", "长江中路１５号"):
        found = geocode(said)
        assert found.method == "interpolated", said
        assert found.matched[0]["name"] == "长江中路"


@pytest.mark.parametrize(
    "said", ["长江中路与桂花一巷交叉口", "长江中路桂花一巷路口", "长江路和桂花一巷交汇处", "桂花一巷/长江路"]
)
def test_crossings_are_where_the_roads_meet(city, said):
    found = geocode(said)
    assert found.method == "crossing"
    assert (found.lon, found.lat) == pytest.approx(CROSSING)
    assert found.location.grid_code.startswith("990100001001")


def test_places_and_their_aliases_with_near_words(city):
    school = geocode("一中门口")
    assert school.method == "poi" and school.location.grid_code == "990100001001001"
    assert school.notes == ["near:门口"]
    assert school.confidence < geocode("云湖市第一中学").confidence


def test_a_community_lands_in_one_of_its_grids(city):
    found = geocode("西一社区居委会")
    assert found.method == "community"
    assert found.location.community_name == "西一社区"


def test_a_long_road_alone_is_not_a_place_only_a_candidate(city):
    found = geocode("长江中路")
    assert found.lon is None and found.location is None
    assert found.candidates[0].name == "长江中路"


def test_an_unknown_address_answers_candidates_never_a_point(city):
    unknown = geocode("黄河路88号")
    assert unknown.lon is None and unknown.confidence < CONFIDENT
    typo = geocode("长江大路")
    assert typo.lon is None
    assert [c.name for c in typo.candidates][:1] == ["长江中路"]
    assert all(c.score < CONFIDENT for c in typo.candidates)


def test_new_names_are_seen_at_once(city, actor):
    from cityloop.geo.place_actions import import_pois, import_road_aliases
    from cityloop.geo.placefiles import PoiRow

    assert geocode("江城大道22号").lon is None
    import_road_aliases([("长江中路", "江城大道")], actor=actor)
    assert geocode("江城大道22号").method == "door"
    import_pois([PoiRow("菜场", (), "market", *CROSSING)], actor=actor)
    assert geocode("菜场").method == "poi"


def test_a_short_form_that_fits_two_roads_is_not_sure(city, org, actor):
    import shapely

    from cityloop.geo.actions import create_roads

    lon, lat = geocode_city.LON, geocode_city.LAT
    create_roads(
        [
            ("黄河东路", "lane", shapely.LineString([(lon, lat + 0.0002), (lon + 0.0005, lat + 0.0002)])),
            (
                "黄河西路",
                "lane",
                shapely.LineString([(lon + 0.003, lat + 0.0002), (lon + 0.0035, lat + 0.0002)]),
            ),
        ],
        actor=actor,
        district=org.district,
    )
    assert geocode("黄河东路").confident  # a short lane named in full
    both = geocode("黄河路")
    assert not both.confident
    assert {c.name for c in both.candidates} >= {"黄河东路", "黄河西路"}


def test_a_place_may_share_a_communitys_name(city, actor):
    from cityloop.geo.place_actions import import_pois
    from cityloop.geo.placefiles import PoiRow

    import_pois([PoiRow("西一社区", (), "office", *CROSSING)], actor=actor)
    found = geocode("西一社区")
    assert {c.kind for c in found.candidates} >= {"office", "community"}


def test_a_change_made_by_another_process_is_seen_once_the_counter_moves(city):
    from django.db.models import F

    from cityloop.core.models import SharedVersion
    from cityloop.geo.models import PointOfInterest

    built = gazetteer.get_gazetteer()
    # Another process's write: the rows and the counter, with no signal or reset in this one.
    PointOfInterest.objects.bulk_create([PointOfInterest(name="邮电局", lon=CROSSING[0], lat=CROSSING[1])])
    assert gazetteer.get_gazetteer() is built
    SharedVersion.objects.filter(name="geo.gazetteer").update(counter=F("counter") + 1)
    gazetteer.GAZETTEER._checked_at = 0.0
    gazetteer.GAZETTEER._tentative = None
    assert geocode("邮电局").method == "poi"

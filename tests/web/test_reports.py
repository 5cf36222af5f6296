"""Report forms (hotline, supervisor on a phone) and the look-ups they call."""

from __future__ import annotations

from django.core.files.uploadedfile import SimpleUploadedFile

from cityloop.cases.models import Case

from .conftest import POINT_A, POINT_B, html, png_bytes


def photo(name: str = "p.png") -> SimpleUploadedFile:
    return SimpleUploadedFile(name, png_bytes(), content_type="image/png")


def hotline_data(**kw):
    data = {
        "channel": "hotline_12345",
        "external_id": "T-0001",
        "appeal_nature": "2",
        "reporter_name": "李四",
        "reporter_phone": "13800000000",
        "description": "小区门口垃圾堆放三天无人清理",
        "category": "0102",
        "kind": "event",
        "address": "东一路8号",
        "lon": str(POINT_A[0]),
        "lat": str(POINT_A[1]),
        "key": "k-1",
    }
    data.update(kw)
    return data


def test_hotline_report_creates_a_case(loop, client_as):
    operator = client_as("operator")
    form = html(operator.get("/report/hotline/"))
    assert 'data-map="picker"' in form and 'id="category-q"' in form and 'name="channel"' in form
    response = operator.post("/report/hotline/", hotline_data(photos=[photo()]))
    assert response.status_code == 302
    case = Case.objects.get()
    assert response["Location"] == f"/cases/{case.pk}/"
    assert (case.channel.code, case.external_id, case.appeal_nature) == ("hotline_12345", "T-0001", 2)
    assert (case.category.code, case.reporter_phone, case.address) == ("0102", "13800000000", "东一路8号")
    assert case.attachments.count() == 1 and case.needs_return_visit
    again = operator.post("/report/hotline/", hotline_data())
    assert again.status_code == 302 and Case.objects.count() == 1


def test_hotline_report_errors_are_next_to_the_fields(loop, client_as):
    operator = client_as("operator")
    no_place = operator.post("/report/hotline/", hotline_data(lon="", lat="", description=""))
    page = html(no_place)
    assert no_place.status_code == 400
    assert 'id="location-err"' in page and 'id="id_description-err"' in page
    outside = operator.post("/report/hotline/", hotline_data(lon="10.0", lat="10.0", key="k-2"))
    assert outside.status_code == 400 and 'id="location-err"' in html(outside)
    bad_category = operator.post("/report/hotline/", hotline_data(category="12", key="k-3"))
    assert bad_category.status_code == 400 and 'id="id_category-err"' in html(bad_category)
    unknown = operator.post("/report/hotline/", hotline_data(category="9988", key="k-4"))
    assert unknown.status_code == 400 and 'id="id_category-err"' in html(unknown)
    assert Case.objects.count() == 0


def test_supervisor_reports_from_the_phone(loop, client_as):
    supervisor = client_as("supervisor_a")
    form = html(supervisor.get("/m/report/"))
    assert 'capture="environment"' in form and "data-geolocate" in form and 'id="nearest"' in form
    data = {
        "description": "井盖破损",
        "category": "0102",
        "kind": "event",
        "lon": str(POINT_A[0]),
        "lat": str(POINT_A[1]),
        "key": "m-1",
    }
    no_photo = supervisor.post("/m/report/", data)
    assert no_photo.status_code == 400 and 'id="id_photos-err"' in html(no_photo)
    one = supervisor.post("/m/report/", {**data, "photos": [photo()]})
    assert one.status_code == 302 and one["Location"] == "/m/"
    case = Case.objects.get()
    assert case.channel.code == "supervisor" and case.reporter == loop.users["supervisor_a"]
    assert case.state == "reported" and case.attachments.count() == 1
    assert case.number in html(supervisor.get("/m/"))


def test_supervisor_outside_their_area_and_self_handled_rules(loop, client_as):
    supervisor = client_as("supervisor_a")
    base = {"description": "垃圾", "category": "0102", "kind": "event", "photos": [photo()]}
    outside = supervisor.post(
        "/m/report/", {**base, "lon": str(POINT_B[0]), "lat": str(POINT_B[1]), "key": "x"}
    )
    assert outside.status_code == 400 and 'id="location-err"' in html(outside)
    one_photo = supervisor.post(
        "/m/report/",
        {**base, "photos": [photo()], "self_handled": "on", "lon": str(POINT_A[0]), "lat": str(POINT_A[1])},
    )
    assert one_photo.status_code == 400 and 'id="id_photos-err"' in html(one_photo)
    fixed = supervisor.post(
        "/m/report/",
        {**base, "photos": [photo("before.png"), photo("after.png")], "self_handled": "on",
         "lon": str(POINT_A[0]), "lat": str(POINT_A[1]), "key": "y"},
    )  # fmt: skip
    assert fixed.status_code == 302
    assert Case.objects.get().state == "self_handled"


def test_category_search_in_chinese(loop, client):
    page = html(client.get("/lookup/categories/", {"q": "垃圾"}))
    assert 'data-code="0102"' in page and 'data-kind="event"' in page
    assert "data-pick-category" in page
    nothing = html(client.get("/lookup/categories/", {"q": "不存在的东西"}))
    assert "data-pick-category" not in nothing and "不存在的东西" in nothing


def test_where_and_places(loop, client):
    inside = html(client.get("/lookup/where/", {"lon": POINT_A[0], "lat": POINT_A[1]}))
    assert "990100001001" in inside and "东一社区" in inside
    outside = html(client.get("/lookup/where/", {"lon": 10, "lat": 10}))
    assert 'class="located error"' in outside
    places = html(client.get("/lookup/places/", {"q": "东一"}))
    assert "data-pick-place" in places and "东一社区" in places


def test_nearest_components(loop, client_as, actor):
    from cityloop.assets.actions import record_component

    component = record_component(
        actor=actor, id="9901000101000001", lon=POINT_A[0] + 0.0001, lat=POINT_A[1], owner="D-WATER"
    )
    supervisor = client_as("supervisor_a")
    found = html(
        supervisor.get(
            "/lookup/nearest/",
            {"lon": POINT_A[0], "lat": POINT_A[1], "kind": "component", "category": "0101"},
        )
    )
    assert component.code in found and 'name="nearest_component"' in found
    other = html(
        supervisor.get(
            "/lookup/nearest/",
            {"lon": POINT_A[0], "lat": POINT_A[1], "kind": "component", "category": "0102"},
        )
    )
    assert component.code not in other
    assert client_as("supervisor_a").get("/lookup/nearest/").status_code == 200


def test_the_place_search_reads_door_numbers_and_crossings(loop, client, actor):
    from cityloop.geo import gazetteer
    from tests.geo import geocode_city

    gazetteer.reset()
    geocode_city.build(loop.org, actor)
    try:
        door = html(client.get("/lookup/places/", {"q": "长江中路22号"}, HTTP_ACCEPT_LANGUAGE="zh-hans"))
        assert f'data-lon="{geocode_city.door_lon(22):.6f}"' in door and "地址" in door
        crossing = html(client.get("/lookup/places/", {"q": "长江路与桂花一巷交叉口"}))
        assert f'data-lon="{geocode_city.CROSSING[0]:.6f}"' in crossing
        assert "data-pick-place" in html(client.get("/lookup/places/", {"q": "东一"}))  # names as before
    finally:
        gazetteer.reset()


def test_suggestions_as_the_report_is_written(loop, client, client_as):
    from cityloop.cases.models import Case

    first = loop.report(description="小区门口垃圾堆了好几天", category="0102", kind="event")
    where = {"lon": POINT_A[0], "lat": POINT_A[1]}
    staff = html(
        client_as("operator").get(
            "/lookup/suggest/",
            {"text": "路边有一大堆生活垃圾没人清理", "picker": "1", **where},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    )
    assert 'data-pick-category data-code="0102" data-kind="event"' in staff  # the likeliest first
    assert "是这个问题吗？" in staff and f">{first.number}</a>" in staff
    # A citizen sees that the problem is known, not who reported it, what they wrote or its number.
    public = html(
        client.get(
            "/lookup/suggest/",
            {"text": "路边有一大堆生活垃圾没人清理", **where},
            HTTP_ACCEPT_LANGUAGE="zh-hans",
        )
    )
    assert "是这个问题吗？" in public and "暴露垃圾" in public
    assert first.number not in public and "小区门口" not in public and "data-pick-category" not in public
    # Far away, or a different problem: nothing offered.
    far = html(client.get("/lookup/suggest/", {"text": "路边有一大堆生活垃圾", "lon": 10, "lat": 10}))
    assert "是这个问题吗" not in far
    assert Case.objects.count() == 1  # a look-up writes nothing
    assert client.get("/lookup/suggest/", {"text": "x" * 5000, "lon": "nan", "lat": "1"}).status_code == 200

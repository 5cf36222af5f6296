"""Report forms take coordinates pasted from a map app (GCJ-02, BD-09 or WGS84) instead of the map's
point, and store the WGS84 point with the original."""

from __future__ import annotations

import pytest
from django.test import Client

from cityloop.cases.models import Case
from cityloop.geo import crs as crslib
from cityloop.web.reports import parse_pasted

from .conftest import POINT_A, html
from .test_public import report_data
from .test_reports import hotline_data, photo


def test_the_public_page_converts_gcj02_from_a_map_app(loop):
    client = Client()
    page = html(client.get("/public/report/"))
    assert 'name="pasted"' in page and 'name="crs"' in page
    # The selector offers the phones' systems, GCJ-02 first chosen (AMap, Tencent and WeChat use it).
    assert 'value="gcj02" selected' in page and 'value="bd09"' in page and 'value="wgs84"' in page
    gx, gy = crslib.from_wgs84(*POINT_A, "gcj02")
    # The map's (WGS84) point is left empty: the pasted one is used.
    response = client.post(
        "/public/report/", report_data(lon="", lat="", pasted=f"{gx:.7f}，{gy:.7f}", crs="gcj02")
    )
    assert response.status_code == 302, html(response)
    case = Case.objects.get()
    assert (case.lon, case.lat) == pytest.approx(POINT_A, abs=2e-7)
    assert case.original_crs == "gcj02" and case.original_x == pytest.approx(gx, abs=1e-7)


def test_a_map_tap_without_pasted_coordinates_stays_wgs84(loop):
    client = Client()
    assert client.post("/public/report/", report_data(crs="gcj02")).status_code == 302
    case = Case.objects.get()
    assert (case.lon, case.lat) == POINT_A and case.original_crs == ""


def test_the_hotline_form_takes_baidu_coordinates_latitude_first(loop, client_as):
    operator = client_as("operator")
    bx, by = crslib.from_wgs84(*POINT_A, "bd09")
    data = hotline_data(lon="", lat="", pasted=f"{by:.7f}, {bx:.7f}", crs="bd09", photos=[photo()])
    response = operator.post("/report/hotline/", data)
    assert response.status_code == 302, html(response)
    case = Case.objects.get()
    assert (case.lon, case.lat) == pytest.approx(POINT_A, abs=2e-7)
    assert (case.original_crs, case.original_x) == ("bd09", pytest.approx(bx, abs=1e-7))
    # The case page shows the stored point and the one reported.
    assert f"上报坐标 bd09：{case.original_x}, {case.original_y}" in html(operator.get(f"/cases/{case.pk}/"))


def test_pasted_errors_are_next_to_the_field(loop, client_as):
    operator = client_as("operator")
    garbled = operator.post(
        "/report/hotline/", hotline_data(lon="", lat="", pasted="north gate", crs="gcj02")
    )
    assert garbled.status_code == 400 and 'id="id_pasted-err"' in html(garbled)
    outside = operator.post("/report/hotline/", hotline_data(lon="", lat="", pasted="10.0,10.0", key="k-9"))
    assert outside.status_code == 400 and 'id="location-err"' in html(outside)
    assert not Case.objects.exists()


@pytest.mark.parametrize(
    ("text", "point"),
    [
        ("116.404,39.915", (116.404, 39.915)),
        ("39.915,116.404", (116.404, 39.915)),
        ("经度 116.404 纬度 39.915", (116.404, 39.915)),
        ("-73.98, 40.75", (-73.98, 40.75)),
    ],
)
def test_parse_pasted(text, point):
    assert parse_pasted(text) == point


def test_the_picker_converts_pasted_coordinates_before_the_form_is_sent(loop):
    """The public page's picker asks where pasted GCJ-02 coordinates lie: the answer names the grid
    and gives the WGS84 point for the marker."""
    client = Client()
    gx, gy = crslib.from_wgs84(*POINT_A, "gcj02")
    answer = client.get("/lookup/where/", {"pasted": f"{gx:.7f},{gy:.7f}", "crs": "gcj02"})
    assert answer.status_code == 200 and 'data-located="1"' in html(answer)
    lon, lat = map(float, answer["X-CityLoop-Point"].split(","))
    assert (lon, lat) == pytest.approx(POINT_A, abs=2e-7)
    garbled = client.get("/lookup/where/", {"pasted": "north gate", "crs": "gcj02"})
    assert "X-CityLoop-Point" not in garbled and 'role="alert"' in html(garbled)
    far = client.get("/lookup/where/", {"pasted": "500,95", "crs": "bd09"})
    assert far.status_code == 200 and "X-CityLoop-Point" not in far and 'role="alert"' in html(far)
    unknown = client.get("/lookup/where/", {"pasted": f"{gx},{gy}", "crs": "utm50"})
    assert unknown.status_code == 200 and "X-CityLoop-Point" not in unknown

"""Reports in other coordinate systems: the API's ``crs``, the stored WGS84 point and the original."""

from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from cityloop.cases.actions import submit_report
from cityloop.cases.models import Case
from cityloop.geo import crs as crslib

from .conftest import POINT_A


def _report(client, lon, lat, **kw):
    body = {"channel": "supervisor", "description": "井盖破损", "lon": lon, "lat": lat, **kw}
    return client.post("/api/v1/reports", body)


def test_a_gcj02_report_is_stored_in_wgs84_with_its_original(loop, api_as):
    supervisor = api_as(loop.users["supervisor_a"])
    gx, gy = crslib.from_wgs84(*POINT_A, "gcj02")
    created = _report(supervisor, gx, gy, crs="GCJ-02")
    assert created.status_code == 201, created.json()
    case = Case.objects.get(pk=created.json()["id"])
    assert case.lon == pytest.approx(POINT_A[0], abs=1e-7) and case.lat == pytest.approx(POINT_A[1], abs=1e-7)
    assert (case.original_crs, case.original_x, case.original_y) == ("gcj02", gx, gy)
    detail = api_as(loop.users["operator"]).get(f"/api/v1/cases/{case.pk}").json()
    assert detail["original"] == {"crs": "gcj02", "x": gx, "y": gy}
    assert detail["lon"] == pytest.approx(POINT_A[0], abs=1e-7)
    queue = api_as(loop.users["operator"]).get("/api/v1/cases").json()
    assert queue["items"][0]["original"]["crs"] == "gcj02"


def test_bd09_and_gauss_kruger_reports(loop):
    supervisor = loop.users["supervisor_a"]
    bx, by = crslib.from_wgs84(*POINT_A, "bd09")
    case, _ = submit_report(
        actor=supervisor, channel="supervisor", description="a", lon=bx, lat=by, crs="bd09"
    )
    assert (case.lon, case.lat) == pytest.approx(POINT_A, abs=1e-7)
    zone = "EPSG:4528" if 118.5 <= POINT_A[0] < 121.5 else "EPSG:4527"
    ex, ny = crslib.from_wgs84(*POINT_A, zone)
    case, _ = submit_report(actor=supervisor, channel="supervisor", description="b", lon=ex, lat=ny, crs=zone)
    assert (case.lon, case.lat) == pytest.approx(POINT_A, abs=1e-8)
    assert case.original_crs == zone


def test_a_wgs84_report_keeps_no_original(loop, api_as):
    created = _report(api_as(loop.users["supervisor_a"]), *POINT_A)
    case = Case.objects.get(pk=created.json()["id"])
    assert (case.original_crs, case.original_x, case.original_y) == ("", None, None)
    detail = api_as(loop.users["operator"]).get(f"/api/v1/cases/{case.pk}").json()
    assert detail["original"] is None and detail["lon"] == POINT_A[0]


def test_an_unknown_crs_is_422_naming_the_field(loop, api_as):
    refused = _report(api_as(loop.users["supervisor_a"]), *POINT_A, crs="mercator")
    assert refused.status_code == 422
    body = refused.json()
    assert body["errors"][0]["field"] == "crs"
    assert "unknown coordinate system" in body["errors"][0]["message"]
    assert not Case.objects.exists()


def test_out_of_range_coordinates_are_a_field_error(loop, api_as):
    # Degrees sent as a Gauss–Krüger zone: no point of that zone.
    refused = _report(api_as(loop.users["supervisor_a"]), *POINT_A, crs="EPSG:4527")
    assert refused.status_code == 400
    assert "location" in refused.json()["errors"]
    assert "Gauss–Krüger zone 39" in refused.json()["errors"]["location"][0]
    with pytest.raises(ValidationError) as exc:
        submit_report(
            actor=loop.users["supervisor_a"],
            channel="supervisor",
            description="a",
            lon=200,
            lat=30,
            crs="gcj02",
        )
    assert "location" in exc.value.message_dict

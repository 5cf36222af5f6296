"""The grid admin: list and search, the GeoJSON import view and the export action."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django.urls import reverse

from cityloop.core.actions import create_user
from cityloop.core.models import AuditEntry
from cityloop.geo.models import Grid

from .conftest import org_features


@pytest.fixture
def root(org, actor):
    return create_user(actor=actor, username="root", password="root-pass-2026", is_superuser=True)


@pytest.fixture
def browser(root) -> Client:
    client = Client()
    client.force_login(root)
    return client


def _upload(features, name="grids.geojson") -> SimpleUploadedFile:
    body = json.dumps({"type": "FeatureCollection", "features": features}).encode()
    return SimpleUploadedFile(name, body, content_type="application/geo+json")


def test_changelist_lists_and_searches(grids, browser):
    url = reverse("admin:geo_grid_changelist")
    res = browser.get(url)
    assert res.status_code == 200
    text = res.content.decode()
    assert "990100001001001" in text
    assert reverse("admin:geo_grid_import") in text
    res = browser.get(url, {"q": "990100002001"})
    assert "990100002001004" in res.content.decode() and "990100001001001" not in res.content.decode()
    assert browser.get(url, {"in_service": "yes"}).status_code == 200


def test_change_page_is_read_only_with_a_geometry_summary(grids, browser):
    grid = Grid.objects.get(code="990100001001001")
    res = browser.get(reverse("admin:geo_grid_change", args=[grid.pk]))
    assert res.status_code == 200
    assert "Polygon · 4 vertices" in res.content.decode()
    assert browser.get(reverse("admin:geo_grid_add")).status_code == 403


def test_import_view_imports_as_the_admin_user(org, browser, root):
    url = reverse("admin:geo_grid_import")
    assert browser.get(url).status_code == 200
    res = browser.post(url, {"file": _upload(org_features()), "valid_from": "2020-01-01"})
    assert res.status_code == 302
    assert Grid.objects.count() == 8
    entry = AuditEntry.objects.get(action="grid.import")
    assert entry.actor == root and entry.after["source"] == "grids.geojson"
    # Named by its file and count, in no language: the audit log is read in Chinese.
    assert entry.object_repr == "grids.geojson (8)"


def test_import_view_reports_in_the_administrators_language(org, browser):
    res = browser.post(
        reverse("admin:geo_grid_import"),
        {"file": _upload(org_features()), "valid_from": "2020-01-01"},
        follow=True,
    )
    page = res.content.decode()
    assert "已导入 8 个网格，自 2020-01-01 起生效（重绘 0 个，警告 0 条）。" in page
    assert "grids valid from" not in page


def test_import_view_shows_every_problem_and_imports_nothing(org, browser):
    features = org_features()
    features[3]["properties"]["code"] = "oops"
    res = browser.post(
        reverse("admin:geo_grid_import"), {"file": _upload(features), "valid_from": "2020-01-01"}
    )
    assert res.status_code == 200
    assert "feature #3 (oops): code must be 15 digits" in res.content.decode()
    assert not Grid.objects.exists()


def test_import_view_dry_run_and_bad_json(org, browser):
    url = reverse("admin:geo_grid_import")
    res = browser.post(url, {"file": _upload(org_features()), "valid_from": "2020-01-01", "dry_run": "on"})
    assert res.status_code == 200 and not Grid.objects.exists()
    broken = SimpleUploadedFile("x.geojson", b"{oops", content_type="application/json")
    res = browser.post(url, {"file": broken, "valid_from": "2020-01-01"})
    assert "not valid JSON" in res.content.decode()


def test_import_view_needs_the_add_permission(org, grids):
    staff = create_user(actor=org.users["admin"], username="clerk", password="clerk-pass-2026", is_staff=True)
    client = Client()
    client.force_login(staff)
    assert client.get(reverse("admin:geo_grid_import")).status_code == 403


def test_export_action_returns_geojson(grids, browser):
    ids = list(Grid.objects.filter(code__startswith="990100001001").values_list("pk", flat=True))
    res = browser.post(
        reverse("admin:geo_grid_changelist"),
        {"action": "export_geojson", "_selected_action": [str(i) for i in ids]},
    )
    assert res.status_code == 200
    assert res["Content-Type"].startswith("application/geo+json")
    body = json.loads(res.content)
    assert [f["properties"]["code"] for f in body["features"]] == [
        f"990100001001{i:03d}" for i in range(1, 5)
    ]


def test_road_admin_lists_roads(org, browser, actor):
    import shapely

    from cityloop.geo.actions import create_roads

    create_roads(
        [("人民路", "arterial", shapely.LineString([(120, 30), (120.01, 30)]))],
        actor=actor,
        district=org.district,
    )
    res = browser.get(reverse("admin:geo_road_changelist"))
    assert res.status_code == 200 and "人民路" in res.content.decode()


def test_import_view_takes_shapefiles_and_geopackages(org, browser, tmp_path):
    from .files import to_crs, write_geopackage, write_shapefile

    features = org_features()
    for feature in features:
        feature["geometry"] = to_crs(feature["geometry"], "gcj02")
    # A phone-collected layer: GCJ-02 numbers under a WGS84 .prj, so the system is chosen on the form.
    path = write_shapefile(tmp_path / "amap.zip", features, epsg=4326, fields=["code", "name"])
    url = reverse("admin:geo_grid_import")
    page = browser.get(url).content.decode()
    assert 'name="crs"' in page and 'value="EPSG:4527"' in page
    upload = SimpleUploadedFile("amap.zip", path.read_bytes(), content_type="application/zip")
    res = browser.post(url, {"file": upload, "valid_from": "2020-01-01", "crs": "gcj02"})
    assert res.status_code == 302, res.content.decode()[:2000]
    grid = Grid.objects.get(code="990100001001001")
    # The first grid's south-west corner was (120.0, 30.0 + DLAT) in WGS84 before the offset.
    assert grid.min_lon == pytest.approx(120.0, abs=2e-7)
    # A GeoPackage in a zone with a bad row: the problem is shown by number and nothing is imported.
    features = org_features()
    for feature in features:
        feature["geometry"] = to_crs(feature["geometry"], "EPSG:4528")
    features[3]["properties"]["code"] = "bad"
    gpkg = write_geopackage(tmp_path / "zone.gpkg", features, epsg=4528, fields=["code", "name"])
    upload = SimpleUploadedFile("zone.gpkg", gpkg.read_bytes(), content_type="application/geopackage+sqlite3")
    res = browser.post(url, {"file": upload, "valid_from": "2021-01-01"})
    assert res.status_code == 200
    assert "feature #3 (bad): code must be 15 digits" in res.content.decode()
    assert Grid.objects.filter(valid_from="2021-01-01").count() == 0

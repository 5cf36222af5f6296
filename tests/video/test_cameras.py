"""Registering cameras: fields of view derived or given, secrets kept out of the audit log, files
imported all or nothing with Chinese row errors."""

from __future__ import annotations

import json

import pytest
import shapely
from django.core.exceptions import ValidationError

from cityloop.core.models import AuditEntry
from cityloop.video.cameras import CameraInput, ImportRefused, create_camera, import_cameras
from cityloop.video.files import read_rows
from cityloop.video.models import Camera
from tests.cases.conftest import POINT_A

pytestmark = pytest.mark.django_db


def test_field_of_view_is_a_sector_in_the_direction(cameras):
    camera = cameras[0]  # looking east (90°)
    polygon = shapely.geometry.Polygon(camera.fov[0])
    assert polygon.is_valid
    assert polygon.centroid.x > camera.lon
    assert abs(polygon.centroid.y - camera.lat) < 1e-4
    assert camera.district.code == "990100"


def test_secrets_stay_out_of_the_audit_log(cameras):
    entry = AuditEntry.objects.filter(action="video.camera.create").first()
    assert "rtsp" not in json.dumps(entry.after) and "cams.local" not in json.dumps(entry.after)


def test_bad_input_names_the_field(loop, actor):
    base = {"code": "X1", "name": "x", "lon": POINT_A[0], "lat": POINT_A[1], "owner": loop.org.district.code}
    for field, value in [
        ("lon", 200),
        ("owner", "NOPE"),
        ("direction", 400),
        ("code", "有 空格"),
        ("hours", "8-9"),
    ]:
        with pytest.raises(ValidationError) as caught:
            create_camera(actor=actor, data=CameraInput(**{**base, field: value}))
        assert field in caught.value.message_dict
    with pytest.raises(ValidationError):
        create_camera(actor=actor, data=CameraInput(**base, fov=[[[0, 0], [1, 0], [1, 1], [0, 0]]]))


def test_csv_import_is_all_or_nothing(loop, actor):
    lon, lat = POINT_A
    good = f"编号,名称,经度,纬度,权属单位,朝向\nC1,一号,{lon},{lat},990100,45\n"
    bad = good + f"C2,二号,{lon},999,990100,\nC1,重复,{lon},{lat},990100,\n"
    with pytest.raises(ImportRefused) as caught:
        import_cameras(actor=actor, rows=read_rows("cams.csv", bad.encode("gb18030")))
    assert any(r.startswith("第3行") and "纬度" in r for r in caught.value.rows)
    assert any(r.startswith("第4行") and "已出现" in r for r in caught.value.rows)
    assert not Camera.objects.exists()
    counts = import_cameras(actor=actor, rows=read_rows("cams.csv", good.encode()))
    assert counts == {"created": 1, "updated": 0, "total": 1}
    assert AuditEntry.objects.filter(action="video.camera.import").count() == 1


def test_geojson_import_with_a_given_polygon(loop, actor):
    lon, lat = POINT_A
    ring = [[lon, lat], [lon + 0.0005, lat], [lon + 0.0005, lat + 0.0005], [lon, lat]]
    data = {
        "type": "FeatureCollection",
        "features": [
            {
                "type": "Feature",
                "geometry": {"type": "Point", "coordinates": [lon, lat]},
                "properties": {
                    "code": "G1",
                    "name": "广场",
                    "owner": "990100",
                    "fov": {"type": "Polygon", "coordinates": [ring]},
                },
            }
        ],
    }
    import_cameras(actor=actor, rows=read_rows("c.geojson", json.dumps(data).encode()))
    assert Camera.objects.get(code="G1").fov[0][1] == [lon + 0.0005, lat]

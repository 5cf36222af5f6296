"""Importing parties and zones: from CSV (WKT or lon/lat) and GeoJSON/Shapefile, audited, all or
nothing, with each bad row named by its row and column in Chinese."""

from __future__ import annotations

import csv
import io
import json
import zipfile

import pytest
import shapefile
import shapely

from cityloop.core.models import AuditEntry
from cityloop.frontage import index
from cityloop.frontage.actions import import_frontage
from cityloop.frontage.files import read_file
from cityloop.frontage.models import Party, Zone

from .conftest import code, shop


def _csv(rows, header=None) -> bytes:
    out = io.StringIO()
    fields = header or list(dict.fromkeys(k for row in rows for k in row))
    writer = csv.DictWriter(out, fieldnames=fields)
    writer.writeheader()
    for row in rows:
        writer.writerow(row)
    return out.getvalue().encode()


def test_rows_make_parties_and_zones_located_in_their_grid(org, grids, actor):
    report = import_frontage([shop(1), shop(2, lat=32.0460, duties="sanitation、秩序")], actor=actor)
    assert report.applied and report.counts()["parties_created"] == 2 and report.zones_written == 2
    one, two = Party.objects.order_by("uscc")
    assert (one.street, one.community) == (org.street_a, org.community_a)
    assert (two.street, two.community) == (org.street_b, org.community_b)
    zone = Zone.objects.get(party=two)
    assert sorted(zone.duties.values_list("code", flat=True)) == ["order", "sanitation"]
    assert zone.depth_m == 5 and zone.geometry.geom_type == "Polygon"
    assert sorted(Zone.objects.get(party=one).duties.values_list("code", flat=True)) == [
        "greening",
        "order",
        "sanitation",
    ]
    entry = AuditEntry.objects.get(action="frontage.import")
    assert entry.after["parties_created"] == 2


def test_same_rows_again_update_in_place(org, grids, actor):
    import_frontage([shop(1)], actor=actor)
    report = import_frontage([shop(1, name="新名字", duties="order")], actor=actor)
    assert report.counts()["parties_updated"] == 1 and Party.objects.get().name == "新名字"
    assert Zone.objects.count() == 1
    assert list(Zone.objects.get().duties.values_list("code", flat=True)) == ["order"]


def test_one_bad_row_imports_nothing_and_every_bad_row_is_named(org, grids, actor):
    rows = [
        shop(1),
        shop(2, uscc="91350100M000100Y44"),
        shop(3, street="不存在街道"),
        shop(4, depth="abc"),
        shop(5, contact_phone="电话"),
        shop(6, duties="扫雪"),
    ]
    report = import_frontage(read_file(io.BytesIO(_csv(rows)), name="x.csv"), actor=actor)
    assert not report.applied
    assert Party.objects.count() == 0 and Zone.objects.count() == 0
    assert not AuditEntry.objects.filter(action="frontage.import").exists()
    said = [str(e) for e in report.errors]
    assert said == [
        "第3行，统一社会信用代码（uscc）：统一社会信用代码的校验码（第18位）不正确",
        "第4行，街道（street）：没有编码或名称为“不存在街道”的街道",
        "第5行，进深（depth）：给出临街线时须填写进深（米，0到50），实为“abc”",
        "第6行，联系电话（contact_phone）：“电话”不是电话号码",
        "第7行，责任（duties）：责任“扫雪”未知，可用：市容卫生（sanitation）、秩序（order）、绿化/设施（greening）",
    ]
    assert "未导入" in report.summary()


def test_duplicate_code_in_the_file_is_an_error(org, grids, actor):
    report = import_frontage([shop(1), shop(1, lat=32.046)], actor=actor)
    assert not report.applied and report.errors[0].where == "第2行" and report.errors[0].column == "uscc"


def test_csv_with_chinese_headers_polygons_and_lon_lat(org, grids, actor):
    polygon = (
        "POLYGON ((118.781 32.041, 118.7811 32.041, 118.7811 32.04105, 118.781 32.04105, 118.781 32.041))"
    )
    rows = [
        {
            "统一社会信用代码": code(7),
            "名称": "便民超市",
            "类型": "商户",
            "几何": polygon,
            "经度": "",
            "纬度": "",
        },
        {
            "统一社会信用代码": code(8),
            "名称": "街道办",
            "类型": "机关单位",
            "几何": "",
            "经度": "118.785",
            "纬度": "32.046",
        },
    ]
    report = import_frontage(read_file(io.BytesIO(_csv(rows)), name="x.csv"), actor=actor)
    assert report.applied, [str(e) for e in report.errors]
    office = Party.objects.get(uscc=code(8))
    assert (office.kind, office.community, office.lon) == ("institution", org.community_b, 118.785)
    assert not office.zones.exists()
    assert Zone.objects.get().geometry.equals(shapely.from_wkt(polygon))


def test_a_point_outside_every_grid_without_street_is_refused(org, grids, actor):
    report = import_frontage([shop(1, lon=100.0, lat=20.0)], actor=actor)
    assert [(e.where, e.column) for e in report.errors] == [("第1行", "lon/lat")]


def test_geojson_and_shapefile(org, grids, actor, tmp_path):
    line = shapely.LineString([(118.7810, 32.0410), (118.7811, 32.0410)])
    feature = {
        "type": "Feature",
        "geometry": shapely.geometry.mapping(line),
        "properties": {"uscc": code(1), "name": "一号店", "depth": 4},
    }
    bad = {**feature, "properties": {"uscc": code(2), "name": "", "depth": 4}}
    path = tmp_path / "zones.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature, bad]}))
    report = import_frontage(read_file(path), actor=actor)
    assert [str(e) for e in report.errors] == ["第2个要素，名称（name）：名称为空"]
    path.write_text(json.dumps({"type": "FeatureCollection", "features": [feature]}))
    assert import_frontage(read_file(path), actor=actor).applied
    # A zipped Shapefile of polygons with short (DBF) field names.
    shp, shx, dbf = io.BytesIO(), io.BytesIO(), io.BytesIO()
    with shapefile.Writer(shp=shp, shx=shx, dbf=dbf, shapeType=shapefile.POLYGON, encoding="utf-8") as w:
        w.field("uscc", "C", 18)
        w.field("name", "C", 50)
        w.poly(
            [
                [
                    (118.782, 32.041),
                    (118.782, 32.0411),
                    (118.7821, 32.0411),
                    (118.7821, 32.041),
                    (118.782, 32.041),
                ]
            ]
        )
        w.record(code(3), "三号店")
    archive = tmp_path / "zones.zip"
    with zipfile.ZipFile(archive, "w") as z:
        for ext, buf in (("shp", shp), ("shx", shx), ("dbf", dbf)):
            z.writestr(f"zones.{ext}", buf.getvalue())
        z.writestr("zones.cpg", "UTF-8")
    report = import_frontage(read_file(archive), actor=actor)
    assert report.applied, [str(e) for e in report.errors]
    assert Party.objects.get(uscc=code(3)).zones.count() == 1


def test_import_moves_the_zone_index(org, grids, actor):
    assert index.zone_ids_at(118.78105, 32.04102) == []
    import_frontage([shop(1)], actor=actor)
    assert index.zone_ids_at(118.78105, 32.04102) == [Zone.objects.get().pk]


@pytest.mark.parametrize("name", ["x.txt", "x.xlsx"])
def test_unknown_file_kinds_are_refused_in_chinese(name):
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError, match="请使用"):
        read_file(io.BytesIO(b""), name=name)

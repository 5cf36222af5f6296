"""``cityloop import-addresses`` / ``import-pois`` / ``import-road-aliases``: audited, all or nothing,
and a bad row named by its row and column."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from cityloop.core.models import AuditEntry
from cityloop.geo import gazetteer
from cityloop.geo.geocode import geocode
from cityloop.geo.models import AddressPoint, PointOfInterest, RoadAlias

from . import geocode_city


@pytest.fixture
def city(grids, org, actor):
    gazetteer.reset()
    geocode_city.build(org, actor)
    yield
    gazetteer.reset()


def write(tmp_path, name, text, encoding="utf-8"):
    path = tmp_path / name
    path.write_bytes(text.encode(encoding))
    return path


def test_import_addresses_adds_updates_audits_and_is_geocoded_at_once(city, tmp_path):
    path = write(
        tmp_path,
        "doors.csv",
        "road,number,lon,lat\n长江中路,41号,120.0041,30.001\n长江中路,一号,120.0002,30.001\n",
    )
    out = StringIO()
    call_command("import-addresses", str(path), stdout=out)
    assert "1 added, 1 updated" in out.getvalue()
    assert AddressPoint.objects.get(road_name="长江中路", number=1).lon == pytest.approx(120.0002)
    entry = AuditEntry.objects.filter(action="address.import").latest("pk")
    assert entry.after["created"] == 1 and entry.after["source"] == "doors.csv"
    assert geocode("长江中路41号").method == "door"


def test_import_addresses_in_gb18030_and_gcj02(city, tmp_path):
    path = write(
        tmp_path, "gcj.csv", "道路,门牌号,经度,纬度,坐标系\n长江中路,51,120.0051,30.001,gcj02\n", "gb18030"
    )
    call_command("import-addresses", str(path), stdout=StringIO())
    point = AddressPoint.objects.get(number=51)
    assert point.lon != pytest.approx(120.0051, abs=1e-6)  # converted to WGS84


def test_bad_rows_name_row_and_column_and_nothing_is_written(city, tmp_path):
    path = write(
        tmp_path, "bad.csv", "road,number,lon,lat\n长江中路,abc,120,30\n,5,x,30\n长江中路,7,120,30\n"
    )
    err = StringIO()
    with pytest.raises(CommandError, match=r"bad\.csv"):
        call_command("import-addresses", str(path), stdout=StringIO(), stderr=err)
    problems = err.getvalue()
    assert "第 2 行" in problems and "“number”" in problems
    assert "第 3 行" in problems and "“lon”" in problems and "“road”" in problems
    assert not AddressPoint.objects.filter(number=7).exists()


@pytest.mark.parametrize(
    ("content", "message"),
    [("", "表头"), ("road,lon\n", "number"), ("\x00\x01binary", "CSV")],
)
def test_bad_files_are_clear_command_errors(city, tmp_path, content, message):
    path = write(tmp_path, "f.csv", content)
    err = StringIO()
    with pytest.raises(CommandError):
        call_command("import-addresses", str(path), stdout=StringIO(), stderr=err)
    assert message in err.getvalue()


def test_missing_file_and_unknown_user(city, tmp_path):
    with pytest.raises(CommandError):
        call_command("import-pois", str(tmp_path / "none.csv"))
    path = write(tmp_path, "p.csv", "name,lon,lat\nx,1,2\n")
    with pytest.raises(CommandError, match="nobody"):
        call_command("import-pois", str(path), "--as", "nobody")


def test_import_pois_with_aliases_as_a_user(city, org, tmp_path):
    path = write(
        tmp_path, "pois.csv", "name,aliases,kind,lon,lat\n人民医院,市一院;一院,hospital,120.003,30.0015\n"
    )
    user = org.users["supervisor_a"]
    call_command("import-pois", str(path), "--as", user.username, stdout=StringIO())
    assert PointOfInterest.objects.get(name="人民医院").aliases == ["市一院", "一院"]
    assert AuditEntry.objects.filter(action="poi.import").latest("pk").actor == user
    assert geocode("一院对面").location.community_name == "西一社区"


def test_import_road_aliases_refuses_another_roads_name(city, tmp_path):
    path = write(tmp_path, "a.csv", "road,alias\n长江中路,桂花一巷\n")
    with pytest.raises(CommandError):
        call_command("import-road-aliases", str(path), stdout=StringIO(), stderr=StringIO())
    good = write(tmp_path, "b.csv", "road,alias\n长江中路,江城路\n")
    call_command("import-road-aliases", str(good), stdout=StringIO())
    assert RoadAlias.objects.filter(alias="江城路").exists()

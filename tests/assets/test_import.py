"""Importing components: idempotent upsert, precise reports of bad rows, all-or-nothing unless asked."""

from __future__ import annotations

import datetime as dt
import io
import json

import pytest
import shapely
from django.core.management import CommandError, call_command

from cityloop.assets.actions import import_components, record_component, update_component
from cityloop.assets.files import read_file, write_file
from cityloop.assets.models import Component
from cityloop.core.actions import create_unit
from cityloop.core.models import AuditEntry

from .conftest import cover, write_csv

pytestmark = pytest.mark.django_db
TODAY = dt.date(2026, 3, 2)


def run(rows, actor, **kw):
    return import_components(rows, actor=actor, today=kw.pop("today", TODAY), **kw)


def test_import_creates_components_with_grid_h3_and_owner(org, grids, actor, tmp_path):
    path = write_csv(
        tmp_path / "c.csv",
        [
            cover(
                1, owner="D-WATER", maintainer="自来水公司", source="普查2024", first_recorded="2024-05-01"
            ),
            cover(2, lon=118.786, lat=32.046, sub="0114", state="破损"),
        ],
    )
    rows, total = read_file(path)
    report = run(rows, actor, total=total)
    assert (report.created, report.updated, report.unchanged, report.errors) == (2, 0, 0, [])
    water = Component.objects.get(code="9901000101000001")
    assert water.owner == org.water and water.maintainer == org.water and not water.is_unowned
    assert water.grid.code == "990100001001001"
    assert (water.community, water.street, water.district) == (org.community_a, org.street_a, org.district)
    assert water.first_recorded == dt.date(2024, 5, 1) and water.changed == dt.date(2024, 5, 1)
    assert water.h3 > 0 and water.subclass.code == "0101" and water.state.code == "intact"
    unowned = Component.objects.get(code="9901000114000002")
    assert unowned.is_unowned and unowned.state.code == "damaged"
    assert unowned.grid.code == "990100002001002" and unowned.street == org.street_b
    assert unowned.first_recorded == TODAY
    assert list(Component.objects.unowned().values_list("code", flat=True)) == ["9901000114000002"]
    entry = AuditEntry.objects.get(action="component.import")
    assert entry.after["created"] == 2


def test_import_is_an_idempotent_upsert(org, grids, actor):
    rows = [cover(i, lon=118.781 + i * 1e-4, owner="D-WATER") for i in range(1, 6)]
    assert run(rows, actor).created == 5
    again = run(rows, actor, today=TODAY + dt.timedelta(days=3))
    assert (again.created, again.updated, again.unchanged) == (0, 0, 5)
    assert Component.objects.get(code="9901000101000001").changed == TODAY
    rows[2] = {**rows[2], "owner": "", "note": "权属不明"}
    third = run(rows, actor, today=TODAY + dt.timedelta(days=5))
    assert (third.created, third.updated, third.unchanged) == (0, 1, 4)
    changed = Component.objects.get(code="9901000101000003")
    assert changed.is_unowned and changed.note == "权属不明"
    assert changed.first_recorded == TODAY and changed.changed == TODAY + dt.timedelta(days=5)
    assert Component.objects.count() == 5


BAD_ROWS = [
    cover(1, owner="D-WATER"),  # line 2: fine
    {"id": "990100010100001", "lon": 118.781, "lat": 32.041},  # line 3: 15 digits
    cover(3, sub="0901"),  # line 4: class 09
    cover(4, sub="0199"),  # line 5: no subclass 0199
    cover(5, owner="NOBODY"),  # line 6: unknown owner
    cover(6, lon=119.5, lat=32.041),  # line 7: outside every grid
    cover(7, state="broken-ish", first_recorded="2024-13-01"),  # line 8: two problems
    cover(1, owner="D-WATER"),  # line 9: same ID as line 2
    cover(9, lon="east", lat=32.0),  # line 10: not a number
    cover(10, subclass="0102"),  # line 11: subclass column disagrees with the ID
    cover(11, first_recorded="2025-01-02", changed="2025-01-01"),  # line 12: changed before first
]


def test_bad_rows_are_reported_precisely_and_nothing_changes(org, grids, actor, tmp_path):
    run([cover(99, owner="D-WATER", note="before")], actor)
    path = write_csv(tmp_path / "bad.csv", [*BAD_ROWS, cover(99, note="after")])
    rows, _ = read_file(path)
    report = run(rows, actor)
    assert not report.applied
    got = [(e.where, e.field) for e in report.errors]
    assert got == [
        ("line 3", "id"),
        ("line 4", "id"),
        ("line 5", "id"),
        ("line 6", "owner"),
        ("line 8", "state"),
        ("line 8", "first_recorded"),
        ("line 9", "id"),
        ("line 10", "lon/lat"),
        ("line 11", "subclass"),
        ("line 12", "changed"),
        ("line 7", "lon/lat"),
    ]
    reasons = {(e.where, e.field): e.reason for e in report.errors}
    assert "has 15 characters" in reasons[("line 3", "id")]
    assert "class 09" in reasons[("line 4", "id")]
    assert "subclass 0199" in reasons[("line 5", "id")]
    assert "'NOBODY'" in reasons[("line 6", "owner")]
    assert "outside every unit grid" in reasons[("line 7", "lon/lat")]
    assert "appears earlier in the file" in reasons[("line 9", "id")]
    assert report.rejected == 10
    # Nothing changed: the good rows were not written and the existing component kept its note.
    assert list(Component.objects.values_list("code", "note")) == [("9901000101000099", "before")]
    assert not AuditEntry.objects.filter(
        action="component.import", after__created=1, after__total=12
    ).exists()


def test_skip_invalid_imports_the_good_rows_only(org, grids, actor):
    report = run([*BAD_ROWS, cover(12)], actor, skip_invalid=True)
    assert report.applied and report.created == 2 and report.rejected == 10
    assert set(Component.objects.values_list("code", flat=True)) == {"9901000101000001", "9901000101000012"}


def test_units_by_unambiguous_name(org, grids, actor):
    create_unit(actor=actor, code="D-WATER-2", name="自来水公司", kind="company", parent=org.city)
    report = run([cover(1, owner="环卫所"), cover(2, owner="自来水公司")], actor)
    assert [(e.where, e.field) for e in report.errors] == [("row 2", "owner")]
    assert "names more than one unit; give the unit code" in report.errors[0].reason


def test_geojson_lines_and_polygons_keep_a_representative_point(org, grids, actor, tmp_path):
    line = shapely.LineString([(118.781, 32.041), (118.783, 32.041)])
    area = shapely.box(118.7855, 32.0455, 118.7865, 32.0465)
    features = [
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(line),
            "properties": {"id": "9901000211000001"},
        },
        {
            "type": "Feature",
            "geometry": shapely.geometry.mapping(area),
            "properties": {"id": "9901000405000001"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [118.7812, 32.0412]},
            "properties": {"id": "9901000101000001", "owner": "D-WATER"},
        },
        {
            "type": "Feature",
            "geometry": {"type": "Point", "coordinates": [118.7812]},
            "properties": {"id": "9901000101000002"},
        },
    ]
    path = tmp_path / "c.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    rows, total = read_file(path)
    report = run(rows, actor, total=total, skip_invalid=True)
    assert report.created == 3
    assert [(e.where, e.field) for e in report.errors] == [("feature 4", "geometry")]
    railing = Component.objects.get(code="9901000211000001")
    assert line.distance(shapely.Point(railing.lon, railing.lat)) < 1e-9
    assert railing.geometry.equals(line)
    green = Component.objects.get(code="9901000405000001")
    assert area.contains(shapely.Point(green.lon, green.lat))
    point = Component.objects.get(code="9901000101000001")
    assert (point.lon, point.lat, point.geom_wkb) == (118.7812, 32.0412, None)


@pytest.mark.parametrize("suffix", ["csv", "geojson"])
def test_export_round_trips(org, grids, actor, tmp_path, suffix):
    line = shapely.LineString([(118.781, 32.041), (118.78312345678, 32.0411)])
    run(
        [
            cover(1, owner="D-WATER", maintainer="D-SANI", note='北侧, "双"盖', first_recorded="2020-01-02"),
            cover(2, lon=118.7861234567891, lat=32.0469876543, sub="0114", state="missing"),
            {"id": "9901000211000003", "geometry": line.wkt},
        ],
        actor,
    )
    path = tmp_path / f"out.{suffix}"
    assert write_file(path) == 3
    rows, total = read_file(path)
    report = run(rows, actor, total=total, today=TODAY + dt.timedelta(days=10))
    assert (report.unchanged, report.updated, report.created, report.errors) == (3, 0, 0, [])


def test_import_command_reports_and_refuses(org, grids, tmp_path):
    path = write_csv(tmp_path / "bad.csv", BAD_ROWS[:3])
    out = io.StringIO()
    with pytest.raises(CommandError, match="2 bad rows; nothing was imported"):
        call_command("import-components", str(path), "--no-progress", stdout=out)
    text = out.getvalue()
    assert "line 3, id: component ID '990100010100001' has 15 characters" in text
    assert "line 4, id: class 09" in text
    assert Component.objects.count() == 0
    errors_csv = tmp_path / "errors.csv"
    call_command(
        "import-components",
        str(path),
        "--no-progress",
        "--skip-invalid",
        "--errors",
        str(errors_csv),
        stdout=out,
    )
    assert Component.objects.count() == 1
    assert errors_csv.read_text(encoding="utf-8").count("\n") == 3


def test_export_command_filters(org, grids, actor, tmp_path):
    run([cover(1, owner="D-WATER"), cover(2, sub="0114"), cover(3, sub="0305", owner="D-SANI")], actor)
    out = io.StringIO()
    call_command("export-components", str(tmp_path / "u.csv"), "--unowned", stdout=out)
    assert "wrote 1 components" in out.getvalue()
    call_command("export-components", str(tmp_path / "c.geojson"), "--subclass", "01", stdout=out)
    assert len(json.loads((tmp_path / "c.geojson").read_text())["features"]) == 2


def test_record_and_update_one_component(org, grids, actor):
    made = record_component(actor=actor, id="9901000101000001", lon=118.781, lat=32.041, owner="D-WATER")
    assert made.grid.code == "990100001001001"
    with pytest.raises(Exception, match="already exists"):
        record_component(actor=actor, id="9901000101000001", lon=118.781, lat=32.041)
    moved = update_component(
        actor=actor, component=made, lon=118.786, lat=32.046, owner=None, state="damaged", on=TODAY
    )
    assert moved.grid.code == "990100002001002" and moved.community == org.community_b
    assert moved.is_unowned and moved.state.code == "damaged" and moved.changed == TODAY
    with pytest.raises(Exception, match="outside every unit grid"):
        update_component(actor=actor, component=moved, lon=120.0, lat=30.0)
    with pytest.raises(Exception, match="cannot be changed"):
        update_component(actor=actor, component=moved, code="9901000101000002")
    actions = list(AuditEntry.objects.filter(object_type="assets.component").values_list("action", flat=True))
    assert actions == ["component.create", "component.update"]

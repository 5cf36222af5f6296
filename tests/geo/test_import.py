"""Importing unit grids: success, every rejection reason, all-or-nothing, redraws and history."""

from __future__ import annotations

import copy
import datetime as dt
from typing import Any

import pytest
from django.core.exceptions import ValidationError

from cityloop.core.actions import create_unit
from cityloop.core.audit import ActorRequired
from cityloop.core.models import AuditEntry, SharedVersion
from cityloop.geo import index
from cityloop.geo.actions import GridImportError, end_grid, import_grids, plan_import
from cityloop.geo.models import Grid

from .conftest import DLAT, DLON, ORIGIN, feature, org_features, square

D2020 = dt.date(2020, 1, 1)
D2024 = dt.date(2024, 1, 1)


def test_import_creates_grids_with_area_centroid_and_one_audit_entry(org, actor):
    audits = AuditEntry.objects.count()
    version = index.current_version()
    report = import_grids(org_features(), actor=actor, valid_from=D2020, source="block.geojson")
    assert (report.created, report.redrawn, report.warnings) == (8, 0, [])
    assert Grid.objects.count() == 8
    grid = Grid.objects.get(code="990100001001003")
    assert grid.community == org.community_a and grid.name == "网格3"
    assert grid.valid_from == D2020 and grid.valid_to is None
    assert 9_900 < grid.area_m2 < 10_100  # ~104 m × ~100 m at 30°N
    assert grid.centroid_lon == pytest.approx(ORIGIN[0] + DLON / 2)
    assert grid.centroid_lat == pytest.approx(ORIGIN[1] + DLAT / 2, abs=1e-6)
    assert (grid.min_lon, grid.min_lat) == ORIGIN
    entries = list(AuditEntry.objects.all()[audits:])
    assert [e.action for e in entries] == ["grid.import"]
    assert entries[0].after["created"] == 8 and entries[0].after["source"] == "block.geojson"
    assert index.current_version() > version


def test_responsible_unit_and_explicit_community(org, actor):
    features = org_features()[:1]
    features[0]["properties"].update(community="990100001001", responsible_unit="D-SANI")
    import_grids(features, actor=actor, valid_from=D2020)
    assert Grid.objects.get().responsible_unit == org.sanitation


def _bowtie() -> dict[str, Any]:
    lon, lat = 121.0, 31.0
    ring = [[lon, lat], [lon + DLON, lat + DLAT], [lon + DLON, lat], [lon, lat + DLAT], [lon, lat]]
    return {"type": "Polygon", "coordinates": [ring]}


FAR = (121.0, 31.0)  # well away from the fixture's blocks


@pytest.mark.parametrize(
    ("bad", "code", "reason"),
    [
        (
            feature("990100001001009", {"type": "Point", "coordinates": [121, 31]}),
            "990100001001009",
            "is a Point, not a Polygon",
        ),
        (feature("990100001001009", _bowtie()), "990100001001009", "invalid polygon: Self-intersection"),
        (feature("99010000100109", square(*FAR)), "99010000100109", "code must be 15 digits"),
        (feature("9901000010010AB", square(*FAR)), "9901000010010AB", "code must be 15 digits"),
        (
            feature("990100001001009", square(*FAR), community="990100002001"),
            "990100001001009",
            "does not match its community 990100002001",
        ),
        (feature("990100009001001", square(*FAR)), "990100009001001", "unknown community 990100009001"),
        (
            feature("990100001001009", square(*FAR), responsible_unit="NOPE"),
            "990100001001009",
            "unknown responsible unit NOPE",
        ),
        (feature("990100001001009", None), "990100001001009", "has no geometry"),  # type: ignore[arg-type]
        ({"type": "Feature", "geometry": square(*FAR), "properties": {}}, None, "has no 'code' property"),
        ({"type": "Polygon", "coordinates": []}, None, "not a GeoJSON Feature"),
        (
            feature("990100001001009", square(500_000.0, 3_300_000.0, 100, 100)),
            "990100001001009",
            "not WGS84",
        ),
        (
            feature("990100001001009", {"type": "Polygon", "coordinates": [[[1, 1], [2, 2]]]}),
            "990100001001009",
            "cannot be read",
        ),
        (feature("990100001001001", square(*FAR)), "990100001001001", "duplicate code: feature #0"),
        (
            feature("990100001001009", square(ORIGIN[0] + DLON / 4, ORIGIN[1], DLON / 2, DLAT / 2)),
            "990100001001009",
            "overlaps feature #2 (990100001001003)",
        ),
    ],
)
def test_each_bad_feature_is_reported_with_index_and_reason(org, actor, bad, code, reason):
    features = [*org_features(), bad]
    with pytest.raises(GridImportError) as err:
        import_grids(features, actor=actor, valid_from=D2020)
    assert len(err.value.problems) == 1, err.value.problems
    problem = err.value.problems[0]
    assert (problem.index, problem.code) == (8, code)
    assert reason in problem.reason
    assert str(problem).startswith(f"feature #8 ({code or 'no code'}): ")
    assert isinstance(err.value, ValidationError)
    assert not Grid.objects.exists()
    assert not AuditEntry.objects.filter(action="grid.import").exists()


def test_a_unit_that_is_not_a_community_is_refused(org, actor):
    create_unit(actor=actor, code="990100001099", name="街道办事处", kind="department", parent=org.street_a)
    with pytest.raises(GridImportError, match="is a department, not a community"):
        import_grids([feature("990100001099001", square(*FAR))], actor=actor, valid_from=D2020)


def test_every_problem_is_reported_at_once_and_nothing_is_half_imported(org, actor):
    features = org_features()
    features[1]["properties"]["code"] = "bad"
    features[5]["geometry"] = _bowtie()
    with pytest.raises(GridImportError) as err:
        import_grids(features, actor=actor, valid_from=D2020)
    assert [p.index for p in err.value.problems] == [1, 5]
    assert not Grid.objects.exists()


def test_overlap_with_an_existing_grid_is_refused(grids, actor):
    overlapping = feature("990100002001005", square(ORIGIN[0] + 3.5 * DLON, ORIGIN[1]))
    with pytest.raises(GridImportError, match=r"overlaps existing grid 990100002001004 by [\d,.]+ m²"):
        import_grids([overlapping], actor=actor, valid_from=D2024)


def test_sliver_within_the_tolerance_is_accepted(grids, actor, settings):
    settings.CITYLOOP_GRID_OVERLAP_TOLERANCE_M2 = 5.0
    # 0.00001° ≈ 1 m of overlap along a 100 m edge: ~100 m², over the tolerance ...
    east = ORIGIN[0] + 4 * DLON
    with pytest.raises(GridImportError, match="overlaps existing grid"):
        import_grids([feature("990100002001005", square(east - 0.00001, ORIGIN[1]))], actor=actor)
    # ... 0.0000001° ≈ 1 cm: ~1 m², within it.
    import_grids([feature("990100002001005", square(east - 0.0000001, ORIGIN[1]))], actor=actor)
    assert Grid.objects.filter(code="990100002001005").exists()


def test_same_code_and_start_date_as_an_existing_version_is_a_duplicate(grids, actor):
    with pytest.raises(GridImportError, match="already has a version valid from 2020-01-01"):
        import_grids(org_features()[:1], actor=actor, valid_from=D2020)


def test_redraw_before_the_current_version_is_refused(grids, actor):
    with pytest.raises(GridImportError, match="later version valid from 2020-01-01"):
        import_grids(org_features()[:1], actor=actor, valid_from=dt.date(2019, 1, 1))


def test_implausible_area_is_only_a_warning(org, actor):
    tiny = feature("990100001001001", square(*FAR, 0.0001, 0.0001))  # ~10 m × 11 m
    report = import_grids([tiny], actor=actor, valid_from=D2020)
    assert report.created == 1
    assert len(report.warnings) == 1 and "outside the usual" in report.warnings[0].reason


def test_sequence_width_is_a_setting(org, actor, settings):
    settings.CITYLOOP_GRID_SEQUENCE_WIDTH = 2
    import_grids([feature("99010000100101", square(*FAR))], actor=actor, valid_from=D2020)
    with pytest.raises(GridImportError, match="code must be 14 digits"):
        import_grids([feature("990100001001002", square(FAR[0] + DLON, FAR[1]))], actor=actor)


def test_redraw_keeps_history_and_locates_by_date(grids, actor):
    west_half = feature("990100001001003", square(ORIGIN[0], ORIGIN[1], DLON / 2, DLAT))
    report = import_grids([west_half], actor=actor, valid_from=D2024)
    assert (report.created, report.redrawn) == (1, 1)
    old, new = Grid.objects.filter(code="990100001001003").order_by("valid_from")
    assert (old.valid_from, old.valid_to) == (D2020, D2024)
    assert (new.valid_from, new.valid_to) == (D2024, None)
    assert new.area_m2 == pytest.approx(old.area_m2 / 2, rel=1e-3)
    east_part = (ORIGIN[0] + 0.75 * DLON, ORIGIN[1] + DLAT / 2)
    assert index.locate(*east_part, at=dt.date(2023, 12, 31)).grid_id == old.pk
    assert index.locate(*east_part, at=D2024) is None
    assert index.locate(ORIGIN[0] + 0.25 * DLON, ORIGIN[1] + DLAT / 2, at=D2024).grid_id == new.pk


def test_redraw_may_move_into_the_space_the_old_version_left(grids, actor):
    # Grid 004 takes over the east half of 003 while 003 shrinks: both redrawn in one file.
    features = [
        feature("990100001001003", square(ORIGIN[0], ORIGIN[1], DLON / 2, DLAT)),
        feature("990100001001004", square(ORIGIN[0] + DLON / 2, ORIGIN[1], 1.5 * DLON, DLAT)),
    ]
    assert import_grids(features, actor=actor, valid_from=D2024).redrawn == 2


def test_dry_run_plan_writes_nothing(org, actor):
    plan = plan_import(org_features(), valid_from=D2020)
    assert len(plan.grids) == 8 and plan.replaced_ids == []
    assert not Grid.objects.exists()


def test_end_grid_retires_it_from_a_day(grids, actor):
    grid = Grid.objects.get(code="990100001001003")
    point = (ORIGIN[0] + DLON / 2, ORIGIN[1] + DLAT / 2)
    assert index.locate(*point, at=D2024) is not None
    end_grid(grid, actor=actor, on=D2024)
    assert index.locate(*point, at=D2024) is None
    assert index.locate(*point, at=dt.date(2023, 6, 1)).grid_code == grid.code
    assert AuditEntry.objects.filter(action="grid.end", object_id=str(grid.pk)).count() == 1
    with pytest.raises(ValidationError, match="already ended"):
        end_grid(grid, actor=actor, on=dt.date(2025, 1, 1))
    with pytest.raises(ValidationError, match="end it after that day"):
        end_grid(Grid.objects.get(code="990100001001001"), actor=actor, on=D2020)


def test_import_needs_an_actor(org):
    with pytest.raises(ActorRequired):
        import_grids(org_features(), actor=None)  # type: ignore[arg-type]


def test_generators_and_untouched_input(org, actor):
    features = org_features()
    pristine = copy.deepcopy(features)
    import_grids((f for f in features), actor=actor, valid_from=D2020)
    assert features == pristine
    assert SharedVersion.objects.get(name="geo.grids").counter >= 1

"""The geo commands: import-grids, export-grids and locate, with their exit codes and messages."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO

import pytest
from django.core.management import call_command, execute_from_command_line

from cityloop.geo.models import Grid

from .conftest import DLAT, DLON, ORIGIN, org_features

INSIDE = (str(ORIGIN[0] + 0.5 * DLON), str(ORIGIN[1] + 0.5 * DLAT))


@pytest.fixture(autouse=True)
def keep_test_connection(monkeypatch):
    """Commands run from argv close every connection when done, which would end the test's
    transaction on PostgreSQL; keep it open so the same command line can run inside a test."""
    from django.db import connections

    monkeypatch.setattr(connections, "close_all", lambda: None)


def test_locate_prints_grid_community_street_and_district(grids):
    out = StringIO()
    call_command("locate", *INSIDE, "--at", "2024-05-01", stdout=out)
    lines = out.getvalue().splitlines()
    assert lines[0].split() == ["grid", "990100001001003"]
    assert lines[1].split() == ["community", "990100001001", "东一社区"]
    assert lines[2].split() == ["street", "990100001", "东街道"]
    assert lines[3].split() == ["district", "990100", "示范区"]


def test_locate_outside_exits_non_zero_with_a_message(grids, capsys):
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["cityloop", "locate", "0", "0"])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "(0.0, 0.0) lies outside every unit grid in service on" in err


def test_locate_before_the_grids_existed_fails(grids, capsys):
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["cityloop", "locate", *INSIDE, "--at", "2019-01-01"])
    assert exc.value.code == 1
    assert "in service on 2019-01-01" in capsys.readouterr().err


def test_locate_refuses_a_bad_date(grids, capsys):
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["cityloop", "locate", *INSIDE, "--at", "yesterday"])
    assert exc.value.code == 2
    assert "use YYYY-MM-DD" in capsys.readouterr().err


def _write(tmp_path, features) -> str:
    path = tmp_path / "grids.geojson"
    path.write_text(json.dumps({"type": "FeatureCollection", "features": features}), encoding="utf-8")
    return str(path)


def test_import_grids_command(org, tmp_path, capsys):
    path = _write(tmp_path, org_features())
    execute_from_command_line(
        ["cityloop", "import-grids", path, "--valid-from", "2020-01-01", "--no-progress"]
    )
    assert "imported 8 grids valid from 2020-01-01" in capsys.readouterr().out
    assert Grid.objects.filter(valid_from=dt.date(2020, 1, 1)).count() == 8


def test_import_grids_prints_every_problem_and_imports_nothing(org, tmp_path, capsys):
    features = org_features()
    features[2]["properties"]["code"] = "12345"
    features[6]["properties"]["community"] = "990100001001"
    with pytest.raises(SystemExit) as exc:
        execute_from_command_line(["cityloop", "import-grids", _write(tmp_path, features), "--no-progress"])
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert "feature #2 (12345): code must be 15 digits" in err
    assert "feature #6 (990100002001003): code does not match its community 990100001001" in err
    assert "2 problems in grids.geojson; nothing was imported" in err
    assert not Grid.objects.exists()


def test_import_grids_dry_run_writes_nothing(org, tmp_path, capsys):
    execute_from_command_line(["cityloop", "import-grids", _write(tmp_path, org_features()), "--dry-run"])
    captured = capsys.readouterr()
    assert "8 grids would be imported" in captured.out
    assert "checking grids" in captured.err  # the progress bar
    assert not Grid.objects.exists()


def test_import_grids_bad_json(org, tmp_path, capsys):
    path = tmp_path / "broken.geojson"
    path.write_text("{not json", encoding="utf-8")
    with pytest.raises(SystemExit):
        execute_from_command_line(["cityloop", "import-grids", str(path)])
    assert "not valid JSON" in capsys.readouterr().err


def test_export_then_import_round_trip_through_files(grids, tmp_path, capsys):
    path = tmp_path / "out.geojson"
    execute_from_command_line(["cityloop", "export-grids", str(path), "--at", "2021-01-01"])
    exported = json.loads(path.read_text(encoding="utf-8"))
    assert len(exported["features"]) == 8
    execute_from_command_line(
        ["cityloop", "import-grids", str(path), "--valid-from", "2024-01-01", "--no-progress"]
    )
    assert "(8 redrawn" in capsys.readouterr().out
    assert Grid.objects.count() == 16

"""Rules as data: create, change, end, import from CSV (all or nothing, every bad line named), the
command line, and the audit trail of every write."""

from __future__ import annotations

import datetime as dt
import io
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from cityloop.core.models import AuditEntry
from cityloop.routing import actions
from cityloop.routing.models import Rule
from cityloop.routing.ruleset import current_version

from .conftest import A1, GRID_A4

HEADER = (
    "name,purpose,kind,category,condition,area,level,target,target_unit,priority,auto_dispatch,"
    "valid_from,valid_to,note\n"
)


def test_create_change_and_end_are_audited_and_move_the_version(city, actor):
    before = current_version()
    rule = actions.create_rule(
        actor=actor,
        name="暴露垃圾交环卫所",
        kind="event",
        category_code="0102",
        area_unit=city.district,
        target="unit",
        target_unit=city.sanitation,
        valid_from=dt.date(2026, 1, 1),
    )
    assert current_version() > before and rule.revision == 1
    assert AuditEntry.objects.filter(action="routing.rule.create", object_id=str(rule.pk)).exists()
    rule = actions.update_rule(actor=actor, rule=rule, priority=3)
    entry = AuditEntry.objects.get(action="routing.rule.update")
    assert rule.revision == 2 and entry.before["priority"] == 0 and entry.after["priority"] == 3
    ended = actions.end_rule(actor=actor, rule=rule, on=dt.date(2026, 6, 1))
    assert ended is not None and ended.valid_to == dt.date(2026, 6, 1)
    with pytest.raises(ValidationError, match="already ended"):
        actions.end_rule(actor=actor, rule=ended, on=dt.date(2026, 7, 1))
    future = actions.create_rule(
        actor=actor, name="明年起", target="grid", kind="event", valid_from=dt.date(2030, 1, 1)
    )
    assert actions.end_rule(actor=actor, rule=future, on=dt.date(2026, 6, 1)) is None
    assert not Rule.objects.filter(pk=future.pk).exists()
    assert AuditEntry.objects.filter(action="routing.rule.delete").count() == 1


@pytest.mark.parametrize(
    ("values", "field"),
    [
        ({"name": "", "target": "grid"}, "name"),
        ({"category_code": "0102", "target": "grid"}, "category_code"),
        ({"kind": "event", "category_code": "9999", "target": "grid"}, "category_code"),
        (
            {"kind": "event", "category_code": "01", "condition_number": 1, "target": "grid"},
            "condition_number",
        ),
        ({"kind": "event", "target": "owner"}, "target"),
        ({"target": "unit"}, "target_unit"),
        ({"target": "teleport"}, "target"),
        ({"target": "grid", "valid_from": dt.date(2026, 2, 1), "valid_to": dt.date(2026, 1, 1)}, "valid_to"),
        ({"target": "grid", "level": "province"}, "level"),
    ],
)
def test_bad_rules_are_refused_per_field(city, actor, values, field):
    values.setdefault("name", "规则")
    with pytest.raises(ValidationError) as err:
        actions.create_rule(actor=actor, **values)
    assert field in err.value.message_dict
    assert not Rule.objects.exists()


def test_an_area_must_be_a_place_and_targets_not_a_district(city, actor):
    with pytest.raises(ValidationError) as err:
        actions.create_rule(actor=actor, name="x", target="grid", area_unit=city.sanitation)
    assert "area_unit" in err.value.message_dict
    with pytest.raises(ValidationError) as err:
        actions.create_rule(actor=actor, name="x", target="unit", target_unit=city.district)
    assert "target_unit" in err.value.message_dict


def write(tmp_path: Path, body: str) -> Path:
    path = tmp_path / "rules.csv"
    path.write_text(HEADER + body, encoding="utf-8")
    return path


GOOD = (
    "部件先属主,,component,,,990100,,owner,,,,2020-01-01,,\n"
    "事件先属地,dispatch,event,,,990100,district,grid,,0,0,2020-01-01,,\n"
    "暴露垃圾交环卫所,dispatch,event,0102,,990100001,district,unit,D-SANI,0,是,2020-01-01,,东街道\n"
    f"网格绿地交环卫,dispatch,event,0106,,{GRID_A4},,unit,D-SANI,,1,2020-01-01,,\n"
    "突发通知,emergency,,,,990100,,unit,D-SANI,,,2020-01-01,,\n"
)


def test_import_reads_every_column_and_a_second_import_changes_nothing(city, actor, tmp_path):
    counts = actions.import_rules(write(tmp_path, GOOD), actor=actor)
    assert counts == {"rows": 5, "created": 5, "unchanged": 0}
    street_rule = Rule.objects.get(category_code="0102")
    assert (
        street_rule.area_unit == city.street_a and street_rule.auto_dispatch and street_rule.note == "东街道"
    )
    assert Rule.objects.get(category_code="0106").area_grid.code == GRID_A4
    assert Rule.objects.get(purpose="emergency").target_unit == city.sanitation
    assert set(Rule.objects.values_list("source", flat=True)) == {"import"}
    assert actions.import_rules(write(tmp_path, GOOD), actor=actor) == {
        "rows": 5,
        "created": 0,
        "unchanged": 5,
    }
    assert AuditEntry.objects.filter(action="routing.rule.import").count() == 2


def test_a_bad_line_refuses_the_whole_file_naming_each_line(city, actor, tmp_path):
    bad = GOOD + (
        "坏目标,dispatch,event,0102,,990100,,unit,NOPE,,,,,\n"
        "坏日期,dispatch,event,0102,,990100,,grid,,,,2026-13-01,,\n"
        "坏区域,dispatch,event,0102,,XYZ,,grid,,,maybe,,,\n"
    )
    with pytest.raises(ValidationError) as err:
        actions.import_rules(write(tmp_path, bad), actor=actor)
    messages = err.value.messages
    assert "line 7, target_unit: no unit with code NOPE" in messages
    assert any(m.startswith("line 8, valid_from:") for m in messages)
    assert any(m.startswith("line 9, area:") for m in messages)
    assert any(m.startswith("line 9, auto_dispatch:") for m in messages)
    assert not Rule.objects.exists()
    with pytest.raises(ValidationError, match="line 1: the header lacks"):
        actions.import_rules(io.StringIO("name,kind\nx,event\n"), actor=actor)


def test_the_command_line_imports_lists_and_previews(city, actor, tmp_path):
    out = io.StringIO()
    call_command("routing", "import", str(write(tmp_path, GOOD)), stdout=out)
    assert "created: 5" in out.getvalue()
    out = io.StringIO()
    call_command("routing", "rules", stdout=out)
    assert "暴露垃圾交环卫所" in out.getvalue() and "auto" in out.getvalue()
    out = io.StringIO()
    call_command(
        "routing", "preview", "--lon", str(A1[0]), "--lat", str(A1[1]), "--category", "0102", stdout=out
    )
    assert "环卫所" in out.getvalue() and "confidence" in out.getvalue()
    out = io.StringIO()
    call_command(
        "routing",
        "preview",
        "--lon",
        str(A1[0]),
        "--lat",
        str(A1[1]),
        "--component",
        city.components["owned"].code,
        "--english",
        stdout=out,
    )
    assert "owner" in out.getvalue()
    with pytest.raises(CommandError, match="line 2"):
        call_command("routing", "import", str(write(tmp_path, "x,,event,,,,,grid,,,,bad,,\n")))

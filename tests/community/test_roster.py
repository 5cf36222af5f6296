"""The community set-up sheet (三长一站): stations, heads and professionals from Excel or CSV, checked
whole, imported all or nothing through the community's actions, and again without change."""

from __future__ import annotations

import io

import pytest
from django.core.exceptions import PermissionDenied
from django.core.management import CommandError, call_command

from cityloop.community.models import Post, Professional, Station
from cityloop.community.roster import import_roster, template_rows, template_xlsx
from cityloop.core.actions import create_unit, create_user
from cityloop.core.models import AuditEntry, Role, User
from cityloop.core.sheets import read_sheet
from tests.core.test_roster import xlsx

HEADER = [
    "类别",
    "社区编码",
    "名称",
    "地址",
    "电话",
    "经度",
    "纬度",
    "时限",
    "登录名",
    "地点",
    "位置",
    "起始日期",
    "姓名",
    "专业",
    "单位",
    "编码",
    "岗位",
    "职责",
]
LANE = "LINESTRING (120.38 36.066, 120.385 36.068)"


# The cells after 类别 and 社区编码, in the order of HEADER.
KEYS = [
    "name",
    "address",
    "phone",
    "lon",
    "lat",
    "hours",
    "login",
    "place",
    "wkt",
    "start",
    "person",
    "trade",
    "company",
    "code",
    "post",
    "duties",
]


def row(kind: str, community: str, **cells: str) -> list[str]:
    return [kind, community, *(cells.get(k, "") for k in KEYS)]


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    quoted = [",".join(f'"{c}"' if "," in c else c for c in r) for r in rows]
    return "\r\n".join(quoted).encode(encoding)


@pytest.fixture
def people(org, actor) -> dict[str, User]:
    """Staff accounts the street created with the staff roster: the future heads and a plumber."""
    made = {}
    for login in ("wang_head", "liu_lane", "zhao_building", "li_plumber"):
        made[login] = create_user(
            actor=actor, username=login, password=None, roles=[(org.community_a, Role.COMMUNITY_HEAD)]
        )
    return made


@pytest.fixture
def station_unit(org, actor):
    return create_unit(
        actor=actor, code="990100001001-ZZ", name="东一社区工作站", kind="station", parent=org.community_a
    )


def good_sheet(org) -> list[list[str]]:
    a = org.community_a.code
    return [
        HEADER,
        row("站长", a, login="wang_head", place="东一社区", start="2026-01-05"),  # before its station
        row(
            "工作站",
            a,
            name="东一社区工作站",
            address="东路1号",
            phone="0571-87654321",
            lon="120.38",
            lat="36.067",
            hours="8",
        ),
        row("街巷长", a, login="liu_lane", place="东一巷", wkt=LANE),
        row("building", a, login="zhao_building", place="3号楼", wkt="POINT (120.383 36.0675)"),
        row(
            "专业人员",
            a,
            person="李师傅",
            trade="供水",
            company="自来水公司",
            phone="139 0000 0001",
            login="li_plumber",
        ),
        row("专业人员", a, person="周师傅", trade="电力", phone="13900000002"),
    ]


def _state() -> tuple[int, int, int, int]:
    models = (Station, Post, Professional, AuditEntry)
    return tuple(m.objects.count() for m in models)  # type: ignore[return-value]


@pytest.mark.parametrize("form", ["xlsx", "gb18030"])
def test_a_good_sheet_sets_up_the_community_and_again_changes_nothing(org, people, station_unit, form):
    manager = org.users["street_a_manager"]
    rows = good_sheet(org)
    content = xlsx(rows) if form == "xlsx" else csv_bytes(rows, "gb18030")
    name = "社区.xlsx" if form == "xlsx" else "社区.csv"
    report = import_roster(actor=manager, content=content, filename=name)
    assert report.ok, report.errors
    assert report.counts["station"]["created"] == 1 and report.counts["professional"]["created"] == 2
    assert {k: report.counts[k]["created"] for k in ("station_head", "lane", "building")} == {
        "station_head": 1,
        "lane": 1,
        "building": 1,
    }
    station = Station.objects.get(community=org.community_a)
    assert (station.name, station.task_hours, station.unit, station.phone) == (
        "东一社区工作站",
        8,
        station_unit,
        "0571-87654321",
    )
    head = Post.objects.get(user=people["wang_head"])
    assert head.kind == "station_head" and str(head.valid_from) == "2026-01-05"
    lane = Post.objects.get(user=people["liu_lane"])
    assert lane.kind == "lane" and lane.geometry is not None and lane.geometry.geom_type == "LineString"
    plumber = Professional.objects.get(name="李师傅")
    assert (plumber.trade, plumber.phone, plumber.user) == ("water", "13900000001", people["li_plumber"])
    assert Professional.objects.get(name="周师傅").trade == "power"
    summary = AuditEntry.objects.get(action="community.roster.import")
    assert summary.actor == manager and summary.after["counts"]["lane"]["created"] == 1
    assert AuditEntry.objects.filter(action="community.post.appoint").count() == 3

    before = _state()
    again = import_roster(actor=manager, content=content, filename=name)
    assert again.ok
    assert sum(c["created"] + c["updated"] for c in again.counts.values()) == 0
    assert sum(c["unchanged"] for c in again.counts.values()) == 6
    assert _state()[:3] == before[:3]
    assert AuditEntry.objects.count() == before[3] + 1  # the summary only


def test_a_changed_row_updates_rather_than_duplicates(org, people, station_unit):
    manager = org.users["street_a_manager"]
    import_roster(actor=manager, content=xlsx(good_sheet(org)), filename="a.xlsx")
    rows = good_sheet(org)
    rows[2][2] = "东一社区城市治理服务站"
    rows[5][HEADER.index("单位")] = "供水二所"
    report = import_roster(actor=manager, content=xlsx(rows), filename="b.xlsx")
    assert report.counts["station"]["updated"] == 1 and report.counts["professional"]["updated"] == 1
    station = Station.objects.get()
    assert station.name == "东一社区城市治理服务站" and station.unit == station_unit
    assert Professional.objects.filter(name="李师傅").count() == 1
    assert Professional.objects.get(name="李师傅").company == "供水二所"


def test_one_bad_row_writes_nothing_and_every_problem_is_named(org, people):
    manager = org.users["street_a_manager"]
    a = org.community_a.code
    rows = [
        *good_sheet(org),
        row("片区长", a, login="liu_lane", place="南片", wkt=LANE),  # 8: an area is a polygon
        row("站长", a, login="nobody"),  # 9: unknown login
        row("专业人员", a, person="钱师傅", trade="修鞋", phone="13900000003"),  # 10: unknown trade
        row("工作站", "NOPE", name="无名站"),  # 11: unknown community
        row("楼栋长", a, login="zhao_building", place="5号楼", start="2026-02-30"),  # 12: no such day
        row("工作站", a, name="东一社区工作站", lon="120.38"),  # 13: a second station, no latitude
        row("物业", a),  # 14: unknown kind
    ]
    before = _state()
    report = import_roster(actor=manager, content=xlsx(rows), filename="bad.xlsx")
    found = {(e.row, e.column) for e in report.errors}
    assert found == {
        (8, "geometry"),
        (9, "login"),
        (10, "trade"),
        (11, "community"),
        (12, "valid_from"),
        (13, "community"),
        (13, "lat"),
        (14, "kind"),
    }
    reasons = {(e.row, e.column): e.reason for e in report.errors}
    assert "nobody" in reasons[(9, "login")] and "修鞋" in reasons[(10, "trade")]
    assert "第3行" in reasons[(13, "community")]
    assert {e.column_label for e in report.errors if e.row == 8} == {"位置"}
    assert all(not e.reason.isascii() for e in report.errors)
    assert _state() == before


def test_a_head_without_a_station_names_the_community(org, people):
    rows = [HEADER, row("站长", org.community_a.code, login="wang_head")]
    report = import_roster(actor=org.users["street_a_manager"], content=xlsx(rows), filename="x.xlsx")
    assert [(e.row, e.column) for e in report.errors] == [(2, "community")]
    assert org.community_a.code in report.errors[0].reason and not Post.objects.exists()


def test_another_streets_community_is_refused_and_nothing_is_written(org, people):
    rows = [*good_sheet(org), row("工作站", org.community_b.code, name="西一社区工作站")]
    before = _state()
    report = import_roster(actor=org.users["street_a_manager"], content=xlsx(rows), filename="x.xlsx")
    assert [(e.row, e.column) for e in report.errors] == [(8, "community")]
    assert "西一社区" in report.errors[0].reason and _state() == before


def test_someone_who_manages_no_community_is_refused(org):
    with pytest.raises(PermissionDenied):
        import_roster(actor=org.users["supervisor_a"], content=xlsx(good_sheet(org)), filename="x.xlsx")


def test_a_dry_run_reports_what_would_change_and_writes_nothing(org, people, station_unit):
    before = _state()
    report = import_roster(
        actor=org.users["street_a_manager"], content=xlsx(good_sheet(org)), filename="x.xlsx", dry_run=True
    )
    assert report.ok and report.dry_run and report.counts["station"]["created"] == 1
    assert report.counts["professional"]["created"] == 2
    assert _state() == before


def test_english_headings_and_post_codes_are_understood(org, people):
    a = org.community_a.code
    rows = [
        ["kind", "community_code", "name", "login", "place", "geometry", "person", "trade", "phone"],
        ["station", a, "东一社区工作站", "", "", "", "", "", ""],
        ["area", a, "", "liu_lane", "南片", "POLYGON ((120 36, 120.1 36, 120.1 36.1, 120 36))", "", "", ""],
        ["professional", a, "", "", "", "", "王师傅", "gas", "13900000009"],
    ]
    report = import_roster(actor=org.users["street_a_manager"], content=csv_bytes(rows, "utf-8-sig"))
    assert report.ok, report.errors
    assert Post.objects.get().kind == "area" and Professional.objects.get().trade == "gas"


def test_the_template_holds_every_column_and_an_example_of_each_kind():
    rows = read_sheet(template_xlsx(), "t.xlsx")
    assert rows == template_rows() and rows[0] == HEADER
    assert [r[0] for r in rows[1:]] == [
        "工作站",
        "站长",
        "街巷长",
        "片区长",
        "楼栋长",
        "专业人员",
        "背街小巷",
    ]


def test_the_command_checks_imports_and_writes_the_template(org, people, tmp_path):
    path = tmp_path / "社区.csv"
    path.write_bytes(csv_bytes(good_sheet(org), "gb18030"))
    out = io.StringIO()
    as_manager = ("--actor", "street_a_manager")
    call_command("community_roster", "import", str(path), *as_manager, "--dry-run", stdout=out)
    assert "工作站" in out.getvalue() and not Station.objects.exists()
    call_command("community_roster", "import", str(path), "--actor", "street_a_manager", stdout=out)
    assert Station.objects.count() == 1 and Post.objects.count() == 3
    target = tmp_path / "template.xlsx"
    call_command("community_roster", "template", str(target), stdout=out)
    assert read_sheet(target.read_bytes(), "template.xlsx")[0] == HEADER
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([HEADER, row("站长", "NOPE", login="wang_head")], "utf-8"))
    with pytest.raises(CommandError, match="第 2 行"):
        call_command("community_roster", "import", str(bad), "--actor", "street_a_manager", stdout=out)
    with pytest.raises(CommandError, match="管理"):
        call_command("community_roster", "import", str(path), "--actor", "supervisor_a", stdout=out)


def test_back_alley_segments_are_set_up_from_the_sheet_and_again_change_nothing(org, people):
    """定点定岗定人定责 from the sheet: the street's alleys, each with its line, person, post and duties."""
    from cityloop.community.models import AlleySegment

    manager = org.users["street_a_manager"]
    a = org.community_a.code
    sheet = [
        HEADER,
        row(
            "背街小巷",
            a,
            code="A-XX01",
            name="东一背街",
            login="liu_lane",
            wkt=LANE,
            place="巷口",
            duties="每日巡查保洁",
        ),
    ]
    report = import_roster(actor=manager, content=xlsx(sheet), filename="小巷.xlsx")
    assert not report.errors, report.errors
    assert report.counts["alley"]["created"] == 1
    segment = AlleySegment.objects.get()
    assert (segment.street, segment.community, segment.responsible) == (
        org.street_a,
        org.community_a,
        people["liu_lane"],
    )
    assert (segment.post, segment.fixed_point, segment.duties) == ("巷长", "巷口", "每日巡查保洁")
    assert AuditEntry.objects.filter(action="alley.segment.save").count() == 1
    again = import_roster(actor=manager, content=xlsx(sheet), filename="小巷.xlsx")
    assert again.counts["alley"]["unchanged"] == 1
    sheet[1] = row("小巷", a, code="A-XX01", name="东一背街", login="wang_head", wkt=LANE, duties="巡查")
    changed = import_roster(actor=manager, content=xlsx(sheet), filename="小巷.xlsx")
    assert changed.counts["alley"]["updated"] == 1
    assert AlleySegment.objects.get().responsible == people["wang_head"]


def test_a_bad_alley_row_names_its_cells_and_writes_nothing(org, people):
    from cityloop.community.models import AlleySegment

    a = org.community_a.code
    sheet = [
        HEADER,
        row(
            "背街小巷",
            a,
            code="A-XX01",
            name="东一背街",
            login="liu_lane",
            wkt="POINT (120.38 36.066)",
            duties="巡查",
        ),
        row("背街小巷", a, code="A-XX02", name="东二背街", login="nobody", wkt=LANE),
        row("背街小巷", a, code="A-XX01", name="又一条", login="liu_lane", wkt=LANE, duties="巡查"),
    ]
    report = import_roster(actor=org.users["street_a_manager"], content=xlsx(sheet), filename="小巷.xlsx")
    found = {(e.row, e.column) for e in report.errors}
    assert {(2, "geometry"), (3, "login"), (3, "duties"), (4, "code")} <= found, report.errors
    assert not AlleySegment.objects.exists()
    # Another street's manager may not set up street A's alleys.
    other = import_roster(
        actor=org.users["street_b_manager"], content=xlsx([sheet[0], sheet[3]]), filename="x.xlsx"
    )
    assert [(e.row, e.column) for e in other.errors] == [(2, "community")]
    assert not AlleySegment.objects.exists()

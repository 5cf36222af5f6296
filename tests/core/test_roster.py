"""The staff roster: read from Excel or CSV (any usual encoding), imported all or nothing, exported back."""

from __future__ import annotations

import io

import pytest
from django.core.management import call_command
from openpyxl import Workbook

from cityloop.core.actions import create_user
from cityloop.core.models import AuditEntry, Membership, Role, User
from cityloop.core.roster import SheetError, export_rows, import_roster, read_sheet, to_csv, to_xlsx

HEADER = ["单位编码", "姓名", "手机", "角色", "登录名"]


@pytest.fixture
def street_admin(org, actor) -> User:
    return create_user(
        actor=actor, username="east_admin", password="demo-pass-2026", roles=[(org.street_a, Role.ADMIN)]
    )


def xlsx(rows: list[list[object]]) -> bytes:
    book = Workbook()
    sheet = book.active
    for row in rows:
        sheet.append(row)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def csv_bytes(rows: list[list[str]], encoding: str) -> bytes:
    return "\r\n".join(",".join(r) for r in rows).encode(encoding)


def test_a_good_sheet_creates_every_account_with_a_one_time_password(org, street_admin):
    sheet = xlsx(
        [
            HEADER,
            [org.community_a.code, "张三", 13812345678, "监督员", "zhangsan"],
            [org.street_a.code, "李四", "0571-87654321", "handler", "lisi"],
        ]
    )
    result = import_roster(actor=street_admin, content=sheet, filename="名册.xlsx")
    assert result.ok and [c["login"] for c in result.created] == ["zhangsan", "lisi"]
    zhang = User.objects.get(username="zhangsan")
    assert zhang.display_name == "张三" and zhang.phone == "13812345678" and zhang.must_change_password
    assert zhang.check_password(result.created[0]["password"])
    assert Membership.objects.get(user=zhang).role == Role.SUPERVISOR
    entry = AuditEntry.objects.get(action="roster.import")
    assert entry.after["accounts"] == ["zhangsan", "lisi"] and entry.actor == street_admin
    assert result.created[0]["password"] not in str(entry.after)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_csv_in_each_encoding_chinese_excel_writes(org, street_admin, encoding):
    rows = [HEADER, [org.community_a.code, "王五", "13900000000", "监督员", "wangwu"]]
    assert read_sheet(csv_bytes(rows, encoding), "名册.csv")[1][1] == "王五"
    result = import_roster(actor=street_admin, content=csv_bytes(rows, encoding), filename="名册.csv")
    assert result.ok and User.objects.filter(username="wangwu", display_name="王五").exists()


def test_every_bad_row_is_named_and_nothing_is_written(org, street_admin):
    create_user(actor=street_admin, username="taken", password=None, roles=[(org.community_a, Role.HANDLER)])
    users_before = User.objects.count()
    audit_before = AuditEntry.objects.count()
    rows = [
        HEADER,
        [org.community_a.code, "好人", "13812345678", "监督员", "good"],  # row 2: fine
        ["NOPE", "甲", "13812345678", "监督员", "a1"],  # 3: unknown unit
        [org.street_b.code, "乙", "13812345678", "监督员", "a2"],  # 4: outside the area
        [org.community_a.code, "丙", "13812345678", "皇帝", "a3"],  # 5: unknown role
        [org.community_a.code, "丁", "13812345678", "监督员", "good"],  # 6: duplicate in the sheet
        [org.community_a.code, "戊", "13812345678", "监督员", "taken"],  # 7: login taken
        [org.community_a.code, "己", "12345", "监督员", "a4"],  # 8: bad phone
        [org.community_a.code, "", "13812345678", "监督员", "a5"],  # 9: no name
    ]
    result = import_roster(actor=street_admin, content=csv_bytes(rows, "utf-8"), filename="r.csv")
    found = {(e.row, e.column) for e in result.errors}
    assert found == {
        (3, "unit_code"),
        (4, "unit_code"),
        (5, "role"),
        (6, "login"),
        (7, "login"),
        (8, "phone"),
        (9, "name"),
    }
    reasons = {e.row: e.reason for e in result.errors}
    assert "NOPE" in reasons[3] and "西街道" in reasons[4] and "皇帝" in reasons[5]
    assert "第 2 行" in reasons[6] and "taken" in reasons[7]
    assert all(not e.reason.isascii() for e in result.errors)  # reasons in Chinese
    assert User.objects.count() == users_before and AuditEntry.objects.count() == audit_before
    assert not result.created


def test_a_dry_run_checks_and_writes_nothing(org, street_admin):
    rows = [HEADER, [org.community_a.code, "王五", "", "监督员", "wangwu"]]
    result = import_roster(actor=street_admin, content=csv_bytes(rows, "utf-8"), dry_run=True)
    assert result.ok and result.created[0]["login"] == "wangwu" and not result.created[0]["password"]
    assert not User.objects.filter(username="wangwu").exists()


def test_unreadable_files_and_missing_columns(org, street_admin):
    with pytest.raises(SheetError):
        read_sheet(b"PK\x03\x04not really a zip", "x.xlsx")
    with pytest.raises(SheetError):
        read_sheet(b"\xff\xfe\x00\x00" * 10, "x.xlsx")
    result = import_roster(actor=street_admin, content="姓名,手机\n张三,1\n".encode(), filename="x.csv")
    assert result.errors[0].row == 1 and "单位编码" in result.errors[0].reason


def test_export_round_trip(org, street_admin):
    org.users["supervisor_a"].phone = "13812345678"
    org.users["supervisor_a"].save()
    rows = export_rows(street_admin)
    assert rows[0] == HEADER
    logins = {r[4] for r in rows[1:]}
    assert logins == {"east_admin", "street_a_manager", "supervisor_a"}  # street A only
    assert [org.community_a.code, "supervisor_a", "13812345678", "监督员", "supervisor_a"] in rows
    assert read_sheet(to_xlsx(rows), "x.xlsx") == rows
    assert read_sheet(to_csv(rows), "x.csv") == rows
    # The exported sheet, with new logins, imports as it is.
    fresh = [rows[0]] + [[*r[:4], f"new_{r[4]}"] for r in rows[1:]]
    result = import_roster(actor=street_admin, content=to_xlsx(fresh), filename="x.xlsx")
    assert result.ok, result.errors
    assert len(result.created) == 3


def test_the_command_imports_and_exports(org, street_admin, tmp_path):
    path = tmp_path / "roster.csv"
    path.write_bytes(csv_bytes([HEADER, [org.community_a.code, "赵六", "", "监督员", "zhaoliu"]], "gb18030"))
    out = io.StringIO()
    call_command("roster", "import", str(path), "--as", "east_admin", "--dry-run", stdout=out)
    assert "zhaoliu" in out.getvalue() and not User.objects.filter(username="zhaoliu").exists()
    call_command("roster", "import", str(path), "--as", "east_admin", stdout=out)
    assert User.objects.get(username="zhaoliu").must_change_password
    target = tmp_path / "out.xlsx"
    call_command("roster", "export", "--as", "east_admin", "--output", str(target), stdout=out)
    assert "zhaoliu" in {r[4] for r in read_sheet(target.read_bytes(), "out.xlsx")}
    bad = tmp_path / "bad.csv"
    bad.write_bytes(csv_bytes([HEADER, ["NOPE", "甲", "", "监督员", "x"]], "utf-8"))
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="第 2 行"):
        call_command("roster", "import", str(bad), "--as", "east_admin", stdout=out)


def test_exported_cells_never_run_as_formulas(org, street_admin):
    from cityloop.core.accounts import update_user

    update_user(actor=street_admin, user=org.users["supervisor_a"], display_name='=HYPERLINK("http://x","y")')
    rows = export_rows(street_admin)
    assert "'=HYPERLINK" in to_csv(rows).decode("utf-8-sig")
    from openpyxl import load_workbook

    sheet = load_workbook(io.BytesIO(to_xlsx(rows))).worksheets[0]
    cells = [c for row in sheet.iter_rows() for c in row if str(c.value).startswith("=HYPERLINK")]
    assert cells and all(c.data_type == "s" for c in cells)
    # Read back, the sheet holds the name as it was.
    assert read_sheet(to_csv(rows), "x.csv") == rows == read_sheet(to_xlsx(rows), "x.xlsx")

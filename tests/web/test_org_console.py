"""The organisation pages: administrators manage their area's units and people, import and export
the roster, read the audit log; users with a temporary password must change it first."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from cityloop.core.accounts import reset_password
from cityloop.core.actions import create_user, update_unit
from cityloop.core.models import AuditEntry, Membership, Role, Unit, User, UserSession

from .conftest import html

PAGES = ["/org/", "/org/units/new/", "/org/users/", "/org/users/new/", "/org/roster/", "/org/audit/"]


@pytest.fixture
def east_admin(loop) -> User:
    """The administrator of street A only."""
    admin = create_user(
        actor=loop.users["admin"],
        username="east_admin",
        password="demo-pass-2026",
        roles=[(loop.org.street_a, Role.ADMIN)],
    )
    loop.users["east_admin"] = admin
    return admin


def english_words(page: str) -> list[str]:
    """Latin words in the page's visible text, leaving out codes, logins and the language switch."""
    body = page.split("<main", 1)[1].split(">", 1)[1]
    body = re.sub(r"<(code|script|style|select)[^>]*>.*?</\1>", " ", body, flags=re.S)
    text = re.sub(r"<[^>]+>", " ", body)
    # Logins are data, not words of the page (the test city's people are named by their logins).
    logins = {part for name in User.objects.values_list("username", flat=True) for part in name.split("_")}
    allowed = {"CSV", "xlsx", "csv", "API"} | logins
    return [w for w in re.findall(r"[A-Za-z]{3,}", text) if w not in allowed]


def test_only_administrators_open_the_pages(client_as, east_admin):
    for url in PAGES:
        assert client_as("dispatcher").get(url).status_code == 403, url
    admin = client_as("east_admin")
    for url in PAGES:
        page = admin.get(url)
        assert page.status_code == 200, url
        assert not english_words(html(page)), (url, english_words(html(page)))
    assert "组织机构" in html(admin.get("/org/"))


def test_the_unit_list_shows_the_area_only(loop, client_as, east_admin):
    page = html(client_as("east_admin").get("/org/"))
    assert loop.org.community_a.name in page and loop.org.street_b.name not in page
    found = html(client_as("east_admin").get("/org/", {"q": "东一"}))
    assert (
        f"/org/units/{loop.org.community_a.pk}/" in found
        and f"/org/units/{loop.org.street_a.pk}/" not in found
    )
    assert client_as("east_admin").get(f"/org/units/{loop.org.street_b.pk}/").status_code == 404


def test_units_are_added_renamed_moved_and_deactivated(loop, client_as, east_admin):
    admin = client_as("east_admin")
    answer = admin.post(
        "/org/units/new/",
        {"parent": loop.org.street_a.code, "kind": "community", "code": "990100001002", "name": "东二社区"},
    )
    unit = Unit.objects.get(code="990100001002")
    assert answer.status_code == 302 and unit.parent_id == loop.org.street_a.pk
    page = admin.get(f"/org/units/{unit.pk}/")
    assert page.status_code == 200 and not english_words(html(page))
    admin.post(f"/org/units/{unit.pk}/", {"do": "edit", "code": unit.code, "name": "东二", "name_en": ""})
    assert Unit.objects.get(pk=unit.pk).name == "东二"
    refused = admin.post(f"/org/units/{unit.pk}/", {"do": "move", "parent": loop.org.street_b.code})
    assert refused.status_code == 400 and "不在您的管辖范围内" in html(refused)
    assert Unit.objects.get(pk=unit.pk).parent_id == loop.org.street_a.pk
    outside = admin.post(
        "/org/units/new/",
        {"parent": loop.org.street_b.code, "kind": "community", "code": "X9", "name": "西九"},
    )
    assert outside.status_code == 200 and not Unit.objects.filter(code="X9").exists()
    assert "不在您的管辖范围内" in html(outside)
    admin.post(f"/org/units/{unit.pk}/", {"do": "deactivate", "confirm": "on"})
    assert not Unit.objects.get(pk=unit.pk).is_active()


def test_a_new_city_adds_its_first_unit_without_a_parent(db):
    """On an empty database the first administrator (a superuser) adds the city itself: the parent
    code is left empty. A district administrator who leaves it empty is told to choose one."""
    root = User.objects.create_superuser("root", password="first-admin-pass-2026")
    client = Client()
    client.force_login(root)
    answer = client.post(
        "/org/units/new/", {"parent": "", "kind": "city", "code": "360100", "name": "南浔市"}
    )
    city = Unit.objects.get(code="360100")
    assert answer.status_code == 302 and city.parent_id is None and city.depth == 0
    assert AuditEntry.objects.filter(action="unit.create", object_id=str(city.pk)).exists()


def test_only_the_top_unit_goes_without_a_parent(client_as, east_admin):
    refused = client_as("east_admin").post(
        "/org/units/new/", {"parent": " ", "kind": "community", "code": "990100001009", "name": "东九社区"}
    )
    assert refused.status_code == 200 and "请选择新单位的上级单位" in html(refused)
    assert not Unit.objects.filter(code="990100001009").exists()


def test_people_are_created_changed_given_roles_and_deactivated(loop, client_as, east_admin):
    admin = client_as("east_admin")
    made = admin.post(
        "/org/users/new/",
        {
            "username": "wang",
            "display_name": "王五",
            "phone": "13812345678",
            "unit": loop.org.community_a.code,
            "role": "supervisor",
        },
    )
    wang = User.objects.get(username="wang")
    password = re.search(r'class="temp-password"><code>([^<]+)</code>', html(made)).group(1)
    assert wang.check_password(password) and wang.must_change_password
    assert made["Cache-Control"].startswith("max-age=0")
    page = admin.get(f"/org/users/{wang.pk}/")
    assert password not in html(page) and not english_words(html(page))
    admin.post(f"/org/users/{wang.pk}/", {"do": "edit", "display_name": "王五五", "phone": "", "email": ""})
    assert User.objects.get(pk=wang.pk).display_name == "王五五"
    bad = admin.post(
        f"/org/users/{wang.pk}/", {"do": "grant", "unit": loop.org.street_b.code, "role": "handler"}
    )
    assert (
        bad.status_code == 400 and not Membership.objects.filter(user=wang, unit=loop.org.street_b).exists()
    )
    admin.post(f"/org/users/{wang.pk}/", {"do": "grant", "unit": loop.org.street_a.code, "role": "handler"})
    granted = Membership.objects.get(user=wang, unit=loop.org.street_a)
    admin.post(f"/org/users/{wang.pk}/", {"do": "revoke", "membership": granted.pk})
    assert not Membership.objects.active().filter(pk=granted.pk).exists()
    reset = admin.post(f"/org/users/{wang.pk}/", {"do": "reset"})
    assert "temp-password" in html(reset)
    admin.post(f"/org/users/{wang.pk}/", {"do": "deactivate"})
    assert not User.objects.get(pk=wang.pk).is_active
    # Someone working outside street A cannot be changed from here.
    outsider = loop.users["supervisor_b"]
    assert admin.post(f"/org/users/{outsider.pk}/", {"do": "reset"}).status_code == 404
    dispatcher = loop.users["dispatcher"]  # district-wide: seen in the street's lists, not theirs to manage
    assert admin.post(f"/org/users/{dispatcher.pk}/", {"do": "deactivate"}).status_code in (403, 404)
    assert User.objects.get(pk=dispatcher.pk).is_active


def test_a_temporary_password_must_be_changed_first(loop, client_as):
    user = loop.users["supervisor_a"]
    raw = reset_password(actor=loop.users["admin"], user=user)
    browser = Client()
    assert browser.login(username="supervisor_a", password=raw)
    for url in ("/", "/m/", "/cases/", "/org/"):
        answer = browser.get(url)
        assert answer.status_code == 302 and answer["Location"].startswith("/account/password/"), url
    api = browser.get("/api/v1/org/me")  # the console's session calling the API: refused too
    assert api.status_code == 403 and api.json()["reason"] == "must_change_password"
    page = browser.get("/account/password/")
    assert page.status_code == 200 and "临时密码" in html(page) and not english_words(html(page))
    weak = browser.post(
        "/account/password/", {"old_password": raw, "new_password": "abc", "new_password2": "abc"}
    )
    assert weak.status_code == 400 and User.objects.get(pk=user.pk).must_change_password
    done = browser.post(
        "/account/password/?next=/m/",
        {"old_password": raw, "new_password": "Lake-2931-view", "new_password2": "Lake-2931-view"},
    )
    assert done.status_code == 302 and done["Location"] == "/m/"  # back where they were going
    assert browser.get("/m/").status_code == 200  # still signed in, free to work
    # The sign-in registry follows the session's new key (deactivating ends this very session).
    keys = list(UserSession.objects.filter(user=user).values_list("session_key", flat=True))
    assert keys == [browser.session.session_key]
    browser.post("/logout/")
    assert not UserSession.objects.filter(user=user).exists()
    assert User.objects.get(pk=user.pk).check_password("Lake-2931-view")


def test_roster_upload_reports_bad_rows_and_imports_good_sheets(loop, client_as, east_admin):
    admin = client_as("east_admin")
    sheet = f"单位编码,姓名,手机,角色,登录名\n{loop.org.community_a.code},赵六,13812345678,监督员,zhao\n"
    bad = sheet + f"{loop.org.street_b.code},孙七,1,皇帝,zhao\n"
    report = admin.post("/org/roster/", {"file": SimpleUploadedFile("r.csv", bad.encode("gb18030"))})
    assert report.status_code == 400 and not User.objects.filter(username="zhao").exists()
    text = html(report)
    for row_text in ("西街道", "皇帝", "与第 2 行重复"):
        assert row_text in text
    assert not english_words(text.replace("zhao", ""))
    done = admin.post("/org/roster/", {"file": SimpleUploadedFile("r.csv", sheet.encode("utf-8-sig"))})
    assert done.status_code == 200 and User.objects.get(username="zhao").must_change_password
    exported = admin.get("/org/roster/export/", {"format": "csv"})
    assert "zhao" in exported.content.decode("utf-8-sig")
    assert loop.users["supervisor_b"].username not in exported.content.decode("utf-8-sig")
    assert admin.get("/org/roster/export/")["Content-Type"].startswith("application/vnd.openxml")


def _listed(page: Any) -> set[str]:
    return set(re.findall(r'href="/org/audit/(\d+)/"', html(page)))


def test_the_audit_log_filters_and_keeps_to_the_area(loop, client_as, east_admin):
    update_unit(actor=east_admin, unit=loop.org.community_a, name="东一社区（新）")
    update_unit(actor=loop.users["admin"], unit=loop.org.street_b, name="西街道（新）")
    mine = AuditEntry.objects.get(action="unit.update", object_id=str(loop.org.community_a.pk))
    theirs = AuditEntry.objects.get(action="unit.update", object_id=str(loop.org.street_b.pk))
    street = client_as("east_admin")
    listed = _listed(street.get("/org/audit/"))
    assert str(mine.pk) in listed and str(theirs.pk) not in listed
    assert street.get(f"/org/audit/{theirs.pk}/").status_code == 404
    city = client_as("admin")
    assert str(theirs.pk) in _listed(city.get("/org/audit/", {"action": "unit.update"}))
    assert _listed(city.get("/org/audit/", {"actor": "east_admin", "action": "unit.update"})) == {
        str(mine.pk)
    }
    by_object = {"object_type": "core.unit", "object_id": str(loop.org.street_b.pk)}
    assert _listed(city.get("/org/audit/", by_object)) >= {str(theirs.pk)}
    assert not _listed(city.get("/org/audit/", {"since": "2000-01-01", "until": "2000-01-02"}))
    entry = street.get(f"/org/audit/{mine.pk}/")
    text = html(entry)
    assert entry.status_code == 200 and "东一社区（新）" in text and 'class="changed"' in text
    assert "修改单位" in text and "名称" in text  # the action and the field, as people call them


def test_an_audit_entry_of_a_case_names_its_fields_and_values_in_chinese(db):
    """The case's counters, its step and urgency codes and its times (UTC ISO in the log) are shown
    as people read them."""
    from cityloop.cases.models import Case
    from cityloop.web.org.audit import diff_rows

    before = {"current_step": "register", "urgency": "normal", "urges_count": 0, "duplicate_of_id": None,
              "deadline_at": "2026-12-06T11:12:39.640955+00:00"}  # fmt: skip
    after = {**before, "urges_count": 1}
    rows = {name: (b, a) for name, _named, b, a, _changed in diff_rows(before, after, Case)}
    assert rows["督办次数"] == ("0", "1")
    assert rows["当前环节"][0] == "立案" and rows["紧急程度"][0] == "一般"
    assert "重复于" in rows
    assert next(v for v in rows.values() if "2026-12-06" in v[0])[0] == "2026-12-06 19:12:39"

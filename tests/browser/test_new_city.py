"""Issue 21's acceptance walkthrough: a new city starts from an empty database and works in CityLoop
through the console, as its people would.

The first administrator (made with ``cityloop createsuperuser``) builds the unit tree in /org/,
imports the unit grids from a zipped Shapefile in a CGCS2000 3-degree zone on the admin's import
page, the components from a Shapefile with ``cityloop import-components`` (the documented way: there
is no page for it), and the staff roster from an .xlsx sheet (a bad sheet first: nothing imported,
every bad row named). A person is added in the console and chooses a password at the first sign-in.
A supervisor reports on a 375 px phone with coordinates pasted from a map app (GCJ-02); the case
runs through both levels of command: the district accepts it and refers it up, the city registers,
dispatches to a city department, whose handler disposes on the phone with a photo, the district's
supervisor checks on site, and the city closes; the city's leader urges the case while the district
still commands it. The administrator then reads the audit log. Every page seen is photographed at
375 px and at 1440 px, must fit a 375 px screen and must say nothing in English.
"""

from __future__ import annotations

import io
import math
import re
from pathlib import Path
from typing import Any

import openpyxl
import pytest
from django.core.management import call_command

from cityloop.assets.models import Component
from cityloop.cases.models import Case
from cityloop.core.models import AuditEntry, User
from cityloop.geo import crs as crslib
from cityloop.geo.models import Grid
from tests.geo.files import to_crs, write_shapefile
from tests.web.test_translations import ENGLISH_WORD, KEPT, _AdminLabels, english_words

from .conftest import ARTIFACTS, follow
from .test_loop import jpeg

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

NARROW = {"width": 375, "height": 740}
WIDE = {"width": 1440, "height": 900}
ROOT_PASSWORD = "first-admin-pass-2026"
ZONE_39 = 4527  # CGCS2000 3-degree Gauss–Krüger zone 39 (117°E), easting with the zone number
# The new city: 南浔市 (a fictional 360100) with 东湖区, a street, a community and a city department.
CITY, DISTRICT, STREET, COMMUNITY, DEPARTMENT = "360100", "360102", "360102001", "360102001001", "360100901"
# Two unit grids of about 100 m × 100 m side by side, and a point inside the first.
WEST, SOUTH, DLON, DLAT = 115.9000, 28.6800, 0.00102, 0.0009
PROBLEM = (115.90051, 28.68046)


def grid_feature(seq: int, col: int) -> dict[str, Any]:
    x0 = WEST + col * DLON
    ring = [(x0, SOUTH), (x0 + DLON, SOUTH), (x0 + DLON, SOUTH + DLAT), (x0, SOUTH + DLAT), (x0, SOUTH)]
    polygon = {"type": "Polygon", "coordinates": [[list(p) for p in ring]]}
    return {
        "type": "Feature",
        "properties": {"code": f"{COMMUNITY}{seq:03d}", "name": f"湖滨{seq}号网格"},
        "geometry": to_crs(polygon, f"EPSG:{ZONE_39}"),
    }


def component_feature(seq: int, lon: float, lat: float) -> dict[str, Any]:
    point = {"type": "Point", "coordinates": [lon, lat]}
    return {
        "type": "Feature",
        "properties": {
            "id": f"{DISTRICT}0101{seq:06d}",
            "owner": DEPARTMENT,
            "state": "完好",
            "note": "湖滨路",
        },
        "geometry": to_crs(point, f"EPSG:{ZONE_39}"),
    }


ROSTER = [
    (CITY, "市受理员", "", "受理员", "city_op"),
    (CITY, "市值班长", "13800000001", "值班长", "city_shift"),
    (CITY, "市派遣员", "", "派遣员", "city_disp"),
    (DISTRICT, "区受理员", "0791-86123456", "受理员", "dist_op"),
    (DISTRICT, "区值班长", "", "值班长", "dist_shift"),
    (DISTRICT, "区派遣员", "", "派遣员", "dist_disp"),
    (COMMUNITY, "湖滨监督员", "13900000002", "监督员", "patrol1"),
    (DEPARTMENT, "市政处置员", "13900000003", "处置人员", "repair1"),
]


def xlsx(rows: list[tuple[str, ...]]) -> dict[str, Any]:
    book = openpyxl.Workbook()
    sheet = book.active
    sheet.append(["单位编码", "姓名", "手机", "角色", "登录名"])
    for row in rows:
        sheet.append(list(row))
    buffer = io.BytesIO()
    book.save(buffer)
    mime = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    return {"name": "roster.xlsx", "mimeType": mime, "buffer": buffer.getvalue()}


def metres(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat = math.radians((a[1] + b[1]) / 2)
    return math.hypot((a[0] - b[0]) * math.cos(lat), a[1] - b[1]) * 111_195


FORMATS = {"Shapefile", "GeoPackage"}  # names of file formats, as Chinese GIS staff say them


def admin_words(content: str) -> set[str]:
    """The admin's labels in English (its rows are data; Django's icons keep English alt texts)."""
    parser = _AdminLabels()
    parser.feed(content)
    found = (w for text in parser.words for w in ENGLISH_WORD.findall(text))
    return {w for w in found if w not in KEPT and not w.isupper() and w != "root"}


class Looker:
    """Every page seen: a full-page screenshot at 375 px and at 1440 px, and the checks that it fits a
    phone and speaks Chinese only."""

    def __init__(self) -> None:
        self.folder = ARTIFACTS / "new-city"
        self.folder.mkdir(parents=True, exist_ok=True)
        for old in self.folder.glob("*.png"):
            old.unlink()
        self.count = 0
        self.problems: list[str] = []

    def __call__(self, page: Any, name: str) -> None:
        self.count += 1
        page.wait_for_load_state("networkidle")
        usernames = frozenset(User.objects.values_list("username", flat=True))
        before = page.viewport_size
        for size in (NARROW, WIDE):
            page.set_viewport_size(size)
            page.wait_for_timeout(150)  # the maps resize themselves
            page.screenshot(
                path=str(self.folder / f"{self.count:02d}-{name}-{size['width']}.png"), full_page=True
            )
            if size is NARROW:
                width = page.evaluate("document.documentElement.scrollWidth")
                if width > NARROW["width"] + 1:
                    self.problems.append(f"{name} ({page.url}) is {width} px wide at 375 px")
        page.set_viewport_size(before)
        words = (
            admin_words(page.content()) if "/admin/" in page.url else english_words(page.content(), usernames)
        )
        words -= FORMATS
        if words:
            self.problems.append(f"{name} ({page.url}) has English words: {sorted(words)}")


class Person:
    """One browser context: someone signed in at a screen of their own."""

    def __init__(self, browser: Any, base: str, viewport: dict[str, int], look: Looker, **extra: Any) -> None:
        self.context = browser.new_context(viewport=viewport, locale="zh-CN", **extra)
        self.context.set_default_timeout(15000)
        self.page = self.context.new_page()
        self.errors: list[str] = []
        self.page.on("pageerror", lambda exc: self.errors.append(str(exc)))
        self.base = base
        self.look = look

    def sign_in(self, username: str, password: str, *, new_password: str | None = None) -> None:
        """Sign in; with ``new_password`` the first sign-in leads to choosing it, and it is chosen."""
        page = self.page
        page.goto(f"{self.base}/login/")
        page.fill("#id_username", username)
        page.fill("#id_password", password)
        with page.expect_navigation():
            page.click("button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "/login/" not in page.url, f"{username} could not sign in"
        if new_password is None:
            return
        assert "/account/password/" in page.url, f"{username}'s temporary password was not refused"
        # Every page leads back there until the password is changed.
        page.goto(f"{self.base}/")
        assert "/account/password/" in page.url
        self.look(page, f"password-{username}")
        page.fill("#id_old_password", password)
        page.fill("#id_new_password", new_password)
        page.fill("#id_new_password2", new_password)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        page.wait_for_load_state("networkidle")
        assert "/account/password/" not in page.url, page.inner_text("main")

    def go(self, path: str, name: str | None = None) -> Any:
        self.page.goto(self.base + path)
        self.page.wait_for_load_state("networkidle")
        if name:
            self.look(self.page, name)
        return self.page

    def act(
        self, name: str, fill: dict[str, str] | None = None, files: list[dict[str, Any]] | None = None
    ) -> None:
        """Open the action's form, fill it in, submit it, and wait for the confirmation."""
        page = self.page
        details = page.locator(f"#action-{name}")
        if details.get_attribute("open") is None:
            details.locator("summary").click()
        for selector, value in (fill or {}).items():
            field = details.locator(selector)
            if field.evaluate("e => e.tagName") == "SELECT":
                # "first": the first real choice (a registration condition of the case's category).
                field.select_option(index=1) if value == "first" else field.select_option(value)
            else:
                field.fill(value)
        if files:
            details.locator("input[type=file]").set_input_files(files)
        details.locator("button[type=submit]").click()
        page.wait_for_selector(f".msg.success, #action-{name} .error")
        page.wait_for_load_state("networkidle")
        assert page.locator(".msg.success").count(), page.locator(f"#action-{name}").inner_text()

    def close(self) -> None:
        assert not self.errors, f"JavaScript errors: {self.errors}"
        self.context.close()


def add_unit(admin: Person, parent: str, kind: str, code: str, name: str) -> None:
    page = admin.go("/org/units/new/")
    page.fill("#id_parent", parent)
    page.select_option("#id_kind", kind)
    page.fill("#id_code", code)
    page.fill("#id_name", name)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    assert re.search(r"/org/units/\d+/$", page.url), page.inner_text("main")


def upload_roster(admin: Person, sheet: dict[str, Any]) -> Any:
    page = admin.go("/org/roster/")
    page.set_input_files("#id_file", sheet)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.wait_for_load_state("networkidle")
    return page


def test_a_new_city_sets_itself_up_and_works(browser, reference_data, live_server, media, tmp_path):
    base = live_server.url
    look = Looker()
    people: list[Person] = []

    # 1. An empty database: no unit, no grid, nobody but the first administrator (createsuperuser).
    assert not Grid.objects.exists() and not Case.objects.exists()
    User.objects.create_superuser("root", password=ROOT_PASSWORD)
    admin = Person(browser, base, WIDE, look)
    people.append(admin)
    admin.sign_in("root", ROOT_PASSWORD)
    admin.go("/org/", "org-empty")
    add_unit(admin, "", "city", CITY, "南浔市")
    look(admin.page, "unit-city")
    add_unit(admin, CITY, "district", DISTRICT, "东湖区")
    add_unit(admin, DISTRICT, "street", STREET, "湖滨街道")
    add_unit(admin, STREET, "community", COMMUNITY, "湖滨社区")
    add_unit(admin, CITY, "department", DEPARTMENT, "市政设施管理处")
    admin.go("/org/units/new/", "unit-new")
    page = admin.go("/org/", "org-units")
    assert page.locator("main table tbody tr").count() == 5

    # 2a. Unit grids from a zipped Shapefile in CGCS2000 zone 39, on the admin's import page.
    grids = write_shapefile(tmp_path / "grids.zip", [grid_feature(1, 0), grid_feature(2, 1)],
                            epsg=ZONE_39, fields=["code", "name"])  # fmt: skip
    page = admin.go("/admin/geo/grid/import/", "grid-import")
    page.set_input_files("#id_file", str(grids))
    with page.expect_navigation():
        page.click("input[type=submit]")
    page.wait_for_load_state("networkidle")
    look(page, "grids-imported")
    assert "/admin/geo/grid/" in page.url and "/import/" not in page.url, page.inner_text("#content")
    assert Grid.objects.count() == 2
    first = Grid.objects.get(code=f"{COMMUNITY}001")
    assert 9_000 < first.area_m2 < 11_000 and first.community.code == COMMUNITY

    # 2b. Components from a Shapefile in the same zone: `cityloop import-components` (no page for it).
    components = write_shapefile(
        tmp_path / "components.zip",
        [component_feature(1, 115.90046, 28.68041), component_feature(2, 115.90160, 28.68050)],
        epsg=ZONE_39,
        fields=["id", "owner", "state", "note"],
    )
    call_command("import-components", str(components), "--no-progress", stdout=io.StringIO())
    cover = Component.objects.get(code=f"{DISTRICT}0101000001")
    assert cover.owner.code == DEPARTMENT and cover.grid_id == first.pk
    assert metres((cover.lon, cover.lat), (115.90046, 28.68041)) < 0.01

    # 2c. The staff roster: a bad sheet first (nothing imported, every bad row named), then the right one.
    bad = list(ROSTER)
    bad[1] = ("360199", "市值班长", "13800000001", "值班长", "city_shift")  # row 3: unknown unit
    bad[4] = (DISTRICT, "区值班长", "12345", "值班长", "dist_shift")  # row 6: a bad phone
    bad[6] = (COMMUNITY, "湖滨监督员", "", "巡查员", "patrol1")  # row 8: unknown role
    page = upload_roster(admin, xlsx(bad))
    look(page, "roster-refused")
    rows = page.locator("table.roster-errors tbody tr td.num").all_inner_texts()
    assert sorted(int(r) for r in rows) == [3, 6, 8], rows
    assert not User.objects.filter(username="city_op").exists()
    page = upload_roster(admin, xlsx(ROSTER))
    look(page, "roster-imported")
    passwords: dict[str, str] = {}
    for row in page.locator("main table:not(.roster-errors) tbody tr").all():
        cells = row.locator("td").all_inner_texts()
        passwords[cells[0].strip()] = cells[3].strip()
    assert set(passwords) == {login for *_, login in ROSTER}

    # 2d. The catalog ships without registration conditions (立案条件): the administrator adds the one
    # the city's first cases need, for 上水井盖, in the admin (autocomplete on the category).
    page = admin.go("/admin/catalog/condition/add/")
    page.click("#id_category + .select2 .select2-selection")
    page.fill(".select2-search__field", "0101")
    page.wait_for_selector(".select2-results__option--highlighted:has-text('0101')")
    page.keyboard.press("Enter")
    page.fill("#id_number", "1")
    page.fill("#id_description", "上水井盖破损、缺失或移位")
    page.fill("#id_closure", "井盖完好归位")
    page.select_option("#id_urgency", index=1)
    page.fill("#id_limit_amount", "1")
    page.select_option("#id_limit_unit", "working_day")
    page.fill("#id_valid_from", "2026-01-01")
    look(page, "condition-add")
    with page.expect_navigation():
        page.click("input[name=_save]")
    page.wait_for_load_state("networkidle")
    look(page, "condition-added")
    assert "/add/" not in page.url, page.inner_text("#content")

    # 3. A person added in the console: the city's leader, who chooses a password at the first sign-in.
    page = admin.go("/org/users/new/", "user-new")
    page.fill("#id_username", "chief")
    page.fill("#id_display_name", "市城管领导")
    page.fill("#id_phone", "13700000009")
    page.fill("#id_unit", CITY)
    page.select_option("#id_role", "leader")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_load_state("networkidle")
    look(page, "user-password-shown")
    chief_temp = page.inner_text(".temp-password code").strip()
    chief = Person(browser, base, WIDE, look)
    people.append(chief)
    chief.sign_in("chief", chief_temp, new_password="Lake-view-2931-chief")

    def staff(login: str, viewport: dict[str, int], **extra: Any) -> Person:
        person = Person(browser, base, viewport, look, **extra)
        people.append(person)
        person.sign_in(login, passwords[login], new_password=f"Lake-view-2931-{login}")
        return person

    # 4. The supervisor reports on a phone, pasting the point AMap copied (GCJ-02, six decimals).
    supervisor = staff("patrol1", NARROW, geolocation={"longitude": PROBLEM[0] - 0.001,
                       "latitude": PROBLEM[1] - 0.0006}, permissions=["geolocation"])  # fmt: skip
    supervisor.go("/m/", "supervisor-home")
    page = supervisor.go("/m/report/")
    gx, gy = crslib.from_wgs84(*PROBLEM, "gcj02")
    page.click("details.pasted summary")
    page.fill("#id_pasted", f"{gx:.6f},{gy:.6f}")
    page.select_option("#id_crs", "gcj02")
    page.fill("#category-q", "井盖")
    page.click("[data-pick-category][data-code='0101']")
    page.fill("#id_component", f"{DISTRICT}0101000001")  # the number painted on the cover
    page.fill("#id_description", "湖滨路上水井盖破损，有行人绊倒的危险")
    page.set_input_files("#id_photos", [jpeg("gray")])
    look(page, "supervisor-report")
    with page.expect_navigation():
        page.click("button.primary.wide")
    page.wait_for_load_state("networkidle")
    look(page, "supervisor-reported")
    case = Case.objects.get()
    assert case.original_crs == "gcj02"
    assert metres((case.lon, case.lat), PROBLEM) < 1.0, (case.lon, case.lat)
    assert case.grid.code == f"{COMMUNITY}001" and case.district.code == DISTRICT
    assert case.command_level == "district" and case.component.owner.code == DEPARTMENT

    # 5. The district's operator accepts it; the page shows the point as the phone gave it.
    district_op = staff("dist_op", WIDE)
    district_op.go("/cases/", "district-queue")
    page = district_op.go(f"/cases/{case.pk}/", "district-case")
    assert f"{case.original_x}, {case.original_y}" in page.inner_text("main")
    assert "gcj02" in page.inner_text("main")
    district_op.act("accept")

    # The city's leader urges the district's case.
    page = chief.go(f"/cases/{case.pk}/", "leader-case")
    chief.act("urge", {"textarea[name=urge-reason]": "井盖破损影响通行，请尽快处理"})

    # The district's shift leader refers it to the city; it leaves the district's "my work".
    district_shift = staff("dist_shift", WIDE)
    district_shift.go(f"/cases/{case.pk}/")
    district_shift.act(
        "refer_to_city", {"textarea[name=refer_to_city-reason]": "井盖属市政设施管理处，需市级派遣"}
    )
    look(district_shift.page, "district-referred")
    case.refresh_from_db()
    assert case.command_level == "city"
    page = district_shift.go("/cases/", "district-my-work")
    assert case.number not in page.inner_text("#queue-results")
    page = district_shift.go("/cases/?view=open", "district-all-open")
    assert case.number in page.inner_text("#queue-results")

    # The city's shift leader registers it from "my work"; the city's dispatcher sends it to the department.
    city_shift = staff("city_shift", WIDE)
    page = city_shift.go("/cases/", "city-my-work")
    assert case.number in page.inner_text("#queue-results")
    follow(page, f"#queue-results a:text('{case.number}')")
    city_shift.act("register", {"select[name=register-condition]": "first"})
    look(city_shift.page, "city-registered")
    city_disp = staff("city_disp", WIDE)
    city_disp.go(f"/cases/{case.pk}/")
    department = case.district.__class__.objects.get(code=DEPARTMENT)
    city_disp.act("dispatch", {"select[name=dispatch-unit]": str(department.pk)})
    look(city_disp.page, "city-dispatched")

    # The department's handler disposes on the phone with a photo.
    handler = staff("repair1", NARROW)
    page = handler.go("/m/", "handler-home")
    follow(page, f"a[href='/m/cases/{case.pk}/']")
    look(page, "handler-case")
    handler.act("dispose", {"textarea[name=dispose-feedback]": "已更换井盖"}, [jpeg("green")])
    look(page, "handler-disposed")

    # The city's operator sends it for check; the district's supervisor checks on site.
    city_op = staff("city_op", WIDE)
    city_op.go(f"/cases/{case.pk}/")
    city_op.act("send_for_check")
    page = supervisor.go("/m/")
    follow(page, f"a[href='/m/cases/{case.pk}/']")
    look(page, "supervisor-check")
    supervisor.act("check_pass", files=[jpeg("white")])

    # The city's shift leader closes it.
    city_shift.go(f"/cases/{case.pk}/")
    city_shift.act("close")
    look(city_shift.page, "city-closed")
    case.refresh_from_db()
    assert case.state == "closed" and case.command_level == "city"
    assert case.events.filter(transition="urge").exists()

    # 6. The audit log: by actor, then one entry's values before and after.
    page = admin.go("/org/audit/", "audit")
    page.fill("#id_actor", "dist_shift")
    with page.expect_navigation():
        page.locator("main form button[type=submit]").first.click()
    page.wait_for_load_state("networkidle")
    look(page, "audit-by-actor")
    assert "actor=dist_shift" in page.url
    entries = page.locator("table.audit tbody tr")
    assert entries.count() >= 2  # the password change and the referral
    assert AuditEntry.objects.filter(actor__username="dist_shift").count() == entries.count()
    follow(page, page.locator("table.audit tbody tr td a").first)
    look(page, "audit-entry")
    assert re.search(r"/org/audit/\d+/$", page.url)

    for person in people:
        person.close()
    assert not look.problems, "\n".join(look.problems)
    assert len(list(Path(look.folder).glob("*.png"))) == 2 * look.count

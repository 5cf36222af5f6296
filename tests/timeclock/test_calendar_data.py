"""The holiday schedule as data: the seed, CSV import, the known range and its warnings, the CLI."""

from __future__ import annotations

import datetime as dt
from io import StringIO
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import Client

from cityloop.core.models import AuditEntry
from cityloop.timeclock import calendar_actions, calendars, clock
from cityloop.timeclock.calendars import known_range
from cityloop.timeclock.models import CalendarDay, CalendarYear, WorkCalendar

from .conftest import at

pytestmark = pytest.mark.django_db

SCHEDULE_2027 = """date,kind,name
2027-01-01,holiday,元旦
2027-02-06,holiday,春节
2027-02-07,holiday,春节
2027-02-08,holiday,春节
2027-02-09,holiday,春节
2027-02-10,holiday,春节
2027-02-11,holiday,春节
2027-02-12,holiday,春节
2027-02-13,holiday,春节
2027-02-20,workday,春节调休上班
"""


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command(*args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_the_migration_seeds_the_package_years() -> None:
    years = list(CalendarYear.objects.values_list("year", flat=True))
    assert years[0] == 2004 and years[-1] == 2026 and len(years) == 23
    spring = CalendarDay.objects.get(calendar=None, date=dt.date(2026, 2, 16))
    assert spring.kind == "holiday" and spring.name == "春节"
    assert CalendarDay.objects.get(calendar=None, date=dt.date(2026, 2, 14)).kind == "workday"
    assert WorkCalendar.objects.get(is_default=True).periods == [["08:30", "12:00"], ["14:00", "17:30"]]


def test_known_range_is_the_unbroken_run_of_loaded_years() -> None:
    assert known_range([]) == (None, None)
    assert known_range([2025, 2026, 2028]) == (dt.date(2025, 1, 1), dt.date(2026, 12, 31))


def test_check_warns_under_sixty_days() -> None:
    status = calendars.calendar_status(today=dt.date(2026, 11, 22))
    assert status["ok"] is True and status["known_until"] == "2026-12-31" and status["days_ahead"] == 39
    assert "fewer than 60" in status["warning"] and "2027" in status["warning"]
    assert "warning" not in calendars.calendar_status(today=dt.date(2026, 6, 1))


def test_healthz_carries_the_calendar_warning(time_machine: Any) -> None:
    time_machine.move_to(dt.datetime(2026, 11, 22, 10, tzinfo=dt.UTC))
    body = Client().get("/healthz").json()
    assert body["checks"]["calendar"]["ok"] is True
    assert any(
        w.startswith("calendar: the holiday calendar is known only until 2026-12-31")
        for w in body["warnings"]
    )


def test_calendar_check_command(time_machine: Any) -> None:
    time_machine.move_to(dt.datetime(2026, 11, 22, 10, tzinfo=dt.UTC))
    out, err = run("calendar", "check")
    assert "2004-01-01 – 2026-12-31 (39 days ahead)" in out
    assert "WARNING" in err and "fewer than 60" in err


def test_import_a_new_year_from_csv(tmp_path: Path, time_machine: Any) -> None:
    time_machine.move_to(dt.datetime(2026, 11, 22, 10, tzinfo=dt.UTC))
    before = clock.deadline(at("2027-02-05 16:00"), 2, "working_day")
    assert before.provisional and before.at == at("2027-02-09 16:00")
    path = tmp_path / "2027.csv"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    out, err = run("calendar", "import", str(path))
    assert "10 new" in out and "[2027]" in out and "2027-12-31" in out and "WARNING" not in err
    # The same process sees the new year at once: 6–13 Feb off, Saturday 20 Feb worked.
    after = clock.deadline(at("2027-02-05 16:00"), 2, "working_day")
    assert not after.provisional and after.at == at("2027-02-16 16:00")
    assert clock.add(at("2027-02-19 10:00"), 1, "working_day") == at("2027-02-20 10:00")
    entry = AuditEntry.objects.get(action="calendar.import")
    assert entry.after["created"] == 10
    # Loading it again changes nothing.
    out, _ = run("calendar", "import", str(path))
    assert "0 new, 0 changed, 10 unchanged" in out


def test_partial_import_does_not_extend_the_known_range(tmp_path: Path) -> None:
    path = tmp_path / "new-year-only.csv"
    path.write_text("2027-01-01,休,元旦\n", encoding="utf-8")
    run("calendar", "import", str(path), "--partial")
    assert not CalendarYear.objects.filter(year=2027).exists()
    found = clock.deadline(at("2026-12-31 16:00"), 1, "working_day")
    assert found.at == at("2027-01-04 16:00") and found.provisional


def test_a_bad_file_loads_nothing_and_says_where(tmp_path: Path) -> None:
    path = tmp_path / "bad.csv"
    path.write_text(
        "2027-01-01,holiday,元旦\n2027-13-01,holiday,x\n2027-01-02,sometimes,y\n2027-01-01,holiday,again\n"
    )
    with pytest.raises(CommandError) as exc:
        run("calendar", "import", str(path))
    text = str(exc.value)
    assert "line 2" in text and "line 3" in text and "line 4: 2027-01-01 is already on line 1" in text
    assert not CalendarDay.objects.filter(date__year=2027).exists()


def test_dry_run_and_missing_file(tmp_path: Path) -> None:
    path = tmp_path / "2027.csv"
    path.write_text(SCHEDULE_2027, encoding="utf-8")
    out, _ = run("calendar", "import", str(path), "--dry-run")
    assert "dry run" in out and not CalendarDay.objects.filter(date__year=2027).exists()
    with pytest.raises(CommandError, match="no file"):
        run("calendar", "import", str(tmp_path / "missing.csv"))


def test_a_calendars_own_days_override_the_national_schedule(actor: Any) -> None:
    local = calendar_actions.save_calendar_object(actor=actor, obj=WorkCalendar(name="本地"))
    calendar_actions.import_calendar_days(
        actor=actor,
        days=[(dt.date(2026, 3, 2), "holiday", "local"), (dt.date(2026, 2, 16), "normal", "")],
        calendar=local,
    )
    assert not clock.is_working_day(dt.date(2026, 3, 2), calendar=local)
    assert clock.is_working_day(dt.date(2026, 2, 16), calendar=local)
    assert clock.is_working_day(dt.date(2026, 3, 2))


def test_admin_edit_of_a_day_is_seen_at_once(actor: Any) -> None:
    assert clock.add(at("2026-03-02 16:00"), 2, "working_hour") == at("2026-03-03 09:00")
    calendar_actions.save_calendar_object(
        actor=actor, obj=CalendarDay(date=dt.date(2026, 3, 3), kind="holiday", name="test")
    )
    assert clock.add(at("2026-03-02 16:00"), 2, "working_hour") == at("2026-03-04 09:00")
    assert AuditEntry.objects.filter(action="calendarday.save").count() == 1


def test_seed_command_reloads_the_package_years() -> None:
    CalendarDay.objects.filter(date__year=2026).delete()
    out, _ = run("calendar", "seed", "--years", "2026")
    assert "[2026]" in out and CalendarDay.objects.filter(calendar=None, date__year=2026).count() == 39
    with pytest.raises(CommandError, match="CSV"):
        run("calendar", "seed", "--years", "2031")


def test_an_emptied_database_falls_back_to_the_package() -> None:
    CalendarYear.objects.all().delete()
    CalendarDay.objects.all().delete()
    calendars.reset()
    assert clock.add(at("2026-02-13 16:00"), 4, "working_hour") == at("2026-02-14 11:00")
    assert "packaged schedule" in calendars.calendar_status(today=dt.date(2026, 1, 1))["warning"]


def test_show_command() -> None:
    out, _ = run("calendar", "show", "2026-02")
    assert "2026-02-14 Sat W 春节调休上班" in out and "2026-02-16 Mon . 春节" in out


def test_admin_lists_warn_and_import_csv(org: Any, time_machine: Any) -> None:
    time_machine.move_to(dt.datetime(2026, 11, 22, 10, tzinfo=dt.UTC))
    from cityloop.core.actions import create_user

    create_user(actor=org.users["admin"], username="root", password="demo-pass-2026", is_superuser=True)
    client = Client()
    client.login(username="root", password="demo-pass-2026")
    page = client.get("/admin/timeclock/calendarday/")
    # The warning in the page's language (the status itself stays in English for monitors).
    assert page.status_code == 200 and "少于 60 天" in page.content.decode()
    upload = StringIO(SCHEDULE_2027)
    upload.name = "2027.csv"
    response = client.post("/admin/timeclock/calendarday/import/", {"file": upload})
    assert response.status_code == 302
    assert CalendarYear.objects.filter(year=2027).exists()


@pytest.mark.parametrize(
    "path",
    [
        "/admin/timeclock/workcalendar/",
        "/admin/timeclock/workcalendar/add/",
        "/admin/timeclock/workcalendar/1/change/",
        "/admin/timeclock/calendarday/add/",
        "/admin/timeclock/calendarday/import/",
        "/admin/timeclock/calendaryear/",
        "/admin/timeclock/escalationrule/add/",
        "/admin/timeclock/steptimer/",
        "/admin/timeclock/escalation/",
        "/admin/notify/outbox/",
        "/admin/notify/delivery/",
        "/admin/notify/inboxmessage/",
        "/admin/notify/webhooksubscription/add/",
    ],
)
def test_admin_pages_render(org: Any, path: str) -> None:
    from cityloop.core.actions import create_user

    create_user(actor=org.users["admin"], username="root", password="demo-pass-2026", is_superuser=True)
    client = Client()
    client.login(username="root", password="demo-pass-2026")
    if "/1/change/" in path:
        path = path.replace("/1/", f"/{WorkCalendar.objects.get(is_default=True).pk}/")
    assert client.get(path).status_code == 200


def test_admin_saves_through_the_actions(org: Any) -> None:
    from cityloop.core.actions import create_user

    create_user(actor=org.users["admin"], username="root", password="demo-pass-2026", is_superuser=True)
    client = Client()
    client.login(username="root", password="demo-pass-2026")
    response = client.post(
        "/admin/timeclock/calendarday/add/",
        {"date": "2026-03-03", "kind": "holiday", "name": "本地假日", "source": ""},
    )
    assert response.status_code == 302
    assert AuditEntry.objects.filter(action="calendarday.save", actor__username="root").count() == 1
    assert not clock.is_working_day(dt.date(2026, 3, 3))

"""Seed the city default calendar and the national holiday schedule from ``chinesecalendar``."""

from django.db import migrations
from django.utils import timezone


def seed(apps, schema_editor):
    from cityloop.timeclock.seed import SOURCE, package_days, package_years

    WorkCalendar = apps.get_model("timeclock", "WorkCalendar")
    CalendarDay = apps.get_model("timeclock", "CalendarDay")
    CalendarYear = apps.get_model("timeclock", "CalendarYear")
    if not WorkCalendar.objects.filter(is_default=True).exists():
        WorkCalendar.objects.create(
            name="标准工作日历",
            is_default=True,
            periods=[["08:30", "12:00"], ["14:00", "17:30"]],
            weekdays="12345",
            follow_holidays=True,
        )
    known = set(CalendarDay.objects.filter(calendar__isnull=True).values_list("date", flat=True))
    CalendarDay.objects.bulk_create(
        [
            CalendarDay(date=d.date, kind=d.kind, name=d.name, source=SOURCE)
            for d in package_days()
            if d.date not in known
        ]
    )
    loaded = set(CalendarYear.objects.values_list("year", flat=True))
    now = timezone.now()
    CalendarYear.objects.bulk_create(
        [CalendarYear(year=y, source=SOURCE, loaded_at=now) for y in package_years() if y not in loaded]
    )


class Migration(migrations.Migration):
    dependencies = [("timeclock", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]

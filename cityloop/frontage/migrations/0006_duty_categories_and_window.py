"""Sensible defaults from the standard catalog: which categories fall under which duty, and a
self-correction window of 2 working hours everywhere (a city edits both in the admin)."""

import datetime as dt

from django.db import migrations

CATEGORIES = {
    # 市容卫生: refuse, dirty pavement, small ads on the frontage.
    "sanitation": [("event", "0102"), ("event", "0103"), ("event", "0104"), ("event", "0201")],
    # 秩序: trading outside the shop, parking, piled goods, signs on the pavement, barbecue, laundry.
    "order": [
        ("event", "0504"),
        ("event", "0505"),
        ("event", "0506"),
        ("event", "0507"),
        ("event", "0203"),
        ("event", "0510"),
        ("event", "0511"),
    ],
    # 绿化/设施: dirty or damaged greenery and the street furniture in front of the shop.
    "greening": [
        ("event", "0106"),
        ("component", "0402"),
        ("component", "0403"),
        ("component", "0404"),
        ("component", "0405"),
        ("component", "0407"),
        ("component", "0408"),
    ],
}


def load(apps, schema_editor):
    Duty = apps.get_model("frontage", "Duty")
    DutyCategory = apps.get_model("frontage", "DutyCategory")
    CorrectionWindow = apps.get_model("frontage", "CorrectionWindow")
    for code, rows in CATEGORIES.items():
        duty = Duty.objects.filter(code=code).first()
        if duty is None:
            continue
        for kind, category in rows:
            DutyCategory.objects.get_or_create(kind=kind, code=category, defaults={"duty": duty})
    if not CorrectionWindow.objects.exists():
        CorrectionWindow.objects.create(amount=2, time_unit="working_hour", valid_from=dt.date(2000, 1, 1))


class Migration(migrations.Migration):
    dependencies = [("frontage", "0005_self_corrections")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

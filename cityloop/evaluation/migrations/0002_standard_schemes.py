"""Load the standard schemes (DOMAIN.md §7) as version 1 of each, in force from 2000-01-01."""

import datetime as dt

from django.db import migrations


def load(apps, schema_editor):
    from cityloop.evaluation.schemes import default_rows

    Scheme = apps.get_model("evaluation", "Scheme")
    for row in default_rows():
        Scheme.objects.get_or_create(
            code=row["code"],
            version=1,
            defaults={**row, "valid_from": dt.date(2000, 1, 1), "note": "the standard's formulas"},
        )


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

"""Load the standard scheme for districts (a city ranks its districts) into databases migrated before
it existed. A new database already has it from 0002; like 0002 this never replaces a version."""

import datetime as dt

from django.db import migrations


def load(apps, schema_editor):
    from cityloop.evaluation.schemes import default_rows

    Scheme = apps.get_model("evaluation", "Scheme")
    for row in default_rows():
        if row["subject"] != "district" or Scheme.objects.filter(code=row["code"]).exists():
            continue
        Scheme.objects.create(
            **row, version=1, valid_from=dt.date(2000, 1, 1), note="the standard's formulas"
        )


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0006_district_subject")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

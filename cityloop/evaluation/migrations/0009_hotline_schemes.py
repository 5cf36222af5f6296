"""Load the default 热线满意度 schemes (the hotline's return visits, ranked for departments, districts
and streets beside the standard schemes) into every database, new or old. Like 0002 and 0007 this
never replaces a version a city saved."""

import datetime as dt

from django.db import migrations


def load(apps, schema_editor):
    from cityloop.evaluation.schemes import hotline_rows

    Scheme = apps.get_model("evaluation", "Scheme")
    for row in hotline_rows():
        if Scheme.objects.filter(code=row["code"]).exists():
            continue
        Scheme.objects.create(
            **row,
            version=1,
            valid_from=dt.date(2000, 1, 1),
            note="the hotline's return visits: 80 满意率 + 20 完全满意率",
        )


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0008_hotline_subjects")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

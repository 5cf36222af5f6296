"""Load the standard catalog (every row of catalog.csv), the urgency levels and the default step limits."""

from django.db import migrations


def load(apps, schema_editor):
    from cityloop.catalog.standard import load_standard_data

    load_standard_data(
        apps.get_model("catalog", "Category"),
        apps.get_model("catalog", "Urgency"),
        apps.get_model("catalog", "StepLimit"),
    )


class Migration(migrations.Migration):
    dependencies = [("catalog", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

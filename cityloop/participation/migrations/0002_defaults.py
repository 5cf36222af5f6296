"""The standard points rule (随手拍: 10 points for a report registered as a valid case) and the city's
switches, off. Data: a city edits them on the staff settings page or in the admin."""

from django.db import migrations


def load(apps, schema_editor):
    PointRule = apps.get_model("participation", "PointRule")
    CitySetting = apps.get_model("participation", "CitySetting")
    PointRule.objects.get_or_create(
        code="report_registered", defaults={"name": "有效上报（立案）", "points": 10, "active": True}
    )
    CitySetting.objects.get_or_create(pk=1)


class Migration(migrations.Migration):
    dependencies = [("participation", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

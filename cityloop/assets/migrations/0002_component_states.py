"""The component states of GB/T 30428.2: intact, damaged, missing, occupied."""

from django.db import migrations

STATES = [
    ("intact", "完好", "intact", 10),
    ("damaged", "破损", "damaged", 20),
    ("missing", "丢失", "missing", 30),
    ("occupied", "占用", "occupied", 40),
]


def load(apps, schema_editor):
    state = apps.get_model("assets", "ComponentState")
    for code, name, name_en, order in STATES:
        state.objects.get_or_create(code=code, defaults={"name": name, "name_en": name_en, "order": order})


class Migration(migrations.Migration):
    dependencies = [("assets", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

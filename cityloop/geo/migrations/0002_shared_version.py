"""The GeoVersion counter becomes the ``geo.grids`` row of ``core.SharedVersion`` (the one helper,
``cityloop.core.versioned``, that every in-memory copy of reference data now uses)."""

from django.db import migrations


def copy_counter(apps, schema_editor):
    old = apps.get_model("geo", "GeoVersion").objects.filter(pk=1).values_list("counter", flat=True).first()
    shared = apps.get_model("core", "SharedVersion")
    shared.objects.update_or_create(name="geo.grids", defaults={"counter": old or 0})


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_initial"), ("core", "0004_shared_version_audit_action_choices")]

    operations = [
        migrations.RunPython(copy_counter, migrations.RunPython.noop),
        migrations.DeleteModel(name="GeoVersion"),
    ]

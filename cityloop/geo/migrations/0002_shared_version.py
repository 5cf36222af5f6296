"""The GeoVersion counter becomes the ``geo.grids`` row of ``core.SharedVersion``, read by the one
helper every in-memory copy of reference data now uses (``cityloop.core.versioned``)."""

from django.db import migrations

from cityloop.core.migration_tools import carry_counter


class Migration(migrations.Migration):
    dependencies = [("geo", "0001_initial"), ("core", "0004_shared_version_audit_action_choices")]

    operations = [
        migrations.RunPython(carry_counter("geo", "GeoVersion", "geo.grids"), migrations.RunPython.noop),
        migrations.DeleteModel(name="GeoVersion"),
    ]

"""The RoutingVersion counter becomes the ``routing.rules`` row of ``core.SharedVersion``, read by the one
helper every in-memory copy of reference data now uses (``cityloop.core.versioned``)."""

from django.db import migrations

from cityloop.core.migration_tools import carry_counter


class Migration(migrations.Migration):
    dependencies = [("routing", "0001_initial"), ("core", "0004_shared_version_audit_action_choices")]

    operations = [
        migrations.RunPython(carry_counter("routing", "RoutingVersion", "routing.rules"), migrations.RunPython.noop),
        migrations.DeleteModel(name="RoutingVersion"),
    ]

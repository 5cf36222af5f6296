"""The CalendarVersion counter becomes the ``timeclock.calendars`` row of ``core.SharedVersion``, read by the one
helper every in-memory copy of reference data now uses (``cityloop.core.versioned``)."""

from django.db import migrations

from cityloop.core.migration_tools import carry_counter


class Migration(migrations.Migration):
    dependencies = [("timeclock", "0003_fewer_write_indexes"), ("core", "0004_shared_version_audit_action_choices")]

    operations = [
        migrations.RunPython(carry_counter("timeclock", "CalendarVersion", "timeclock.calendars"), migrations.RunPython.noop),
        migrations.DeleteModel(name="CalendarVersion"),
    ]

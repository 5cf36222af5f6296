"""The ``cityloop_ratelimit`` table of the rate limits' cache (``core.ratelimits``), in the project's
own database so every server process counts against the same limits."""

from django.core.management import call_command
from django.db import migrations


def create_table(apps, schema_editor):
    call_command("createcachetable", "cityloop_ratelimit", database=schema_editor.connection.alias, verbosity=0)


def drop_table(apps, schema_editor):
    with schema_editor.connection.cursor() as cursor:
        cursor.execute("DROP TABLE IF EXISTS cityloop_ratelimit")


class Migration(migrations.Migration):
    dependencies = [("core", "0004_shared_version_audit_action_choices")]

    operations = [migrations.RunPython(create_table, drop_table)]

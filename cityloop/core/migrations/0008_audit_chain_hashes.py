"""Hash the audit entries written before the chain, in id order, and set the head."""

from django.db import migrations


def chain_existing(apps, schema_editor):
    from cityloop.core.audit_chain import rebuild

    rebuild(apps.get_model("core", "AuditEntry"), using=schema_editor.connection.alias)


class Migration(migrations.Migration):
    dependencies = [("core", "0007_audit_chain")]

    operations = [migrations.RunPython(chain_existing, migrations.RunPython.noop)]

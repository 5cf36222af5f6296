"""The database refuses UPDATE, DELETE and TRUNCATE of the audit log, and DELETE, TRUNCATE and a
backward move of the chain head, outside maintenance (``cityloop.core.audit_guard``)."""

from django.db import migrations

from cityloop.core.audit_guard import PG_DROP, PG_TRIGGERS, SQLITE_DROP, SQLITE_TRIGGERS


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql, params=None)  # the SQL holds % of its own

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0008_audit_chain_hashes")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_TRIGGERS, "postgresql": PG_TRIGGERS}),
            _run({"sqlite": SQLITE_DROP, "postgresql": PG_DROP}),
        ),
    ]

"""Database guards: the audit log refuses UPDATE, and unit paths get a prefix-search index on PostgreSQL."""

from django.db import migrations

SQLITE_UP = [
    """CREATE TRIGGER IF NOT EXISTS core_auditentry_no_update BEFORE UPDATE ON core_auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
]
SQLITE_DOWN = ["DROP TRIGGER IF EXISTS core_auditentry_no_update;"]
PG_UP = [
    """CREATE OR REPLACE FUNCTION core_auditentry_refuse_update() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
       FOR EACH ROW EXECUTE FUNCTION core_auditentry_refuse_update();""",
    "CREATE INDEX IF NOT EXISTS core_unit_path_prefix ON core_unit (path varchar_pattern_ops);",
]
PG_DOWN = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update ON core_auditentry;",
    "DROP FUNCTION IF EXISTS core_auditentry_refuse_update();",
    "DROP INDEX IF EXISTS core_unit_path_prefix;",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):
    dependencies = [("core", "0001_initial")]

    operations = [
        migrations.RunPython(
            _run({"sqlite": SQLITE_UP, "postgresql": PG_UP}),
            _run({"sqlite": SQLITE_DOWN, "postgresql": PG_DOWN}),
        ),
    ]

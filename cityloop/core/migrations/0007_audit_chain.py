"""The audit chain's columns and head. The append-only trigger of 0002 goes first (the hashes of
the entries already written are filled in by 0008; 0009 puts stronger triggers in its place)."""

from django.db import migrations, models


OLD_SQLITE = ["DROP TRIGGER IF EXISTS core_auditentry_no_update;"]
OLD_PG = [
    "DROP TRIGGER IF EXISTS core_auditentry_no_update ON core_auditentry;",
    "DROP FUNCTION IF EXISTS core_auditentry_refuse_update();",
]
RESTORE_SQLITE = [
    """CREATE TRIGGER IF NOT EXISTS core_auditentry_no_update BEFORE UPDATE ON core_auditentry
       BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;""",
]
RESTORE_PG = [
    """CREATE OR REPLACE FUNCTION core_auditentry_refuse_update() RETURNS trigger AS $$
       BEGIN RAISE EXCEPTION 'the audit log is append-only'; END; $$ LANGUAGE plpgsql;""",
    """CREATE TRIGGER core_auditentry_no_update BEFORE UPDATE ON core_auditentry
       FOR EACH ROW EXECUTE FUNCTION core_auditentry_refuse_update();""",
]


def _run(statements_by_vendor):
    def run(apps, schema_editor):
        for sql in statements_by_vendor.get(schema_editor.connection.vendor, []):
            schema_editor.execute(sql)

    return run


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0006_token_rate_limit'),
    ]

    operations = [
        migrations.RunPython(
            _run({"sqlite": OLD_SQLITE, "postgresql": OLD_PG}),
            _run({"sqlite": RESTORE_SQLITE, "postgresql": RESTORE_PG}),
        ),
        migrations.CreateModel(
            name='AuditChainHead',
            fields=[
                ('id', models.PositiveSmallIntegerField(default=1, primary_key=True, serialize=False)),
                ('last_id', models.BigIntegerField(default=0)),
                ('last_hash', models.CharField(default='0000000000000000000000000000000000000000000000000000000000000000', max_length=64)),
            ],
            options={
                'verbose_name': 'audit chain head',
            },
        ),
        migrations.AddField(
            model_name='auditentry',
            name='hash',
            field=models.CharField(db_default='', default='', max_length=64),
        ),
        migrations.AddField(
            model_name='auditentry',
            name='prev_hash',
            field=models.CharField(db_default='', default='', max_length=64),
        ),
    ]

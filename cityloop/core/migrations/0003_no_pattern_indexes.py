"""Indexes of text columns declared in Meta: no pattern-ops index on PostgreSQL, no table copy on
SQLite (see cityloop.core.migration_tools)."""

from django.db import migrations, models

from cityloop.core.migration_tools import move_indexes_to_meta

FORWARD, BACKWARD = move_indexes_to_meta(
    "core_auditentry",
    {"action": ("audit_action_idx", False), "request_id": ("audit_request_idx", False)},
)


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_append_only"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="auditentry",
                    name="action",
                    field=models.CharField(max_length=64),
                ),
                migrations.AlterField(
                    model_name="auditentry",
                    name="request_id",
                    field=models.CharField(blank=True, max_length=64),
                ),
                migrations.AddIndex(
                    model_name="auditentry",
                    index=models.Index(fields=["action"], name="audit_action_idx"),
                ),
                migrations.AddIndex(
                    model_name="auditentry",
                    index=models.Index(fields=["request_id"], name="audit_request_idx"),
                ),
            ],
            database_operations=[migrations.RunPython(FORWARD, BACKWARD)],
        ),
    ]

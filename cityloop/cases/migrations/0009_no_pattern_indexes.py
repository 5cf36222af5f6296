"""Indexes of text columns declared in Meta: no pattern-ops index on PostgreSQL, no table copy on
SQLite (see cityloop.core.migration_tools)."""

from django.conf import settings
from django.db import migrations, models

from cityloop.core.migration_tools import move_indexes_to_meta

FORWARD, BACKWARD = move_indexes_to_meta(
    "cases_case",
    {
        "external_id": ("case_external_id_idx", False),
        "h3": ("case_h3_idx", False),
        "number": ("case_number_unique", True),
        "tracking_code": ("case_tracking_code_unique", True),
    },
)


class Migration(migrations.Migration):
    dependencies = [
        ("assets", "0003_near_covering_index"),
        ("cases", "0008_case_text"),
        ("catalog", "0003_step_accept_send_check"),
        ("core", "0002_audit_append_only"),
        ("geo", "0001_initial"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.AlterField(
                    model_name="case",
                    name="external_id",
                    field=models.CharField(blank=True, max_length=64, verbose_name="external ticket id"),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="h3",
                    field=models.CharField(max_length=16),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="number",
                    field=models.CharField(max_length=32, verbose_name="case number"),
                ),
                migrations.AlterField(
                    model_name="case",
                    name="tracking_code",
                    field=models.CharField(max_length=12, verbose_name="tracking code"),
                ),
                migrations.AddIndex(
                    model_name="case",
                    index=models.Index(fields=["external_id"], name="case_external_id_idx"),
                ),
                migrations.AddIndex(
                    model_name="case",
                    index=models.Index(fields=["h3"], name="case_h3_idx"),
                ),
                migrations.AddConstraint(
                    model_name="case",
                    constraint=models.UniqueConstraint(fields=("number",), name="case_number_unique"),
                ),
                migrations.AddConstraint(
                    model_name="case",
                    constraint=models.UniqueConstraint(
                        fields=("tracking_code",), name="case_tracking_code_unique"
                    ),
                ),
            ],
            database_operations=[migrations.RunPython(FORWARD, BACKWARD)],
        ),
    ]

"""The disposal-start index also covers ``occurrence`` (a rework is never a case's first disposal)."""

from django.db import migrations

OLD = (
    "cases_casestep (district_id, step, started_at, unit_id, ended_at, ended_by_transition, case_id, "
    "deadline_at) WHERE step = 'dispose'"
)
NEW = (
    "cases_casestep (district_id, step, started_at, unit_id, ended_at, ended_by_transition, case_id, "
    "occurrence, deadline_at) WHERE step = 'dispose'"
)
NAME = "evaluation_dispose_start_idx"


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0003_read_indexes")]
    operations = [
        migrations.RunSQL(
            [f"DROP INDEX IF EXISTS {NAME}", f"CREATE INDEX {NAME} ON {NEW}"],
            [f"DROP INDEX IF EXISTS {NAME}", f"CREATE INDEX {NAME} ON {OLD}"],
        )
    ]

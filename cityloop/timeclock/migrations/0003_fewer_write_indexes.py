"""Drop the step timers' own indexes on district (steptimer_district_idx starts with it) and on
calendar (nobody searches by it): every index is written on each transition of a case."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0002_audit_append_only"),
        ("timeclock", "0002_seed_calendar"),
    ]

    operations = [
        migrations.AlterField(
            model_name="steptimer",
            name="district",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.unit",
            ),
        ),
        migrations.AlterField(
            model_name="steptimer",
            name="calendar",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                to="timeclock.workcalendar",
            ),
        ),
    ]

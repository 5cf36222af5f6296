"""Every case step has its clock: ``CaseStep.timer`` becomes NOT NULL.

The case loop always gave each step a timer; a step without one (none is expected) first gets a
timer that mirrors it, so no step is lost.
"""

import django.db.models.deletion
from django.db import migrations, models


def give_each_step_a_timer(apps, schema_editor):
    CaseStep = apps.get_model("cases", "CaseStep")
    StepTimer = apps.get_model("timeclock", "StepTimer")
    for step in CaseStep.objects.filter(timer__isnull=True).iterator():
        timer = StepTimer.objects.create(
            subject_type="cases.case",
            subject_id=str(step.case_id),
            district_id=step.district_id,
            responsible_unit_id=step.unit_id,
            step=step.step,
            started_at=step.started_at,
            limit_amount=step.limit_amount,
            limit_unit=step.limit_unit,
            deadline_at=step.deadline_at,
            provisional=step.provisional,
            ended_at=step.ended_at,
            on_time=step.on_time,
            elapsed=step.elapsed,
            rule_ref=step.limit_ref,
        )
        CaseStep.objects.filter(pk=step.pk).update(timer=timer)


class Migration(migrations.Migration):
    dependencies = [("cases", "0011_indexes_from_evaluation"), ("timeclock", "0004_shared_version")]

    operations = [
        migrations.RunPython(give_each_step_a_timer, migrations.RunPython.noop),
        migrations.AlterField(
            model_name="casestep",
            name="timer",
            field=models.OneToOneField(
                on_delete=django.db.models.deletion.PROTECT, related_name="+", to="timeclock.steptimer"
            ),
        ),
    ]

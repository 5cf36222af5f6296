"""Fewer indexes for the write path: every index of a case, step and event is written by each
transition. Dropped: single-column indexes on columns that lead a composite index (district, street,
community, responsible unit, state; the step's district and unit; the event's case, which leads its
unique (case, seq)), those nobody searches by (light, the steps' users, the event's unit, the
channel: ten channels for a million cases, ticket ids are found by their own index), and
casestep_eval_idx, a prefix of evaluation's evaluation_step_end_idx."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0006_console_indexes"),
        ("core", "0002_audit_append_only"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="casestep",
            name="casestep_eval_idx",
        ),
        migrations.AlterField(
            model_name="case",
            name="channel",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                to="cases.channel",
                verbose_name="channel",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="community",
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
            model_name="case",
            name="district",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.unit"
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="light",
            field=models.CharField(blank=True, max_length=8),
        ),
        migrations.AlterField(
            model_name="case",
            name="responsible_unit",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="assigned_cases",
                to="core.unit",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="state",
            field=models.CharField(
                choices=[
                    ("new", "新建"),
                    ("reported", "已上报"),
                    ("verifying", "核实中"),
                    ("verified", "已核实"),
                    ("accepted", "已受理"),
                    ("not_accepted", "不予受理"),
                    ("registered", "已立案"),
                    ("not_registered", "不予立案"),
                    ("voided", "已作废"),
                    ("dispatched", "处置中"),
                    ("return_requested", "申请回退"),
                    ("arbitration", "仲裁中"),
                    ("extension_requested", "申请延期"),
                    ("hold_requested", "申请挂账"),
                    ("on_hold", "挂账中"),
                    ("disposed", "处置完毕"),
                    ("checking", "核查中"),
                    ("checked", "核查通过"),
                    ("self_handled", "自行处置待审"),
                    ("closed", "已结案"),
                ],
                max_length=24,
                verbose_name="state",
            ),
        ),
        migrations.AlterField(
            model_name="case",
            name="street",
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
            model_name="caseevent",
            name="actor_unit",
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
            model_name="casestep",
            name="district",
            field=models.ForeignKey(
                db_index=False, on_delete=django.db.models.deletion.PROTECT, related_name="+", to="core.unit"
            ),
        ),
        migrations.AlterField(
            model_name="casestep",
            name="ended_by",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="casestep",
            name="started_by",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to=settings.AUTH_USER_MODEL,
            ),
        ),
        migrations.AlterField(
            model_name="casestep",
            name="unit",
            field=models.ForeignKey(
                blank=True,
                db_index=False,
                help_text="unit owning the step",
                null=True,
                on_delete=django.db.models.deletion.PROTECT,
                related_name="+",
                to="core.unit",
            ),
        ),
        migrations.AlterField(
            model_name="caseevent",
            name="case",
            field=models.ForeignKey(
                db_index=False,
                on_delete=django.db.models.deletion.CASCADE,
                related_name="events",
                to="cases.case",
            ),
        ),
    ]

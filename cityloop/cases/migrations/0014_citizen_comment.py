"""The reporter's rating comment on the case itself (it was kept only in the audit entry), so the
staff case page and the API show it; existing comments are copied from their audit entries."""

from django.db import migrations, models


def copy_from_audit(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    AuditEntry = apps.get_model("core", "AuditEntry")
    rated = AuditEntry.objects.filter(action="case.rate", object_type="cases.case").order_by("id")
    for entry in rated.iterator():
        comment = ((entry.after or {}).get("comment") or "").strip()
        if comment and entry.object_id.isdigit():
            Case.objects.filter(pk=int(entry.object_id), citizen_comment="").update(citizen_comment=comment)


class Migration(migrations.Migration):
    dependencies = [
        ("cases", "0013_step_runs"),
        ("core", "0010_rate_counter"),
    ]

    operations = [
        migrations.AddField(model_name="case", name="citizen_comment", field=models.TextField(blank=True)),
        migrations.RunPython(copy_from_audit, migrations.RunPython.noop),
    ]

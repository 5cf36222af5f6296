"""The IoT channel cases from sensors arrive on, and the city's starting policy per kind of sensor
(data: edit in the admin). A device that watches a component reports as that component's subclass;
these categories serve devices that watch none."""

from django.db import migrations

POLICIES = [
    # kind, category kind, code, recovery, minutes
    ("manhole_tilt", "component", "0114", "check", 240),
    ("water_level", "event", "0406", "close", 360),
    ("bin_fill", "component", "0305", "close", 240),
    ("streetlight_fault", "component", "0118", "check", 1440),
]


def load(apps, schema_editor):
    Channel = apps.get_model("cases", "Channel")
    Channel.objects.update_or_create(
        code="iot_sensor",
        defaults={
            "name": "物联感知",
            "name_en": "IoT sensor",
            "needs_verification": False,
            "needs_return_visit": False,
            "is_public": False,
            "accepts_anonymous": False,
        },
    )
    Category = apps.get_model("catalog", "Category")
    Policy = apps.get_model("sensors", "SensorPolicy")
    for kind, category_kind, code, recovery, minutes in POLICIES:
        category = Category.objects.filter(kind=category_kind, code=code, parent__isnull=False).first()
        if category is not None:
            Policy.objects.update_or_create(
                kind=kind, defaults={"category": category, "recovery": recovery, "recovery_minutes": minutes}
            )


class Migration(migrations.Migration):
    dependencies = [("sensors", "0001_initial"), ("cases", "0019_merged_state")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

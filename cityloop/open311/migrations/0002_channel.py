"""The report channel ``open311``: service requests from client applications, reported by the
public (name and phone kept private) and verified on site first, as the citizen app's are."""

from django.db import migrations

CHANNEL = {
    "name": "Open311应用",
    "name_en": "Open311 client application",
    "needs_verification": True,
    "needs_return_visit": False,
    "is_public": True,
    # Posted as the public account (client applications carry no staff role): the api_key is what
    # admits a request, and the client is kept beside the case.
    "accepts_anonymous": True,
    "active": True,
}


def load(apps, schema_editor):
    Channel = apps.get_model("cases", "Channel")
    Channel.objects.update_or_create(code="open311", defaults=CHANNEL)


def unload(apps, schema_editor):
    Channel = apps.get_model("cases", "Channel")
    Case = apps.get_model("cases", "Case")
    if not Case.objects.filter(channel__code="open311").exists():
        Channel.objects.filter(code="open311").delete()


class Migration(migrations.Migration):
    dependencies = [("open311", "0001_initial"), ("cases", "0002_channels")]
    operations = [migrations.RunPython(load, unload)]

"""The source channels real systems use (DOMAIN.md §8). Data: edit or add more in the admin."""

from django.db import migrations

# code, name, English name, needs verification, needs return visit, reported by the public
CHANNELS = [
    ("supervisor", "监督员上报", "grid supervisor", False, False, False),
    ("hotline_12345", "12345热线", "12345 government hotline", True, True, True),
    ("hotline_12319", "12319热线", "12319 urban-construction hotline", True, True, True),
    ("police_110", "110联动", "110 police transfer", True, False, False),
    ("mayor_mailbox", "市长信箱", "mayor's mailbox", True, True, True),
    ("citizen_app", "市民APP/小程序", "citizen app / mini-program", True, False, True),
    ("citizen_web", "市民网站", "citizen web", True, False, True),
]
# Channels citizens may use without an account.
ANONYMOUS = {"citizen_app", "citizen_web"}
_MORE = [
    ("video_patrol", "视频巡查", "video patrol", False, False, False),
    ("community_head", "三长上报", "community head", True, False, False),
    ("frontage_holder", "门前三包责任人", "frontage-zone holder", True, False, False),
    ("leader_instruction", "领导交办", "leader's instruction", False, False, False),
    ("media", "媒体曝光", "media", True, False, False),
]
CHANNELS += _MORE


def load(apps, schema_editor):
    Channel = apps.get_model("cases", "Channel")
    for code, name, name_en, verify, visit, public in CHANNELS:
        Channel.objects.update_or_create(
            code=code,
            defaults={
                "name": name,
                "name_en": name_en,
                "needs_verification": verify,
                "needs_return_visit": visit,
                "is_public": public,
                "accepts_anonymous": code in ANONYMOUS,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("cases", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

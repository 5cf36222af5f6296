from django.db import migrations

DUTIES = (
    ("sanitation", "市容卫生", "门前清扫保洁，无乱扔乱倒、乱贴乱画", 10),
    ("order", "秩序", "无出店经营、乱堆乱放、乱停车", 20),
    ("greening", "绿化/设施", "门前绿化和公共设施完好，无损毁占用", 30),
)


def load(apps, schema_editor):
    Duty = apps.get_model("frontage", "Duty")
    for code, name, description, order in DUTIES:
        Duty.objects.get_or_create(code=code, defaults={"name": name, "description": description, "order": order})


class Migration(migrations.Migration):
    dependencies = [("frontage", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

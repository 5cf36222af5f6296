from django.db import migrations

# duty, code, text, weight, case category (catalog event code), order
ITEMS = (
    ("sanitation", "san_clean", "门前路面清扫干净，无垃圾、污水、积存渣土", 10, "0104", 10),
    ("sanitation", "san_refuse", "无乱扔乱倒，无暴露垃圾", 10, "0102", 20),
    ("sanitation", "san_posting", "无乱贴乱画、小广告", 10, "0201", 30),
    ("order", "ord_outside", "无出店经营、店外摆卖", 15, "0504", 10),
    ("order", "ord_piling", "无乱堆物堆料", 10, "0507", 20),
    ("order", "ord_parking", "门前车辆停放有序", 10, "0506", 30),
    ("order", "ord_hanging", "无沿街晾挂", 5, "0511", 40),
    ("greening", "grn_green", "门前绿地整洁，无踩踏、无杂物", 10, "0106", 10),
    ("greening", "grn_facility", "门前公共设施完好，无损毁、占用", 10, "0199", 20),
    ("greening", "grn_sign", "门头招牌牢固完好", 10, "0205", 30),
)


def load(apps, schema_editor):
    Duty = apps.get_model("frontage", "Duty")
    Item = apps.get_model("frontage", "ChecklistItem")
    duties = {d.code: d for d in Duty.objects.all()}
    for duty, code, text, weight, category, order in ITEMS:
        if duty in duties:
            Item.objects.get_or_create(
                code=code,
                defaults={
                    "duty": duties[duty],
                    "text": text,
                    "weight": weight,
                    "category": category,
                    "order": order,
                },
            )


class Migration(migrations.Migration):
    dependencies = [("frontage", "0003_letters_inspections_notices")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]

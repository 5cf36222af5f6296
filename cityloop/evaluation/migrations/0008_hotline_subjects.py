"""Hotline satisfaction subjects (热线满意度): new choices, and room for their longer keys."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('evaluation', '0007_district_scheme'),
    ]

    operations = [
        migrations.AlterField(
            model_name='scheme',
            name='subject',
            field=models.CharField(choices=[('supervisor', 'Supervisors'), ('operator', 'Acceptance operators'), ('shift_leader', 'Shift leaders'), ('dispatcher', 'Dispatchers'), ('department', 'Departments'), ('district', 'Districts'), ('street', 'Streets'), ('community', 'Communities'), ('grid', 'Unit grids'), ('hotline_department', 'Departments: hotline satisfaction'), ('hotline_district', 'Districts: hotline satisfaction'), ('hotline_street', 'Streets: hotline satisfaction')], max_length=24, verbose_name='subject'),
        ),
        migrations.AlterField(
            model_name='score',
            name='subject',
            field=models.CharField(choices=[('supervisor', 'Supervisors'), ('operator', 'Acceptance operators'), ('shift_leader', 'Shift leaders'), ('dispatcher', 'Dispatchers'), ('department', 'Departments'), ('district', 'Districts'), ('street', 'Streets'), ('community', 'Communities'), ('grid', 'Unit grids'), ('hotline_department', 'Departments: hotline satisfaction'), ('hotline_district', 'Districts: hotline satisfaction'), ('hotline_street', 'Streets: hotline satisfaction')], max_length=24, verbose_name='subject'),
        ),
    ]

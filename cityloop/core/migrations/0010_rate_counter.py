"""Rate limits count in their own table (``core.RateCounter``) instead of Django's database cache."""

from django.db import migrations, models


class Migration(migrations.Migration):

    dependencies = [
        ('core', '0009_audit_guard'),
    ]

    operations = [
        migrations.RunSQL("DROP TABLE IF EXISTS cityloop_ratelimit", migrations.RunSQL.noop),
        migrations.CreateModel(
            name='RateCounter',
            fields=[
                ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                ('key', models.CharField(max_length=64)),
                ('window', models.BigIntegerField()),
                ('count', models.PositiveIntegerField(default=0)),
            ],
            options={
                'verbose_name': 'rate counter',
                'indexes': [models.Index(fields=['window'], name='rate_counter_window_idx')],
                'constraints': [models.UniqueConstraint(fields=('key', 'window'), name='rate_counter_key_window')],
            },
        ),
    ]

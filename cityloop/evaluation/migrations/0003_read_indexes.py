"""Once covering indexes on the case tables, made here with raw SQL; they now live in the cases
models' ``Meta.indexes`` (cases migration 0011 replaces any this migration made on older databases).
Kept, empty, so the migration history stays whole."""

from django.db import migrations


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0002_standard_schemes"), ("cases", "0001_initial")]
    operations: list[migrations.operations.base.Operation] = []

"""Text search: each case's index terms (cases.search), with a full-text index of their own: an FTS5
table kept by triggers on SQLite, a GIN index over the terms on PostgreSQL. Existing cases are
indexed here."""

import django.db.models.deletion
from django.db import migrations, models

from cityloop.cases.search import case_terms

SQLITE_INDEX = [
    # Only which cases hold a term is kept (detail=none): a search asks for cases holding all terms.
    "CREATE VIRTUAL TABLE cases_casetext_fts USING fts5(terms, content='cases_casetext', "
    "content_rowid='case_id', detail='none', columnsize=0, tokenize='unicode61')",
    "CREATE TRIGGER cases_casetext_fts_insert AFTER INSERT ON cases_casetext BEGIN "
    "INSERT INTO cases_casetext_fts(rowid, terms) VALUES (new.case_id, new.terms); END",
    "CREATE TRIGGER cases_casetext_fts_delete AFTER DELETE ON cases_casetext BEGIN "
    "INSERT INTO cases_casetext_fts(cases_casetext_fts, rowid, terms) VALUES ('delete', old.case_id, old.terms); END",
    "CREATE TRIGGER cases_casetext_fts_update AFTER UPDATE ON cases_casetext BEGIN "
    "INSERT INTO cases_casetext_fts(cases_casetext_fts, rowid, terms) VALUES ('delete', old.case_id, old.terms); "
    "INSERT INTO cases_casetext_fts(rowid, terms) VALUES (new.case_id, new.terms); END",
]
SQLITE_DROP = [
    "DROP TRIGGER IF EXISTS cases_casetext_fts_insert",
    "DROP TRIGGER IF EXISTS cases_casetext_fts_delete",
    "DROP TRIGGER IF EXISTS cases_casetext_fts_update",
    "DROP TABLE IF EXISTS cases_casetext_fts",
]
POSTGRES_INDEX = ["CREATE INDEX casetext_terms_gin ON cases_casetext USING gin (string_to_array(terms, ' '))"]
POSTGRES_DROP = ["DROP INDEX IF EXISTS casetext_terms_gin"]


def _run(schema_editor, statements):
    for sql in statements:
        schema_editor.execute(sql)


def create_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, SQLITE_INDEX if vendor == "sqlite" else POSTGRES_INDEX)


def drop_index(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    _run(schema_editor, SQLITE_DROP if vendor == "sqlite" else POSTGRES_DROP)


def index_existing_cases(apps, schema_editor):
    Case = apps.get_model("cases", "Case")
    CaseText = apps.get_model("cases", "CaseText")
    db = schema_editor.connection.alias
    last = 0
    while True:
        rows = list(
            Case.objects.using(db)
            .filter(pk__gt=last)
            .order_by("pk")
            .values_list("pk", "number", "tracking_code", "description", "address")[:5000]
        )
        if not rows:
            return
        CaseText.objects.using(db).bulk_create(
            [CaseText(case_id=pk, terms=case_terms(*texts)) for pk, *texts in rows], batch_size=1000
        )
        last = rows[-1][0]


class Migration(migrations.Migration):
    dependencies = [("cases", "0007_fewer_write_indexes")]

    operations = [
        migrations.CreateModel(
            name="CaseText",
            fields=[
                (
                    "case",
                    models.OneToOneField(
                        on_delete=django.db.models.deletion.CASCADE,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="cases.case",
                    ),
                ),
                ("terms", models.TextField()),
            ],
        ),
        migrations.RunPython(create_index, drop_index),
        migrations.RunPython(index_existing_cases, migrations.RunPython.noop),
    ]

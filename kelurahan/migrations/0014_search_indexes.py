"""Indexes for the portal's forgiving search (portal/search.py, kelurahan/search.py).

The postal-code index is an ordinary one. On PostgreSQL (a no-op elsewhere, like 0002) GIN
indexes serve the matching: a trigram index on UPPER(name) (what `icontains` and the trigram
operators on Upper(name) compare) and one on the 'simple' full-text document, spelt exactly as
kelurahan.search.document builds it, so that the planner can use it (the SQL is kelurahan/search.py's,
beside the expressions it must match).
"""

from django.db import migrations, models

from kelurahan.search import document_index_sql, trigram_index_sql

TRIGRAM = {
    "kecamatan_name_upper_trgm": ("kelurahan_kecamatan", "name"),
    "article_title_upper_trgm": ("kelurahan_article", "title"),
    "cityservice_name_upper_trgm": ("kelurahan_cityservice", "name"),
    "service_name_upper_trgm": ("kelurahan_service", "name"),
}
DOCUMENT = {
    "article_document": ("kelurahan_article", ("title", "summary", "body")),
    "cityservice_document": ("kelurahan_cityservice", ("name", "description")),
    "service_document": ("kelurahan_service", ("name", "description")),
}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for index, (table, column) in TRIGRAM.items():
        schema_editor.execute(trigram_index_sql(index, table, column))
    for index, (table, columns) in DOCUMENT.items():
        schema_editor.execute(document_index_sql(index, table, columns))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for index in (*TRIGRAM, *DOCUMENT):
            schema_editor.execute(f"DROP INDEX IF EXISTS {index}")


class Migration(migrations.Migration):
    dependencies = [("kelurahan", "0013_procrastinate_failed_jobs_index")]

    operations = [
        migrations.AddIndex(
            model_name="kelurahan",
            index=models.Index(fields=["postal_code"], name="kelurahan_postal_code"),
        ),
        migrations.RunPython(create, drop, elidable=False),
    ]

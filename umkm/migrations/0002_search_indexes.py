"""GIN indexes for the portal's search of UMKM and wisata on PostgreSQL (a no-op elsewhere):
trigram on UPPER(name) and the 'simple' full-text document of name and description
(kelurahan/search.py)."""

from django.db import migrations

from kelurahan.search import document_index_sql, trigram_index_sql

TABLES = {"business": "umkm_business", "tourismspot": "umkm_tourismspot"}


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    for model, table in TABLES.items():
        schema_editor.execute(trigram_index_sql(f"{model}_name_upper_trgm", table, "name"))
        schema_editor.execute(
            document_index_sql(f"{model}_document", table, ("name", "description"))
        )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for model in TABLES:
            schema_editor.execute(f"DROP INDEX IF EXISTS {model}_name_upper_trgm")
            schema_editor.execute(f"DROP INDEX IF EXISTS {model}_document")


class Migration(migrations.Migration):
    dependencies = [("umkm", "0001_initial"), ("kelurahan", "0002_kelurahan_name_trigram")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

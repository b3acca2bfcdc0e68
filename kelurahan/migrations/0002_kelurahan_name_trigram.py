"""A trigram index for the city-wide kelurahan search on PostgreSQL (a no-op elsewhere).

Django's `name__icontains` becomes `UPPER(name::text) LIKE UPPER('%…%')`; a GIN trigram index on
that very expression lets PostgreSQL find matches among 83,762 kelurahan without a full scan.
pg_trgm is a trusted extension (PostgreSQL 13+): the database owner may create it.
"""

from django.db import migrations

INDEX = "kelurahan_name_upper_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(
        f"CREATE INDEX IF NOT EXISTS {INDEX} ON kelurahan_kelurahan "
        "USING gin ((UPPER(name::text)) gin_trgm_ops)"
    )


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [("kelurahan", "0001_initial")]

    operations = [migrations.RunPython(create, drop, elidable=False)]

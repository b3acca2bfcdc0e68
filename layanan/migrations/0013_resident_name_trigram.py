"""A trigram index on the resident's name on PostgreSQL (a no-op elsewhere), for the staff's
search by a name fragment (ResidentAdmin.get_search_results: `name__icontains`, which Django
writes UPPER(name::text) LIKE UPPER('%…%'), the expression indexed here). Without it, finding
"lestari" among 100,000 residents read the whole table."""

from django.db import migrations

from kelurahan.search import trigram_index_sql

INDEX = "resident_name_upper_trgm"


def create(apps, schema_editor):
    if schema_editor.connection.vendor != "postgresql":
        return
    schema_editor.execute("CREATE EXTENSION IF NOT EXISTS pg_trgm")
    schema_editor.execute(trigram_index_sql(INDEX, "layanan_resident", "name"))


def drop(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(f"DROP INDEX IF EXISTS {INDEX}")


class Migration(migrations.Migration):
    dependencies = [
        ("layanan", "0012_letter_types_follow_the_city_catalog"),
        ("kelurahan", "0002_kelurahan_name_trigram"),
    ]

    operations = [migrations.RunPython(create, drop, elidable=False)]

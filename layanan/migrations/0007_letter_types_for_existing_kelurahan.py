"""Letter types for kelurahan provisioned before provisioning made them (they used to be made on
the first visit of the letter-type list, a write on GET). Kinds a kelurahan has stay untouched."""

from django.db import migrations


def letter_types_create(apps, schema_editor):
    from layanan.kinds import KINDS  # the kinds as the code has them now

    Kelurahan = apps.get_model("kelurahan", "Kelurahan")
    Service = apps.get_model("kelurahan", "Service")
    LetterType = apps.get_model("layanan", "LetterType")
    kelurahan_ids = list(Kelurahan.objects.values_list("pk", flat=True))
    for start in range(0, len(kelurahan_ids), 500):
        chunk = kelurahan_ids[start : start + 500]
        services = {
            (kelurahan_id, slug): pk
            for pk, kelurahan_id, slug in Service.objects.filter(
                kelurahan_id__in=chunk, slug__in=[k.catalog_slug for k in KINDS.values()]
            ).values_list("pk", "kelurahan_id", "slug")
        }
        LetterType.objects.bulk_create(
            [
                LetterType(
                    kelurahan_id=kelurahan_id,
                    kind=kind.key,
                    name=kind.name,
                    classification=kind.classification,
                    service_id=services.get((kelurahan_id, kind.catalog_slug)),
                )
                for kelurahan_id in chunk
                for kind in KINDS.values()
            ],
            batch_size=2000,
            ignore_conflicts=True,
        )


class Migration(migrations.Migration):
    dependencies = [
        ("kelurahan", "0003_city_logo"),
        ("layanan", "0006_letter_signed_at_index"),
    ]

    operations = [migrations.RunPython(letter_types_create, migrations.RunPython.noop)]

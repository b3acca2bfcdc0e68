"""Letter types come with provisioning, so staff find them at once and no page writes on GET."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from kelurahan.models import CityService, Kelurahan
from kelurahan.services import region_provision
from layanan.kinds import KINDS
from layanan.models import LetterType

pytestmark = pytest.mark.django_db


def test_a_provisioned_kelurahan_has_every_kind_linked_to_its_catalog_entry(kelurahan_a):
    types = {t.kind: t for t in LetterType.objects.for_kelurahan(kelurahan_a)}
    assert set(types) == set(KINDS)
    for key, kind in KINDS.items():
        assert (types[key].name, types[key].classification) == (kind.name, kind.classification)
        # The city's entry of the kind's catalog slug: nothing is copied into the kelurahan.
        entry = CityService.objects.get(city=kelurahan_a.kecamatan.city, slug=kind.catalog_slug)
        assert types[key].service is None
        assert types[key].catalog_entry == entry


def test_provisioning_again_leaves_edited_letter_types_alone(kelurahan_a):
    LetterType.objects.for_kelurahan(kelurahan_a).filter(kind="skuter").update(name="Skuter kami")
    region_provision(codes=["33.72.01"])
    skuter = LetterType.objects.for_kelurahan(kelurahan_a).get(kind="skuter")
    assert skuter.name == "Skuter kami"
    assert LetterType.objects.for_kelurahan(kelurahan_a).count() == len(KINDS)


def test_every_kelurahan_of_a_city_gets_its_letter_types_in_one_run(kecamatan_laweyan):
    counts = {k.pk: 0 for k in Kelurahan.objects.filter(kecamatan__code="33.72.01")}
    for row in LetterType.objects.unscoped("count per kelurahan").values_list("kelurahan_id"):
        counts[row[0]] += 1
    assert set(counts.values()) == {len(KINDS)}


def test_the_letter_type_list_writes_nothing(as_operator_a, kelurahan_a):
    LetterType.objects.for_kelurahan(kelurahan_a).filter(kind="usaha").delete()
    with CaptureQueriesContext(connection) as captured:
        response = as_operator_a.get(reverse("admin:layanan_lettertype_changelist"))
    assert response.status_code == 200
    writes = [q["sql"] for q in captured.captured_queries if q["sql"].startswith("INSERT")]
    assert not [sql for sql in writes if "layanan_lettertype" in sql]
    assert not LetterType.objects.for_kelurahan(kelurahan_a).filter(kind="usaha").exists()

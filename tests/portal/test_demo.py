"""The demo city `make run` starts with lets a visitor try the letter flow at once."""

from django.contrib.auth import get_user_model
from django.urls import reverse

from layanan.models import Resident
from layanan.nik import parse_nik
from portal.demo import DEMO_NIK


def test_the_demo_register_prefills_a_letter_for_the_printed_nik(client, demo_city):
    operator = get_user_model().objects.get(username="operator.pajang")
    client.force_login(operator)

    response = client.get(
        reverse("admin:layanan_letter_issue"), {"kind": "skuter", "nik": DEMO_NIK}
    )

    assert response.status_code == 200
    assert response.context["form"].initial["name"] == "Budi Santoso"


def test_every_demo_resident_has_a_valid_nik_matching_birth_date_and_sex(demo_city):
    residents = Resident.objects.filter(kelurahan__slug="pajang")

    assert residents.count() > 20
    for resident in residents:
        nik = parse_nik(resident.nik)
        assert (nik.birth_date, nik.sex) == (resident.birth_date, resident.sex)

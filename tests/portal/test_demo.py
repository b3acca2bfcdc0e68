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


def test_the_demo_operators_work_page_has_a_morning_of_work(client, demo_city):
    client.force_login(get_user_model().objects.get(username="operator.pajang"))

    buckets = {bucket.key: bucket.count for bucket in client.get("/admin/").context["buckets"]}

    assert buckets["new"] == 2 and buckets["to_sign"] == 1
    assert buckets["late"] == 1  # the request sent nine days ago


def test_the_demo_lurah_signs_the_waiting_letter(client, demo_city, settings):
    settings.PORTAL_URL = "https://portal.surakarta.go.id"
    lurah = get_user_model().objects.get(username="lurah.pajang")
    client.force_login(lurah)
    letter = client.get("/admin/").context["to_sign"].letters[0]
    page = client.get(reverse("admin:layanan_letter_change", args=[letter.pk]))
    authority = page.context["sign_form"]["authority"].initial  # their one authority, chosen

    client.post(
        reverse("admin:layanan_letter_move", args=[letter.pk, "sign"]), {"authority": authority}
    )

    letter.refresh_from_db()
    assert letter.state == "signed" and letter.signed_by == lurah


def test_the_demo_diskominfo_manages_every_kelurahan_of_the_demo_city(client, demo_city):
    client.force_login(get_user_model().objects.get(username="diskominfo"))

    listed = client.get("/admin/kelurahan/kelurahan/").context["cl"].result_count

    assert listed == demo_city.count() > 0

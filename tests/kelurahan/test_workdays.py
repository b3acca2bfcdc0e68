"""Working days (kelurahan/workdays.py): weekends, Indonesia's public holidays and cuti bersama,
and the days off Diskominfo adds for its city; and the expected date residents see on their
receipt and tracking page."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone

from kelurahan import workdays
from kelurahan.models import CityDayOff
from layanan.models import Letter
from tests.layanan.online import request_form, request_url

D = datetime.date


def test_national_days_off_hold_holidays_and_cuti_bersama():
    days = workdays.national_days_off(2026)

    assert D(2026, 8, 17) in days  # Hari Kemerdekaan
    assert D(2026, 12, 25) in days  # Natal
    assert D(2026, 12, 24) in days  # cuti bersama Natal
    assert D(2026, 3, 20) in days  # cuti bersama Idul Fitri
    assert D(2026, 12, 7) not in days


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (D(2026, 12, 7), 1, D(2026, 12, 8)),  # Monday + 1: Tuesday
        (D(2026, 12, 4), 1, D(2026, 12, 7)),  # Friday + 1: Monday
        (D(2026, 12, 5), 1, D(2026, 12, 7)),  # Saturday + 1: Monday
        (D(2026, 12, 4), 5, D(2026, 12, 11)),  # a working week
        (D(2026, 12, 23), 1, D(2026, 12, 28)),  # cuti bersama, Natal and a weekend skipped
        (D(2026, 12, 5), 0, D(2026, 12, 7)),  # nothing promised, on a Saturday: Monday
        (D(2026, 12, 7), 0, D(2026, 12, 7)),
    ],
)
def test_promised_days_are_counted_in_working_days(start, days, expected):
    assert workdays.Calendar().add(start, days) == expected


@pytest.mark.django_db
def test_a_citys_own_day_off_is_skipped_and_only_for_that_city(kelurahan_a, kelurahan_b):
    city = kelurahan_a.kecamatan.city
    CityDayOff.objects.create(city=city, date=D(2026, 12, 8), name="Hari jadi kota")

    assert workdays.expected_date(city_id=city.pk, start=D(2026, 12, 7), days=1) == D(2026, 12, 9)
    other = kelurahan_b.kecamatan.city
    if other.pk != city.pk:
        assert workdays.expected_date(city_id=other.pk, start=D(2026, 12, 7), days=1) == D(
            2026, 12, 8
        )


def test_working_days_between_two_dates():
    calendar = workdays.Calendar()

    assert calendar.between(D(2026, 12, 4), D(2026, 12, 11)) == 5
    assert calendar.between(D(2026, 12, 23), D(2026, 12, 28)) == 1
    assert calendar.between(D(2026, 12, 11), D(2026, 12, 4)) == 0


@pytest.mark.django_db
def test_the_receipt_and_the_tracking_page_show_the_expected_date(client, kelurahan_a):
    response = client.post(request_url(kelurahan_a), request_form())
    assert response.status_code == 302
    letter = Letter.objects.get()
    service = letter.letter_type.catalog_entry  # the city's entry the kelurahan follows
    service.service_days = 1
    service.save()
    arrived = datetime.datetime(2026, 12, 23, 10, 0, tzinfo=timezone.get_current_timezone())
    Letter.objects.filter(pk=letter.pk).update(created_at=arrived)

    receipt = client.get(response["Location"])
    tracked = client.post(
        reverse("layanan:track"), {"code": letter.tracking_code, "nik_last4": letter.nik[-4:]}
    )

    for page in (receipt, tracked):
        assert (
            '<strong id="expected-date">Senin, 28 Desember 2026</strong>' in page.content.decode()
        )


@pytest.mark.django_db
def test_a_decided_request_shows_no_expected_date(client, kelurahan_a):
    response = client.post(request_url(kelurahan_a), request_form())
    letter = Letter.objects.get()
    Letter.objects.filter(pk=letter.pk).update(state=Letter.State.REJECTED, reason="Data salah")

    tracked = client.post(
        reverse("layanan:track"), {"code": letter.tracking_code, "nik_last4": letter.nik[-4:]}
    )

    assert response.status_code == 302
    assert 'id="expected-date"' not in tracked.content.decode()


@pytest.mark.django_db
def test_diskominfo_adds_a_day_off_on_the_city_page(as_diskominfo, kelurahan_a):
    city = kelurahan_a.kecamatan.city
    url = reverse("admin:kelurahan_city_change", args=[city.pk])
    assert 'name="days_off-0-date"' in as_diskominfo.get(url).content.decode()

    response = as_diskominfo.post(
        url,
        {
            "host": "",
            "kelurahan_host_pattern": "",
            "days_off-TOTAL_FORMS": "1",
            "days_off-INITIAL_FORMS": "0",
            "days_off-MIN_NUM_FORMS": "0",
            "days_off-MAX_NUM_FORMS": "1000",
            "days_off-0-date": "2026-12-08",
            "days_off-0-name": "Hari jadi kota",
        },
    )

    assert response.status_code == 302, response.content.decode()[-1500:]
    assert list(city.days_off.values_list("date", "name")) == [(D(2026, 12, 8), "Hari jadi kota")]


@pytest.mark.parametrize(
    ("today", "days", "last_overdue_arrival"),
    [
        (D(2026, 12, 9), 1, D(2026, 12, 7)),  # Monday's request was due Tuesday
        (D(2026, 12, 7), 1, D(2026, 12, 3)),  # Monday: Friday's is due today, Thursday's late
        (D(2026, 12, 28), 1, D(2026, 12, 22)),  # after Natal: the 23rd's is due today
    ],
)
def test_the_last_arrival_day_past_its_promise(today, days, last_overdue_arrival):
    assert workdays.Calendar().latest_start_overdue(today, days) == last_overdue_arrival

"""Letters past their promised date (layanan.selectors.letters_past_promise): open letters whose
service's working days, counted from the day they arrived, ended before today."""

from __future__ import annotations

import datetime

import pytest
from django.utils import timezone

from layanan import selectors
from layanan.models import Letter

D = datetime.date


@pytest.mark.django_db
def test_letters_past_their_promised_date_in_a_fixed_number_of_queries(
    kelurahan_a, submitted_letter, django_assert_num_queries
):
    service = submitted_letter.letter_type.catalog_entry
    service.service_days = 1
    service.save()
    zone = timezone.get_current_timezone()
    arrivals = {
        "late": datetime.datetime(2026, 12, 3, 15, 0, tzinfo=zone),  # Thursday: due Friday
        "due today": datetime.datetime(2026, 12, 4, 9, 0, tzinfo=zone),  # due Monday
    }
    letters = {}
    for label, arrived in arrivals.items():
        letter = Letter.objects.get(pk=submitted_letter.pk)
        letter.pk, letter.tracking_code, letter.request_key = None, None, None
        letter.save()
        Letter.objects.filter(pk=letter.pk).update(created_at=arrived)
        letters[label] = letter.pk
    Letter.objects.filter(pk=submitted_letter.pk).update(state=Letter.State.REJECTED)
    late_one = Letter.objects.filter(pk=letters["late"])
    city_id = kelurahan_a.kecamatan.city_id

    with django_assert_num_queries(3):
        late = list(
            selectors.letters_past_promise(
                Letter.objects.for_kelurahan(kelurahan_a), city_id=city_id, today=D(2026, 12, 7)
            ).values_list("pk", flat=True)
        )

    assert late == [letters["late"]]
    late_one.update(state=Letter.State.REJECTED)  # decided letters are never late
    assert not selectors.letters_past_promise(
        Letter.objects.for_kelurahan(kelurahan_a), city_id=city_id, today=D(2026, 12, 7)
    ).filter(pk=letters["late"])


@pytest.mark.django_db
def test_a_kelurahans_own_version_of_the_service_sets_the_promise(kelurahan_a, submitted_letter):
    """The city promises one working day; Pajang's own version promises five: a letter that
    arrived on Thursday is late by the city's count on Monday, not by Pajang's."""
    from kelurahan.catalog import service_customise

    entry = submitted_letter.letter_type.city_service
    entry.service_days = 1
    entry.save()
    zone = timezone.get_current_timezone()
    Letter.objects.filter(pk=submitted_letter.pk).update(
        created_at=datetime.datetime(2026, 12, 3, 15, 0, tzinfo=zone)
    )
    letters = Letter.objects.for_kelurahan(kelurahan_a)
    city_id = kelurahan_a.kecamatan.city_id
    monday = D(2026, 12, 7)
    assert selectors.letters_past_promise(letters, city_id=city_id, today=monday).exists()

    version = service_customise(kelurahan=kelurahan_a, city_service=entry)
    version.service_days = 5
    version.save()

    assert not selectors.letters_past_promise(letters, city_id=city_id, today=monday).exists()
    assert not selectors.letters_past_promise_everywhere(letters, today=monday).exists()
    letter = Letter.objects.for_kelurahan(kelurahan_a).select_related("kelurahan__kecamatan").get()
    assert selectors.letter_expected_date(letter) == D(2026, 12, 10)

"""The letter archive in the admin: search and filters, including the date range."""

from __future__ import annotations

import datetime

import pytest
from django.conf import settings
from django.urls import reverse
from django.utils import timezone

from layanan.models import Letter

LIST_URL = reverse("admin:layanan_letter_changelist")


@pytest.fixture
def archive(issue, operator_a, operator_b, kelurahan_a, kelurahan_b):
    """Three letters of kelurahan A made on 1, 15 and 28 March 2026, one of B on 15 March."""
    made = {}
    for name in ("Awal Maret", "Tengah Maret", "Akhir Maret"):
        made[name] = issue(kelurahan_a, operator_a, name=name)
    made["Tetangga"] = issue(kelurahan_b, operator_b, name="Tetangga")
    zone = timezone.get_current_timezone()
    for name, day in (
        ("Awal Maret", 1),
        ("Tengah Maret", 15),
        ("Akhir Maret", 28),
        ("Tetangga", 15),
    ):
        # 23:30 local time: the local date, not the UTC one, decides the day.
        at = datetime.datetime(2026, 3, day, 23, 30, tzinfo=zone)
        Letter.objects.filter(pk=made[name].pk).update(created_at=at)
    return made


def listed(client, **params) -> set[str]:
    response = client.get(LIST_URL, params)
    assert response.status_code == 200
    return {letter.name for letter in response.context["cl"].result_list}


def test_operator_filters_the_archive_by_a_date_range(client, operator_a, archive):
    client.force_login(operator_a)

    assert listed(client) == {"Awal Maret", "Tengah Maret", "Akhir Maret"}
    window = {"created_at__date__gte": "2026-03-02", "created_at__date__lte": "2026-03-28"}
    assert listed(client, **window) == {"Tengah Maret", "Akhir Maret"}
    assert listed(client, created_at__date__lte="2026-03-15") == {"Awal Maret", "Tengah Maret"}
    assert listed(client, created_at__date__gte="2026-03-16") == {"Akhir Maret"}
    # Combined with the other filters and the search box.
    assert listed(client, q="Tengah", **window) == {"Tengah Maret"}


def test_a_range_that_is_backwards_or_not_a_date_says_so_and_filters_nothing(
    client, operator_a, archive
):
    client.force_login(operator_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"

    backwards = client.get(
        LIST_URL, {"created_at__date__gte": "2026-03-20", "created_at__date__lte": "2026-03-01"}
    )
    assert backwards.status_code == 200
    assert "is after the end date" in backwards.content.decode()
    assert len(backwards.context["cl"].result_list) == 3

    nonsense = client.get(LIST_URL, {"created_at__date__gte": "31-02-2026x"})
    assert nonsense.status_code == 200
    assert "Enter a valid date." in nonsense.content.decode()
    assert len(nonsense.context["cl"].result_list) == 3


def test_the_date_range_never_reaches_another_kelurahans_letters(client, operator_b, archive):
    client.force_login(operator_b)

    assert listed(
        client, created_at__date__gte="2026-03-01", created_at__date__lte="2026-03-31"
    ) == {"Tetangga"}

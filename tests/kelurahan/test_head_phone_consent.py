"""An RT or RW head's phone is shown on the public site only from the day the head agreed to it
(issue 17: numbers that were shown without any record of consent are hidden until staff record
it)."""

from __future__ import annotations

import datetime

import pytest
from django.urls import reverse
from django.utils import timezone
from pytest_django.asserts import assertContains, assertNotContains

from kelurahan.models import RW
from tests.factories import RTFactory, RWFactory
from tests.kelurahan.test_admin_isolation import INLINE_RT_MANAGEMENT
from tests.layanan.helpers import said

pytestmark = pytest.mark.django_db


def rt_rw_page(client, kelurahan):
    return client.get(reverse("kelurahan:rt_rw", kwargs={"slug": kelurahan.slug}))


def test_a_heads_phone_is_hidden_until_the_consent_is_recorded(client, kelurahan_a):
    rw = RWFactory(kelurahan=kelurahan_a, number=7, head_name="Pak Harjo", phone="0812 1111 2222")
    RTFactory(kelurahan=kelurahan_a, rw=rw, number=1, head_name="Bu Sri", phone="0813 3333 4444")

    before = rt_rw_page(client, kelurahan_a)

    assertContains(before, "Pak Harjo")
    assertContains(before, "Bu Sri")
    assertNotContains(before, "0812")
    assertNotContains(before, "0813")

    agreed = timezone.localdate() - datetime.timedelta(days=3)
    rw.phone_public_since = agreed
    rw.save()
    rt = rw.rts.get()
    rt.phone_public_since = agreed
    rt.save()
    after = rt_rw_page(client, kelurahan_a)

    assertContains(after, 'href="tel:081211112222"')
    assertContains(after, 'href="tel:081333334444"')


def _rw_form(rw, **changes) -> dict:
    data = {
        "kelurahan": str(rw.kelurahan_id),
        "number": str(rw.number),
        "head_name": rw.head_name,
        "phone": rw.phone,
        "phone_public_since": "",
        **INLINE_RT_MANAGEMENT,
    }
    data.update(changes)
    return data


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        (
            {"phone": "", "phone_public_since": "2026-01-05"},
            "There is no number to show: fill in the phone number, or leave this date empty.",
        ),
        (
            {"phone_public_since": "2999-01-01"},
            "The day the head agreed cannot be in the future.",
        ),
    ],
)
def test_a_consent_without_a_number_or_in_the_future_is_refused_and_nothing_saved(
    as_operator_a, kelurahan_a, changes, message
):
    rw = RWFactory(kelurahan=kelurahan_a, number=8, head_name="Pak Joko", phone="0812 5555 6666")
    change = reverse("admin:kelurahan_rw_change", args=[rw.pk])

    response = as_operator_a.post(change, _rw_form(rw, **changes))

    assert response.status_code == 200  # the form again, with the message
    assertContains(response, said(response, message))
    stored = RW.objects.for_kelurahan(kelurahan_a).get(pk=rw.pk)
    assert (stored.phone, stored.phone_public_since) == ("0812 5555 6666", None)


def test_staff_record_the_day_the_head_agreed(as_operator_a, kelurahan_a):
    rw = RWFactory(kelurahan=kelurahan_a, number=9, head_name="Pak Budi", phone="0812 7777 8888")
    change = reverse("admin:kelurahan_rw_change", args=[rw.pk])

    response = as_operator_a.post(change, _rw_form(rw, phone_public_since="2026-11-30"))

    assert response.status_code == 302
    stored = RW.objects.for_kelurahan(kelurahan_a).get(pk=rw.pk)
    assert stored.phone_public_since == datetime.date(2026, 11, 30)
    assert stored.public_phone == "0812 7777 8888"


# --- Streets per RT ----------------------------------------------------------------------------


def test_a_resident_finds_their_rt_by_street_on_the_rt_rw_page(client, kelurahan_a):
    rw = RWFactory(kelurahan=kelurahan_a, number=7, head_name="Pak Harjo")
    RTFactory(
        kelurahan=kelurahan_a,
        rw=rw,
        number=3,
        head_name="Bu Sri",
        streets="Jalan Mawar Gg. 2\nKampung Sidorejo",
    )
    RTFactory(kelurahan=kelurahan_a, rw=rw, number=4, head_name="Pak Dul", streets="Jalan Melati")
    page = reverse("kelurahan:rt_rw", kwargs={"slug": kelurahan_a.slug})

    found = client.get(page, {"jalan": "jl mawar"})
    nothing = client.get(page, {"jalan": "<script>alert(1)</script>"})

    assertContains(found, '<a href="#rw-7"><strong>RT 003 / RW 007</strong></a>: Jalan Mawar Gg. 2')
    assertNotContains(found, "<strong>RT 004")
    assertContains(
        nothing,
        said(
            nothing,
            "No RT lists that street yet. Try one word of its name, or ask at the kelurahan "
            "office.",
        ),
    )
    assertNotContains(nothing, "<script>alert(1)</script>")
    # Every RT's streets are on the page without a search too.
    assertContains(client.get(page), "Jalan Mawar Gg. 2, Kampung Sidorejo")


def test_the_site_search_finds_an_rt_by_its_street(client, kelurahan_a, kelurahan_b):
    mine = RWFactory(kelurahan=kelurahan_a, number=5)
    RTFactory(kelurahan=kelurahan_a, rw=mine, number=2, streets="Gang Kenanga")
    elsewhere = RWFactory(kelurahan=kelurahan_b, number=5)
    RTFactory(kelurahan=kelurahan_b, rw=elsewhere, number=9, streets="Gang Kenanga Baru")
    kelurahan_b.is_active = False
    kelurahan_b.save()

    results = client.get("/cari/", {"q": "kenanga"}).context["results"]

    [rt_group] = [group for group in results.groups if group.key == "rt"]
    [hit] = rt_group.hits
    assert hit.title == "RT 002 / RW 005"
    assert hit.url == reverse("kelurahan:rt_rw", kwargs={"slug": kelurahan_a.slug}) + "#rw-5"
    assert kelurahan_a.name in hit.where and hit.snippet == "Gang Kenanga"

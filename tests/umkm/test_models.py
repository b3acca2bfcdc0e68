"""Invariants the database keeps (coordinates in Indonesia, one slug per kelurahan, one cover,
ordered prices) and the WhatsApp number's normal form."""

from __future__ import annotations

from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction

from tests.factories import BusinessFactory, ProductFactory, TourismSpotFactory
from umkm.forms import BusinessProposalForm
from umkm.models import Business, BusinessCategory, BusinessPhoto, TourismSpot
from umkm.whatsapp import normalize_whatsapp

pytestmark = pytest.mark.django_db

# Just outside each edge of the box (about 6°N–11°S, 95°E–141°E, generous at the edges).
OUTSIDE = [
    ("6.6", "110.8"),  # north of Miangas
    ("-11.6", "110.8"),  # south of Rote
    ("-7.5", "94.4"),  # west of Sabang
    ("-7.5", "141.6"),  # east of Merauke
    ("51.5", "-0.12"),  # London
    ("7.5", "-110.8"),  # swapped signs
]
INSIDE = [("5.9", "95.3"), ("-11.0", "122.9"), ("-8.5", "140.4"), ("-7.566", "110.816")]


@pytest.mark.parametrize("model", [Business, TourismSpot])
@pytest.mark.parametrize(("lat", "lng"), OUTSIDE)
def test_the_database_refuses_a_point_outside_indonesia(kelurahan_a, model, lat, lng):
    factory = BusinessFactory if model is Business else TourismSpotFactory
    place = factory(kelurahan=kelurahan_a)
    place.latitude, place.longitude = Decimal(lat), Decimal(lng)

    with pytest.raises(IntegrityError), transaction.atomic():
        place.save()


@pytest.mark.parametrize("model", [Business, TourismSpot])
@pytest.mark.parametrize(("lat", "lng"), [("-7.5", None), (None, "110.8")])
def test_the_database_refuses_half_a_point(kelurahan_a, model, lat, lng):
    factory = BusinessFactory if model is Business else TourismSpotFactory
    place = factory(kelurahan=kelurahan_a)
    place.latitude, place.longitude = lat, lng

    with pytest.raises(IntegrityError), transaction.atomic():
        place.save()


@pytest.mark.parametrize(("lat", "lng"), INSIDE + [(None, None)])
def test_a_point_inside_indonesia_or_none_at_all_is_kept(kelurahan_a, lat, lng):
    business = BusinessFactory(kelurahan=kelurahan_a, latitude=lat, longitude=lng)

    business.refresh_from_db()
    assert (business.latitude, business.longitude) == (
        Decimal(lat) if lat else None,
        Decimal(lng) if lng else None,
    )


def proposal(**changes) -> BusinessProposalForm:
    data = {
        "name": "Soto Bu Sri",
        "category": str(BusinessCategory.objects.get(slug="kuliner").pk),
        "owner_name": "Sri",
        "description": "Soto ayam.",
        "whatsapp": "0812 3456 7890",
        "address": "Jl. Pajang 1",
        "proposer_name": "Budi",
        "proposer_contact": "0813 1111 2222",
        **changes,
    }
    return BusinessProposalForm(data=data)


@pytest.mark.parametrize(("lat", "lng"), OUTSIDE)
def test_the_form_refuses_a_point_outside_indonesia_with_the_allowed_range(db, lat, lng):
    form = proposal(latitude=lat, longitude=lng)

    assert not form.is_valid()
    errors = form.errors.get("latitude", []) + form.errors.get("longitude", [])
    assert errors
    assert any(("-11.5" in e or "6.5" in e or "94.5" in e or "141.5" in e) for e in errors)


def test_the_form_asks_for_both_coordinates(db):
    form = proposal(latitude="-7.5")

    assert not form.is_valid()
    assert "both latitude and longitude" in form.non_field_errors()[0]


def test_two_kelurahan_may_share_a_slug_but_one_kelurahan_may_not(kelurahan_a, kelurahan_b):
    BusinessFactory(kelurahan=kelurahan_a, slug="soto")
    BusinessFactory(kelurahan=kelurahan_b, slug="soto")

    with pytest.raises(IntegrityError), transaction.atomic():
        BusinessFactory(kelurahan=kelurahan_a, slug="soto")


def test_a_business_has_at_most_one_cover_photo(kelurahan_a, add_photo):
    business = BusinessFactory(kelurahan=kelurahan_a)
    add_photo(business, is_cover=True)

    with pytest.raises(IntegrityError), transaction.atomic():
        add_photo(business, is_cover=True)
    assert BusinessPhoto.objects.filter(place=business).count() == 1


def test_a_products_highest_price_is_not_below_its_lowest(kelurahan_a):
    ProductFactory(kelurahan=kelurahan_a, price_min=5000, price_max=5000)
    ProductFactory(kelurahan=kelurahan_a, price_min=5000, price_max=None)

    with pytest.raises(IntegrityError), transaction.atomic():
        ProductFactory(kelurahan=kelurahan_a, price_min=5000, price_max=4000)


def test_the_category_list_starts_with_the_usual_umkm_categories(db):
    assert list(BusinessCategory.objects.values_list("slug", flat=True)) == [
        "kuliner",
        "kerajinan",
        "fesyen",
        "jasa",
        "pertanian",
        "perdagangan",
        "lainnya",
    ]


# --- WhatsApp ----------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("081234567890", "6281234567890"),
        ("0812-3456-7890", "6281234567890"),
        ("0812 3456 7890", "6281234567890"),
        ("+62 812 3456 7890", "6281234567890"),
        ("+62 (812) 3456.7890", "6281234567890"),
        ("6281234567890", "6281234567890"),
        ("81234567890", "6281234567890"),
        ("0812345678", "62812345678"),
        ("0812345678901", "62812345678901"),
    ],
)
def test_a_whatsapp_number_is_stored_in_international_form(db, typed, stored):
    assert normalize_whatsapp(typed) == stored
    form = proposal(whatsapp=typed)
    assert form.is_valid(), form.errors
    assert form.cleaned_data["whatsapp"] == stored


@pytest.mark.parametrize(
    "typed",
    [
        "0271 712345",  # a landline
        "08123",  # too short
        "08123456789012345",  # too long
        "+1 415 555 0100",  # not Indonesian
        "0812345678a",
        "wa.me/6281234567890",
    ],
)
def test_a_number_that_is_not_an_indonesian_mobile_is_refused_with_an_example(db, typed):
    form = proposal(whatsapp=typed)

    assert not form.is_valid()
    assert "0812 3456 7890" in form.errors["whatsapp"][0]


def test_the_model_refuses_a_whatsapp_number_not_in_international_form(kelurahan_a):
    from django.core.exceptions import ValidationError

    business = BusinessFactory.build(kelurahan=kelurahan_a, whatsapp="081234567890")

    with pytest.raises(ValidationError) as caught:
        business.full_clean()
    assert "whatsapp" in caught.value.message_dict


def test_the_starting_categories_come_back_only_when_the_list_is_empty(db):
    from umkm.defaults import categories_ensure

    BusinessCategory.objects.exclude(slug="kuliner").delete()
    categories_ensure()
    assert list(BusinessCategory.objects.values_list("slug", flat=True)) == ["kuliner"]

    BusinessCategory.objects.all().delete()
    categories_ensure()
    assert BusinessCategory.objects.count() == 7


def test_the_demo_city_has_published_umkm_and_tourism_near_each_office(demo_city):
    pajang = demo_city.get(slug="pajang")
    businesses = Business.objects.for_kelurahan(pajang).published()
    spots = TourismSpot.objects.for_kelurahan(pajang).published()

    assert businesses.count() == 3 and spots.count() == 1
    for place in [*businesses, *spots]:
        assert abs(place.latitude - pajang.latitude) < Decimal("0.005")
        assert abs(place.longitude - pajang.longitude) < Decimal("0.005")
    assert all(b.products.exists() for b in businesses)
    assert Business.objects.published().count() == 3 * demo_city.count()

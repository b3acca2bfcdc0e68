"""A resident proposes a UMKM listing; it waits, unseen, until an operator of that kelurahan
publishes it. The form is rate-limited and has a honeypot."""

from __future__ import annotations

import re

import pytest
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.urls import reverse
from PIL import Image
from pytest_django.asserts import assertContains, assertNotContains

from kelurahan import roles
from tests.umkm.conftest import encoded, jpeg_with_gps, stored_files, upload
from umkm.apps import PLACE_MODELS
from umkm.models import Business, BusinessCategory, BusinessPhoto, Status

pytestmark = pytest.mark.django_db

THANKS = "will check your proposal"


def propose_url(kelurahan) -> str:
    return reverse("umkm:business_propose", kwargs={"slug": kelurahan.slug})


def proposal(**changes) -> dict:
    return {
        "name": "Keripik Tempe Bu Sum",
        "category": str(BusinessCategory.objects.get(slug="kuliner").pk),
        "owner_name": "Sumarni",
        "description": "Keripik tempe renyah, tanpa pengawet.",
        "products": "Keripik tempe 250 g Rp15.000\n\nKeripik pedas",
        "whatsapp": "0812-3456-7890",
        "phone": "",
        "address": "Jl. Pajang Baru 7",
        "rt": "3",
        "rw": "4",
        "opening_hours": "Setiap hari",
        "latitude": "-7.566100",
        "longitude": "110.791200",
        "proposer_name": "Budi",
        "proposer_contact": "0813 1111 2222",
        "website": "",
        **changes,
    }


def shown_messages(response) -> list[str]:
    return [str(m) for m in get_messages(response.wsgi_request)]


def test_the_form_opens_with_every_field_and_a_hidden_honeypot(client, kelurahan_a):
    response = client.get(propose_url(kelurahan_a))

    assert response.status_code == 200
    assertContains(response, 'enctype="multipart/form-data"')
    assertContains(response, 'name="photos"')
    assertContains(response, 'accept="image/jpeg,image/png,image/heic,image/heif,image/webp"')
    assertContains(response, '<div class="honeypot" aria-hidden="true">')
    list_page = client.get(reverse("umkm:businesses", kwargs={"slug": kelurahan_a.slug}))
    assertContains(list_page, f'href="{propose_url(kelurahan_a)}"')


def test_a_proposal_is_stored_pending_with_photos_and_is_not_public(client, kelurahan_a):
    photos = [upload(jpeg_with_gps(color="red")), upload(jpeg_with_gps(color="blue"), name="b.jpg")]

    response = client.post(propose_url(kelurahan_a), proposal(photos=photos), follow=True)

    assert response.redirect_chain[-1][0] == reverse("umkm:businesses", args=[kelurahan_a.slug])
    assertContains(response, THANKS)
    business = Business.objects.get()
    assert business.status == Status.PENDING
    assert business.kelurahan == kelurahan_a
    assert business.whatsapp == "6281234567890"
    assert (business.rt, business.rw) == (3, 4)
    assert (business.proposer_name, business.proposer_contact) == ("Budi", "0813 1111 2222")
    assert list(business.products.values_list("name", flat=True)) == [
        "Keripik tempe 250 g Rp15.000",
        "Keripik pedas",
    ]
    photos = list(BusinessPhoto.objects.order_by("rank"))
    assert [p.is_cover for p in photos] == [True, False]
    assert all(p.thumbnail and p.kelurahan_id == kelurahan_a.pk for p in photos)
    assert client.get(business.get_absolute_url()).status_code == 404
    assertNotContains(response, "Keripik Tempe Bu Sum")


def test_the_slug_of_a_proposal_never_clashes_with_an_existing_one(client, kelurahan_a):
    client.post(propose_url(kelurahan_a), proposal())
    client.post(propose_url(kelurahan_a), proposal())

    assert sorted(Business.objects.values_list("slug", flat=True)) == [
        "keripik-tempe-bu-sum",
        "keripik-tempe-bu-sum-2",
    ]


def test_the_operator_of_that_kelurahan_sees_and_publishes_it_and_another_does_not(
    client, kelurahan_a, operator_a, operator_b
):
    client.post(propose_url(kelurahan_a), proposal())
    business = Business.objects.get()
    changelist = reverse("admin:umkm_business_changelist")

    client.force_login(operator_b)
    assert list(client.get(changelist).context["cl"].queryset) == []
    client.post(changelist, {"action": "publish", "_selected_action": [business.pk]})
    business.refresh_from_db()
    assert business.status == Status.PENDING

    client.force_login(operator_a)
    pending = client.get(changelist, {"status__exact": "pending"})
    assert list(pending.context["cl"].queryset) == [business]
    response = client.post(changelist, {"action": "publish", "_selected_action": [business.pk]})
    assert "1 item(s) published." in shown_messages(response)
    business.refresh_from_db()
    assert business.status == Status.PUBLISHED

    client.logout()
    assertContains(client.get(reverse("umkm:businesses", args=[kelurahan_a.slug])), business.name)
    assert client.get(business.get_absolute_url()).status_code == 200


def test_a_filled_honeypot_looks_like_success_but_stores_nothing(client, kelurahan_a, media_root):
    response = client.post(
        propose_url(kelurahan_a),
        proposal(website="http://spam.example", photos=[upload(jpeg_with_gps())]),
        follow=True,
    )

    assertContains(response, THANKS)
    assert not Business.objects.exists()
    assert stored_files(media_root) == []


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": ""}, "name", "This field is required."),
        ({"whatsapp": "0271 712345"}, "whatsapp", "0812 3456 7890"),
        ({"whatsapp": "", "phone": ""}, "whatsapp", "WhatsApp or phone number"),
        ({"latitude": "48.85", "longitude": "2.35"}, "latitude", "6.5"),
        ({"rt": "0"}, "rt", "greater than or equal to 1"),
    ],
    ids=["no-name", "landline-whatsapp", "no-contact", "outside-indonesia", "rt-zero"],
)
def test_a_bad_proposal_says_what_to_fix_and_stores_nothing(
    client, kelurahan_a, changes, field, message
):
    response = client.post(propose_url(kelurahan_a), proposal(**changes))

    assert response.status_code == 200
    assert any(message in e for e in response.context["form"].errors[field])
    # The error summary leads to the field (Django ties the message to it: aria-describedby).
    assertContains(response, 'id="error-summary"')
    assertContains(response, f'href="#id_{field}"')
    described = re.search(rf'aria-describedby="([^"]*)"[^>]*id="id_{field}"', response.text)
    assert described and f"id_{field}_error" in described.group(1).split()
    assert not Business.objects.exists()


def test_a_decompression_bomb_or_a_disguised_file_is_refused_and_nothing_is_stored(
    client, kelurahan_a, media_root, decompression_bomb
):
    photos = [
        upload(jpeg_with_gps()),
        upload(decompression_bomb, name="bom.png", content_type="image/png"),
        upload(b"<html><script>alert(1)</script></html>", name="foto.jpg"),
    ]

    response = client.post(propose_url(kelurahan_a), proposal(photos=photos))

    assert response.status_code == 200
    errors = response.context["form"].errors["photos"]
    assert any(e.startswith("bom.png:") and "too large in pixels" in e for e in errors)
    assert any(e.startswith("foto.jpg:") and "not a valid image" in e for e in errors)
    assert not Business.objects.exists()
    assert stored_files(media_root) == []


def test_more_than_five_photos_are_refused(client, kelurahan_a):
    photos = [upload(encoded(Image.new("RGB", (20, 20)), "PNG"), name=f"{n}.png") for n in range(6)]

    response = client.post(propose_url(kelurahan_a), proposal(photos=photos))

    assert "at most 5 photos" in response.context["form"].errors["photos"][0]
    assert not Business.objects.exists()


def test_proposals_are_rate_limited_per_address(client, kelurahan_a):
    for _n in range(10):
        assert client.post(propose_url(kelurahan_a), proposal(name="")).status_code == 200

    response = client.post(propose_url(kelurahan_a), proposal())

    assert response.status_code == 429
    assertContains(response, "too many times", status_code=429)
    assert not Business.objects.exists()
    assert client.get(propose_url(kelurahan_a)).status_code == 200  # reading is never limited


# --- Roles -------------------------------------------------------------------------------------


def group_permissions(name: str) -> set[str]:
    return {
        f"{app}.{codename}"
        for app, codename in Group.objects.get(name=name).permissions.values_list(
            "content_type__app_label", "codename"
        )
    }


@pytest.mark.parametrize("role", [roles.OPERATOR, roles.REDAKSI])
def test_operators_and_redaksi_manage_places_and_only_read_the_categories(db, role):
    granted = group_permissions(role)

    for model in PLACE_MODELS:
        for action in ("view", "add", "change", "delete"):
            assert f"umkm.{action}_{model}" in granted
    assert "umkm.view_businesscategory" in granted
    assert not {"umkm.add_businesscategory", "umkm.change_businesscategory"} & granted


def test_diskominfo_manages_everything_umkm_and_signers_only_look(db):
    assert "umkm.change_businesscategory" in group_permissions(roles.DISKOMINFO)
    signer = {p for p in group_permissions(roles.SIGNER) if p.startswith("umkm.")}
    assert signer == {f"umkm.view_{model}" for model in PLACE_MODELS}

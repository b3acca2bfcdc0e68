"""What a resident is told after asking online (the receipt, /lacak/), and a lost tracking code
e-mailed again: only to the request's own address, never on screen, the same answer whether or
not anything matched, limited per address and per NIK."""

from __future__ import annotations

import pytest
from django.urls import reverse
from pytest_django.asserts import assertContains, assertNotContains

from layanan import tracking, views
from layanan.models import Letter
from tests.layanan.helpers import NIK_BUDI, NIK_SITI, said
from tests.layanan.online import request_form, request_url

RECOVER = reverse("layanan:recover_code")
SENT_EMAIL = (
    "If a request with this NIK and this email address exists, its tracking code is on its way "
    "to that address. Check your inbox, and the spam folder, in a few minutes."
)


@pytest.fixture
def office(kelurahan_a):
    kelurahan_a.address = "Jl. Pajang No. 80, Surakarta"
    kelurahan_a.office_hours = "Senin–Kamis 07.30–16.00 WIB\nJumat 07.30–11.00 WIB"
    kelurahan_a.phone = "0271 868489"
    kelurahan_a.save()
    return kelurahan_a


def submit(client, kelurahan, django_capture_on_commit_callbacks, **changes):
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(request_url(kelurahan), request_form(**changes))
    assert response.status_code == 302, response.content[:2000]
    return response


def recover(client, django_capture_on_commit_callbacks, *, ip="10.1.1.1", **data):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(RECOVER, data, REMOTE_ADDR=ip)


def test_the_receipt_says_when_what_to_bring_where_and_how_to_recover_the_code(
    client, office, mailoutbox, django_capture_on_commit_callbacks, private_root
):
    response = submit(client, office, django_capture_on_commit_callbacks)
    letter = Letter.objects.get()

    receipt = client.get(response["Location"])

    assertContains(receipt, 'id="expected-date"')
    assertContains(receipt, said(receipt, "When you go to the office"))
    assertContains(receipt, said(receipt, "your KTP (the original), and this tracking code;"))
    for line in letter.letter_type.catalog_entry.requirements.splitlines():
        assertContains(receipt, line.strip())
    assertContains(receipt, "Jl. Pajang No. 80, Surakarta")
    assertContains(receipt, "Jumat 07.30–11.00 WIB")
    assertContains(receipt, 'href="tel:0271868489"')
    assertContains(receipt, f'href="{RECOVER}"')
    # The code went to the e-mail given in the request, as it was made.
    assert [mail.to for mail in mailoutbox] == [["budi@example.com"]]
    assert tracking.tracking_code_display(letter.tracking_code) in mailoutbox[0].body


def test_the_tracking_page_says_what_to_bring_and_links_to_code_recovery(
    client, office, django_capture_on_commit_callbacks, private_root
):
    submit(client, office, django_capture_on_commit_callbacks)
    letter = Letter.objects.get()

    empty = client.get(reverse("layanan:track"))
    status = client.post(
        reverse("layanan:track"), {"code": letter.tracking_code, "nik_last4": NIK_BUDI[-4:]}
    )

    assertContains(empty, f'href="{RECOVER}"')
    assertContains(status, 'id="expected-date"')
    assertContains(status, said(status, "When you go to the office"))
    assertContains(status, "Jl. Pajang No. 80, Surakarta")
    assertContains(status, "Senin–Kamis 07.30–16.00 WIB")


def test_a_lost_code_is_emailed_to_the_address_of_the_request_and_never_shown(
    client, kelurahan_a, mailoutbox, django_capture_on_commit_callbacks, private_root
):
    submit(client, kelurahan_a, django_capture_on_commit_callbacks)
    letter = Letter.objects.get()
    shown = tracking.tracking_code_display(letter.tracking_code)
    mailoutbox.clear()

    response = recover(
        client, django_capture_on_commit_callbacks, nik=NIK_BUDI, contact=" Budi@Example.com "
    )

    assert response.status_code == 200
    assertContains(response, said(response, SENT_EMAIL))
    assertNotContains(response, shown)
    assertNotContains(response, letter.tracking_code)
    assert [mail.to for mail in mailoutbox] == [["budi@example.com"]]
    assert shown in mailoutbox[0].body
    assert str(kelurahan_a) in mailoutbox[0].body


@pytest.mark.parametrize(
    "data",
    [
        {"nik": NIK_SITI, "contact": "budi@example.com"},  # another NIK
        {"nik": NIK_BUDI, "contact": "someone@example.com"},  # another address
    ],
    ids=["other-nik", "other-email"],
)
def test_the_answer_is_the_same_when_nothing_matches_and_no_mail_leaves(
    client, kelurahan_a, mailoutbox, django_capture_on_commit_callbacks, private_root, data
):
    submit(client, kelurahan_a, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    matching = recover(
        client, django_capture_on_commit_callbacks, nik=NIK_BUDI, contact="budi@example.com"
    )
    mailoutbox.clear()

    other = recover(client, django_capture_on_commit_callbacks, ip="10.2.2.2", **data)

    assert other.status_code == matching.status_code == 200
    assert _answer(other) == _answer(matching)
    assert mailoutbox == []


def _answer(response) -> str:
    """The page without its CSRF token and the typed values (which differ between posts)."""
    html = response.content.decode()
    main = html[html.index('<main id="content"') : html.index("</main>")]
    return main[: main.index("<form")]


def test_a_phone_number_is_told_that_only_email_works_for_now(
    client, kelurahan_a, mailoutbox, django_capture_on_commit_callbacks, private_root
):
    submit(client, kelurahan_a, django_capture_on_commit_callbacks)
    mailoutbox.clear()

    response = recover(
        client, django_capture_on_commit_callbacks, nik=NIK_BUDI, contact="0812-3456-7890"
    )

    assertContains(
        response,
        said(
            response,
            "Tracking codes cannot be sent by SMS or WhatsApp yet; that will come once those "
            "notification channels exist.",
        ),
    )
    assert mailoutbox == []


@pytest.mark.parametrize(
    ("contact", "message"),
    [
        ("budi@", "This email address is not complete, e.g. nama@contoh.id."),
        ("abc", "Enter the email address or the phone number you gave, e.g. 0812 3456 7890."),
    ],
)
def test_bad_input_gets_a_clear_message(client, db, mailoutbox, contact, message):
    response = client.post(RECOVER, {"nik": NIK_BUDI, "contact": contact})

    assert response.status_code == 200
    assertContains(response, said(response, message))
    assertNotContains(response, said(response, SENT_EMAIL))
    assert mailoutbox == []


def test_code_recovery_is_limited_per_address(
    client, kelurahan_a, django_capture_on_commit_callbacks
):
    limit = int(views.RECOVER_RATE_PER_IP.split("/")[0])
    for number in range(limit):
        nik = f"33720117089{number + 1:05d}"
        response = recover(
            client, django_capture_on_commit_callbacks, nik=nik, contact="x@example.com"
        )
        assert response.status_code == 200

    refused = recover(
        client, django_capture_on_commit_callbacks, nik=NIK_SITI, contact="x@example.com"
    )
    other_address = recover(
        client,
        django_capture_on_commit_callbacks,
        ip="10.9.9.9",
        nik=NIK_SITI,
        contact="x@example.com",
    )

    assert refused.status_code == 429
    assertContains(refused, said(refused, views.RECOVER_LIMITED), status_code=429)
    assert other_address.status_code == 200


def test_code_recovery_is_limited_per_nik_and_contact_whatever_the_address(
    client, kelurahan_a, mailoutbox, django_capture_on_commit_callbacks, private_root
):
    submit(client, kelurahan_a, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    limit = int(views.RECOVER_RATE_PER_NIK.split("/")[0])
    for number in range(limit):
        response = recover(
            client,
            django_capture_on_commit_callbacks,
            ip=f"10.3.3.{number}",
            nik=NIK_BUDI,
            contact="budi@example.com",
        )
        assert response.status_code == 200

    refused = recover(
        client,
        django_capture_on_commit_callbacks,
        ip="10.4.4.4",
        nik=NIK_BUDI,
        contact="budi@example.com",
    )
    another_nik = recover(
        client,
        django_capture_on_commit_callbacks,
        ip="10.4.4.4",
        nik=NIK_SITI,
        contact="x@example.com",
    )
    assert refused.status_code == 429
    assertContains(refused, said(refused, views.RECOVER_LIMITED), status_code=429)
    assert len(mailoutbox) == limit  # the refused one sent nothing
    assert another_nik.status_code == 200


def test_a_stranger_guessing_contacts_for_a_nik_does_not_lock_its_resident_out(
    client, kelurahan_a, mailoutbox, django_capture_on_commit_callbacks, private_root
):
    submit(client, kelurahan_a, django_capture_on_commit_callbacks)
    mailoutbox.clear()
    limit = int(views.RECOVER_RATE_PER_NIK.split("/")[0])
    for number in range(limit + 2):
        recover(
            client,
            django_capture_on_commit_callbacks,
            ip=f"10.5.5.{number}",
            nik=NIK_BUDI,
            contact=f"guess{number % 2}@example.com",
        )
    assert not mailoutbox  # no request of Budi's was made with those addresses

    own = recover(
        client,
        django_capture_on_commit_callbacks,
        ip="10.6.6.6",
        nik=NIK_BUDI,
        contact="budi@example.com",
    )

    assert own.status_code == 200
    assert len(mailoutbox) == 1 and mailoutbox[0].to == ["budi@example.com"]

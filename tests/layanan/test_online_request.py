"""Residents asking for a letter online: the "Request online" buttons, the form, the receipt, the
tracking page, the PDF download, emails, rate limits and the honeypot."""

from __future__ import annotations

import re
import time
import uuid

import pytest
from django.core import signing
from django.test import Client
from django.urls import reverse
from django.utils import translation
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from layanan import services, tracking, views
from layanan.models import (
    RESIDENT_STATUS,
    Letter,
    LetterEvent,
    LetterSettings,
    LetterType,
    RequirementDocument,
)
from tests.factories import signature as sign_form
from tests.layanan.helpers import NIK_BUDI, NIK_SITI, pdf_bytes, said, stored_files
from tests.layanan.online import download_link_via_code, request_form, request_url

State = Letter.State
REASON = "Foto KTP tidak terbaca; unggah ulang foto yang jelas."
NOT_FOUND = views.NOT_FOUND


def services_url(kelurahan) -> str:
    return f"/k/{kelurahan.slug}/layanan/"


def submit(client, kelurahan, **changes):
    return client.post(request_url(kelurahan), request_form(**changes))


def submitted(client, kelurahan, **changes) -> Letter:
    response = submit(client, kelurahan, **changes)
    assert response.status_code == 302, response.content.decode()[-2000:]
    return Letter.objects.get()


def track(client, code: str, digits: str):
    return client.post(reverse("layanan:track"), {"code": code, "nik_last4": digits})


def staff_client(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def move(staff, letter, action: str, data=None):
    response = staff.post(
        reverse("admin:layanan_letter_move", args=[letter.pk, action]), data or {}
    )
    assert response.status_code == 302
    letter.refresh_from_db()
    assert letter.state != State.SUBMITTED or action == "reject"
    return letter


def download_link(response) -> str:
    found = re.search(r'href="(/lacak/unduh/[^"]+)"', response.content.decode())
    return found.group(1) if found else ""


def turn_off(kelurahan, **settings):
    letter_settings = services.letter_settings_get(kelurahan=kelurahan)
    for field, value in settings.items():
        setattr(letter_settings, field, value)
    letter_settings.save()


def letter_type(kelurahan, kind="skuter") -> LetterType:
    return services.letter_types_ensure(kelurahan=kelurahan)[kind]


# --- The service list and the form ----------------------------------------------------------------


def test_the_service_list_offers_request_online_for_each_online_letter_type(client, kelurahan_a):
    response = client.get(services_url(kelurahan_a))

    for kind in ("skuter", "domisili", "sktm", "kematian", "kelahiran", "usaha"):
        assertContains(response, f'href="{request_url(kelurahan_a, kind)}"', count=1)
    assertContains(response, f'href="{reverse("layanan:track")}"')


def test_the_service_list_writes_nothing_and_stays_within_six_queries(
    client, kelurahan_a, django_assert_max_num_queries
):
    with django_assert_max_num_queries(6) as captured:
        assert client.get(services_url(kelurahan_a)).status_code == 200

    statements = [q["sql"].split()[0].upper() for q in captured.captured_queries]
    assert set(statements) <= {"SELECT", "SAVEPOINT", "RELEASE"}
    assert not LetterSettings.objects.exists()


def test_a_letter_type_without_a_listed_service_is_still_offered(client, kelurahan_a):
    skuter = letter_type(kelurahan_a)
    skuter.service = skuter.city_service = None
    skuter.save()

    response = client.get(services_url(kelurahan_a))

    assertContains(response, 'id="online-other"')
    assertContains(response, f'href="{request_url(kelurahan_a)}"', count=1)


def test_a_type_not_online_has_no_button_and_no_form(client, kelurahan_a):
    skuter = letter_type(kelurahan_a)
    skuter.online = False
    skuter.save()

    listing = client.get(services_url(kelurahan_a))

    assertNotContains(listing, request_url(kelurahan_a))
    assertContains(listing, request_url(kelurahan_a, "domisili"))
    assert client.get(request_url(kelurahan_a)).status_code == 404
    assert submit(client, kelurahan_a).status_code == 404
    assert not Letter.objects.exists()


def test_a_type_no_longer_in_use_has_no_form(client, kelurahan_a):
    skuter = letter_type(kelurahan_a)
    skuter.is_active = False
    skuter.save()

    assertNotContains(client.get(services_url(kelurahan_a)), request_url(kelurahan_a))
    assert client.get(request_url(kelurahan_a)).status_code == 404


def test_a_kelurahan_that_turned_online_requests_off_shows_no_buttons_and_no_forms(
    client, kelurahan_a, kelurahan_b, private_root
):
    turn_off(kelurahan_a, online_requests=False)

    listing = client.get(services_url(kelurahan_a))

    assertNotContains(listing, "/ajukan/")
    assertNotContains(listing, 'id="online"')  # no group of letters to request online
    assert client.get(request_url(kelurahan_a)).status_code == 404
    assert submit(client, kelurahan_a).status_code == 404
    assert not Letter.objects.exists()
    assert stored_files(private_root) == []
    # Another kelurahan's setting is its own.
    assert client.get(request_url(kelurahan_b)).status_code == 200


def test_the_submit_service_refuses_a_kelurahan_that_turned_online_requests_off(kelurahan_a):
    turn_off(kelurahan_a, online_requests=False)
    form = request_form()

    with pytest.raises(services.OnlineRequestClosed):
        services.letter_request_submit(
            kelurahan=kelurahan_a,
            kind="skuter",
            data={"nik": NIK_BUDI, "name": "Budi Santoso"},
            nik=NIK_BUDI,
            name="Budi Santoso",
            phone="081234567890",
            email="",
            documents=[],
            request_key=uuid.UUID(form["request_key"]),
        )

    assert not Letter.objects.exists()


@pytest.mark.parametrize(
    "path",
    [
        "/k/pajang/layanan/ajukan/tidak-ada/",
        "/k/tidak-ada/layanan/ajukan/skuter/",
        "/k/pajang/layanan/ajukan/Skuter/",
    ],
)
def test_an_unknown_kelurahan_or_letter_type_is_not_found(client, kelurahan_a, path):
    assert client.get(path).status_code == 404
    assert client.post(path, request_form()).status_code == 404


@pytest.mark.parametrize(
    ("kind", "field"),
    [
        ("skuter", "statement"),
        ("domisili", "since"),
        ("sktm", "household_income"),
        ("kematian", "witness2_nik"),
        ("kelahiran", "mother_nik"),
        ("usaha", "business_name"),
    ],
)
def test_every_form_has_the_letters_own_fields_contact_and_documents(
    client, kelurahan_a, kind, field
):
    response = client.get(request_url(kelurahan_a, kind))

    assert response.status_code == 200
    for name in (field, "nik", "name", "phone", "email", "documents"):
        assertContains(response, f'<label class="form-label" for="id_{name}">')
    assertContains(response, 'enctype="multipart/form-data"')
    assertContains(response, 'type="hidden" name="request_key"')
    # The honeypot: out of sight and out of the keyboard's way, and labelled for screen readers.
    assertContains(response, '<div class="visually-hidden">')
    assertContains(response, 'tabindex="-1"')
    assertContains(response, said(response, "Leave this field empty"))
    assert response["Cache-Control"].startswith("max-age=0")


def test_the_form_lists_the_requirements_of_the_letters_catalog_entry(client, kelurahan_a):
    response = client.get(request_url(kelurahan_a, "domisili"))

    for line in letter_type(kelurahan_a, "domisili").catalog_entry.requirements.splitlines():
        assertContains(response, line.strip())


# --- The happy path -------------------------------------------------------------------------------


def test_a_request_gives_a_receipt_with_a_tracking_code_and_stores_a_submitted_letter(
    client, kelurahan_a, private_root
):
    response = submit(client, kelurahan_a)

    letter = Letter.objects.get()
    assert response.status_code == 302
    assert response["Location"].startswith(f"/k/{kelurahan_a.slug}/layanan/tanda-terima/")
    assert letter.kelurahan == kelurahan_a
    assert letter.state == State.SUBMITTED
    assert letter.created_by is None
    assert (letter.nik, letter.name) == (NIK_BUDI, "Budi Santoso")
    assert (letter.phone, letter.email) == ("081234567890", "budi@example.com")
    assert letter.data["statement"].startswith("Yang bersangkutan")
    assert not {"phone", "email", "documents", "website", "request_key"} & set(letter.data)
    assert re.fullmatch(r"[0-9A-HJKMNP-TV-Z]{10}", letter.tracking_code)
    event = LetterEvent.objects.get(letter=letter)
    assert (event.from_state, event.to_state, event.by) == ("", State.SUBMITTED, None)
    document = RequirementDocument.objects.get(letter=letter)
    assert document.kelurahan == kelurahan_a
    assert (document.label, document.content_type) == ("ktp.jpg", "image/jpeg")
    assert stored_files(private_root) == [private_root / document.file.name]

    receipt = client.get(response["Location"])

    assert receipt.status_code == 200
    assertContains(receipt, tracking.tracking_code_display(letter.tracking_code))
    assertContains(receipt, said(receipt, "Write this code down or take a screenshot now."))
    assertContains(receipt, "B*** S******")
    assertNotContains(receipt, NIK_BUDI)
    assertNotContains(receipt, "Budi Santoso")


def test_the_receipt_link_is_signed_and_belongs_to_its_kelurahan(client, kelurahan_a, kelurahan_b):
    location = submit(client, kelurahan_a)["Location"]
    token = location.rstrip("/").rsplit("/", 1)[1]
    letter = Letter.objects.get()

    assert client.get(location.replace(kelurahan_a.slug, kelurahan_b.slug)).status_code == 404
    assert client.get(location[:-3] + "xx/").status_code == 404
    forged = f"/k/{kelurahan_a.slug}/layanan/tanda-terima/{letter.pk}/"
    assert client.get(forged).status_code == 404
    other_salt = tracking.download_token(letter.pk)
    assert client.get(location.replace(token, other_salt)).status_code == 404


def test_the_whole_journey_from_request_to_download(
    client, kelurahan_a, operator_a, signer_a, private_root
):
    letter = submitted(client, kelurahan_a)
    code = letter.tracking_code

    response = track(client, code, NIK_BUDI[-4:])
    with translation.override(response["Content-Language"]):
        waiting = str(RESIDENT_STATUS[State.SUBMITTED])
    assertContains(response, waiting)
    assertContains(response, "B*** S******")
    assertNotContains(response, NIK_BUDI)
    assert download_link(response) == ""

    operator, signer = staff_client(operator_a), staff_client(signer_a)
    move(operator, letter, "verify")
    assert track(client, code, NIK_BUDI[-4:]).context["letter"].state == State.VERIFIED
    move(signer, letter, "sign", sign_form(signer_a, letter.kelurahan))
    assert letter.state == State.SIGNED

    response = track(client, code, NIK_BUDI[-4:])
    # What the receipt shows opens the status, never the PDF itself: that takes the e-mailed code.
    assert download_link(response) == ""
    assert response.context["ticket"]
    link = download_link_via_code(client, letter)
    assert link
    assert [e.to_state for e in response.context["events"]] == [
        State.SUBMITTED,
        State.VERIFIED,
        State.SIGNED,
    ]

    download = client.get(link)

    assert download.status_code == 200
    assert download["Content-Type"] == "application/pdf"
    assert download["Content-Disposition"].startswith("attachment;")
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content) == pdf_bytes(letter)

    move(operator, letter, "hand_over")
    assert letter.state == State.HANDED_OVER
    assert download_link_via_code(client, letter)


def test_a_rejected_request_shows_the_resident_the_reason(client, kelurahan_a, operator_a):
    letter = submitted(client, kelurahan_a)

    move(staff_client(operator_a), letter, "reject", {"reason": REASON})
    response = track(client, letter.tracking_code, NIK_BUDI[-4:])

    assert letter.state == State.REJECTED
    assertContains(response, said(response, "Reason given by the kelurahan"))
    assertContains(response, REASON)
    assert download_link(response) == ""


def test_a_kelurahan_that_keeps_pdfs_offline_gives_no_link_and_old_links_stop_working(
    client, kelurahan_a, operator_a, signer_a
):
    letter = submitted(client, kelurahan_a)
    move(staff_client(operator_a), letter, "verify")
    move(staff_client(signer_a), letter, "sign", sign_form(signer_a, letter.kelurahan))
    link = download_link_via_code(client, letter)
    assert link

    turn_off(kelurahan_a, resident_pdf_download=False)
    response = track(client, letter.tracking_code, NIK_BUDI[-4:])

    assert download_link_via_code(client, letter) == ""
    assert not response.context["ticket"]
    assertContains(
        response,
        said(response, "Pick the signed letter up at the kelurahan office; bring your KTP."),
    )
    assert client.get(link).status_code == 404


def test_a_voided_letter_can_no_longer_be_downloaded(client, kelurahan_a, operator_a, signer_a):
    letter = submitted(client, kelurahan_a)
    move(staff_client(operator_a), letter, "verify")
    move(staff_client(signer_a), letter, "sign", sign_form(signer_a, letter.kelurahan))
    link = download_link_via_code(client, letter)

    services.letter_move(
        action="void", letter_id=letter.pk, by=signer_a, reason="Salah ketik nama."
    )

    assert client.get(link).status_code == 404
    assert download_link_via_code(client, letter) == ""


# --- Tracking -------------------------------------------------------------------------------------


def test_tracking_accepts_the_code_as_people_type_it(client, kelurahan_a):
    letter = submitted(client, kelurahan_a)
    typed = tracking.tracking_code_display(letter.tracking_code).lower().replace("0", "o")

    response = track(client, f"  {typed} ", NIK_BUDI[-4:])

    assert response.context["letter"] == letter


@pytest.mark.parametrize("wrong", ["code", "digits", "both"])
def test_a_wrong_code_or_wrong_digits_say_not_found_without_saying_which(
    client, kelurahan_a, wrong
):
    letter = submitted(client, kelurahan_a)
    code = letter.tracking_code
    other_code = ("0" if code[0] != "0" else "1") + code[1:]
    digits = NIK_BUDI[-4:]
    other_digits = "9999" if digits != "9999" else "1234"
    code, digits = {
        "code": (other_code, digits),
        "digits": (code, other_digits),
        "both": (other_code, other_digits),
    }[wrong]

    response = track(client, code, digits)

    assert response.status_code == 200
    assert "letter" not in response.context
    assertContains(response, said(response, NOT_FOUND))
    assertNotContains(response, "B*** S******")


@pytest.mark.parametrize(
    ("code", "digits", "field"),
    [("ABC", "0001", "code"), ("7KQ2M-9XD4U", "0001", "code"), ("7KQ2M9XD4P", "01", "nik_last4")],
)
def test_a_malformed_code_or_digits_say_what_is_wrong(client, db, code, digits, field):
    response = track(client, code, digits)

    assert response.status_code == 200
    assert field in response.context["form"].errors
    assertContains(response, f'href="#id_{field}"')


def test_tracking_never_answers_for_a_letter_issued_at_the_counter(client, verified_letter):
    response = track(client, "0000000000", verified_letter.nik[-4:])

    assertContains(response, said(response, NOT_FOUND))


def test_a_tampered_download_link_is_not_found(client, kelurahan_a, operator_a, signer_a):
    letter = submitted(client, kelurahan_a)
    move(staff_client(operator_a), letter, "verify")
    move(staff_client(signer_a), letter, "sign", sign_form(signer_a, letter.kelurahan))
    link = download_link_via_code(client, letter)
    token = link.rstrip("/").rsplit("/", 1)[1]
    value, stamp, signature = token.split(":")

    for forged in (
        f"{letter.pk + 1}:{stamp}:{signature}",
        f"{value}:{stamp}:{signature[:-2]}AA",
        f"{value}:{stamp}",
        str(letter.pk),
        tracking.receipt_token(letter.pk),
        tracking.track_ticket(letter.pk),
    ):
        assert client.get(reverse("layanan:resident_pdf", args=[forged])).status_code == 404


def test_an_expired_download_link_says_so(client, kelurahan_a, operator_a, signer_a, monkeypatch):
    letter = submitted(client, kelurahan_a)
    move(staff_client(operator_a), letter, "verify")
    move(staff_client(signer_a), letter, "sign", sign_form(signer_a, letter.kelurahan))
    two_hours_ago = time.time() - 7200
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: two_hours_ago)
        old = tracking.download_token(letter.pk)

    response = client.get(reverse("layanan:resident_pdf", args=[old]))

    assert response.status_code == 410
    assertContains(response, said(response, "This link has expired"), status_code=410)


# --- Duplicates, honeypot, bad input --------------------------------------------------------------


def test_the_same_form_sent_twice_gives_the_same_receipt_and_one_letter(
    client, kelurahan_a, private_root
):
    form = request_form()
    key = form["request_key"]

    first = client.post(request_url(kelurahan_a), form)
    again = client.post(request_url(kelurahan_a), request_form(request_key=key))

    letter = Letter.objects.get()
    assert first.status_code == again.status_code == 302
    receipts = [client.get(r["Location"]).context["letter"] for r in (first, again)]
    assert receipts == [letter, letter]
    assert RequirementDocument.objects.count() == 1
    assert LetterEvent.objects.count() == 1
    assert len(stored_files(private_root)) == 1


def test_a_form_id_used_for_another_nik_is_refused_with_a_way_out(client, kelurahan_a):
    key = request_form()["request_key"]
    submitted(client, kelurahan_a, request_key=key)

    response = submit(client, kelurahan_a, request_key=key, nik=NIK_SITI, sex="P")

    assert response.status_code == 200
    assert Letter.objects.count() == 1
    assertContains(response, said(response, services.RequestKeyTaken.MESSAGE))


def test_a_filled_honeypot_stores_nothing(client, kelurahan_a, private_root):
    response = submit(client, kelurahan_a, website="https://spam.example")

    assert response.status_code == 200
    assert not Letter.objects.exists()
    assert stored_files(private_root) == []


def test_an_invalid_nik_says_what_is_wrong_keeps_what_was_typed_and_stores_nothing(
    client, kelurahan_a, private_root
):
    response = submit(client, kelurahan_a, nik="33720115089500", address="Jl. Kenanga 3")

    assert response.status_code == 200
    assert not Letter.objects.exists()
    assert stored_files(private_root) == []
    assertContains(response, 'id="error-summary"')
    assertContains(response, 'href="#id_nik"')
    assertContains(response, 'value="Jl. Kenanga 3"')
    assertContains(response, 'aria-invalid="true"')
    assert "16" in str(response.context["form"].errors["nik"])


@pytest.mark.parametrize(
    ("phone", "stored"),
    [("+62 812-3456-7890", "081234567890"), ("(0271) 712345", "0271712345")],
)
def test_phone_numbers_are_taken_as_people_write_them(client, kelurahan_a, phone, stored):
    assert submitted(client, kelurahan_a, phone=phone).phone == stored


@pytest.mark.parametrize("phone", ["12345", "0812abc", "0812345678901234567"])
def test_a_wrong_phone_number_is_refused_with_an_example(client, kelurahan_a, phone):
    response = submit(client, kelurahan_a, phone=phone)

    assert response.status_code == 200
    assert "0812 3456 7890" in str(response.context["form"].errors["phone"])
    assert not Letter.objects.exists()


def test_a_request_without_documents_asks_for_them(client, kelurahan_a):
    response = submit(client, kelurahan_a, documents=[])

    assert response.status_code == 200
    assertContains(response, 'href="#id_documents"')
    assert not Letter.objects.exists()


# --- Rate limits ----------------------------------------------------------------------------------


def _limit(rate: str) -> int:
    return int(rate.split("/")[0])


def test_one_address_may_send_only_so_many_requests(client, kelurahan_a):
    limit = _limit(views.REQUEST_RATE_PER_IP)
    statuses = [
        submit(client, kelurahan_a, nik=f"33720115089500{n:02d}", documents=[]).status_code
        for n in range(1, limit + 2)
    ]

    assert statuses[:limit] == [200] * limit
    assert statuses[limit] == 429
    # Another address is not affected.
    assert (
        client.post(request_url(kelurahan_a), request_form(), REMOTE_ADDR="10.0.0.9").status_code
        == 302
    )


def test_junk_posts_with_someone_elses_nik_never_lock_that_resident_out(client, kelurahan_a):
    limit = _limit(views.REQUEST_RATE_PER_NIK)
    # A stranger sends broken forms with Budi's NIK, from one address and from many.
    for n in range(limit + 2):
        client.post(request_url(kelurahan_a), request_form(documents=[]), REMOTE_ADDR="10.6.6.6")
        client.post(request_url(kelurahan_a), request_form(documents=[]), REMOTE_ADDR=f"10.0.1.{n}")

    blocked = client.post(request_url(kelurahan_a), request_form(), REMOTE_ADDR="10.6.6.6")
    budi = client.post(request_url(kelurahan_a), request_form(), REMOTE_ADDR="10.0.2.1")

    assert blocked.status_code == 429
    assertTemplateUsed(blocked, "portal/rate_limited.html")
    assert budi.status_code == 302
    assert Letter.objects.count() == 1


def test_one_nik_may_have_only_so_many_open_requests_until_staff_finish_one(
    client, kelurahan_a, operator_a
):
    limit = services.MAX_OPEN_REQUESTS_PER_NIK
    statuses = [
        client.post(request_url(kelurahan_a), request_form(), REMOTE_ADDR=f"10.0.3.{n}").status_code
        for n in range(limit)
    ]
    assert statuses == [302] * limit

    refused = client.post(request_url(kelurahan_a), request_form(), REMOTE_ADDR="10.0.4.1")

    assert refused.status_code == 200
    message = said(
        refused,
        "This NIK already has %(count)d requests in progress at this kelurahan. Wait until one "
        "is finished, or contact the kelurahan office if you did not send them.",
    ) % {"count": limit}
    assertContains(refused, message)
    assert Letter.objects.count() == limit
    # Another NIK is not affected, and rejecting one (the junk, say) frees a place.
    other = request_form(nik=NIK_SITI, sex="P")
    assert client.post(request_url(kelurahan_a), other, REMOTE_ADDR="10.0.4.1").status_code == 302
    move(
        staff_client(operator_a),
        Letter.objects.filter(nik=NIK_BUDI).first(),
        "reject",
        {"reason": REASON},
    )
    again = client.post(request_url(kelurahan_a), request_form(), REMOTE_ADDR="10.0.4.1")
    assert again.status_code == 302


def test_tracking_is_rate_limited_per_address(client, db):
    limit = _limit(views.TRACK_RATE_PER_IP)
    statuses = [track(client, "7KQ2M9XD4P", f"{n:04d}").status_code for n in range(limit + 1)]

    assert statuses[:limit] == [200] * limit
    assert statuses[limit] == 429


# --- Email ----------------------------------------------------------------------------------------


def test_the_resident_is_emailed_on_every_status_change(
    client, kelurahan_a, operator_a, signer_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        letter = submitted(client, kelurahan_a)
    assert len(mailoutbox) == 1
    code = tracking.tracking_code_display(letter.tracking_code)
    with django_capture_on_commit_callbacks(execute=True):
        move(staff_client(operator_a), letter, "verify")
    with django_capture_on_commit_callbacks(execute=True):
        move(staff_client(signer_a), letter, "sign", sign_form(signer_a, letter.kelurahan))
    with django_capture_on_commit_callbacks(execute=True):
        move(staff_client(operator_a), letter, "hand_over")

    assert len(mailoutbox) == 4
    with translation.override("id"):
        for mail, state in zip(
            mailoutbox,
            [State.SUBMITTED, State.VERIFIED, State.SIGNED, State.HANDED_OVER],
            strict=True,
        ):
            assert mail.to == ["budi@example.com"]
            assert code in mail.subject
            assert str(RESIDENT_STATUS[state]) in mail.body
            assert "http://localhost:8000/lacak/" in mail.body
            assert NIK_BUDI not in mail.body
            assert mail.alternatives == []


def test_a_rejection_email_carries_the_reason(
    client, kelurahan_a, operator_a, mailoutbox, django_capture_on_commit_callbacks
):
    letter = submitted(client, kelurahan_a)
    with django_capture_on_commit_callbacks(execute=True):
        move(staff_client(operator_a), letter, "reject", {"reason": REASON})

    assert len(mailoutbox) == 1
    assert REASON in mailoutbox[0].body


def test_no_email_is_sent_without_an_address(
    client, kelurahan_a, operator_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        letter = submitted(client, kelurahan_a, email="")
        move(staff_client(operator_a), letter, "verify")

    assert letter.email == ""
    assert mailoutbox == []


def test_letters_issued_at_the_counter_send_no_email(
    issue, sign, kelurahan_a, operator_a, signer_a, mailoutbox, django_capture_on_commit_callbacks
):
    with django_capture_on_commit_callbacks(execute=True):
        sign(issue(kelurahan_a, operator_a), signer_a)

    assert mailoutbox == []

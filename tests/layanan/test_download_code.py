"""/lacak/: a signed letter's PDF needs a one-time code e-mailed to the address given in the
request; what the receipt shows (tracking code, NIK's last 4 digits) only opens the status."""

from __future__ import annotations

import datetime
import re
import time

import pytest
from django.core import signing
from django.utils import timezone, translation
from django.utils.translation import ngettext
from pytest_django.asserts import assertContains, assertNotContains, assertTemplateUsed

from layanan import services, tracking, views
from layanan.models import DownloadCode, Letter
from tests.layanan.helpers import NIK_BUDI, NIK_SITI, pdf_bytes, said
from tests.layanan.online import download_code_from, request_form, request_url

TRACK = "/lacak/"


@pytest.fixture
def signed_request(client, kelurahan_a, operator_a, signer_a, sign, private_root):
    """A signed online request of Budi's, who gave budi@example.com."""

    def make(**changes) -> Letter:
        response = client.post(request_url(kelurahan_a), request_form(**changes))
        assert response.status_code == 302
        letter = Letter.objects.order_by("-pk").first()
        services.letter_move(action="verify", letter_id=letter.pk, by=operator_a)
        return sign(letter, signer_a)

    return make


def look_up(client, letter, digits=None):
    return client.post(
        TRACK, {"code": letter.tracking_code, "nik_last4": digits or letter.nik[-4:]}
    )


def ask_code(client, ticket, django_capture_on_commit_callbacks, **extra):
    with django_capture_on_commit_callbacks(execute=True):
        return client.post(TRACK, {"step": "send", "ticket": ticket}, **extra)


def type_code(client, ticket, code, **extra):
    return client.post(TRACK, {"step": "code", "ticket": ticket, "code": code}, **extra)


def link_in(response) -> str:
    found = re.search(r'href="(/lacak/unduh/[^"]+)"', response.content.decode())
    return found.group(1) if found else ""


def wrong(code: str) -> str:
    return f"{(int(code) + 1) % 1_000_000:06d}"


def test_the_status_page_asks_for_a_code_and_shows_no_download_link(client, signed_request):
    letter = signed_request()

    response = look_up(client, letter)

    assert link_in(response) == ""
    assert response.context["ticket"]
    assertContains(response, 'name="step" value="send"')
    assertContains(response, "b***@example.com")
    assertNotContains(response, "budi@example.com")


def test_the_emailed_code_gives_a_link_to_the_signed_pdf(
    client, signed_request, mailoutbox, django_capture_on_commit_callbacks
):
    letter = signed_request()
    ticket = look_up(client, letter).context["ticket"]
    mailoutbox.clear()

    sent = ask_code(client, ticket, django_capture_on_commit_callbacks)

    assert sent.status_code == 200
    assert [mail.to for mail in mailoutbox] == [["budi@example.com"]]
    code = download_code_from(mailoutbox)
    assertContains(sent, 'autocomplete="one-time-code"')
    assert link_in(sent) == ""
    # The mail carries the code only: no link that would open the PDF without typing it.
    assert "/lacak/unduh/" not in mailoutbox[0].body
    assert NIK_BUDI not in mailoutbox[0].body
    # Stored as an HMAC, never as the code itself.
    row = DownloadCode.objects.get()
    assert code not in row.code_hash

    checked = type_code(client, ticket, code)
    link = link_in(checked)
    assert link
    download = client.get(link)
    assert download.status_code == 200
    assert download["Cache-Control"] == "private, no-store"
    assert b"".join(download.streaming_content) == pdf_bytes(letter)


def test_a_code_works_only_once(
    client, signed_request, mailoutbox, django_capture_on_commit_callbacks
):
    letter = signed_request()
    ticket = look_up(client, letter).context["ticket"]
    ask_code(client, ticket, django_capture_on_commit_callbacks)
    code = download_code_from(mailoutbox)
    assert link_in(type_code(client, ticket, code))

    again = type_code(client, ticket, code)

    assert link_in(again) == ""
    assert "code" in again.context["code_form"].errors


def test_five_wrong_tries_kill_the_code_until_a_new_one_is_asked_for(
    client, signed_request, mailoutbox, django_capture_on_commit_callbacks
):
    letter = signed_request()
    ticket = look_up(client, letter).context["ticket"]
    ask_code(client, ticket, django_capture_on_commit_callbacks)
    code = download_code_from(mailoutbox)

    first = type_code(client, ticket, wrong(code))
    with translation.override(first["Content-Language"]):
        tries_left = ngettext(
            "The code is not right; %(left)d try left. Check the newest email from us.",
            "The code is not right; %(left)d tries left. Check the newest email from us.",
            4,
        ) % {"left": 4}
    assertContains(first, tries_left)
    for _ in range(4):
        type_code(client, ticket, wrong(code))
    right_too_late = type_code(client, ticket, code)

    assert link_in(right_too_late) == ""
    assert DownloadCode.objects.get().failed_attempts == services.DOWNLOAD_CODE_MAX_TRIES
    ask_code(client, ticket, django_capture_on_commit_callbacks)
    assert link_in(type_code(client, ticket, download_code_from(mailoutbox)))


def test_an_expired_code_is_refused(
    client, signed_request, mailoutbox, django_capture_on_commit_callbacks
):
    letter = signed_request()
    ticket = look_up(client, letter).context["ticket"]
    ask_code(client, ticket, django_capture_on_commit_callbacks)
    code = download_code_from(mailoutbox)
    row = DownloadCode.objects.get()
    lifetime = row.expires_at - row.created_at
    assert abs(lifetime - datetime.timedelta(minutes=15)) < datetime.timedelta(seconds=1)
    DownloadCode.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))

    response = type_code(client, ticket, code)

    assert link_in(response) == ""
    assert "code" in response.context["code_form"].errors


def test_a_new_code_replaces_the_old_one(
    client, signed_request, mailoutbox, django_capture_on_commit_callbacks
):
    letter = signed_request()
    ticket = look_up(client, letter).context["ticket"]
    ask_code(client, ticket, django_capture_on_commit_callbacks)
    old = download_code_from(mailoutbox)
    mailoutbox.clear()
    ask_code(client, ticket, django_capture_on_commit_callbacks)
    new = download_code_from(mailoutbox)

    if old != new:  # one in a million they are the same
        assert link_in(type_code(client, ticket, old)) == ""
    assert link_in(type_code(client, ticket, new))


def test_a_code_for_one_letter_opens_no_other(
    client, signed_request, mailoutbox, django_capture_on_commit_callbacks
):
    budi = signed_request()
    siti = signed_request(nik=NIK_SITI, sex="P", name="Siti Aminah", email="siti@example.com")
    budi_ticket = look_up(client, budi).context["ticket"]
    siti_ticket = look_up(client, siti).context["ticket"]
    ask_code(client, budi_ticket, django_capture_on_commit_callbacks)
    ask_code(client, siti_ticket, django_capture_on_commit_callbacks)
    budi_code = download_code_from([m for m in mailoutbox if m.to == ["budi@example.com"]])
    siti_code = download_code_from([m for m in mailoutbox if m.to == ["siti@example.com"]])

    if budi_code != siti_code:
        assert link_in(type_code(client, siti_ticket, budi_code)) == ""
    assert link_in(type_code(client, siti_ticket, siti_code))


def test_only_so_many_codes_are_sent_for_one_letter_in_an_hour(
    client, signed_request, mailoutbox, django_capture_on_commit_callbacks
):
    letter = signed_request()
    ticket = look_up(client, letter).context["ticket"]
    mailoutbox.clear()
    for n in range(services.DOWNLOAD_CODES_PER_HOUR):
        ask_code(client, ticket, django_capture_on_commit_callbacks, REMOTE_ADDR=f"10.1.0.{n}")

    refused = ask_code(client, ticket, django_capture_on_commit_callbacks, REMOTE_ADDR="10.1.1.1")

    assert len(mailoutbox) == services.DOWNLOAD_CODES_PER_HOUR
    message = said(
        refused,
        "%(count)d codes were sent for this letter within the hour. Use the newest one from "
        "your email, or try again in an hour.",
    ) % {"count": services.DOWNLOAD_CODES_PER_HOUR}
    assertContains(refused, message)


def test_asking_for_codes_is_rate_limited_per_address(
    client, signed_request, django_capture_on_commit_callbacks
):
    limit = int(views.CODE_SEND_RATE_PER_IP.split("/")[0])
    ticket = look_up(client, signed_request()).context["ticket"]
    statuses = [
        ask_code(client, ticket, django_capture_on_commit_callbacks).status_code
        for _ in range(limit)
    ]

    blocked = ask_code(client, ticket, django_capture_on_commit_callbacks)

    assert 429 not in statuses
    assert blocked.status_code == 429
    assertTemplateUsed(blocked, "portal/rate_limited.html")


def test_without_an_email_the_letter_is_picked_up_at_the_office(
    client, signed_request, kelurahan_a, mailoutbox, django_capture_on_commit_callbacks
):
    kelurahan_a.address = "Jl. Dr. Rajiman No. 1"
    kelurahan_a.office_hours = "Senin–Jumat 08.00–15.00"
    kelurahan_a.phone = "0271712345"
    kelurahan_a.save()
    letter = signed_request(email="")

    response = look_up(client, letter)

    assert link_in(response) == ""
    assertNotContains(response, 'name="step"')
    assertContains(
        response,
        said(response, "Pick the signed letter up at the kelurahan office; bring your KTP."),
    )
    for detail in ("Jl. Dr. Rajiman No. 1", "Senin–Jumat 08.00–15.00", "0271712345"):
        assertContains(response, detail)
    # Even a forged "send" step with a real ticket mails nothing.
    mailoutbox.clear()
    sent = ask_code(client, tracking.track_ticket(letter.pk), django_capture_on_commit_callbacks)
    assert mailoutbox == []
    assert link_in(sent) == ""


def test_a_request_not_yet_signed_offers_no_code(client, kelurahan_a):
    assert client.post(request_url(kelurahan_a), request_form()).status_code == 302
    letter = Letter.objects.get()

    response = look_up(client, letter)

    assert not response.context["ticket"]
    assertNotContains(response, 'name="step"')


def test_a_forged_ticket_is_not_found_and_an_old_one_says_to_look_up_again(
    client, signed_request, monkeypatch
):
    letter = signed_request()
    for forged in (str(letter.pk), tracking.download_token(letter.pk), "x:y:z"):
        assert client.post(TRACK, {"step": "send", "ticket": forged}).status_code == 404
    an_hour_ago = time.time() - 3600
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: an_hour_ago)
        old = tracking.track_ticket(letter.pk)

    response = client.post(TRACK, {"step": "send", "ticket": old})

    assert response.status_code == 200
    assertContains(response, said(response, views.TICKET_EXPIRED))
    assert DownloadCode.objects.count() == 0


def test_status_emails_carry_no_download_link(
    client,
    kelurahan_a,
    operator_a,
    signer_a,
    sign,
    private_root,
    mailoutbox,
    django_capture_on_commit_callbacks,
):
    with django_capture_on_commit_callbacks(execute=True):
        assert client.post(request_url(kelurahan_a), request_form()).status_code == 302
    letter = Letter.objects.get()
    with django_capture_on_commit_callbacks(execute=True):
        services.letter_move(action="verify", letter_id=letter.pk, by=operator_a)
    with django_capture_on_commit_callbacks(execute=True):
        sign(letter, signer_a)

    assert len(mailoutbox) == 3
    for mail in mailoutbox:
        assert "/lacak/unduh/" not in mail.body


def test_a_letter_voided_after_the_lookup_gets_no_code_and_no_link(
    client, signed_request, signer_a, mailoutbox, django_capture_on_commit_callbacks
):
    letter = signed_request()
    ticket = look_up(client, letter).context["ticket"]
    ask_code(client, ticket, django_capture_on_commit_callbacks)
    code = download_code_from(mailoutbox)
    services.letter_move(
        action="void", letter_id=letter.pk, by=signer_a, reason="Salah ketik nama."
    )
    mailoutbox.clear()

    sent = ask_code(client, ticket, django_capture_on_commit_callbacks)
    checked = type_code(client, ticket, code)

    assert mailoutbox == []
    assert link_in(sent) == link_in(checked) == ""
    assert DownloadCode.objects.get().used_at is None

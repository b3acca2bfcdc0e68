"""The staff work page (the admin index for kelurahan staff) and the letter page's checks and
next steps: draft preview, corrections before signing, void and issue again, asking the
resident, confirmations that say what happened."""

from __future__ import annotations

import datetime
import itertools
from urllib.parse import parse_qs, urlparse

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from kelurahan import roles
from kelurahan.models import RW, Article, Official
from layanan import services
from layanan.models import Letter, LetterEvent
from tests.layanan.helpers import letter_data, pdf_text, said

INDEX = "/admin/"
CODES = (f"W{n:09d}" for n in itertools.count())


def online_letter(kelurahan, *, state=Letter.State.SUBMITTED, code="ABCDEFGHJK", **fields):
    letter_type = services.letter_types_ensure(kelurahan=kelurahan)["skuter"]
    data = letter_data(**fields.pop("data", {}))
    return Letter.objects.create(
        kelurahan=kelurahan,
        letter_type=letter_type,
        state=state,
        nik=data["nik"],
        name=data["name"],
        data=data,
        tracking_code=code,
        phone="081234567890",
        **fields,
    )


@pytest.fixture
def as_signer_a(client, signer_a):
    client.force_login(signer_a)
    return client


def test_an_operator_lands_on_their_work_page(as_operator_a, kelurahan_a, issue, operator_a):
    online_letter(kelurahan_a)
    issue(kelurahan_a, operator_a)

    response = as_operator_a.get(INDEX)

    assert response.status_code == 200
    assert "admin/work_page.html" in [t.name for t in response.templates]
    counts = {bucket.key: bucket.count for bucket in response.context["buckets"]}
    assert counts == {"new": 1, "waiting": 0, "to_sign": 1, "to_hand_over": 0, "late": 0}
    page = response.content.decode()
    assert said(response, "New online requests") in page
    assert said(response, "Issue a letter") in page
    # Each kind is a button of the NIK form, straight to its prefilled form.
    assert 'name="kind" value="skuter"' in page and 'name="nik"' in page
    # The queue links to the letter list filtered to it.
    assert "?state__exact=submitted" in page
    # Operators edit the site's content too: they see its checklist.
    assert response.context["checklist"] is not None


def test_diskominfo_keeps_the_model_index(as_diskominfo):
    response = as_diskominfo.get(INDEX)

    assert response.status_code == 200
    assert "admin/work_page.html" not in [t.name for t in response.templates]
    assert "buckets" not in response.context


def test_a_signer_sees_what_waits_for_their_signature_with_its_preview(
    as_signer_a, verified_letter
):
    response = as_signer_a.get(INDEX)

    to_sign = response.context["to_sign"]
    assert to_sign.count == 1 and to_sign.letters == [verified_letter]
    page = response.content.decode()
    assert reverse("admin:layanan_letter_draft", args=[verified_letter.pk]) in page
    # A signer issues nothing: no NIK form.
    assert 'name="kind"' not in page


def test_the_work_page_reads_a_fixed_number_of_queries(
    as_operator_a, kelurahan_a, operator_a, issue
):
    def letters(n):
        for _ in range(n):
            online_letter(kelurahan_a, code=next(CODES))
            issue(kelurahan_a, operator_a)
        old = timezone.now() - datetime.timedelta(days=40)
        Letter.objects.filter(kelurahan=kelurahan_a).update(created_at=old)

    def queries():
        with CaptureQueriesContext(connection) as captured:
            response = as_operator_a.get(INDEX)
        assert response.status_code == 200
        return len(captured)

    letters(2)
    few = queries()
    letters(25)
    many = queries()

    assert many == few
    buckets = {bucket.key: bucket for bucket in as_operator_a.get(INDEX).context["buckets"]}
    assert buckets["new"].count == 27 and len(buckets["new"].letters) == 5
    # Forty days old, promised in a few working days: all open ones are late.
    assert buckets["late"].count == 54


def test_the_past_promise_queue_lists_as_a_filter(as_operator_a, kelurahan_a):
    late = online_letter(kelurahan_a, code="LATE000001")
    online_letter(kelurahan_a, code="FRESH00001")
    Letter.objects.filter(pk=late.pk).update(
        created_at=timezone.now() - datetime.timedelta(days=30)
    )

    response = as_operator_a.get(reverse("admin:layanan_letter_changelist") + "?promise=late")

    assert [letter.pk for letter in response.context["cl"].result_list] == [late.pk]


def test_the_checklist_says_what_the_site_lacks_and_notices_it_filled(as_operator_a, kelurahan_a):
    def checklist():
        items = as_operator_a.get(INDEX).context["checklist"]
        return {item.key: item.done for item in items}

    assert not any(checklist().values())

    kelurahan_a.welcome_text, kelurahan_a.vision = "Selamat datang", "Maju bersama"
    kelurahan_a.address = "Jl. Pajang 1"
    kelurahan_a.latitude, kelurahan_a.longitude = -7.56, 110.79
    kelurahan_a.services_reviewed_at = timezone.now()
    kelurahan_a.save()
    Official.objects.for_kelurahan(kelurahan_a).update(name="")
    head = Official.objects.for_kelurahan(kelurahan_a).filter(level=Official.Level.HEAD).first()
    head.name, head.nip, head.photo = "Drs. Slamet", "197001012000031001", "officials/a.jpg"
    head.save()
    RW.objects.create(kelurahan=kelurahan_a, number=1, head_name="Pak RW")
    Article.objects.create(
        kelurahan=kelurahan_a,
        title="Kerja bakti",
        slug="kerja-bakti",
        body="Minggu pagi.",
        status=Article.Status.PUBLISHED,
    )

    assert checklist() == {
        "profile": True,
        "office": True,
        "officials": True,
        "rt_rw": True,
        "services": True,
        "article": True,
    }


def test_the_draft_pdf_is_watermarked_and_carries_no_number(as_operator_a, verified_letter):
    response = as_operator_a.get(reverse("admin:layanan_letter_draft", args=[verified_letter.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"].startswith("inline")
    assert "no-store" in response["Cache-Control"]
    text = pdf_text(response.content)
    assert "DRAF" in text
    assert "diberikan saat ditandatangani" in text
    assert "Pindai" not in text  # no QR code to verify
    assert verified_letter.name.upper() in text.upper()


def test_a_signed_letter_has_no_draft(as_operator_a, signed_letter):
    url = reverse("admin:layanan_letter_draft", args=[signed_letter.pk])
    assert as_operator_a.get(url).status_code == 404


def test_another_kelurahans_draft_is_not_found(client, operator_b, verified_letter):
    client.force_login(operator_b)
    url = reverse("admin:layanan_letter_draft", args=[verified_letter.pk])
    assert client.get(url).status_code in (302, 404)
    assert b"%PDF" not in client.get(url).content


def test_details_can_be_corrected_before_signing_and_the_timeline_says_so(
    as_operator_a, verified_letter
):
    url = reverse("admin:layanan_letter_edit", args=[verified_letter.pk])
    page = as_operator_a.get(url)
    assert page.status_code == 200
    assert page.context["form"].initial["address"] == "Jl. Slamet Riyadi No. 10"

    data = {
        key: value
        for key, value in letter_data(address="Jl. Slamet Riyadi No. 12").items()
        if value is not None
    }
    response = as_operator_a.post(url, data)

    assert response.status_code == 302, response.context["form"].errors
    verified_letter.refresh_from_db()
    assert verified_letter.data["address"] == "Jl. Slamet Riyadi No. 12"
    event = LetterEvent.objects.for_kelurahan(verified_letter.kelurahan_id).last()
    assert event.from_state == event.to_state == Letter.State.VERIFIED
    assert "Alamat" in event.note or "address" in event.note.lower()


def test_a_signed_letter_cannot_be_edited(as_operator_a, signed_letter):
    url = reverse("admin:layanan_letter_edit", args=[signed_letter.pk])
    assert as_operator_a.get(url).status_code == 404
    with pytest.raises(services.TransitionError):
        services.letter_details_update(
            letter_id=signed_letter.pk,
            by=signed_letter.created_by,
            data=letter_data(name="Orang Lain"),
        )
    signed_letter.refresh_from_db()
    assert signed_letter.name == "Budi Santoso"


def test_void_and_issue_again_links_a_new_letter_prefilled_from_the_old(
    as_operator_a, signed_letter
):
    response = as_operator_a.post(
        reverse("admin:layanan_letter_move", args=[signed_letter.pk, "void"]),
        {"reason": "Alamat salah ketik.", "reissue": "1"},
    )

    signed_letter.refresh_from_db()
    assert signed_letter.state == Letter.State.VOID
    new = Letter.objects.for_kelurahan(signed_letter.kelurahan_id).get(reissue_of=signed_letter)
    assert new.state == Letter.State.VERIFIED
    assert new.data == signed_letter.data and new.number == ""
    assert response["Location"] == reverse("admin:layanan_letter_edit", args=[new.pk])
    old_page = as_operator_a.get(reverse("admin:layanan_letter_change", args=[signed_letter.pk]))
    assert reverse("admin:layanan_letter_change", args=[new.pk]) in old_page.content.decode()


def test_a_signer_may_void_but_not_issue_again(as_signer_a, signed_letter):
    as_signer_a.post(
        reverse("admin:layanan_letter_move", args=[signed_letter.pk, "void"]),
        {"reason": "Alamat salah ketik.", "reissue": "1"},
    )

    signed_letter.refresh_from_db()
    assert signed_letter.state == Letter.State.SIGNED  # both or neither
    assert not Letter.objects.for_kelurahan(signed_letter.kelurahan_id).filter(
        reissue_of=signed_letter
    )


def test_asking_the_resident_waits_for_them_and_tells_them_what_is_needed(
    as_operator_a, kelurahan_a, client
):
    letter = online_letter(kelurahan_a)
    response = as_operator_a.post(
        reverse("admin:layanan_letter_move", args=[letter.pk, "ask_resident"]),
        {"reason": "Mohon bawa KK asli ke kantor."},
        follow=True,
    )

    letter.refresh_from_db()
    assert letter.state == Letter.State.WAITING
    assert letter.reason == "Mohon bawa KK asli ke kantor."
    counts = {bucket.key: bucket.count for bucket in as_operator_a.get(INDEX).context["buckets"]}
    assert counts["waiting"] == 1 and counts["new"] == 0
    # The letter page offers a WhatsApp message saying what is needed.
    link = response.context["whatsapp_url"]
    assert link.startswith("https://wa.me/6281234567890?")
    assert "bawa KK asli" in parse_qs(urlparse(link).query)["text"][0]

    # What was asked for came: the operator verifies it from "waiting".
    services.letter_move(letter_id=letter.pk, action="verify", by=response.wsgi_request.user)
    letter.refresh_from_db()
    assert letter.state == Letter.State.VERIFIED


def test_signing_says_the_number_and_offers_the_next_steps(
    as_signer_a, kelurahan_a, signer_a, settings
):
    from tests.factories import signature

    settings.PORTAL_URL = "https://portal.surakarta.go.id"
    letter = online_letter(kelurahan_a, state=Letter.State.VERIFIED)
    response = as_signer_a.post(
        reverse("admin:layanan_letter_move", args=[letter.pk, "sign"]),
        {key: value for key, value in signature(signer_a, kelurahan_a).items()},
        follow=True,
    )

    letter.refresh_from_db()
    assert letter.state == Letter.State.SIGNED
    page = response.content.decode()
    messages = [str(m) for m in response.context["messages"]]
    assert any(letter.number in message for message in messages)
    assert reverse("layanan:letter_pdf", args=[letter.pk]) + "?download=1" in page
    text = parse_qs(urlparse(response.context["whatsapp_url"]).query)["text"][0]
    assert "ABCD EFGH JK" in text or "ABCDEFGHJK" in text.replace(" ", "").replace("-", "")


def test_mark_handed_over_is_the_signed_letters_next_step(as_operator_a, signed_letter):
    page = as_operator_a.get(reverse("admin:layanan_letter_change", args=[signed_letter.pk]))
    hand_over = reverse("admin:layanan_letter_move", args=[signed_letter.pk, "hand_over"])
    assert page.context["hand_over"]["url"] == hand_over
    assert page.content.decode().count(f'action="{hand_over}"') == 1

    response = as_operator_a.post(hand_over, follow=True)

    signed_letter.refresh_from_db()
    assert signed_letter.state == Letter.State.HANDED_OVER
    assert any(signed_letter.number in str(m) for m in response.context["messages"])


def test_documents_and_pdfs_open_in_the_browser_with_a_download_beside(
    as_operator_a, signed_letter
):
    url = reverse("layanan:letter_pdf", args=[signed_letter.pk])
    assert as_operator_a.get(url)["Content-Disposition"].startswith("inline")
    assert as_operator_a.get(url + "?download=1")["Content-Disposition"].startswith("attachment")


def test_a_kind_link_preselects_the_kind_without_complaining_of_the_nik(as_operator_a):
    response = as_operator_a.get(reverse("admin:layanan_letter_issue") + "?kind=kematian")

    assert response.status_code == 200
    assert not response.context["start"].is_bound
    assert response.context["start"].initial["kind"] == "kematian"


def test_from_the_work_page_a_skuter_takes_two_page_loads_to_be_ready_for_signing(
    as_operator_a, kelurahan_a
):
    # Load 1: the NIK and the kind's button on the work page give the prefilled form.
    form_page = as_operator_a.get(
        reverse("admin:layanan_letter_issue"), {"nik": letter_data()["nik"], "kind": "skuter"}
    )
    assert form_page.status_code == 200 and form_page.context["form"] is not None
    # Load 2: saving it lands on the letter page, ready for signing.
    data = {key: value for key, value in letter_data().items() if value is not None}
    url = reverse("admin:layanan_letter_issue") + f"?nik={data['nik']}&kind=skuter"
    response = as_operator_a.post(url, data, follow=True)
    letter = Letter.objects.for_kelurahan(kelurahan_a).get()
    assert response.redirect_chain[-1][0] == reverse(
        "admin:layanan_letter_change", args=[letter.pk]
    )
    assert letter.state == Letter.State.VERIFIED


@pytest.mark.parametrize("role", [roles.OPERATOR, roles.REDAKSI])
def test_the_work_page_is_in_indonesian(client, make_staff, kelurahan_a, role):
    client.force_login(make_staff("staf.a", role, kelurahan_a))

    page = client.get(INDEX, HTTP_ACCEPT_LANGUAGE="id").content.decode()

    for english in ("Work page", "New online requests", "Is the site complete?", "All menus"):
        assert english not in page


def test_staff_confirm_the_service_catalog_from_its_list(as_operator_a, kelurahan_a):
    url = reverse("admin:kelurahan_service_reviewed")
    listing = as_operator_a.get(reverse("admin:kelurahan_service_changelist"))
    assert f'action="{url}"' in listing.content.decode()
    assert as_operator_a.get(url).status_code == 404  # a change is a POST

    as_operator_a.post(url)

    kelurahan_a.refresh_from_db()
    assert kelurahan_a.services_reviewed_at is not None
    items = {item.key: item.done for item in as_operator_a.get(INDEX).context["checklist"]}
    assert items["services"] is True


def test_diskominfo_has_no_catalog_of_its_own_to_confirm(as_diskominfo):
    assert as_diskominfo.post(reverse("admin:kelurahan_service_reviewed")).status_code == 404


def test_a_letter_made_at_the_counter_is_not_sent_back_to_the_resident(
    as_operator_a, verified_letter, operator_a
):
    page = as_operator_a.get(reverse("admin:layanan_letter_change", args=[verified_letter.pk]))
    assert page.context["moves"]["ask_resident"] is False
    with pytest.raises(services.TransitionError):
        services.letter_move(
            letter_id=verified_letter.pk, action="ask_resident", by=operator_a, reason="Bawa KK."
        )
    verified_letter.refresh_from_db()
    assert verified_letter.state == Letter.State.VERIFIED


def test_the_letter_page_names_computed_ages_by_their_person(as_operator_a, kelurahan_a):
    letter_type = services.letter_types_ensure(kelurahan=kelurahan_a)["kematian"]
    data = letter_data(age=75, reporter_birth_date="1980-03-12", reporter_age=46)
    letter = Letter.objects.create(
        kelurahan=kelurahan_a,
        letter_type=letter_type,
        state=Letter.State.VERIFIED,
        nik=data["nik"],
        name=data["name"],
        data=data,
    )

    page = as_operator_a.get(reverse("admin:layanan_letter_change", args=[letter.pk]))

    rows = dict(page.context["data_rows"])
    labels = {str(label) for label in rows}
    assert "reporter_age" not in labels and "age" not in labels
    assert rows["Pelapor: umur"] == 46
    assert rows["Pelapor: tanggal lahir"] == "12 Maret 1980"

"""Standard letter texts per city: the placeholder engine, versions, a kelurahan's own version,
the admin screens with their preview, and what a signed letter records and prints."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse
from django.utils import translation

from layanan import letter_texts
from layanan.letter_texts import KOP
from layanan.models import LetterText
from layanan.pdf import render_letter_html
from layanan.placeholders import Catalogue, Placeholder
from tests.layanan.helpers import pdf_bytes, pdf_text

pytestmark = pytest.mark.django_db

CATALOGUE = Catalogue(
    [Placeholder("kelurahan", "name", "Pajang"), Placeholder("nama", "n", "Budi")]
)


def city_url(city, kind="skuter"):
    return reverse("admin:layanan_lettertext_city", args=[city.pk, kind])


def own_url(kind="skuter"):
    return reverse("admin:layanan_lettertext_own", args=[kind])


def flat(text: str) -> str:
    return " ".join(text.split())


# The engine ------------------------------------------------------------------------------


def test_placeholders_are_filled_and_doubled_braces_are_literal():
    text = "Lurah {kelurahan} menerangkan {{bukan placeholder}} bahwa {nama}."
    assert CATALOGUE.render(text, {"kelurahan": "Pajang", "nama": "Budi"}) == (
        "Lurah Pajang menerangkan {bukan placeholder} bahwa Budi."
    )


def test_an_unknown_placeholder_is_refused_in_indonesian_naming_it():
    with translation.override("id"), pytest.raises(ValidationError) as caught:
        CATALOGUE.validate("Lurah {kelurahan} dan {kelurahn} dan {kelurahn}")
    (message,) = caught.value.messages
    assert "{kelurahn}" in message and message.count("kelurahn") == 1
    assert "Placeholder tidak dikenal" in message


@pytest.mark.parametrize("text", ["Lurah {kelurahan", "Lurah kelurahan}", "{ nama }", "{Nama}"])
def test_a_brace_without_its_pair_or_template_code_is_refused(text):
    with translation.override("id"), pytest.raises(ValidationError) as caught:
        CATALOGUE.validate(text)
    assert any("kurung kurawal" in m or "tidak dikenal" in m for m in caught.value.messages)


def test_template_code_is_text_not_code():
    rendered = CATALOGUE.render("{{% load x %}} {{{{ nama }}}}", {"nama": "Budi"})
    assert rendered == "{% load x %} {{ nama }}"


def test_every_built_in_text_uses_only_its_catalogue():
    for (kind, _part), text in letter_texts.DEFAULTS.items():
        letter_texts.catalogue_for(kind).validate(text)


# Versions and what a letter records -------------------------------------------------------


def test_a_provisioned_city_starts_with_version_1_of_the_built_in_texts(kelurahan_a):
    city = kelurahan_a.kecamatan.city
    rows = LetterText.objects.filter(city=city, kelurahan=None)
    assert rows.count() == len(letter_texts.DEFAULTS)
    assert set(rows.values_list("version", flat=True)) == {1}


def test_a_city_change_reaches_the_next_letter_and_the_old_one_keeps_its_version(
    as_diskominfo, kelurahan_a, issue, sign, operator_a, signer_a
):
    city = kelurahan_a.kecamatan.city
    before = sign(issue(kelurahan_a, operator_a), signer_a)
    opening_v1 = before.texts.get(kind="skuter", part="opening")
    assert opening_v1.version == 1

    response = as_diskominfo.post(
        city_url(city),
        {
            "opening": "Kami, {jabatan_kepala} {kelurahan} di {kota}, dengan ini menerangkan:",
            "statement": "",
            "closing": "Demikian agar maklum.",
        },
    )
    assert response.status_code == 302
    after = sign(issue(kelurahan_a, operator_a), signer_a)
    text = flat(pdf_text(pdf_bytes(after)))
    assert "Kami, Lurah Pajang di Kota Surakarta, dengan ini menerangkan:" in text
    assert "Demikian agar maklum." in text
    assert after.texts.get(kind="skuter", part="opening").version == 2
    # The letter signed before still says which text it was made with, and its PDF is as it was.
    assert before.texts.get(kind="skuter", part="opening") == opening_v1
    assert "Yang bertanda tangan di bawah ini" in flat(pdf_text(pdf_bytes(before)))
    detail = as_diskominfo.get(reverse("admin:layanan_letter_change", args=[after.pk]))
    assert (
        "Teks baku" in detail.content.decode() and "Kalimat pembuka v2" in detail.content.decode()
    )


def test_the_kop_surat_is_the_citys_and_prints_on_every_kelurahan(
    as_diskominfo, kelurahan_a, kelurahan_b, issue, sign, operator_b, make_staff
):
    from kelurahan import roles
    from tests.factories import signing_authority_for

    city = kelurahan_a.kecamatan.city
    response = as_diskominfo.post(
        city_url(city, "kop"),
        {
            "kop": "Pemerintah {kota}\nKecamatan {kecamatan}\nKantor {jenis_wilayah} {kelurahan}",
            "kop_address": "Jl. Contoh · {kota}",
        },
    )
    assert response.status_code == 302
    signer = make_staff("lurah.b", roles.SIGNER, kelurahan_b)
    signing_authority_for(signer, kelurahan_b)
    letter = sign(issue(kelurahan_b, operator_b), signer)
    text = flat(pdf_text(pdf_bytes(letter)))
    assert "KANTOR KELURAHAN LAWEYAN" in text
    assert "Jl. Contoh · Kota Surakarta" in text
    assert letter.texts.get(kind=KOP, part="kop").version == 2


def test_an_unknown_placeholder_on_the_form_stores_nothing(as_diskominfo, kelurahan_a):
    city = kelurahan_a.kecamatan.city
    count = LetterText.objects.count()
    response = as_diskominfo.post(
        city_url(city), {"opening": "Lurah {kelurahann}", "statement": "", "closing": ""}
    )
    assert response.status_code == 400
    assert "Placeholder tidak dikenal: {kelurahann}" in response.content.decode()
    assert LetterText.objects.count() == count


def test_saving_the_same_text_adds_no_version(as_diskominfo, kelurahan_a):
    city = kelurahan_a.kecamatan.city
    current = letter_texts.texts_for(city=city, kind="skuter")
    data = {part: text.text for (_k, part), text in current.items()}
    count = LetterText.objects.count()
    assert as_diskominfo.post(city_url(city), data).status_code == 302
    assert LetterText.objects.count() == count


def test_text_with_markup_is_printed_as_text(kelurahan_a, diskominfo, issue, operator_a):
    city = kelurahan_a.kecamatan.city
    letter_texts.letter_text_save(
        by=diskominfo, city=city, kind="skuter", part="closing", text="<script>x()</script>"
    )
    html = render_letter_html(issue(kelurahan_a, operator_a), verify_url="", paper="A4", draft=True)
    assert "<script>" not in html and "&lt;script&gt;x()&lt;/script&gt;" in html


# A kelurahan's own version ----------------------------------------------------------------


def test_a_kelurahan_writes_its_own_statement_and_goes_back_to_the_citys(
    client, kelurahan_a, kelurahan_b, operator_a, issue, sign, signer_a, signer_b, operator_b
):
    client.force_login(operator_a)
    page = client.get(own_url("domisili"))
    assert page.status_code == 200
    form = {
        "opening-follow": "on",
        "opening": "",
        "statement": "benar tinggal di {kelurahan} sejak {sejak}, menurut catatan kami.",
        "closing-follow": "on",
        "closing": "",
    }
    assert client.post(own_url("domisili"), form).status_code == 302

    def domisili(kelurahan, operator, signer):
        from layanan import services
        from tests.layanan.helpers import letter_data

        letter = services.letter_create(
            kelurahan=kelurahan,
            kind="domisili",
            by=operator,
            data={**letter_data(), "since": "2015-03-01"},
        )
        return flat(pdf_text(pdf_bytes(sign(letter, signer))))

    assert "benar tinggal di Pajang sejak 1 Maret 2015, menurut catatan kami." in domisili(
        kelurahan_a, operator_a, signer_a
    )
    # The other kelurahan of the city keeps the city's statement.
    assert "berdomisili di alamat tersebut di atas sejak 1 Maret 2015" in domisili(
        kelurahan_b, operator_b, signer_b
    )

    back = {**form, "statement-follow": "on"}
    assert client.post(own_url("domisili"), back).status_code == 302
    assert LetterText.objects.filter(
        kelurahan=kelurahan_a, part="statement", inherits=True
    ).exists()
    assert "berdomisili di alamat tersebut" in domisili(kelurahan_a, operator_a, signer_a)


def test_an_operator_cannot_change_the_citys_texts_or_the_kop(client, kelurahan_a, operator_a):
    client.force_login(operator_a)
    city = kelurahan_a.kecamatan.city
    assert client.get(city_url(city)).status_code in (403, 404)
    assert client.post(city_url(city), {"opening": "x"}).status_code in (403, 404)
    assert client.get(own_url("kop")).status_code == 404
    assert not LetterText.objects.filter(text="x").exists()


def test_diskominfo_has_no_kelurahan_screen_and_a_signer_no_form(client, as_diskominfo, signer_a):
    assert as_diskominfo.get(own_url()).status_code == 404
    client.force_login(signer_a)
    assert client.get(reverse("admin:layanan_lettertext_changelist")).status_code == 403


# The screens and the preview --------------------------------------------------------------


def test_the_index_lists_the_kop_and_every_kind(as_diskominfo, kelurahan_a):
    page = as_diskominfo.get(reverse("admin:layanan_lettertext_changelist"))
    body = page.content.decode()
    assert page.status_code == 200
    assert "Kop surat" in body and "Surat Keterangan Kematian" in body
    assert city_url(kelurahan_a.kecamatan.city, "kop") in body


def test_the_preview_button_fills_the_text_in_and_saves_nothing(as_diskominfo, kelurahan_a):
    city = kelurahan_a.kecamatan.city
    count = LetterText.objects.count()
    page = as_diskominfo.post(
        city_url(city),
        {"opening": "Lurah {kelurahan}, {kota}:", "statement": "", "closing": "", "_preview": "1"},
    )
    body = page.content.decode()
    assert page.status_code == 200
    assert "Lurah Pajang, Kota Surakarta:" in body  # the city's first kelurahan
    assert "{kelurahan}" in body  # the placeholder list is still there
    assert LetterText.objects.count() == count


def test_the_live_preview_answers_with_the_preview_alone(as_diskominfo, kelurahan_a):
    city = kelurahan_a.kecamatan.city
    data = {"opening": "Lurah {kelurahan}", "statement": "", "closing": "", "_preview": "1"}
    fragment = as_diskominfo.post(city_url(city), data, headers={"X-Preview": "1"})
    body = fragment.content.decode()
    assert "Lurah Pajang" in body and "<form" not in body
    bad = as_diskominfo.post(city_url(city), {**data, "opening": "{x}"}, headers={"X-Preview": "1"})
    assert "Placeholder tidak dikenal: {x}" in bad.content.decode()
    assert not LetterText.objects.filter(text="{x}").exists()


def test_another_citys_texts_are_not_found(as_diskominfo, kelurahan_a):
    assert as_diskominfo.get(city_url(type("C", (), {"pk": 999999})())).status_code == 404


def test_another_kelurahans_own_text_is_neither_shown_nor_used(
    client, kelurahan_a, kelurahan_b, operator_a, operator_b
):
    city = kelurahan_a.kecamatan.city
    letter_texts.letter_text_save(
        by=operator_b,
        city=city,
        kelurahan=kelurahan_b,
        kind="skuter",
        part="closing",
        text="Teks rahasia Laweyan.",
    )
    client.force_login(operator_a)
    page = client.get(own_url("skuter"))
    assert "Teks rahasia Laweyan." not in page.content.decode()
    assert "Demikian surat keterangan ini dibuat" in page.content.decode()
    with pytest.raises(PermissionDenied):
        letter_texts.letter_text_save(
            by=operator_a,
            city=city,
            kelurahan=kelurahan_b,
            kind="skuter",
            part="closing",
            text="Bukan urusan A.",
        )

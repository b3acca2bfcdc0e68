"""Property tests: the NIK parser either decodes consistently or refuses with its own error, and
no input to any public form or list filter answers with a 500 or reflects a script unescaped."""

from __future__ import annotations

import datetime
import io
import string
from urllib.parse import quote_from_bytes, urlsplit

import pytest
from django.conf import settings as django_settings
from django.core.cache import cache
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse
from django.utils import timezone
from hypothesis import HealthCheck, event, example, given, settings
from hypothesis import strategies as st
from PIL import Image

from layanan.forms import online_request_form
from layanan.kinds import KINDS
from layanan.models import Letter
from layanan.nik import NIK, NIKError, parse_nik
from tests.layanan.conftest import (  # noqa: F401
    issue,
    private_root,
    sign,
    signed_letter,
    signer_a,
    verified_letter,
)
from tests.layanan.online import request_form, request_url
from tests.umkm.test_moderation import proposal
from umkm.forms import BusinessProposalForm

# Every warning is an error here: a cache key memcached would refuse, say, must not pass quietly.
pytestmark = pytest.mark.filterwarnings("error::django.core.cache.backends.base.CacheKeyWarning")

NIK_CODES = {"length", "characters", "region", "date", "serial"}
TODAY = datetime.date(2026, 11, 22)

# --- The NIK parser ---------------------------------------------------------------------------

# Characters a NIK is typed with, and the look-alikes that are not ASCII digits.
NIK_ALPHABET = (
    string.digits + " .-/\t\n\u00a0\u2007\u3000٠١٢٣٤٥٦٧٨٩０１２３４５６７８９۳߃" + "Oo_,+"
)
nik_like = st.one_of(
    st.text(alphabet=NIK_ALPHABET, max_size=40),
    st.text(max_size=40),
    st.text(alphabet=string.digits, min_size=16, max_size=16),
    st.builds(
        lambda part, n: part * n, st.text(alphabet=NIK_ALPHABET, max_size=8), st.integers(1, 2000)
    ),
)


def assert_consistent(nik: NIK, today: datetime.date) -> None:
    value = nik.value
    assert len(value) == 16 and all(ch in string.digits for ch in value)
    assert "00" not in (value[:2], value[2:4], value[4:6])
    assert nik.region_code == f"{value[:2]}.{value[2:4]}.{value[4:6]}"
    assert (nik.province_code, nik.city_code) == (value[:2], nik.region_code[:5])
    day = int(value[6:8])
    assert nik.sex == ("P" if day > 40 else "L")
    assert nik.birth_date.day == (day - 40 if day > 40 else day)
    assert nik.birth_date.month == int(value[8:10])
    assert nik.birth_date.year % 100 == int(value[10:12])
    assert nik.birth_date <= today
    assert 1 <= int(nik.serial) <= 9999 and nik.serial == value[12:]


@settings(max_examples=600, deadline=None)
@given(raw=nik_like, today=st.one_of(st.none(), st.dates(datetime.date(2000, 1, 1))))
@example(raw="3372011508950001", today=TODAY)
@example(raw="٣٣٧٢٠١١٥٠٨٩٥٠٠٠١", today=TODAY)
@example(raw="3372012902000001", today=TODAY)
@example(raw="3372013102950001\x00", today=TODAY)
def test_the_nik_parser_decodes_consistently_or_refuses_with_its_own_error(raw, today):
    try:
        nik = parse_nik(raw, today=today)
    except NIKError as exc:
        assert exc.code in NIK_CODES
        assert str(exc.message).strip()
        return
    assert_consistent(nik, today or timezone.localdate())


@st.composite
def valid_niks(draw):
    today = draw(st.dates(datetime.date(2000, 1, 1), datetime.date(2099, 12, 31)))
    born = draw(st.dates(datetime.date(1901, 1, 1), today))
    if born.year < 2000:  # read as 20YY unless that is after today: only then is it 19YY
        in_2000s = born.replace(year=born.year + 100)  # 19YY leap means 20YY leap (no 1900)
        if in_2000s <= today:
            born = in_2000s
    # No part of the region code is 00 (province, kab/kota, kecamatan): those are refused.
    part = r"(0[1-9]|[1-9][0-9])"
    region = draw(st.from_regex(rf"\A{part}{part}{part}\Z"))
    sex = draw(st.sampled_from("LP"))
    serial = draw(st.integers(1, 9999))
    day = born.day + (40 if sex == "P" else 0)
    digits = f"{region}{day:02d}{born:%m}{born.year % 100:02d}{serial:04d}"
    separator = draw(st.sampled_from(["", " ", ".", "-", "/", " . "]))
    typed = separator.join([digits[:6], digits[6:12], digits[12:]])
    return typed, digits, region, born, sex, serial, today


@settings(max_examples=400, deadline=None)
@given(case=valid_niks())
def test_a_generated_valid_nik_round_trips(case):
    typed, digits, region, born, sex, serial, today = case

    nik = parse_nik(f"  {typed}\n", today=today)

    assert nik.value == digits
    assert nik.region_code == f"{region[:2]}.{region[2:4]}.{region[4:]}"
    assert (nik.birth_date, nik.sex, int(nik.serial)) == (born, sex, serial)
    assert_consistent(nik, today)


# --- Public forms and URLs --------------------------------------------------------------------

SCRIPT = "<script>alert(31337)</script>"
IMG = '"><img src=x onerror=alert(31337)>'
PAYLOADS = [
    SCRIPT,
    IMG,
    "' OR '1'='1' --",
    "'; DROP TABLE kelurahan_kelurahan; --",
    "1 UNION SELECT password FROM auth_user",
    "%",
    "_",
    "\\",
    "{{ request }}{% debug %}",
    "%(name)s %s %d",
    "../../etc/passwd",
    "\x00",
    "\r\n\r\nSet-Cookie: x=1",
    "\u202e\ufeff\u200b",
    "٣٣٧٢٠١",
    "１２３４",
    "-1",
    "0",
    "99999999999999999999999999",
    "1e400",
    "NaN",
    "-Infinity",
    "2024-02-30",
    "00:61",
    "-7.5e1",
    "true",
]
payload = st.sampled_from(PAYLOADS)
text = st.one_of(
    st.text(max_size=30),
    payload,
    st.builds(lambda a, b, c: a + b + c, st.text(max_size=10), payload, st.text(max_size=10)),
    st.integers(-(10**30), 10**30).map(str),
    st.decimals(allow_nan=True).map(str),
    st.builds(lambda part, n: part * n, st.text(min_size=1, max_size=8), st.integers(100, 500)),
)
value = st.one_of(text, st.lists(text, min_size=2, max_size=3))
language = st.sampled_from(["id", "en", "xx", ""])

HUGE = "ǅ" * 3000 + SCRIPT


def data_for(fields, baseline: dict):
    """A form post: sometimes starting from valid data, any subset of fields garbled, a stray key
    or two."""
    return st.builds(
        lambda base, changes, extra: {**(base or {}), **changes, **extra},
        st.one_of(st.none(), st.just(baseline)),
        st.dictionaries(st.sampled_from(sorted(fields)), value, max_size=6),
        st.dictionaries(st.text(min_size=1, max_size=10), value, max_size=2),
    )


def fresh(client, lang: str):
    """Each example starts with no rate-limit counts, in the language drawn."""
    cache.clear()
    client.cookies[django_settings.LANGUAGE_COOKIE_NAME] = lang


def assert_safe(response) -> None:
    event(f"status {response.status_code}")  # shown by --hypothesis-show-statistics
    assert response.status_code < 500
    if response.get("Content-Type", "").startswith("text/html") and not response.streaming:
        page = response.content.decode()
        assert SCRIPT not in page and "<img src=x onerror" not in page


HYPOTHESIS = settings(
    max_examples=40,
    deadline=None,
    suppress_health_check=[
        HealthCheck.function_scoped_fixture,
        HealthCheck.too_slow,
        HealthCheck.data_too_large,
    ],
)


def _jpeg() -> bytes:
    out = io.BytesIO()
    Image.new("RGB", (32, 24), "red").save(out, format="JPEG")
    return out.getvalue()


JPEG = _jpeg()


@HYPOTHESIS
@given(
    kind=st.sampled_from(sorted(KINDS)),
    data=st.data(),
    lang=language,
    key=st.uuids(),
    attach=st.booleans(),
)
def test_no_online_request_post_gives_a_500(client, kelurahan_a, kind, data, lang, key, attach):
    fresh(client, lang)
    fields = online_request_form(KINDS[kind].form).base_fields
    baseline = {k: v for k, v in request_form(request_key=str(key)).items() if k != "documents"}
    form = data.draw(data_for(fields, baseline))
    if attach:
        form["documents"] = SimpleUploadedFile("ktp.jpg", JPEG, content_type="image/jpeg")

    assert_safe(client.post(request_url(kelurahan_a, kind), form))


@HYPOTHESIS
@given(kind=text, lang=language)
@example(kind="skuter", lang="en")
def test_no_letter_kind_in_the_address_gives_a_500(client, kelurahan_a, kind, lang):
    fresh(client, lang)

    assert_safe(
        client.get(f"/k/{kelurahan_a.slug}/layanan/ajukan/{quote_from_bytes(kind.encode())}/")
    )


@pytest.fixture
def online_letter(client, kelurahan_a) -> Letter:
    response = client.post(request_url(kelurahan_a), request_form())
    assert response.status_code == 302
    cache.clear()
    return Letter.objects.get()


@HYPOTHESIS
@given(
    code=st.one_of(text, st.just("real")),
    digits=st.one_of(text, st.just("real"), st.text(alphabet=NIK_ALPHABET, min_size=4, max_size=4)),
    kode=st.one_of(st.none(), value),
    lang=language,
)
# A real code with the NIK's last digits typed on an Arabic or full-width keyboard: \d let them
# through the form, and comparing them with secrets.compare_digest raised TypeError (a 500).
@example(code="real", digits="000０", kode=None, lang="en")
@example(code="real", digits="٠٠٠١", kode=None, lang="id")
def test_no_tracking_query_gives_a_500(client, online_letter, code, digits, kode, lang):
    fresh(client, lang)
    code = online_letter.tracking_code if code == "real" else code
    digits = online_letter.nik[-4:] if digits == "real" else digits

    assert_safe(client.post(reverse("layanan:track"), {"code": code, "nik_last4": digits}))
    assert_safe(client.get(reverse("layanan:track"), {} if kode is None else {"kode": kode}))


@pytest.fixture
def letter(request) -> Letter:
    return request.getfixturevalue("signed_letter")


@HYPOTHESIS
@given(
    content=st.one_of(st.binary(max_size=3000), st.just(b"")),
    # What the test client can carry as a file name (Django refuses folders and "..").
    name=text.map(lambda n: n.replace("/", "_").replace("\\", "_")[:200]).filter(
        lambda n: n.strip() not in ("", ".", "..")
    ),
    fields=st.dictionaries(text.filter(bool), value, max_size=3),
    token=text,
    lang=language,
)
def test_no_verification_check_gives_a_500(client, letter, content, name, fields, token, lang):
    fresh(client, lang)
    upload = SimpleUploadedFile(name, content, content_type="application/pdf")

    assert_safe(client.post(letter.get_verification_url(), {**fields, "pdf": upload}))
    assert_safe(client.post(letter.get_verification_url(), {**fields, "pdf": name}))
    assert_safe(client.get(f"/verifikasi/{quote_from_bytes(token.encode())}/"))


@HYPOTHESIS
@given(data=st.data(), lang=language, attach=st.booleans())
def test_no_umkm_proposal_gives_a_500(client, kelurahan_a, data, lang, attach):
    fresh(client, lang)
    form = data.draw(data_for(BusinessProposalForm.base_fields, proposal()))
    if attach:
        form["photos"] = SimpleUploadedFile("foto.jpg", JPEG, content_type="image/jpeg")

    assert_safe(client.post(reverse("umkm:business_propose", args=[kelurahan_a.slug]), form))


FILTERS = ["q", "kategori", "kecamatan", "kelurahan", "page", "jenis"]


def list_urls(slug: str) -> list[str]:
    return [
        "/cari/",
        "/kota/kota-surakarta/umkm/",
        "/kota/kota-surakarta/wisata/",
        "/kota/kota-surakarta/umkm.geojson",
        "/kota/kota-surakarta/wisata.geojson",
        f"/k/{slug}/umkm/",
        f"/k/{slug}/wisata/",
        f"/k/{slug}/umkm.geojson",
        f"/k/{slug}/wisata.geojson",
        f"/k/{slug}/berita/",
        f"/k/{slug}/layanan/",
        f"/k/{slug}/usulkan-umkm/",
        "/lacak/",
    ]


@HYPOTHESIS
@given(
    which=st.integers(0, 12),
    query=st.dictionaries(st.one_of(st.sampled_from(FILTERS), text), value, max_size=5),
    lang=language,
)
@example(which=0, query={"q": HUGE}, lang="en")
@example(which=5, query={"page": "99999999999999999999999"}, lang="id")
def test_no_search_or_list_filter_gives_a_500(client, kelurahan_a, which, query, lang):
    fresh(client, lang)

    assert_safe(client.get(list_urls(kelurahan_a.slug)[which], query))


@HYPOTHESIS
@given(which=st.integers(0, 12), raw=st.binary(max_size=200), lang=language)
@example(which=5, raw=b"q=%FF%FE&page=%00&kategori=%C0%AF", lang="en")
def test_no_raw_query_string_gives_a_500(client, kelurahan_a, which, raw, lang):
    """Bytes a browser would never send: invalid UTF-8, lone separators, NULs."""
    fresh(client, lang)
    query = raw.decode("latin-1") if b"=" in raw else "q=" + quote_from_bytes(raw)

    assert_safe(client.get(f"{list_urls(kelurahan_a.slug)[which]}?{query}"))


@HYPOTHESIS
@given(chosen=st.one_of(st.sampled_from(["id", "en"]), text), target=st.one_of(st.none(), value))
@example(chosen="en", target="//evil.example/")
@example(chosen="en", target="/\\evil.example/")
@example(chosen="id", target="https://evil.example/")
def test_the_language_switch_never_fails_and_never_leaves_the_site(client, db, chosen, target):
    cache.clear()
    path = f"/bahasa/{quote_from_bytes(chosen.encode(), safe='')}/"

    response = client.get(path, {} if target is None else {"next": target})

    assert response.status_code < 500
    if response.status_code in (301, 302):
        location = response["Location"]
        parts = urlsplit(location)
        assert parts.scheme in ("", "http") and parts.netloc in ("", "testserver"), location
        assert not location.startswith(("//", "/\\", "\\")), location

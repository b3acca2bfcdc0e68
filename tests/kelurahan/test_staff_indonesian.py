"""Django's own staff-screen Indonesian, mended by our catalog (portal/library_strings.py):
the admin pages, the user form's filter_horizontal and the admin's JavaScript catalog."""

from __future__ import annotations

import gettext as gettext_module
import json
import re

import pytest
from django.utils import translation

from portal import library_strings


@pytest.fixture(autouse=True)
def indonesian(client, settings):
    """The staff member's browser as it comes: the site's default language, Indonesian."""
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    with translation.override("id"):
        yield


def js_catalog(client) -> dict:
    response = client.get("/admin/jsi18n/")
    assert response.status_code == 200
    match = re.search(r"const newcatalog = (\{.*?\});", response.content.decode(), re.S)
    assert match, "no catalog in /admin/jsi18n/"
    return json.loads(match.group(1))


def test_the_admin_index_names_the_accounts_app_in_indonesian(as_diskominfo):
    html = as_diskominfo.get("/admin/").content.decode()

    assert "Autentikasi dan Otorisasi" in html
    assert "Authentication and Authorization" not in html
    assert "Autentidikasi" not in html


@pytest.fixture
def as_superuser(client, django_user_model):
    root = django_user_model.objects.create_superuser("root", "root@example.org", "x-Root-pw-9")
    client.force_login(root)
    return client


def test_the_user_screens_say_password_login_in_plain_indonesian(as_superuser, operator_a):
    # Only a superuser adds an account with a typed password (Diskominfo invites).
    add = as_superuser.get("/admin/auth/user/add/").content.decode()
    change = as_superuser.get(f"/admin/auth/user/{operator_a.pk}/change/").content.decode()

    assert "Autentikasi dengan sandi" in add
    for html in (add, change):
        assert "Autentidikasi" not in html and "autentifikasu" not in html
        assert "berdasarkan-sandi" not in html


def test_diskominfo_picks_a_role_from_one_select_without_choose_remove_boxes(
    as_diskominfo, operator_a
):
    html = as_diskominfo.get(f"/admin/auth/user/{operator_a.pk}/change/").content.decode()

    assert re.search(r'<select name="role"[^>]*id="id_role"', html)
    assert "selectfilter" not in html and 'name="groups"' not in html
    assert 'name="user_permissions"' not in html


def test_the_superusers_permission_boxes_are_a_filter_horizontal_with_an_indonesian_name(
    as_superuser, operator_a
):
    html = as_superuser.get(f"/admin/auth/user/{operator_a.pk}/change/").content.decode()

    # SelectFilter2.js builds the two boxes from this name and the JavaScript catalog below.
    assert re.search(
        r'id="id_user_permissions" multiple class="selectfilter" '
        r'data-field-name="hak akses pengguna"',
        html,
    )
    assert "/admin/jsi18n/" in html


def test_the_action_button_says_run_not_open(as_diskominfo):
    html = as_diskominfo.get("/admin/auth/user/").content.decode()

    assert ">Jalankan</button>" in html
    assert ">Buka</button>" not in html


def test_the_admin_javascript_catalog_carries_our_fixes(as_diskominfo):
    catalog = js_catalog(as_diskominfo)

    chosen = 'Choose %s by selecting them and then select the "Choose" arrow button.'
    removed = 'Remove %s by selecting them and then select the "Remove" arrow button.'
    assert (
        catalog[chosen]
        == "Tandai %s yang diinginkan, lalu klik tombol panah ke kanan untuk memilihnya."
    )
    assert catalog[removed] == (
        "Tandai %s yang tidak diinginkan, lalu klik tombol panah ke kiri untuk melepaskannya."
    )
    assert catalog["Choose all %s"] == "Pilih semua %s"
    assert catalog["Choose selected %s"] == "Pilih %s yang ditandai"
    assert catalog["Remove selected %s"] == "Lepaskan %s yang ditandai"
    assert catalog["Remove all %s"] == "Lepaskan semua %s"
    assert catalog["Available %s"] == "%s yang tersedia"
    assert catalog["Chosen %s"] == "%s yang dipilih"
    assert catalog["Sunday"] == "Minggu"


def test_the_admin_javascript_catalog_has_no_english_or_glued_words_left(as_diskominfo):
    texts = [t for value in js_catalog(as_diskominfo).values() for t in _strings(value)]

    # "Pindahkan%s" made "Pindahkangrup"; Django's translation kept "Choose"/"Remove" in English.
    assert not [t for t in texts if re.search(r"[a-z]%s", t)]
    assert not [t for t in texts if '"Choose"' in t or '"Remove"' in t]
    assert not [t for t in texts if "utnuk" in t or " dar " in t]
    # Filled in as SelectFilter2.js does for the user form's groups:
    removed = js_catalog(as_diskominfo)[
        'Remove %s by selecting them and then select the "Remove" arrow button.'
    ]
    assert "Pindahkangrup" not in removed.replace("%s", "grup")


def test_every_marked_django_string_has_our_indonesian(db, settings):
    """Each marker in portal/library_strings.py is translated by our catalog, not Django's."""
    path = settings.LOCALE_PATHS[0] / "id" / "LC_MESSAGES" / "django.mo"
    with open(path, "rb") as mo:
        ours = gettext_module.GNUTranslations(mo)
    for marker in library_strings.DJANGO_STRINGS:
        if isinstance(marker, str):
            assert ours.gettext(marker) != marker, f"not in locale/id django.po: {marker}"
            assert translation.gettext(marker) == ours.gettext(marker), marker
        else:  # ngettext_lazy: the plural ones
            with translation.override("en"):
                english = str(marker)
            assert ours.ngettext(english, english, 1) != english, english
            assert str(marker) == ours.ngettext(english, english, 1), english
    assert translation.gettext("Go") == "Jalankan"
    assert translation.gettext("Password-based authentication") == "Autentikasi dengan sandi"


def _strings(value):
    return value if isinstance(value, list) else [value]

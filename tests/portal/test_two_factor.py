"""Staff two-factor login (TOTP): the switch Diskominfo controls, setup, the code step, reset."""

import json
import re
import subprocess
import sys
from base64 import b32decode

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.utils import translation
from django_otp import DEVICE_ID_SESSION_KEY
from django_otp.oath import totp
from django_otp.plugins.otp_totp.models import TOTPDevice

from kelurahan import roles
from portal.models import SecuritySettings
from portal.selectors import security_settings
from portal.services import TwoFactorError, security_settings_update, two_factor_device_confirm
from tests.conftest import PASSWORD

SETUP = "/admin/two-factor/setup/"
VERIFY = "/admin/two-factor/"
SWITCH = "/admin/portal/securitysettings/1/change/"


def code_for(key: bytes, drift: int = 0) -> str:
    """What an authenticator app holding `key` shows right now."""
    return f"{totp(key, drift=drift):06d}"


def wrong_code(key: bytes) -> str:
    """A 6-digit code no clock near now would show (the device accepts one step either way)."""
    near = {code_for(key, drift) for drift in (-1, 0, 1)}
    return next(f"{n:06d}" for n in range(1_000_000) if f"{n:06d}" not in near)


def log_in(client, username):
    response = client.post(
        "/admin/login/", {"username": username, "password": PASSWORD, "next": "/admin/"}
    )
    assert response.status_code == 302, "the password step failed"
    return client.get(response.url)


def confirmed_device(user) -> TOTPDevice:
    return TOTPDevice.objects.create(user=user, name="phone", confirmed=True)


@pytest.fixture
def required(db):
    security_settings_update(by=None, two_factor_required=True)


@pytest.fixture
def english(client):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    return client


# --- the switch is off (the default) ------------------------------------------------------------


def test_by_default_two_factor_is_not_required_and_staff_work_as_before(client, operator_a):
    assert security_settings().two_factor_required is False

    response = log_in(client, "operator.a")

    assert response.status_code == 200
    client.force_login(operator_a)
    assert client.get("/admin/kelurahan/article/").status_code == 200


def test_a_voluntary_authenticator_is_asked_for_at_every_login_after(english, operator_a):
    client = english
    client.force_login(operator_a)
    page = client.get(SETUP).content.decode()
    assert "Protect your account" in page and "<svg" in page
    device = TOTPDevice.objects.get(user=operator_a)
    client.post(SETUP, {"token": code_for(device.bin_key), "next": "/admin/"})
    client.post("/admin/logout/")

    response = log_in(client, "operator.a")

    assert response.status_code == 302
    assert response.url == f"{VERIFY}?next=%2Fadmin%2F"


# --- the switch is on ---------------------------------------------------------------------------


def test_when_required_a_staff_member_without_an_authenticator_is_sent_to_set_one_up(
    client, required, operator_a
):
    response = log_in(client, "operator.a")

    assert response.status_code == 302
    assert response.url == f"{SETUP}?next=%2Fadmin%2F"
    assert client.get(response.url).status_code == 200


def test_setup_with_the_code_of_the_key_shown_confirms_it_and_opens_the_admin(
    english, required, operator_a
):
    english.force_login(operator_a)
    page = english.get(f"{SETUP}?next=/admin/kelurahan/article/").content.decode()

    assert "Diskominfo requires two-factor login for all staff" in page
    assert "<svg" in page and "otpauth" not in page  # the address is drawn, not written
    typed = re.search(r'class="two-factor-secret">([A-Z2-7 ]+)<', page).group(1)
    assert re.fullmatch(r"([A-Z2-7]{4} )+[A-Z2-7]{1,4}", typed)
    key = b32decode(typed.replace(" ", ""))

    response = english.post(SETUP, {"token": code_for(key), "next": "/admin/kelurahan/article/"})

    assert response.status_code == 302 and response.url == "/admin/kelurahan/article/"
    device = TOTPDevice.objects.get(user=operator_a)
    assert device.confirmed and device.bin_key == key
    assert english.session[DEVICE_ID_SESSION_KEY] == device.persistent_id
    assert english.get("/admin/kelurahan/article/").status_code == 200


def test_reloading_the_setup_page_keeps_the_same_key(client, required, operator_a):
    client.force_login(operator_a)
    client.get(SETUP)
    client.get(SETUP)

    assert TOTPDevice.objects.filter(user=operator_a).count() == 1


def test_a_wrong_setup_code_is_refused_with_a_message_and_nothing_is_confirmed(
    english, required, operator_a
):
    english.force_login(operator_a)
    english.get(SETUP)
    device = TOTPDevice.objects.get(user=operator_a)

    response = english.post(SETUP, {"token": wrong_code(device.bin_key)})

    assert response.status_code == 200
    assert "That code is not right" in response.content.decode()
    device.refresh_from_db()
    assert not device.confirmed
    assert english.get("/admin/").url.startswith(SETUP)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("", "Type the 6-digit code your authenticator app shows."),
        ("12345", "The code is 6 digits (numbers only); you typed 5 character(s)."),
        ("1234567", "The code is 6 digits (numbers only); you typed 7 character(s)."),
        ("abcdef", "The code is 6 digits (numbers only); you typed 6 character(s)."),
        ("12 34 5x", "The code is 6 digits (numbers only); you typed 6 character(s)."),
    ],
)
def test_a_code_that_is_not_six_digits_says_so(english, required, operator_a, typed, message):
    english.force_login(operator_a)

    response = english.post(SETUP, {"token": typed})

    assert response.status_code == 200
    assert message in response.content.decode()
    assert not TOTPDevice.objects.filter(user=operator_a, confirmed=True).exists()


def test_a_code_with_spaces_as_some_apps_show_it_is_accepted(client, required, operator_a):
    client.force_login(operator_a)
    client.get(SETUP)
    code = code_for(TOTPDevice.objects.get(user=operator_a).bin_key)

    response = client.post(SETUP, {"token": f"{code[:3]} {code[3:]}"})

    assert response.status_code == 302
    assert TOTPDevice.objects.get(user=operator_a).confirmed


@pytest.mark.parametrize(
    "path",
    [
        "/admin/",
        "/admin/kelurahan/article/",
        "/admin/kelurahan/kelurahan/",
        "/admin/password_change/",
        "/admin/layanan/letter/",
    ],
)
def test_the_admin_is_closed_until_the_setup_is_done(client, required, operator_a, path):
    client.force_login(operator_a)

    response = client.get(path)

    assert response.status_code == 302
    assert response.url.startswith(f"{SETUP}?next=")


# --- the code step for an account with an authenticator ------------------------------------------


@pytest.mark.parametrize("path", ["/admin/", "/admin/kelurahan/article/", SETUP, "/admin/login/"])
def test_with_an_authenticator_every_admin_page_waits_for_the_code(client, operator_a, path):
    confirmed_device(operator_a)
    client.force_login(operator_a)

    response = client.get(path)

    assert response.status_code == 302
    assert response.url.startswith(f"{VERIFY}?next=")


def test_the_right_code_completes_the_login_and_goes_on(client, operator_a):
    device = confirmed_device(operator_a)
    log_in(client, "operator.a")
    key_before = client.session.session_key

    response = client.post(
        VERIFY, {"token": code_for(device.bin_key), "next": "/admin/kelurahan/article/"}
    )

    assert response.status_code == 302 and response.url == "/admin/kelurahan/article/"
    assert client.session.session_key != key_before
    assert client.get("/admin/kelurahan/article/").status_code == 200


def test_a_wrong_code_is_refused_and_the_next_try_must_wait(english, operator_a):
    device = confirmed_device(operator_a)
    english.force_login(operator_a)

    wrong = english.post(VERIFY, {"token": wrong_code(device.bin_key)})
    right_too_soon = english.post(VERIFY, {"token": code_for(device.bin_key)})

    assert "That code is not right" in wrong.content.decode()
    assert "Too many wrong codes. Wait" in right_too_soon.content.decode()
    assert english.get("/admin/").status_code == 302


def test_an_offsite_next_address_is_ignored(client, operator_a):
    device = confirmed_device(operator_a)
    client.force_login(operator_a)

    response = client.post(
        VERIFY, {"token": code_for(device.bin_key), "next": "https://evil.example/"}
    )

    assert response.url == "/admin/"


def test_outside_the_admin_an_unverified_session_counts_as_logged_out(client, operator_a):
    confirmed_device(operator_a)
    client.force_login(operator_a)

    response = client.get("/staf/surat/999999/pdf/")

    assert response.status_code == 302
    assert response.url.startswith("/admin/login/")


def test_outside_the_admin_a_staff_session_without_a_pending_step_is_logged_in(client, operator_a):
    client.force_login(operator_a)

    assert client.get("/staf/surat/999999/pdf/").status_code == 404  # staff, no such letter


def test_a_password_alone_cannot_add_a_second_authenticator(client, operator_a):
    device = confirmed_device(operator_a)
    TOTPDevice.objects.create(user=operator_a, name="thief", confirmed=False)

    with translation.override("en"), pytest.raises(TwoFactorError, match="already set up"):
        two_factor_device_confirm(user=operator_a, token=code_for(device.bin_key))

    assert TOTPDevice.objects.filter(user=operator_a, confirmed=True).count() == 1


def test_logout_stays_open_before_the_code(client, operator_a):
    confirmed_device(operator_a)
    client.force_login(operator_a)

    response = client.post("/admin/logout/")

    assert response.status_code == 200
    assert "_auth_user_id" not in client.session


# --- Diskominfo: the switch and the reset --------------------------------------------------------


def test_diskominfo_turns_the_requirement_on_in_the_admin(client, diskominfo):
    client.force_login(diskominfo)

    assert client.get("/admin/portal/securitysettings/").url == SWITCH
    response = client.post(SWITCH, {"two_factor_required": "on"})

    assert response.status_code == 302
    row = SecuritySettings.objects.get()
    assert row.two_factor_required and row.changed_by == diskominfo
    # From the next page on, Diskominfo too must set up an authenticator first.
    assert client.get("/admin/").url.startswith(SETUP)


def test_diskominfo_turns_the_requirement_off_again(client, diskominfo, operator_a):
    security_settings_update(by=None, two_factor_required=True)
    device = confirmed_device(diskominfo)
    client.force_login(diskominfo)
    client.post(VERIFY, {"token": code_for(device.bin_key)})

    client.post(SWITCH, {})

    assert security_settings().two_factor_required is False
    operator = type(client)()
    operator.force_login(operator_a)
    assert operator.get("/admin/").status_code == 200


@pytest.mark.parametrize("role", [roles.OPERATOR, roles.SIGNER, roles.REDAKSI])
def test_no_kelurahan_role_can_see_or_flip_the_switch(client, make_staff, kelurahan_a, role):
    user = make_staff("staf.kelurahan", role, kelurahan_a)
    client.force_login(user)

    assert client.get("/admin/portal/securitysettings/").status_code == 403
    assert client.get(SWITCH).status_code == 403
    assert client.post(SWITCH, {"two_factor_required": "on"}).status_code == 403
    assert security_settings().two_factor_required is False


def test_diskominfo_resets_the_authenticator_of_a_lost_phone(client, diskominfo, operator_a):
    confirmed_device(operator_a)
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "en"
    client.force_login(diskominfo)

    response = client.post(
        "/admin/auth/user/",
        {"action": "two_factor_reset", "_selected_action": [operator_a.pk]},
        follow=True,
    )

    assert "Two-factor login reset for 1 account(s)" in response.content.decode()
    assert not TOTPDevice.objects.filter(user=operator_a).exists()
    operator = type(client)()
    operator.force_login(operator_a)
    assert operator.get("/admin/").status_code == 200  # not required: no step owed any more


def test_after_a_reset_under_the_requirement_the_next_login_sets_up_the_new_phone(
    client, required, diskominfo, operator_a
):
    from kelurahan.services import staff_two_factor_reset

    confirmed_device(operator_a)

    assert staff_two_factor_reset(users=[operator_a]) == 1

    assert log_in(client, "operator.a").url.startswith(SETUP)


def test_the_user_list_shows_who_has_two_factor_login(client, diskominfo, operator_a):
    confirmed_device(operator_a)
    client.force_login(diskominfo)

    response = client.get("/admin/auth/user/")

    rows = {user.username: user.has_two_factor for user in response.context["cl"].result_list}
    assert rows["operator.a"] is True and rows["diskominfo"] is False


def test_an_operator_cannot_reset_anyones_authenticator(client, operator_a, operator_b):
    confirmed_device(operator_b)
    client.force_login(operator_a)

    response = client.post(
        "/admin/auth/user/", {"action": "two_factor_reset", "_selected_action": [operator_b.pk]}
    )

    assert response.status_code == 403
    assert TOTPDevice.objects.filter(user=operator_b).exists()


def test_diskominfo_cannot_reset_a_superusers_authenticator(client, diskominfo):
    root = get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)
    confirmed_device(root)
    client.force_login(diskominfo)

    client.post("/admin/auth/user/", {"action": "two_factor_reset", "_selected_action": [root.pk]})

    assert TOTPDevice.objects.filter(user=root).exists()


def test_the_staff_link_to_two_factor_login_is_in_every_admin_page(client, operator_a):
    client.force_login(operator_a)

    assert f'href="{SETUP}"' in client.get("/admin/").content.decode()


# --- required by role (STAFF_TWO_FACTOR_ROLES) --------------------------------------------------


def _settings_as_loaded(**env_vars) -> list:
    """STAFF_TWO_FACTOR_ROLES as portal.settings computes it from this environment (not under
    pytest, so TESTING is off as in production)."""
    script = "import json, portal.settings as s; print(json.dumps(s.STAFF_TWO_FACTOR_ROLES))"
    env = {
        "PATH": "/usr/bin:/bin",
        "SECRET_KEY": "x" * 60,
        "DATABASE_URL": "sqlite:////tmp/unused.sqlite3",
        "ALLOWED_HOSTS": "portal.example.go.id",
        "PORTAL_URL": "https://portal.example.go.id",
        **env_vars,
    }
    result = subprocess.run(  # noqa: S603 - our own interpreter and a fixed script
        [sys.executable, "-c", script],
        cwd=settings.BASE_DIR,
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(result.stdout.strip().splitlines()[-1])


@pytest.mark.parametrize(
    ("env_vars", "expected"),
    [
        ({}, [roles.DISKOMINFO, roles.SIGNER]),  # production
        ({"DEBUG": "true"}, []),  # `make run` and the demo: optional
        ({"STAFF_TWO_FACTOR_ROLES": ""}, []),  # turned off
        ({"STAFF_TWO_FACTOR_ROLES": "Diskominfo, Operator"}, [roles.DISKOMINFO, roles.OPERATOR]),
    ],
)
def test_production_requires_two_factor_of_diskominfo_and_signers_unless_told_otherwise(
    env_vars, expected
):
    assert _settings_as_loaded(**env_vars) == expected


@pytest.fixture
def by_role(settings):
    settings.STAFF_TWO_FACTOR_ROLES = [roles.DISKOMINFO, roles.SIGNER]


@pytest.fixture
def signer_a(make_staff, kelurahan_a):
    return make_staff("signer.a", roles.SIGNER, kelurahan_a)


@pytest.mark.parametrize("who", ["diskominfo", "signer.a"])
def test_a_required_role_without_an_authenticator_must_set_one_up(
    client, by_role, diskominfo, signer_a, who
):
    assert security_settings().two_factor_required is False

    response = log_in(client, who)

    assert response.status_code == 302
    assert response.url == f"{SETUP}?next=%2Fadmin%2F"
    assert client.get("/admin/layanan/letter/").status_code == 302


def test_a_superuser_counts_as_every_required_role(client, db, by_role):
    get_user_model().objects.create_superuser("root", "root@example.org", PASSWORD)

    assert log_in(client, "root").url == f"{SETUP}?next=%2Fadmin%2F"


def test_other_roles_stay_optional_while_the_switch_is_off(client, by_role, operator_a):
    response = log_in(client, "operator.a")

    assert response.status_code == 200
    assert client.get("/admin/kelurahan/article/").status_code == 200


def test_the_switch_for_all_staff_still_covers_the_other_roles(
    client, by_role, required, operator_a
):
    assert log_in(client, "operator.a").url == f"{SETUP}?next=%2Fadmin%2F"


def test_a_required_role_completes_setup_and_works(client, by_role, signer_a):
    log_in(client, "signer.a")
    client.get(SETUP)
    device = TOTPDevice.objects.get(user=signer_a)

    response = client.post(SETUP, {"token": code_for(device.bin_key), "next": "/admin/"})

    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/layanan/letter/").status_code == 200


def test_with_no_roles_set_signers_stay_optional(client, settings, signer_a):
    settings.STAFF_TWO_FACTOR_ROLES = []

    assert log_in(client, "signer.a").status_code == 200

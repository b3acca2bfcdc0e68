"""Staff accounts: Diskominfo invites staff by a one-time link, sees only its own cities, and the
user screens show role and kelurahan, never a password hash; deactivating someone logs them out."""

from __future__ import annotations

import datetime
import hashlib
import importlib
import re
import smtplib

import pytest
from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone

from kelurahan import roles
from kelurahan.models import (
    City,
    CityStaffMembership,
    Kecamatan,
    Kelurahan,
    Official,
    StaffInvitation,
    StaffMembership,
    TaskRun,
)
from kelurahan.services import region_provision, site_activation_set
from kelurahan.tenancy import user_city_ids
from tests.conftest import surakarta
from tests.isolation import form_payload

User = get_user_model()
INVITE = "/admin/auth/user/undang/"
USERS = "/admin/auth/user/"
GOOD_PASSWORD = "Sapu-Lidi-Kampung-47"
LINK = re.compile(r"https?://\S+/staf/undangan/(?P<token>[\w-]+)/")


@pytest.fixture(autouse=True)
def indonesian(client, settings):
    client.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"


@pytest.fixture
def cilegon(db):
    region_provision(codes=["36.72.01"])  # Kecamatan Cibeber, Kota Cilegon
    Kelurahan.objects.filter(kecamatan__code="36.72.01").update(is_active=True)
    return City.objects.get(code="36.72")


@pytest.fixture
def kelurahan_c(cilegon):
    return Kelurahan.objects.filter(kecamatan__city=cilegon).order_by("code").first()


@pytest.fixture
def operator_c(make_staff, kelurahan_c):
    return make_staff("operator.c", roles.OPERATOR, kelurahan_c)


@pytest.fixture
def diskominfo_cilegon(make_staff, cilegon):
    return make_staff("diskominfo.cilegon", roles.DISKOMINFO, cities=[cilegon])


@pytest.fixture
def diskominfo_province(make_staff, cilegon, kelurahan_a):
    return make_staff("diskominfo.provinsi", roles.DISKOMINFO, cities=[surakarta(), cilegon])


def invite(client, capture, **fields):
    data = {"full_name": "Sri Rahayu", "email": "sri@example.org", "role": roles.OPERATOR}
    data.update(fields)
    with capture(execute=True):
        return client.post(INVITE, data)


def token_of(message) -> str:
    match = LINK.search(message.body)
    assert match, message.body
    return match["token"]


def accept_url(token: str) -> str:
    return f"/staf/undangan/{token}/"


# --- Invitation and its link ------------------------------------------------------------------


def test_the_user_list_offers_the_invitation_screen(as_diskominfo):
    html = as_diskominfo.get(USERS).content.decode()

    assert INVITE in html
    assert "Undang staf" in html


def test_invited_operator_sets_a_password_and_is_logged_in_with_role_and_kelurahan(
    client, diskominfo, kelurahan_a, django_capture_on_commit_callbacks
):
    client.force_login(diskominfo)
    response = invite(
        client, django_capture_on_commit_callbacks, kelurahan=kelurahan_a.pk, role=roles.OPERATOR
    )

    assert response.status_code == 302, response.context["form"].errors
    assert not User.objects.filter(email="sri@example.org").exists()  # made when the link is used
    assert len(mail.outbox) == 1
    message = mail.outbox[0]
    assert message.to == ["sri@example.org"]
    assert "Undangan" in message.subject
    assert "72 jam" in message.body and str(kelurahan_a) in message.body
    assert message.body.count(settings.PORTAL_URL.rstrip("/") + "/staf/undangan/") == 1
    token = token_of(message)
    invitation = StaffInvitation.objects.get()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert token not in str(list(StaffInvitation.objects.values()))
    assert token not in str(list(TaskRun.objects.values()))

    visitor = type(client)()
    visitor.cookies[settings.LANGUAGE_COOKIE_NAME] = "id"
    page = visitor.get(accept_url(token))
    assert page.status_code == 200
    assert "Sri Rahayu" in page.content.decode()

    weak = visitor.post(accept_url(token), {"password1": "12345678", "password2": "12345678"})
    assert weak.status_code == 200
    assert "Kata sandi ini terlalu umum." in weak.content.decode()
    assert not User.objects.filter(email="sri@example.org").exists()

    good = visitor.post(accept_url(token), {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})

    assert good.status_code == 302 and good["Location"] == "/admin/"
    user = User.objects.get(email="sri@example.org")
    assert user.is_active and user.is_staff and not user.is_superuser
    assert user.check_password(GOOD_PASSWORD)
    assert (user.first_name, user.last_name) == ("Sri", "Rahayu")
    assert list(user.groups.values_list("name", flat=True)) == [roles.OPERATOR]
    assert StaffMembership.objects.get(user=user).kelurahan == kelurahan_a
    assert visitor.get("/admin/").wsgi_request.user == user
    assert StaffInvitation.objects.get().accepted_at is not None


def test_different_passwords_are_an_indonesian_error_and_make_nothing(
    as_diskominfo, kelurahan_a, django_capture_on_commit_callbacks
):
    invite(as_diskominfo, django_capture_on_commit_callbacks, kelurahan=kelurahan_a.pk)
    token = token_of(mail.outbox[0])

    response = as_diskominfo.post(
        accept_url(token), {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD + "x"}
    )

    assert response.status_code == 200
    assert "tidak sama" in response.content.decode()
    assert not User.objects.filter(email="sri@example.org").exists()


def test_a_used_link_does_not_work_again(
    client, as_diskominfo, kelurahan_a, django_capture_on_commit_callbacks
):
    invite(as_diskominfo, django_capture_on_commit_callbacks, kelurahan=kelurahan_a.pk)
    token = token_of(mail.outbox[0])
    visitor = type(client)()
    visitor.post(accept_url(token), {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})

    again = type(client)()
    page = again.get(accept_url(token))
    post = again.post(
        accept_url(token), {"password1": "Lain-Lagi-2026-x", "password2": "Lain-Lagi-2026-x"}
    )

    assert page.status_code == post.status_code == 410
    assert "sudah dipakai" in page.content.decode()
    assert User.objects.get(email="sri@example.org").check_password(GOOD_PASSWORD)


def test_an_expired_link_says_so_and_makes_nothing(
    client, as_diskominfo, kelurahan_a, django_capture_on_commit_callbacks
):
    invite(as_diskominfo, django_capture_on_commit_callbacks, kelurahan=kelurahan_a.pk)
    token = token_of(mail.outbox[0])
    invitation = StaffInvitation.objects.get()
    assert invitation.expires_at - timezone.now() > datetime.timedelta(hours=71)
    StaffInvitation.objects.update(expires_at=timezone.now() - datetime.timedelta(seconds=1))
    visitor = type(client)()

    page = visitor.get(accept_url(token))
    post = visitor.post(accept_url(token), {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})

    assert page.status_code == post.status_code == 410
    assert "kedaluwarsa" in page.content.decode()
    assert not User.objects.filter(email="sri@example.org").exists()


@pytest.mark.parametrize("tamper", [lambda t: t[:-1], lambda t: t + "a", lambda t: t.upper()])
def test_a_tampered_link_is_not_valid(
    client, as_diskominfo, kelurahan_a, django_capture_on_commit_callbacks, tamper
):
    invite(as_diskominfo, django_capture_on_commit_callbacks, kelurahan=kelurahan_a.pk)
    token = tamper(token_of(mail.outbox[0]))
    visitor = type(client)()

    post = visitor.post(accept_url(token), {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})

    assert post.status_code == 404
    assert "tidak berlaku" in post.content.decode()
    assert not User.objects.filter(email="sri@example.org").exists()


def test_inviting_the_same_email_again_replaces_the_first_link(
    client, as_diskominfo, kelurahan_a, kelurahan_b, django_capture_on_commit_callbacks
):
    invite(as_diskominfo, django_capture_on_commit_callbacks, kelurahan=kelurahan_a.pk)
    invite(as_diskominfo, django_capture_on_commit_callbacks, kelurahan=kelurahan_b.pk)
    first, second = (token_of(m) for m in mail.outbox)
    visitor = type(client)()

    assert visitor.get(accept_url(first)).status_code == 404
    visitor.post(accept_url(second), {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD})

    assert StaffInvitation.objects.count() == 1
    user = User.objects.get(email="sri@example.org")
    assert StaffMembership.objects.get(user=user).kelurahan == kelurahan_b


def test_a_failing_mail_server_leaves_the_invitation_without_a_link_and_the_screen_working(
    as_diskominfo, kelurahan_a, django_capture_on_commit_callbacks, monkeypatch
):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("gone")

    monkeypatch.setattr("kelurahan.notifications.send_mail", refuse)

    response = invite(as_diskominfo, django_capture_on_commit_callbacks, kelurahan=kelurahan_a.pk)

    assert response.status_code == 302
    invitation = StaffInvitation.objects.get()
    assert invitation.token_hash is None  # no link exists that nobody received
    assert TaskRun.objects.get(key=f"staff-invitation:{invitation.pk}").state == "failed"


def test_invited_diskominfo_gets_its_cities_and_goes_to_two_factor_setup_when_required(
    client, diskominfo, kelurahan_a, settings, django_capture_on_commit_callbacks
):
    client.force_login(diskominfo)
    sent = invite(
        client,
        django_capture_on_commit_callbacks,
        role=roles.DISKOMINFO,
        cities=[surakarta().pk],
        email="kominfo@example.org",
    )
    assert sent.status_code == 302, sent.context["form"].errors
    settings.STAFF_TWO_FACTOR_ROLES = [roles.DISKOMINFO]
    visitor = type(client)()

    response = visitor.post(
        accept_url(token_of(mail.outbox[0])),
        {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )

    assert response.status_code == 302
    assert response["Location"].startswith("/admin/two-factor/setup/")
    user = User.objects.get(email="kominfo@example.org")
    assert user_city_ids(user) == {surakarta().pk}
    assert not StaffMembership.objects.filter(user=user).exists()


def test_diskominfo_cannot_invite_into_another_citys_kelurahan(
    as_diskominfo, kelurahan_a, kelurahan_c, cilegon, django_capture_on_commit_callbacks
):
    for data in (
        {"kelurahan": kelurahan_c.pk},
        {"role": roles.DISKOMINFO, "cities": [cilegon.pk]},
    ):
        response = invite(as_diskominfo, django_capture_on_commit_callbacks, **data)
        assert response.status_code == 200
        assert response.context["form"].errors

    assert not StaffInvitation.objects.exists() and not mail.outbox


def test_diskominfo_cannot_invite_an_email_of_an_account_it_does_not_manage(
    as_diskominfo, operator_c, kelurahan_a, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=operator_c.pk).update(email="c@example.org")

    response = invite(
        as_diskominfo,
        django_capture_on_commit_callbacks,
        kelurahan=kelurahan_a.pk,
        email="c@example.org",
    )

    assert response.status_code == 200
    assert "dikelola di tempat lain" in response.content.decode()
    assert not StaffInvitation.objects.exists()


def test_kelurahan_staff_cannot_invite(as_operator_a, kelurahan_a):
    assert as_operator_a.get(INVITE).status_code == 404
    assert as_operator_a.post(INVITE, {"kelurahan": kelurahan_a.pk}).status_code == 404


def test_a_new_link_for_an_existing_account_keeps_its_role_and_resets_its_password(
    client, as_diskominfo, operator_a, kelurahan_a, django_capture_on_commit_callbacks
):
    User.objects.filter(pk=operator_a.pk).update(email="op.a@example.org")
    with django_capture_on_commit_callbacks(execute=True):
        as_diskominfo.post(
            USERS, {"action": "invitations_resend", "_selected_action": [operator_a.pk]}
        )
    visitor = type(client)()

    visitor.post(
        accept_url(token_of(mail.outbox[0])),
        {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )

    operator_a.refresh_from_db()
    assert operator_a.username == "operator.a" and operator_a.check_password(GOOD_PASSWORD)
    assert StaffMembership.objects.get(user=operator_a).kelurahan == kelurahan_a
    assert User.objects.count() == 2


def test_invitations_and_acceptance_are_in_the_admin_log(
    client, as_diskominfo, kelurahan_a, django_capture_on_commit_callbacks
):
    from django.contrib.admin.models import LogEntry

    invite(as_diskominfo, django_capture_on_commit_callbacks, kelurahan=kelurahan_a.pk)
    type(client)().post(
        accept_url(token_of(mail.outbox[0])),
        {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD},
    )

    messages = list(LogEntry.objects.order_by("pk").values_list("change_message", flat=True))
    assert any("sri@example.org" in m for m in messages)
    assert any("Undangan diterima" in m for m in messages)


# --- City scope --------------------------------------------------------------------------------


def test_user_city_ids_is_every_city_for_a_superuser_and_their_own_for_diskominfo(
    diskominfo, diskominfo_province, operator_a, cilegon
):
    root = User.objects.create_superuser("root", "root@example.org", GOOD_PASSWORD)

    assert user_city_ids(root) is None
    assert user_city_ids(diskominfo) == {surakarta().pk}
    assert user_city_ids(diskominfo_province) == {surakarta().pk, cilegon.pk}
    assert user_city_ids(operator_a) == set()


def test_existing_diskominfo_accounts_keep_every_city_after_the_migration(
    make_staff, kelurahan_a, cilegon
):
    old = make_staff("diskominfo.lama", roles.DISKOMINFO)
    assert user_city_ids(old) == set()
    migration = importlib.import_module("kelurahan.migrations.0010_city_staff_and_invitations")
    from django.apps import apps

    migration.diskominfo_keep_every_city(apps, None)

    assert set(CityStaffMembership.objects.filter(user=old).values_list("city_id", flat=True)) == {
        surakarta().pk,
        cilegon.pk,
    }


def test_diskominfo_without_a_city_sees_no_kelurahan(client, make_staff, kelurahan_a):
    client.force_login(make_staff("diskominfo.kosong", roles.DISKOMINFO))

    response = client.get("/admin/kelurahan/kelurahan/")

    assert response.status_code == 200
    assert list(response.context["cl"].result_list) == []


def test_diskominfo_of_one_city_sees_none_of_another_citys_accounts_or_regions(
    client, diskominfo_cilegon, operator_a, operator_c, kelurahan_a, kelurahan_c
):
    client.force_login(diskominfo_cilegon)
    official = Official.objects.filter(kelurahan=kelurahan_a).first()

    users = client.get(USERS).context["cl"].result_list
    kelurahan = client.get("/admin/kelurahan/kelurahan/").context["cl"].result_list
    cities = client.get("/admin/kelurahan/city/").context["cl"].result_list
    kecamatan = client.get("/admin/kelurahan/kecamatan/").context["cl"].result_list

    assert {u.username for u in users} == {"operator.c", "diskominfo.cilegon"}
    assert set(kelurahan) == set(Kelurahan.objects.filter(kecamatan__city__code="36.72"))
    assert [c.code for c in cities] == ["36.72"]
    assert {k.city.code for k in kecamatan} == {"36.72"}
    laweyan = Kecamatan.objects.get(code="33.72.01")
    for url in (
        f"{USERS}{operator_a.pk}/change/",
        f"/admin/kelurahan/kelurahan/{kelurahan_a.pk}/change/",
        f"/admin/kelurahan/kecamatan/{laweyan.pk}/change/",
        f"/admin/kelurahan/city/{surakarta().pk}/change/",
        f"/admin/kelurahan/official/{official.pk}/change/",
    ):
        assert client.get(url).status_code == 404, url
    assert client.get(USERS, {"kelurahan": kelurahan_a.pk}).context["cl"].result_list.count() == 0


def test_diskominfo_of_one_city_cannot_change_another_citys_accounts(
    client, diskominfo_cilegon, operator_a
):
    client.force_login(diskominfo_cilegon)

    client.post(f"{USERS}{operator_a.pk}/change/", {"username": "diambil", "is_active": ""})
    client.post(USERS, {"action": "accounts_deactivate", "_selected_action": [operator_a.pk]})

    operator_a.refresh_from_db()
    assert operator_a.username == "operator.a" and operator_a.is_active


def test_diskominfo_of_one_city_cannot_activate_or_deactivate_another_citys_sites(
    client, diskominfo_cilegon, kelurahan_a, kelurahan_c
):
    client.force_login(diskominfo_cilegon)

    client.post(
        "/admin/kelurahan/kelurahan/",
        {"action": "sites_deactivate", "_selected_action": [kelurahan_a.pk], "confirm": "yes"},
    )

    assert (
        site_activation_set(kelurahan_ids=[kelurahan_a.pk], active=False, by=diskominfo_cilegon)
        == 0
    )
    kelurahan_a.refresh_from_db()
    assert kelurahan_a.is_active
    assert (
        site_activation_set(kelurahan_ids=[kelurahan_c.pk], active=False, by=diskominfo_cilegon)
        == 1
    )


def test_diskominfo_provisions_only_inside_its_own_cities(
    as_diskominfo, django_capture_on_commit_callbacks
):
    before = Kelurahan.objects.count()
    page = as_diskominfo.get("/admin/kelurahan/kelurahan/provision/")
    choices = [value for value, _label in page.context["form"].fields["city"].choices]

    for data in ({"codes": "36.72.01"}, {"codes": "33.72.01.1001 3672011001"}, {"city": "36.72"}):
        response = as_diskominfo.post("/admin/kelurahan/kelurahan/provision/", data)
        assert response.status_code == 200, data
        assert "36.72" in str(response.context["form"].errors)

    assert choices == ["", "33.72"]
    assert Kelurahan.objects.count() == before
    with django_capture_on_commit_callbacks(execute=True):
        ok = as_diskominfo.post("/admin/kelurahan/kelurahan/provision/", {"codes": "3372021001"})
    assert ok.status_code == 302
    assert Kelurahan.objects.filter(code="33.72.02.1001").exists()


def test_a_city_diskominfo_does_not_manage_a_province_wide_account(
    client, diskominfo, diskominfo_province
):
    client.force_login(diskominfo)

    assert client.get(f"{USERS}{diskominfo_province.pk}/change/").status_code == 404


def test_a_province_wide_diskominfo_sees_both_cities(
    client, diskominfo_province, operator_a, operator_c, kelurahan_a, kelurahan_c
):
    client.force_login(diskominfo_province)

    users = {u.username for u in client.get(USERS).context["cl"].result_list}
    kelurahan = set(client.get("/admin/kelurahan/kelurahan/").context["cl"].result_list)

    assert {"operator.a", "operator.c", "diskominfo.provinsi"} <= users
    assert {kelurahan_a, kelurahan_c} <= kelurahan
    assert client.get(f"{USERS}{operator_a.pk}/change/").status_code == 200
    assert client.get(f"{USERS}{operator_c.pk}/change/").status_code == 200


# --- The user list and form --------------------------------------------------------------------


def test_no_password_hash_on_the_user_pages(client, diskominfo, operator_a):
    root = User.objects.create_superuser("root", "root@example.org", GOOD_PASSWORD)
    for user in (diskominfo, root):
        client.force_login(user)
        html = client.get(f"{USERS}{operator_a.pk}/change/").content.decode()
        listing = client.get(USERS).content.decode()

        algorithm, _sep, rest = operator_a.password.partition("$")
        for page in (html, listing):
            assert operator_a.password not in page
            assert rest[-8:] not in page
            assert f"{algorithm}$" not in page
        assert "salt" not in html.lower() and "hash" not in html.lower()


def test_the_user_list_shows_role_and_kelurahan_with_indonesian_filters(
    as_diskominfo, operator_a, operator_b, kelurahan_a, make_staff
):
    make_staff("redaksi.a", roles.REDAKSI, kelurahan_a)

    html = as_diskominfo.get(USERS).content.decode()
    operators = as_diskominfo.get(USERS, {"peran": roles.OPERATOR}).context["cl"].result_list
    of_a = as_diskominfo.get(USERS, {"kelurahan": kelurahan_a.pk}).context["cl"].result_list
    of_city = as_diskominfo.get(USERS, {"kota": surakarta().pk}).context["cl"].result_list

    assert "Peran" in html and "Kota" in html
    assert str(kelurahan_a) in html
    assert {u.username for u in operators} == {"operator.a", "operator.b"}
    assert {u.username for u in of_a} == {"operator.a", "redaksi.a"}
    assert {u.username for u in of_city} == {"operator.a", "operator.b", "redaksi.a", "diskominfo"}


def test_deactivating_an_account_ends_its_open_session(client, as_diskominfo, operator_a):
    operator = type(client)()
    operator.force_login(operator_a)
    assert operator.get("/admin/").status_code == 200

    response = as_diskominfo.post(
        USERS, {"action": "accounts_deactivate", "_selected_action": [operator_a.pk]}
    )

    assert response.status_code == 302
    operator_a.refresh_from_db()
    assert not operator_a.is_active
    after = operator.get("/admin/")
    assert after.status_code == 302 and after["Location"].startswith("/admin/login/")


def test_unticking_active_on_the_form_ends_the_session_too(client, as_diskominfo, operator_b):
    operator = type(client)()
    operator.force_login(operator_b)
    change_url = f"{USERS}{operator_b.pk}/change/"
    data = form_payload(as_diskominfo.get(change_url))
    data.pop("is_active", None)

    response = as_diskominfo.post(change_url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    assert operator.get("/admin/")["Location"].startswith("/admin/login/")


def test_the_role_select_refuses_a_kelurahan_of_another_city(
    client, diskominfo_cilegon, operator_c, kelurahan_a
):
    client.force_login(diskominfo_cilegon)
    change_url = f"{USERS}{operator_c.pk}/change/"
    data = form_payload(client.get(change_url))
    data["kelurahan"] = kelurahan_a.pk

    response = client.post(change_url, data)

    assert response.status_code == 200
    assert "kelurahan" in response.context["adminform"].form.errors
    assert StaffMembership.objects.get(user=operator_c).kelurahan != kelurahan_a
    assert Group.objects.get(name=roles.OPERATOR).user_set.filter(pk=operator_c.pk).exists()


def test_the_password_page_is_rate_limited_per_address(
    as_diskominfo, kelurahan_a, django_capture_on_commit_callbacks
):
    from django.test import Client

    from portal.security import INVITATION_RATE_PER_IP

    invite(as_diskominfo, django_capture_on_commit_callbacks, kelurahan=kelurahan_a.pk)
    token = token_of(mail.outbox[0])
    guesser = Client(REMOTE_ADDR="203.0.113.7")
    limit = int(INVITATION_RATE_PER_IP.split("/")[0])

    statuses = {guesser.post(accept_url(f"salah{n}"), {}).status_code for n in range(limit)}
    blocked = guesser.post(
        accept_url(token), {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
    )

    assert statuses == {404}
    assert blocked.status_code == 429
    assert not User.objects.filter(email="sri@example.org").exists()
    other = Client(REMOTE_ADDR="198.51.100.4")
    assert (
        other.post(
            accept_url(token), {"password1": GOOD_PASSWORD, "password2": GOOD_PASSWORD}
        ).status_code
        == 302
    )

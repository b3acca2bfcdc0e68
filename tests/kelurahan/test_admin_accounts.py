"""Diskominfo manages staff accounts in the admin; only a superuser hands out raw powers."""

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group

from kelurahan import roles
from kelurahan.models import StaffMembership
from tests.isolation import form_payload

User = get_user_model()


def test_diskominfo_creates_an_operator_account_for_one_kelurahan(client, diskominfo, kelurahan_a):
    client.force_login(diskominfo)
    response = client.post(
        "/admin/auth/user/add/",
        {
            "username": "operator.baru",
            "password1": "Kelurahan-Pajang-2026!",
            "password2": "Kelurahan-Pajang-2026!",
            "usable_password": "true",
            "kelurahan_membership-TOTAL_FORMS": "1",
            "kelurahan_membership-INITIAL_FORMS": "0",
            "kelurahan_membership-0-kelurahan": kelurahan_a.pk,
        },
    )
    assert response.status_code == 302
    user = User.objects.get(username="operator.baru")

    change_url = f"/admin/auth/user/{user.pk}/change/"
    data = form_payload(client.get(change_url))
    data.update(
        {
            "is_staff": "on",
            "groups": [Group.objects.get(name=roles.OPERATOR).pk],
            "kelurahan_membership-TOTAL_FORMS": "1",
            "kelurahan_membership-0-kelurahan": kelurahan_a.pk,
        }
    )
    response = client.post(change_url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    user.refresh_from_db()
    assert user.is_staff and not user.is_superuser
    assert list(user.groups.values_list("name", flat=True)) == [roles.OPERATOR]
    assert StaffMembership.objects.get(user=user).kelurahan == kelurahan_a


def test_diskominfo_cannot_make_anyone_a_superuser(client, diskominfo, operator_a):
    client.force_login(diskominfo)
    change_url = f"/admin/auth/user/{operator_a.pk}/change/"
    data = form_payload(client.get(change_url))
    data["is_superuser"] = "on"

    client.post(change_url, data)

    operator_a.refresh_from_db()
    assert not operator_a.is_superuser
    diskominfo.refresh_from_db()
    assert not diskominfo.is_superuser

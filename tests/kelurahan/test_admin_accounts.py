"""Diskominfo manages staff accounts in the admin; only a superuser hands out raw powers."""

from django.contrib.auth import get_user_model

from kelurahan import roles
from kelurahan.models import StaffMembership
from tests.isolation import form_payload

User = get_user_model()


def test_diskominfo_adds_accounts_by_invitation_not_with_a_typed_password(client, diskominfo):
    client.force_login(diskominfo)

    response = client.get("/admin/auth/user/add/")

    assert response.status_code == 302
    assert response["Location"] == "/admin/auth/user/undang/"


def test_diskominfo_moves_an_operator_to_another_kelurahan_and_role_with_one_select(
    client, diskominfo, operator_a, kelurahan_b
):
    client.force_login(diskominfo)
    change_url = f"/admin/auth/user/{operator_a.pk}/change/"
    data = form_payload(client.get(change_url))
    data.update({"role": roles.REDAKSI, "kelurahan": kelurahan_b.pk})

    response = client.post(change_url, data)

    assert response.status_code == 302, response.context["adminform"].form.errors
    operator_a.refresh_from_db()
    assert operator_a.is_staff and not operator_a.is_superuser
    assert list(operator_a.groups.values_list("name", flat=True)) == [roles.REDAKSI]
    assert StaffMembership.objects.get(user=operator_a).kelurahan == kelurahan_b


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

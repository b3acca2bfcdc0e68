"""Staff roles: the four groups and their permissions, and staff accounts tied to a kelurahan."""

import pytest
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group, Permission

from kelurahan import roles
from kelurahan.models import StaffMembership
from kelurahan.roles import declared_permissions, roles_sync
from kelurahan.services import staff_account_create
from tests.conftest import PASSWORD

OTHER_PASSWORD = "another-Strong-pass-2"
CONTENT = ("official", "rw", "rt", "karangtaruna", "karangtarunaofficer")
CONTENT += ("karangtarunaactivity", "article", "service")


def group_permissions(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {
        f"{app}.{codename}"
        for app, codename in group.permissions.values_list("content_type__app_label", "codename")
    }


def all_permissions() -> dict[str, str]:
    return {
        f"{p.content_type.app_label}.{p.codename}": p.content_type.app_label
        for p in Permission.objects.select_related("content_type")
    }


def resolve(patterns: set[str]) -> set[str]:
    """The permissions a role's patterns name ("app.codename" or "app.*")."""
    return {
        perm
        for perm, app in all_permissions().items()
        if perm in patterns or f"{app}.*" in patterns
    }


def state() -> dict[str, set[str]]:
    return {name: group_permissions(name) for name in roles.ALL}


@pytest.fixture
def fresh_roles(db):
    Group.objects.filter(name__in=roles.ALL).delete()
    roles_sync()


def test_roles_sync_creates_the_four_groups(fresh_roles):
    names = set(Group.objects.values_list("name", flat=True))

    assert {"Diskominfo", "Operator", "Penandatangan", "Redaksi"} <= names
    assert set(roles.ALL) == {"Diskominfo", "Operator", "Penandatangan", "Redaksi"}


@pytest.mark.parametrize("role", roles.ALL)
def test_each_group_has_exactly_its_declared_permissions(fresh_roles, role):
    assert group_permissions(role) == resolve(declared_permissions()[role])


def test_every_declared_permission_exists(db):
    known = all_permissions()
    for role, patterns in declared_permissions().items():
        for pattern in patterns:
            app, _dot, codename = pattern.partition(".")
            if codename == "*":
                assert app in known.values(), f"{role}: no app {app!r}"
            else:
                assert pattern in known, f"{role}: no permission {pattern!r}"


def test_diskominfo_manages_every_kelurahan_thing_and_staff_accounts(fresh_roles):
    granted = group_permissions(roles.DISKOMINFO)

    kelurahan_app = {p for p, app in all_permissions().items() if app == "kelurahan"}
    assert kelurahan_app <= granted
    assert {"kelurahan.add_city", "kelurahan.add_kelurahan"} <= granted
    assert {"auth.view_user", "auth.add_user", "auth.change_user"} <= granted
    assert "auth.delete_user" not in granted
    assert not {p for p in granted if p.startswith("auth.") and p.endswith("_group")}
    assert not {p for p in granted if p.endswith("_permission")}


@pytest.mark.parametrize("role", [roles.OPERATOR, roles.REDAKSI])
def test_operator_and_redaksi_edit_content_but_never_add_or_delete_a_kelurahan(fresh_roles, role):
    granted = group_permissions(role)

    for model in CONTENT:
        for action in ("view", "add", "change", "delete"):
            assert f"kelurahan.{action}_{model}" in granted
    assert {"kelurahan.view_kelurahan", "kelurahan.change_kelurahan"} <= granted
    assert not {"kelurahan.add_kelurahan", "kelurahan.delete_kelurahan"} & granted
    assert not {p for p in granted if p.endswith(("_city", "_kecamatan", "_staffmembership"))}
    assert not {p for p in granted if p.startswith("auth.")}


def test_penandatangan_only_views_content_and_signs_or_voids_letters(fresh_roles):
    granted = group_permissions(roles.SIGNER)

    assert granted
    content = {p for p in granted if p.startswith("kelurahan.")}
    assert all(p.split(".")[1].startswith("view_") for p in content)
    assert {"layanan.sign_letter", "layanan.void_letter"} <= granted
    assert not {p for p in granted if p.split(".")[1].startswith(("change_", "add_", "delete_"))}
    assert {f"kelurahan.view_{model}" for model in CONTENT} <= granted
    assert "kelurahan.view_kelurahan" in granted


def test_roles_sync_is_idempotent(fresh_roles):
    before = state()
    group_ids = set(Group.objects.values_list("pk", flat=True))

    roles_sync()
    roles_sync()

    assert state() == before
    assert set(Group.objects.values_list("pk", flat=True)) == group_ids
    assert Group.objects.filter(name__in=roles.ALL).count() == 4


def test_roles_sync_takes_back_a_permission_granted_by_hand(fresh_roles):
    group = Group.objects.get(name=roles.OPERATOR)
    group.permissions.add(Permission.objects.get(codename="add_kelurahan"))
    group.permissions.remove(Permission.objects.get(codename="view_article"))

    roles_sync()

    assert "kelurahan.add_kelurahan" not in group_permissions(roles.OPERATOR)
    assert "kelurahan.view_article" in group_permissions(roles.OPERATOR)


def test_roles_sync_recreates_a_deleted_group(fresh_roles):
    before = group_permissions(roles.REDAKSI)
    Group.objects.filter(name=roles.REDAKSI).delete()

    roles_sync()

    assert group_permissions(roles.REDAKSI) == before


def test_roles_exist_after_migrate_without_running_roles_sync(db):
    # post_migrate runs roles_sync, so a fresh database already has every role.
    assert Group.objects.filter(name__in=roles.ALL).count() == 4
    assert group_permissions(roles.OPERATOR)


# --- staff_account_create ------------------------------------------------------------------------


@pytest.mark.parametrize("role", [roles.OPERATOR, roles.SIGNER, roles.REDAKSI])
def test_staff_account_create_sets_the_group_and_membership(kelurahan_a, role):
    user = staff_account_create(
        username="staf.baru",
        password=PASSWORD,
        role=role,
        kelurahan=kelurahan_a,
        full_name="Siti Rahayu Putri",
        email="siti@example.org",
    )

    user.refresh_from_db()
    assert user.is_staff and user.is_active and not user.is_superuser
    assert user.check_password(PASSWORD)
    assert list(user.groups.values_list("name", flat=True)) == [role]
    assert user.kelurahan_membership.kelurahan == kelurahan_a
    assert (user.first_name, user.last_name, user.email) == (
        "Siti",
        "Rahayu Putri",
        "siti@example.org",
    )


def test_staff_account_create_for_diskominfo_has_no_membership(db):
    user = staff_account_create(username="kominfo", password=PASSWORD, role=roles.DISKOMINFO)

    assert list(user.groups.values_list("name", flat=True)) == [roles.DISKOMINFO]
    assert not StaffMembership.objects.filter(user=user).exists()


def test_staff_account_create_again_moves_the_account(kelurahan_a, kelurahan_b):
    first = staff_account_create(
        username="pindah", password=PASSWORD, role=roles.OPERATOR, kelurahan=kelurahan_a
    )

    again = staff_account_create(
        username="pindah", password=OTHER_PASSWORD, role=roles.REDAKSI, kelurahan=kelurahan_b
    )

    assert again.pk == first.pk
    assert get_user_model().objects.filter(username="pindah").count() == 1
    assert list(again.groups.values_list("name", flat=True)) == [roles.REDAKSI]
    assert StaffMembership.objects.get(user=again).kelurahan == kelurahan_b
    assert StaffMembership.objects.filter(user=again).count() == 1
    assert again.check_password(OTHER_PASSWORD)


def test_staff_account_create_as_diskominfo_drops_an_old_membership(kelurahan_a):
    staff_account_create(
        username="naik", password=PASSWORD, role=roles.OPERATOR, kelurahan=kelurahan_a
    )

    user = staff_account_create(username="naik", password=PASSWORD, role=roles.DISKOMINFO)

    assert not StaffMembership.objects.filter(user=user).exists()
    assert list(user.groups.values_list("name", flat=True)) == [roles.DISKOMINFO]


def test_staff_account_create_with_an_unknown_role_creates_nothing(kelurahan_a):
    with pytest.raises(Group.DoesNotExist):
        staff_account_create(
            username="salah.peran", password=PASSWORD, role="Lurah", kelurahan=kelurahan_a
        )

    assert not get_user_model().objects.filter(username="salah.peran").exists()
    assert not StaffMembership.objects.exists()


def test_a_created_operator_can_log_in_to_the_admin(client, kelurahan_a):
    staff_account_create(
        username="operator.login", password=PASSWORD, role=roles.OPERATOR, kelurahan=kelurahan_a
    )

    # Through the admin's login form: django-axes refuses client.login(), which has no request.
    response = client.post(
        "/admin/login/", {"username": "operator.login", "password": PASSWORD, "next": "/admin/"}
    )

    assert response.status_code == 302 and response.url == "/admin/"
    assert client.get("/admin/").status_code == 200

"""The admin Provision screen, as Diskominfo uses it: codes typed by hand or picked from lists."""

import pytest
from django.contrib.auth import get_user_model
from django.test import TestCase
from django.urls import reverse
from django.utils.html import escape
from django.utils.translation import gettext

from kelurahan import regions
from kelurahan.forms import ProvisionForm
from kelurahan.models import City, KarangTaruna, Kecamatan, Kelurahan, TaskRun

captured_on_commit = TestCase.captureOnCommitCallbacks
PROVISION = "/admin/kelurahan/kelurahan/provision/"
SERENGAN = "33.72.02"
CILEGON = "36.72"


@pytest.fixture
def as_provisioner(client, db):
    """The portal administrator (a superuser): new cities are theirs to provision; Diskominfo
    provisions only inside its own cities (tests/kelurahan/test_staff_accounts.py)."""
    root = get_user_model().objects.create_superuser("root", "root@example.org", "x-Root-pw-9")
    client.force_login(root)
    return client


def region_counts() -> tuple[int, int, int]:
    return City.objects.count(), Kecamatan.objects.count(), Kelurahan.objects.count()


def provision(client, data, *, query: str = ""):
    """Post the form as Diskominfo does; the work runs as a task (in-process in tests, after
    the commit) and the browser lands on its progress page, which shows the result."""
    with captured_on_commit(execute=True):
        response = client.post(f"{PROVISION}{query}", data)
    assert response.status_code == 302, response.content.decode()[:500]
    return client.get(response["Location"])


def result(response) -> dict:
    run = response.context["run"]
    assert run.state == TaskRun.State.DONE, run.message
    return run.result


def test_the_provision_url_is_the_admin_one():
    assert reverse("admin:kelurahan_kelurahan_provision") == PROVISION


def test_provision_screen_shows_the_form(as_diskominfo):
    response = as_diskominfo.get(PROVISION)

    assert response.status_code == 200
    assert "admin/kelurahan/provision.html" in [t.name for t in response.templates]
    assert isinstance(response.context["form"], ProvisionForm)
    assert 'name="codes"' in response.content.decode()


def test_diskominfo_finds_the_provision_screen_from_the_kelurahan_list(as_diskominfo):
    response = as_diskominfo.get(reverse("admin:kelurahan_kelurahan_changelist"))

    assert PROVISION in response.content.decode()


def test_anonymous_visitor_is_sent_to_the_login_page(client):
    response = client.get(PROVISION)

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("admin:login"))


def test_posting_a_kecamatan_code_provisions_its_kelurahan_and_lists_them(as_diskominfo):
    expected = regions.villages_under(SERENGAN)

    response = provision(as_diskominfo, {"codes": SERENGAN})

    assert response.status_code == 200
    assert result(response)["created"] == len(expected) == 7
    created = Kelurahan.objects.filter(kecamatan__code=SERENGAN)
    assert sorted(created.values_list("code", flat=True)) == [v.code for v in expected]
    assert KarangTaruna.objects.filter(kelurahan__in=created).count() == len(expected)
    html = response.content.decode()
    for kelurahan in created:
        assert escape(kelurahan.name) in html
        assert f"/k/{kelurahan.slug}/" in html
    done = gettext("%(created)d kelurahan/desa provisioned; %(existing)d already existed.")
    assert escape(done % {"created": 7, "existing": 0}) in html


def test_codes_can_be_typed_several_at_once(as_diskominfo):
    response = provision(as_diskominfo, {"codes": "33.72.02.1001, 33.72.02.1003 3372021004"})

    assert result(response)["created"] == 3
    assert set(Kelurahan.objects.values_list("name", flat=True)) == {
        "Joyotakan",
        "Serengan",
        "Tipes",
    }


def test_picking_a_city_lists_its_kecamatan_as_checkboxes(as_provisioner):
    expected = regions.kecamatan_of(CILEGON)

    response = as_provisioner.get(PROVISION, {"city": CILEGON})

    assert response.status_code == 200
    choices = response.context["form"].fields["kecamatan"].choices
    assert [code for code, _label in choices] == [k.code for k in expected]
    html = response.content.decode()
    assert 'type="hidden" name="city" value="36.72"' in html
    for kecamatan in expected:
        assert f'type="checkbox" name="kecamatan" value="{kecamatan.code}"' in html
        assert escape(kecamatan.name) in html
    assert region_counts() == (0, 0, 0)


def test_posting_some_kecamatan_of_a_city_provisions_only_those(as_provisioner):
    picked = ["36.72.01", "36.72.03"]  # Cibeber, Pulomerak
    expected = [v.code for code in picked for v in regions.villages_under(code)]

    response = provision(
        as_provisioner,
        {"codes": "", "city": CILEGON, "kecamatan": picked},
        query=f"?city={CILEGON}",
    )

    assert response.status_code == 200
    assert result(response)["created"] == len(expected) == 10
    assert sorted(Kelurahan.objects.values_list("code", flat=True)) == sorted(expected)
    assert sorted(Kecamatan.objects.values_list("code", flat=True)) == picked
    assert list(City.objects.values_list("code", flat=True)) == [CILEGON]


def test_posting_a_city_without_ticking_kecamatan_provisions_the_whole_city(as_provisioner):
    expected = regions.villages_under(CILEGON)

    response = provision(as_provisioner, {"codes": "", "city": CILEGON}, query=f"?city={CILEGON}")

    assert result(response)["created"] == len(expected) == 43
    assert Kelurahan.objects.count() == 43


def test_a_second_post_reports_nothing_new(as_provisioner):
    first = provision(as_provisioner, {"codes": SERENGAN})
    counts = region_counts()
    slugs = set(Kelurahan.objects.values_list("slug", flat=True))

    response = provision(as_provisioner, {"codes": SERENGAN})

    assert response.status_code == 200
    assert response.context["run"] != first.context["run"]
    assert (result(response)["created"], result(response)["existing"]) == (0, 7)
    assert region_counts() == counts
    assert set(Kelurahan.objects.values_list("slug", flat=True)) == slugs
    nothing = gettext("Nothing to do: all %(existing)d kelurahan/desa already exist.")
    assert escape(nothing % {"existing": 7}) in response.content.decode()


def test_a_second_post_adds_only_what_is_missing(as_provisioner):
    provision(as_provisioner, {"codes": "33.72.02.1001"})

    response = provision(as_provisioner, {"codes": SERENGAN})

    assert (result(response)["created"], result(response)["existing"]) == (6, 1)
    assert Kelurahan.objects.count() == 7


@pytest.mark.parametrize(
    ("codes", "named"),
    [
        ("99.99", "99.99"),
        ("33.72.99", "33.72.99"),
        (f"{SERENGAN} 33.72.02.9999", "33.72.02.9999"),
        ("Serengan", "Serengan"),
        ("33.7", "33.7"),
    ],
    ids=["unknown-city", "unknown-kecamatan", "one-bad-among-good", "a-name", "malformed"],
)
def test_an_unknown_code_is_a_form_error_naming_it_and_writes_nothing(as_provisioner, codes, named):
    response = as_provisioner.post(PROVISION, {"codes": codes})

    assert response.status_code == 200
    form = response.context["form"]
    assert named in " ".join(form.errors["codes"])
    assert escape(named) in response.content.decode()
    assert region_counts() == (0, 0, 0)


@pytest.mark.parametrize(
    "data",
    [{"codes": ""}, {"codes": "   ", "city": ""}, {"codes": ", ;"}],
    ids=["empty", "blank-with-empty-city", "only-separators"],
)
def test_an_empty_submission_is_a_clear_error(as_provisioner, data):
    response = as_provisioner.post(PROVISION, data)

    assert response.status_code == 200
    form = response.context["form"]
    assert form.non_field_errors()
    assert str(form.non_field_errors()[0]) in response.content.decode()
    assert region_counts() == (0, 0, 0)


def test_a_kecamatan_of_another_city_cannot_be_picked(as_provisioner):
    response = as_provisioner.post(
        f"{PROVISION}?city={CILEGON}", {"codes": "", "city": CILEGON, "kecamatan": [SERENGAN]}
    )

    assert response.status_code == 200
    assert "kecamatan" in response.context["form"].errors
    assert region_counts() == (0, 0, 0)


def test_an_unknown_city_in_the_picker_is_a_form_error(as_provisioner):
    response = as_provisioner.post(PROVISION, {"codes": "", "city": "99.99"})

    assert response.status_code == 200
    assert "city" in response.context["form"].errors
    assert region_counts() == (0, 0, 0)

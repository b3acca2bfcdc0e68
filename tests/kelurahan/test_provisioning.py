"""Provisioning kelurahan/desa from Kemendagri codes: region_provision and `manage.py provision`."""

from collections import Counter
from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError
from django.utils.text import slugify

from kelurahan import defaults, regions, services
from kelurahan.catalog import catalog_for
from kelurahan.models import (
    City,
    CityService,
    KarangTaruna,
    Kecamatan,
    Kelurahan,
    Official,
    Service,
)
from kelurahan.services import ProvisionError, region_provision

pytestmark = pytest.mark.django_db

PROVISIONED_MODELS = (City, Kecamatan, Kelurahan, Official, Service, KarangTaruna)


def row_counts() -> dict[str, int]:
    return {model.__name__: model.objects.count() for model in PROVISIONED_MODELS}


def nothing_written() -> dict[str, int]:
    return {model.__name__: 0 for model in PROVISIONED_MODELS}


def provision_command(*args) -> str:
    out = StringIO()
    call_command("provision", *args, stdout=out, stderr=StringIO())
    return out.getvalue()


# Counts -------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "city_name", "kecamatan", "kelurahan"),
    [
        ("33.72", "Kota Surakarta", 5, 54),
        ("36.72", "Kota Cilegon", 8, 43),
    ],
)
def test_provisioning_a_city_creates_its_kecamatan_and_every_kelurahan(
    code, city_name, kecamatan, kelurahan
):
    report = region_provision(codes=[code])

    city = City.objects.get()
    assert (city.code, city.name, city.is_kota) == (code, city_name, True)
    assert Kecamatan.objects.filter(city=city).count() == kecamatan
    assert Kelurahan.objects.filter(kecamatan__city=city).count() == kelurahan
    assert set(Kelurahan.objects.values_list("code", flat=True)) == {
        v.code for v in regions.villages_under(code)
    }
    assert (report.created_count, report.kecamatan_created, report.existing_count) == (
        kelurahan,
        kecamatan,
        0,
    )
    assert report.cities[0].city_created


def test_provisioning_a_kabupaten_creates_both_desa_and_kelurahan():
    villages = regions.villages_under("33.11")  # Kabupaten Sukoharjo

    region_provision(codes=["33.11"])

    city = City.objects.get()
    assert (city.name, city.is_kota, city.province_name) == (
        "Kabupaten Sukoharjo",
        False,
        "Jawa Tengah",
    )
    kinds = Counter(Kelurahan.objects.values_list("kind", flat=True))
    assert kinds == Counter(v.kind for v in villages)
    assert kinds["desa"] > 0 and kinds["kelurahan"] > 0
    assert Kecamatan.objects.count() == len({v.kecamatan_code for v in villages})


def test_provisioning_one_kelurahan_creates_only_it_with_its_city_and_kecamatan():
    region_provision(codes=["33.72.01.1001"])

    pajang = Kelurahan.objects.with_regions().get()
    assert (pajang.code, pajang.name, pajang.slug, pajang.kind) == (
        "33.72.01.1001",
        "Pajang",
        "pajang",
        "kelurahan",
    )
    assert (pajang.kecamatan.code, pajang.kecamatan.name, pajang.kecamatan.slug) == (
        "33.72.01",
        "Laweyan",
        "laweyan",
    )
    assert (pajang.kecamatan.city.code, pajang.kecamatan.city.slug) == ("33.72", "kota-surakarta")
    assert (City.objects.count(), Kecamatan.objects.count()) == (1, 1)


def test_provisioning_a_kecamatan_creates_its_kelurahan_only():
    report = region_provision(codes=["33.72.01"])

    assert Kecamatan.objects.get().name == "Laweyan"
    assert Kelurahan.objects.count() == 11
    assert (report.created_count, report.kecamatan_created) == (11, 1)


def test_provisioning_several_codes_at_once_covers_every_region_once():
    report = region_provision(codes=["33.72.01", "36.72.01", "33.72.02.1001", "33.72.01.1001"])

    expected = {
        v.code
        for code in ("33.72.01", "36.72.01", "33.72.02.1001")
        for v in regions.villages_under(code)
    }
    assert set(Kelurahan.objects.values_list("code", flat=True)) == expected
    assert Kelurahan.objects.count() == len(expected)
    assert sorted(City.objects.values_list("code", flat=True)) == ["33.72", "36.72"]
    assert sorted(Kecamatan.objects.values_list("code", flat=True)) == [
        "33.72.01",
        "33.72.02",
        "36.72.01",
    ]
    assert [c.code for c in report.cities] == ["33.72", "36.72"]
    assert report.created_count == len(expected)


@pytest.mark.parametrize(
    ("undotted", "dotted"),
    [("3372011001", "33.72.01.1001"), ("337201", "33.72.01"), ("3672", "36.72")],
)
def test_undotted_codes_provision_the_same_as_dotted_ones(undotted, dotted):
    region_provision(codes=[undotted])

    assert set(Kelurahan.objects.values_list("code", flat=True)) == {
        v.code for v in regions.villages_under(dotted)
    }


def test_the_progress_callback_hears_about_every_city():
    heard = []

    region_provision(
        codes=["36.72.01", "33.72.01.1001"],
        progress=lambda city, done, total: heard.append((city, done, total)),
    )

    assert [(c.code, c.name, len(c.created), done, total) for c, done, total in heard] == [
        ("33.72", "Kota Surakarta", 1, 1, 2),
        ("36.72", "Kota Cilegon", len(regions.villages_under("36.72.01")), 2, 2),
    ]


# Default content ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("code", "kind", "head", "secretary"),
    [
        ("33.72.01.1001", "kelurahan", "Lurah", "Sekretaris Kelurahan"),  # Pajang, Surakarta
        ("33.11.01.2001", "desa", "Kepala Desa", "Sekretaris Desa"),  # Grogol, Sukoharjo
    ],
)
def test_a_new_kelurahan_or_desa_gets_its_staff_positions_with_empty_names(
    code, kind, head, secretary
):
    region_provision(codes=[code])

    kelurahan = Kelurahan.objects.get()
    assert kelurahan.kind == kind
    assert (kelurahan.head_title, kelurahan.secretary_title) == (head, secretary)
    officials = list(Official.objects.for_kelurahan(kelurahan))
    assert [o.position for o in officials] == [p.position for p in defaults.POSITIONS[kind]]
    assert [(o.position, o.level) for o in officials[:2]] == [
        (head, Official.Level.HEAD),
        (secretary, Official.Level.SECRETARY),
    ]
    assert all(o.name == "" and o.nip == "" and not o.photo for o in officials)


def test_a_new_kelurahan_gets_a_free_service_catalog_with_requirements_and_legal_basis():
    region_provision(codes=["33.72.01.1001"])

    pajang = Kelurahan.objects.get()
    catalog = catalog_for(pajang)
    assert len(catalog) >= 10
    # The city's catalog: nothing is copied into the kelurahan.
    assert all(isinstance(s, CityService) for s in catalog)
    assert not Service.objects.for_kelurahan(pajang).exists()
    assert len({s.slug for s in catalog}) == len(catalog)
    for service in catalog:
        assert service.cost == "Gratis", service.slug
        assert service.requirements.strip(), service.slug
        assert service.legal_basis.strip(), service.slug
        assert service.is_active, service.slug
        assert 0 <= service.service_days <= 60, service.slug
    assert [s.rank for s in catalog] == sorted(s.rank for s in catalog)


def test_a_new_kelurahan_gets_a_welcome_text_its_postal_code_and_a_karang_taruna():
    region_provision(codes=["33.72.01.1001"])

    pajang = Kelurahan.objects.get()
    assert "Pajang" in pajang.welcome_text
    assert pajang.postal_code == "57146"
    assert KarangTaruna.objects.for_kelurahan(pajang).get().name == "Karang Taruna Pajang"
    assert pajang.karang_taruna.kelurahan_id == pajang.pk


def test_every_kelurahan_of_a_city_gets_its_own_default_content():
    region_provision(codes=["33.11.01", "33.72.01"])  # desa and kelurahan in one run

    kinds = dict(Kelurahan.objects.values_list("id", "kind"))
    officials_per = Counter(Official.objects.values_list("kelurahan_id", flat=True))
    # One catalog per city, none copied into its kelurahan (kelurahan/catalog.py).
    entries_per_city = Counter(CityService.objects.values_list("city__code", flat=True))
    assert entries_per_city == {"33.11": len(defaults.SERVICES), "33.72": len(defaults.SERVICES)}
    assert not Service.objects.exists()
    assert officials_per == {pk: len(defaults.POSITIONS[kind]) for pk, kind in kinds.items()}
    assert set(KarangTaruna.objects.values_list("kelurahan_id", flat=True)) == set(kinds)
    assert set(kinds.values()) == {"desa", "kelurahan"}
    assert not Kelurahan.objects.filter(welcome_text="").exists()


# Idempotency --------------------------------------------------------------------------------


def test_provisioning_a_city_twice_changes_nothing():
    region_provision(codes=["36.72"])
    before = row_counts()
    slugs = set(Kelurahan.objects.values_list("slug", flat=True))

    report = region_provision(codes=["36.72", "3672"])

    assert row_counts() == before
    assert set(Kelurahan.objects.values_list("slug", flat=True)) == slugs
    assert (report.created_count, report.kecamatan_created, report.existing_count) == (0, 0, 43)
    assert not report.cities[0].city_created


def test_provisioning_more_of_a_city_adds_only_what_is_missing_and_keeps_edits():
    region_provision(codes=["33.72.01.1001"])
    pajang = Kelurahan.objects.get()
    pajang.welcome_text = "Sugeng rawuh."
    pajang.save()
    Official.objects.for_kelurahan(pajang).filter(level=Official.Level.HEAD).update(name="Bu Lurah")

    report = region_provision(codes=["33.72.01"])

    assert (report.created_count, report.kecamatan_created, report.existing_count) == (10, 0, 1)
    assert Kelurahan.objects.count() == 11
    pajang.refresh_from_db()
    assert pajang.welcome_text == "Sugeng rawuh."
    assert Official.objects.for_kelurahan(pajang).count() == len(defaults.POSITIONS["kelurahan"])
    assert Official.objects.for_kelurahan(pajang).get(level=Official.Level.HEAD).name == "Bu Lurah"


def test_the_command_lists_what_it_created():
    output = provision_command("33.72.01")

    assert "+ 33.72.01.1001  Pajang  /k/pajang/" in output
    assert "Created 11 kelurahan/desa and 1 kecamatan" in output
    assert Kelurahan.objects.count() == 11


def test_the_command_says_nothing_to_do_on_a_second_run():
    provision_command("337201")
    before = row_counts()

    output = provision_command("33.72.01")

    assert "Nothing to do" in output
    assert "11" in output
    assert "+ " not in output
    assert row_counts() == before


# Slugs --------------------------------------------------------------------------------------


def shared_village_name(city_a: str, city_b: str) -> tuple[regions.Village, regions.Village]:
    """A kelurahan/desa of city_a and one of city_b with the same name (checked in the data)."""
    in_a = {v.name: v for v in regions.villages_under(city_a)}
    for village in regions.villages_under(city_b):
        if village.name in in_a:
            return in_a[village.name], village
    raise AssertionError(f"{city_a} and {city_b} share no kelurahan/desa name")


def test_a_kelurahan_named_like_one_already_online_gets_its_kecamatan_in_the_slug():
    first, second = shared_village_name("33.72", "33.11")  # Surakarta, Sukoharjo
    region_provision(codes=[first.code])

    region_provision(codes=[second.code])

    base = slugify(first.name)
    second_row = Kelurahan.objects.select_related("kecamatan").get(code=second.code)
    assert Kelurahan.objects.get(code=first.code).slug == base
    assert second_row.slug == f"{base}-{second_row.kecamatan.slug}"
    assert second_row.kecamatan.slug == slugify(second.kecamatan_name)


def test_namesakes_provisioned_in_one_run_get_distinct_slugs():
    first, second = shared_village_name("33.72", "33.11")

    region_provision(codes=[first.code, second.code])

    slugs = dict(Kelurahan.objects.values_list("code", "slug"))
    base = slugify(first.name)
    # Cities are written in code order: Sukoharjo (33.11) before Surakarta (33.72).
    assert slugs == {
        second.code: base,
        first.code: f"{base}-{slugify(first.kecamatan_name)}",
    }


def test_namesakes_inside_one_city_get_distinct_slugs():
    by_name: dict[str, list[regions.Village]] = {}
    for village in regions.villages_under("33.11"):
        by_name.setdefault(village.name, []).append(village)
    twins = next(v for v in by_name.values() if len(v) == 2)

    region_provision(codes=[v.code for v in twins])

    base = slugify(twins[0].name)
    assert [Kelurahan.objects.get(code=v.code).slug for v in twins] == [
        base,
        f"{base}-{slugify(twins[1].kecamatan_name)}",
    ]


@pytest.mark.parametrize(
    ("also_taken", "expected"),
    [
        ([], "{base}-{kecamatan}"),
        (["{base}-{kecamatan}"], "{base}-{kecamatan}-{city}"),
        (["{base}-{kecamatan}", "{base}-{kecamatan}-{city}"], "{base}-{code}"),
    ],
)
def test_a_slug_clash_falls_back_to_kecamatan_then_city_then_region_code(also_taken, expected):
    first, second = shared_village_name("33.72", "33.11")
    parts = {
        "base": slugify(second.name),
        "kecamatan": slugify(second.kecamatan_name),
        "city": slugify(second.city_name),
        "code": second.code.replace(".", ""),
    }
    region_provision(codes=["33.72.01"])  # the first namesake holds the plain name
    assert Kelurahan.objects.get(code=first.code).slug == parts["base"]
    # Other rows already online hold the next slugs the new namesake would want.
    holders = Kelurahan.objects.exclude(code=first.code).order_by("code")
    for holder, slug in zip(holders, also_taken, strict=False):
        holder.slug = slug.format(**parts)
        holder.save(update_fields=["slug"])

    region_provision(codes=[second.code])

    assert Kelurahan.objects.get(code=second.code).slug == expected.format(**parts)
    assert Kelurahan.objects.values("slug").distinct().count() == Kelurahan.objects.count()


def test_namesake_kecamatan_of_two_cities_get_distinct_slugs():
    # Kecamatan Cipayung exists in Jakarta Timur (31.75) and in Kota Depok (32.76).
    in_jakarta = {k.name: k for k in regions.kecamatan_of("31.75")}
    in_depok = {k.name: k for k in regions.kecamatan_of("32.76")}
    name = sorted(in_jakarta.keys() & in_depok.keys())[0]
    jakarta_village = regions.villages_under(in_jakarta[name].code)[0]
    depok_village = regions.villages_under(in_depok[name].code)[0]

    region_provision(codes=[jakarta_village.code])
    region_provision(codes=[depok_village.code])

    base = slugify(name)
    depok_city = City.objects.get(code="32.76")
    assert Kecamatan.objects.get(code=in_jakarta[name].code).slug == base
    assert Kecamatan.objects.get(code=in_depok[name].code).slug == f"{base}-{depok_city.slug}"


def test_a_city_whose_slug_is_taken_gets_its_province_in_the_slug():
    region_provision(codes=["33.72.01.1001"])
    City.objects.filter(code="33.72").update(slug="kabupaten-sukoharjo")

    region_provision(codes=["33.11.01.2001"])

    assert City.objects.get(code="33.11").slug == "kabupaten-sukoharjo-jawa-tengah"


# Bad input ----------------------------------------------------------------------------------


BAD_CODE_SETS = [
    (["99.99"], ["99.99"]),
    (["33.7"], ["33.7"]),
    (["abc"], ["abc"]),
    ([""], [""]),
    (["33.72.01.9999"], ["33.72.01.9999"]),
    (["33.72.01.1001", "99.99"], ["99.99"]),
    (["abc", "33.72.01", "33.7"], ["abc", "33.7"]),
]


@pytest.mark.parametrize(("codes", "bad"), BAD_CODE_SETS)
def test_a_bad_code_is_named_and_nothing_is_written(codes, bad):
    with pytest.raises(ProvisionError) as caught:
        region_provision(codes=codes)

    for code in bad:
        assert repr(code) in str(caught.value)
    assert row_counts() == nothing_written()


@pytest.mark.parametrize(("codes", "bad"), BAD_CODE_SETS)
def test_the_command_refuses_a_bad_code_and_writes_nothing(codes, bad):
    with pytest.raises(CommandError) as caught:
        provision_command(*codes)

    for code in bad:
        assert repr(code) in str(caught.value)
    assert row_counts() == nothing_written()


def test_provisioning_without_codes_is_refused():
    with pytest.raises(ProvisionError):
        region_provision(codes=[])
    with pytest.raises(CommandError):
        provision_command()
    assert row_counts() == nothing_written()


# Atomicity ----------------------------------------------------------------------------------


def test_a_failure_while_writing_a_city_leaves_no_half_made_rows(monkeypatch):
    real = services._create_default_content

    def fail_after_writing(kelurahan):
        real(kelurahan)  # the officials, services and karang taruna are written first
        raise RuntimeError("disk full")

    monkeypatch.setattr(services, "_create_default_content", fail_after_writing)

    with pytest.raises(RuntimeError):
        region_provision(codes=["33.72.01"])

    assert row_counts() == nothing_written()


def test_a_failure_in_one_city_keeps_the_cities_written_before_it(monkeypatch):
    real = services._create_default_content

    def fail_for_surakarta(kelurahan):
        if any(k.code.startswith("33.72.") for _pk, k in kelurahan):
            raise RuntimeError("disk full")
        real(kelurahan)

    monkeypatch.setattr(services, "_create_default_content", fail_for_surakarta)

    with pytest.raises(RuntimeError):
        region_provision(codes=["33.72.01", "33.11.01"])

    assert list(City.objects.values_list("code", flat=True)) == ["33.11"]
    assert not Kecamatan.objects.filter(code__startswith="33.72").exists()
    assert not Kelurahan.objects.filter(code__startswith="33.72").exists()
    sukoharjo = Kelurahan.objects.filter(code__startswith="33.11.01")
    assert sukoharjo.count() == len(regions.villages_under("33.11.01"))
    assert Official.objects.filter(kelurahan__in=sukoharjo).exists()

    monkeypatch.setattr(services, "_create_default_content", real)
    report = region_provision(codes=["33.72.01", "33.11.01"])

    assert report.created_count == 11
    assert Kelurahan.objects.get(code="33.72.01.1001").slug == "pajang"


# Everything ---------------------------------------------------------------------------------


@pytest.fixture
def indonesia_is_laweyan(monkeypatch):
    """`--all` walks 83,762 villages (the benchmark covers it); here Indonesia is Laweyan."""
    monkeypatch.setattr(regions, "all_villages", lambda: regions.villages_under("33.72.01"))


@pytest.mark.usefixtures("indonesia_is_laweyan")
def test_provisioning_everything_walks_every_village():
    report = region_provision(everything=True)

    assert report.created_count == Kelurahan.objects.count() == 11
    assert region_provision(everything=True).created_count == 0


@pytest.mark.usefixtures("indonesia_is_laweyan")
def test_the_command_provisions_everything_with_all():
    output = provision_command("--all")

    assert "Created 11 kelurahan/desa and 1 kecamatan" in output
    assert Kelurahan.objects.count() == 11
    assert "Nothing to do" in provision_command("--all")

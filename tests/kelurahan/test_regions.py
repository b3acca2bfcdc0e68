"""kelurahan.regions: Kemendagri codes in, the decree's regions and villages out."""

import pytest

from kelurahan import regions


@pytest.mark.parametrize(
    ("raw", "dotted"),
    [
        ("33", "33"),
        ("3372", "33.72"),
        ("33.72", "33.72"),
        ("337201", "33.72.01"),
        ("33.72.01", "33.72.01"),
        ("3372011001", "33.72.01.1001"),
        ("33.72.01.1001", "33.72.01.1001"),
        ("  33.72.01.1001\n", "33.72.01.1001"),
    ],
)
def test_normalize_code_accepts_dotted_and_undotted_codes_of_every_level(raw, dotted):
    assert regions.normalize_code(raw) == dotted


MALFORMED = [
    "",
    "   ",
    None,
    "abc",
    "3",
    "33.7",
    "337",
    "33722",
    "33.72.1",
    "33.72.",
    "33..72",
    "3372.01",
    "33-72",
    "33/72",
    "33.72.01.100",
    "33.72.01.10011",
    "33720110011",
    "33.72.01.1001.1",
    "３３７２",  # full-width digits look like a code but are not one
    "٣٣.٧٢",  # Arabic-Indic digits, likewise
]


@pytest.mark.parametrize("raw", MALFORMED)
def test_normalize_code_refuses_a_malformed_code(raw):
    with pytest.raises(regions.UnknownRegion):
        regions.normalize_code(raw)


@pytest.mark.parametrize("raw", [*MALFORMED, "99", "99.99", "33.99", "33.72.99", "33.72.01.9999"])
def test_get_region_refuses_malformed_codes_and_codes_not_in_the_decree(raw):
    with pytest.raises(regions.UnknownRegion):
        regions.get_region(raw)


@pytest.mark.parametrize(
    ("code", "name", "level"),
    [
        ("33", "Jawa Tengah", 1),
        ("3372", "Kota Surakarta", 2),
        ("33.11", "Kabupaten Sukoharjo", 2),
        ("33.72.01", "Laweyan", 3),
        ("3372011001", "Pajang", 4),
    ],
)
def test_get_region_names_the_region_a_code_stands_for(code, name, level):
    region = regions.get_region(code)

    assert (region.code, region.name, region.level) == (regions.normalize_code(code), name, level)


@pytest.mark.parametrize(
    ("code", "villages", "kecamatan"),
    [
        ("33.72", 54, 5),  # Kota Surakarta
        ("3372", 54, 5),
        ("36.72", 43, 8),  # Kota Cilegon
        ("33.72.01", 11, 1),  # Kecamatan Laweyan
        ("33.72.01.1001", 1, 1),  # Kelurahan Pajang itself
    ],
)
def test_villages_under_a_region_counts_its_kelurahan_and_kecamatan(code, villages, kecamatan):
    found = regions.villages_under(code)

    assert len(found) == villages
    assert len({v.kecamatan_code for v in found}) == kecamatan


def test_villages_under_a_kota_are_all_kelurahan():
    assert {v.kind for v in regions.villages_under("33.72")} == {"kelurahan"}


def test_villages_under_a_kabupaten_include_both_desa_and_kelurahan():
    kinds = [v.kind for v in regions.villages_under("33.11")]  # Kabupaten Sukoharjo

    assert set(kinds) == {"desa", "kelurahan"}
    assert kinds.count("desa") > kinds.count("kelurahan") > 0


def test_a_village_carries_the_names_of_its_parents_and_its_postal_code():
    (pajang,) = regions.villages_under("33.72.01.1001")

    assert pajang == regions.Village(
        code="33.72.01.1001",
        name="Pajang",
        kind="kelurahan",
        postal_code="57146",
        kecamatan_code="33.72.01",
        kecamatan_name="Laweyan",
        city_code="33.72",
        city_name="Kota Surakarta",
        province_name="Jawa Tengah",
    )


@pytest.mark.parametrize("code", ["33.72", "33.11", "36.72.01"])
def test_villages_under_a_region_lie_inside_it_ordered_by_code(code):
    found = regions.villages_under(code)
    codes = [v.code for v in found]

    assert codes == sorted(codes)
    assert len(set(codes)) == len(codes)
    assert all(c.startswith(code + ".") for c in codes)
    assert all(v.kecamatan_code == v.code[:8] and v.city_code == v.code[:5] for v in found)
    assert all(len(v.postal_code) == 5 and v.postal_code.isdigit() for v in found)


@pytest.mark.parametrize("code", ["99.99", "33.7", "abc", ""])
def test_villages_under_refuses_unknown_and_malformed_codes(code):
    with pytest.raises(regions.UnknownRegion):
        regions.villages_under(code)


def test_kecamatan_of_lists_the_kecamatan_of_a_city():
    names = [k.name for k in regions.kecamatan_of("3372")]

    assert names == ["Laweyan", "Serengan", "Pasar Kliwon", "Jebres", "Banjarsari"]


def test_cities_lists_every_kabupaten_and_kota_once():
    found = regions.cities()
    codes = [c.code for c in found]

    assert len(found) == 514
    assert len(set(codes)) == len(codes)
    assert {"33.72", "33.11", "36.72"} <= set(codes)
    assert all(c.level == 2 for c in found)

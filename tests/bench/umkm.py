"""UMKM and wisata benchmarks: queries, server time and size of the list pages and the GeoJSON,
with 10 and with 2,000 places; they print figures, never judge.

"Places" here means N published businesses (each with 2 photo rows, one the cover, and 3
products) plus N published tourism spots (each with a photo row), half in the bench kelurahan
and half spread over the other kelurahan of the city, so the per-kelurahan pages see N/2 of
each and the city-wide pages see N. Photo rows carry file names only (no files are written):
what is measured is the database and the rendering, not the disk.
"""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from urllib.parse import urlencode

from django.db import transaction
from django.test import Client
from django.urls import reverse

from kelurahan.models import Kelurahan
from tests.bench.pages import QUERY_TARGET, REQUESTS, WARMUPS, Result, measure
from tests.bench.report import number, table
from umkm.models import (
    Business,
    BusinessCategory,
    BusinessPhoto,
    Product,
    Status,
    TourismSpot,
    TourismSpotPhoto,
)

SIZES = (10, 2000)
DETAIL_SLUG = "usaha-00000"
QUERY = "soto"


def owners(kelurahan: Kelurahan) -> Callable[[int], Kelurahan]:
    """The kelurahan of the n-th row: every other one in `kelurahan`, the rest spread over the
    city's other kelurahan."""
    city_kelurahan = list(
        Kelurahan.objects.filter(kecamatan__city=kelurahan.kecamatan.city).order_by("code")
    )
    others = [k for k in city_kelurahan if k.pk != kelurahan.pk]
    return lambda n: kelurahan if n % 2 == 0 else others[n % len(others)]


def _point(n: int) -> tuple[Decimal, Decimal]:
    return Decimal("-7.600") + Decimal(n % 97) / 1000, Decimal("110.750") + Decimal(n // 97) / 400


@transaction.atomic
def fill(kelurahan: Kelurahan, *, total: int, spots: int | None = None) -> None:
    """Add published places until there are `total` businesses and `spots` (default: `total`)
    spots in the database."""
    owner = owners(kelurahan)
    categories = list(BusinessCategory.objects.all())
    businesses, spot_rows = [], []
    for n in range(Business.objects.count(), total):
        lat, lng = _point(n)
        businesses.append(
            Business(
                kelurahan=owner(n),
                name=f"{'Soto' if n % 5 == 0 else 'Usaha'} Warga {n:05d}",
                slug=f"usaha-{n:05d}",
                category=categories[n % len(categories)],
                owner_name=f"Pemilik {n}",
                description="Usaha warga: makanan, kerajinan dan jasa untuk tetangga sekitar.",
                whatsapp="6281234567890",
                address=f"Jl. Warga No. {n}",
                rt=n % 9 + 1,
                rw=n % 5 + 1,
                latitude=lat,
                longitude=lng,
                status=Status.PUBLISHED,
            )
        )
    for n in range(TourismSpot.objects.count(), total if spots is None else spots):
        lat, lng = _point(n)
        spot_rows.append(
            TourismSpot(
                kelurahan=owner(n),
                name=f"Wisata Warga {n:05d}",
                slug=f"wisata-{n:05d}",
                category=TourismSpot.Category.values[n % len(TourismSpot.Category.values)],
                description="Tempat yang layak dikunjungi warga dan tamu.",
                latitude=lat + Decimal("0.0005"),
                longitude=lng,
                status=Status.PUBLISHED,
            )
        )
    Business.objects.bulk_create(businesses, batch_size=1000)
    TourismSpot.objects.bulk_create(spot_rows, batch_size=1000)
    new_businesses = Business.objects.filter(slug__in=[b.slug for b in businesses])
    new_spots = TourismSpot.objects.filter(slug__in=[s.slug for s in spot_rows])
    BusinessPhoto.objects.bulk_create(
        BusinessPhoto(
            kelurahan_id=b.kelurahan_id,
            place=b,
            image=f"umkm/2026/{b.slug}-{i}.jpg",
            width=1600,
            height=1200,
            thumbnail=f"umkm/thumbs/2026/{b.slug}-{i}.webp",
            is_cover=i == 1,
            rank=i,
        )
        for b in new_businesses
        for i in range(2)
    )
    TourismSpotPhoto.objects.bulk_create(
        TourismSpotPhoto(
            kelurahan_id=s.kelurahan_id,
            place=s,
            image=f"umkm/2026/{s.slug}.jpg",
            width=1600,
            height=1200,
            thumbnail=f"umkm/thumbs/2026/{s.slug}.webp",
        )
        for s in new_spots
    )
    Product.objects.bulk_create(
        Product(
            kelurahan_id=b.kelurahan_id,
            place=b,
            name=f"Produk {i}",
            price_min=10000,
            price_max=25000,
            rank=i,
        )
        for b in new_businesses
        for i in range(3)
    )


def pages(kelurahan: Kelurahan) -> list[tuple[str, str]]:
    slug, kecamatan = kelurahan.slug, kelurahan.kecamatan.slug
    filtered = urlencode({"q": QUERY, "kategori": "kuliner"})
    city_list = reverse("umkm:city_businesses", args=[kelurahan.kecamatan.city.slug])
    return [
        ("/k/<slug>/umkm/", reverse("umkm:businesses", args=[slug])),
        ("/k/<slug>/umkm/?q=&kategori=", f"{reverse('umkm:businesses', args=[slug])}?{filtered}"),
        ("/k/<slug>/umkm/?page=last", f"{reverse('umkm:businesses', args=[slug])}?page=last"),
        ("/k/<slug>/umkm/<item>/", reverse("umkm:business", args=[slug, DETAIL_SLUG])),
        ("/k/<slug>/wisata/", reverse("umkm:spots", args=[slug])),
        ("/k/<slug>/usulkan-umkm/", reverse("umkm:business_propose", args=[slug])),
        ("/umkm/", reverse("umkm:city_businesses", args=["kota-surakarta"])),
        (
            "/umkm/?kecamatan=&kategori=",
            f"{city_list}?kecamatan={kecamatan}&kategori=kuliner",
        ),  # fmt: skip
        ("/wisata/", reverse("umkm:city_spots", args=["kota-surakarta"])),
        ("/k/<slug>/umkm.geojson", reverse("umkm:business_geojson", args=[slug])),
        ("/k/<slug>/wisata.geojson", reverse("umkm:spot_geojson", args=[slug])),
        ("/umkm.geojson", reverse("umkm:city_business_geojson", args=["kota-surakarta"])),
        (
            "/umkm.geojson?kategori=",
            f"{reverse('umkm:city_business_geojson', args=['kota-surakarta'])}?kategori=kuliner",
        ),
        ("/wisata.geojson", reverse("umkm:city_spot_geojson", args=["kota-surakarta"])),
    ]


def _features(client: Client, url: str) -> int:
    return len(client.get(url, secure=True).json()["features"])


def bench(command: str, kelurahan: Kelurahan) -> None:
    kelurahan = Kelurahan.objects.with_regions().get(pk=kelurahan.pk)
    urls = pages(kelurahan)
    client = Client(raise_request_exception=True)
    results: dict[int, dict[str, Result]] = {}
    features: dict[int, dict[str, int]] = {}
    for size in SIZES:
        fill(kelurahan, total=size)
        results[size] = {label: measure(client, url) for label, url in urls}
        features[size] = {label: _features(client, url) for label, url in urls if ".geojson" in url}
    small, large = (results[size] for size in SIZES)
    rows = []
    for label, _url in urls:
        a, b = small[label], large[label]
        flags = []
        if a.queries != b.queries:
            flags.append(f"QUERIES DIFFER ({b.queries - a.queries:+d})")
        if max(a.queries, b.queries) > QUERY_TARGET:
            flags.append(f"> {QUERY_TARGET} queries")
        per_item = [
            number(results[size][label].size / features[size][label], 0)
            if label in features[size] and features[size][label]
            else "—"
            for size in SIZES
        ]
        rows.append(
            [
                label,
                str(a.status),
                str(a.queries),
                number(a.median_ms, 2),
                number(a.size / 1024, 1),
                per_item[0],
                str(b.status),
                str(b.queries),
                number(b.median_ms, 2),
                number(b.p95_ms, 2),
                number(b.size / 1024, 1),
                per_item[1],
                "; ".join(flags),
            ]
        )
    s, l = SIZES  # noqa: E741
    table(
        f"UMKM and wisata: {s:,} vs {l:,} places of each kind in the city",
        command,
        [
            "page",
            f"{s} st",
            f"{s} q",
            f"{s} med ms",
            f"{s} KB",
            f"{s} B/item",
            f"{l} st",
            f"{l} q",
            f"{l} med ms",
            f"{l} p95 ms",
            f"{l} KB",
            f"{l} B/item",
            "flag",
        ],
        rows,
        align="l" + "r" * 11 + "l",
        notes=[
            f"Places: N businesses (2 photo rows, 3 products each) and N spots; half in "
            f"<slug>={kelurahan.slug}, half over the city's other kelurahan (N = {s} / {l}).",
            "st = HTTP status, q = SQL queries per request, med/p95 = server time over "
            f"{REQUESTS} requests after {WARMUPS} warm-ups (in-process django.test.Client, HTTPS, "
            "DEBUG=false), KB = response size, B/item = GeoJSON bytes per feature.",
            f"<item>={DETAIL_SLUG}, <kecamatan>={kelurahan.kecamatan.slug}, q={QUERY}.",
            "Pages whose query count differs between the two sizes: "
            + (
                ", ".join(
                    label for label, _u in urls if small[label].queries != large[label].queries
                )
                or "none"
            )  # fmt: skip
            + ".",
        ],
    )

"""Fictional UMKM and tourism spots for the demo city, placed around each kelurahan's office.

Everything is invented. "{name}" is the kelurahan's name. `places_fill` writes a few of each for
one kelurahan; portal/demo.py calls it for every demo kelurahan that has none yet.
"""

from __future__ import annotations

import random
from decimal import Decimal

from django.db import transaction
from django.utils.text import slugify

from kelurahan.models import Kelurahan
from umkm.models import Business, BusinessCategory, Product, Status, TourismSpot

OWNERS = (
    "Sri Mulyani",
    "Bambang Sutrisno",
    "Endah Lestari",
    "Joko Santoso",
    "Wahyuni Rahayu",
    "Agus Widodo",
    "Sumarni",
    "Heru Prasetyo",
)

BUSINESSES = (
    {
        "name": "Warung Nasi Liwet Bu {owner}",
        "category": "kuliner",
        "description": "Nasi liwet khas Solo dengan suwiran ayam, labu siam dan areh, dimasak "
        "dengan kayu bakar sejak subuh.",
        "hours": "Setiap hari 05.30–10.00",
        "products": (("Nasi liwet ayam", 12000, 18000), ("Nasi liwet telur", 10000, 12000)),
    },
    {
        "name": "Batik Tulis {name}",
        "category": "kerajinan",
        "description": "Batik tulis dan cap motif klasik Surakarta: parang, kawung, sidomukti. "
        "Menerima pesanan seragam kantor dan sekolah.",
        "hours": "Senin–Sabtu 08.00–16.00",
        "products": (("Kain batik cap", 150000, 300000), ("Kain batik tulis", 450000, 1500000)),
    },
    {
        "name": "Serabi {name} Mbak {owner}",
        "category": "kuliner",
        "description": "Serabi santan original, cokelat dan nangka, dibakar di atas tungku tanah.",
        "hours": "Setiap hari 06.00–13.00",
        "products": (("Serabi original (isi 10)", 25000, 25000), ("Serabi cokelat", 3000, 3500)),
    },
    {
        "name": "Jahit Busana {owner}",
        "category": "fesyen",
        "description": "Jahit kebaya, seragam dan permak pakaian. Selesai dalam tiga hari kerja.",
        "hours": "Senin–Sabtu 09.00–17.00",
        "products": (("Permak celana", 15000, 25000), ("Jahit kebaya", 250000, 600000)),
    },
    {
        "name": "Servis Elektronik {owner}",
        "category": "jasa",
        "description": "Servis kipas angin, rice cooker, televisi dan pompa air. Bisa dipanggil "
        "ke rumah di wilayah kelurahan.",
        "hours": "Senin–Sabtu 08.00–20.00",
        "products": (("Servis ringan", 25000, 75000),),
    },
    {
        "name": "Kebun Sayur Hidroponik {name}",
        "category": "pertanian",
        "description": "Sayur hidroponik segar dari kebun warga RW: selada, pakcoy dan kangkung.",
        "hours": "Selasa, Kamis, Sabtu 07.00–11.00",
        "products": (("Selada (250 g)", 8000, 10000), ("Pakcoy (250 g)", 7000, 9000)),
    },
    {
        "name": "Toko Kelontong {owner}",
        "category": "perdagangan",
        "description": "Sembako, gas elpiji, galon dan kebutuhan harian. Antar gratis dalam "
        "satu kelurahan.",
        "hours": "Setiap hari 06.00–21.00",
        "products": (("Beras (5 kg)", 68000, 78000), ("Gas elpiji 3 kg", 20000, 22000)),
    },
    {
        "name": "Wedangan Pak {owner}",
        "category": "kuliner",
        "description": "Angkringan khas Solo: wedang jahe, teh kampul, nasi kucing dan sate usus.",
        "hours": "Setiap hari 18.00–01.00",
        "products": (("Nasi kucing", 3000, 4000), ("Wedang jahe", 5000, 7000)),
    },
)

SPOTS = (
    {
        "name": "Kampung Batik {name}",
        "category": TourismSpot.Category.CULTURE,
        "description": "Gang-gang kampung dengan rumah produksi batik yang terbuka untuk "
        "dikunjungi. Pengunjung dapat mencoba membatik dengan canting.",
        "description_en": "Alleys of batik workshops open to visitors, who can try the canting.",
        "ticket": "Gratis; kelas membatik Rp50.000",
        "facilities": "Area parkir\nToilet\nMusala\nToko oleh-oleh",
        "accessibility": "Gang sempit dan berundak di beberapa bagian; kursi roda sulit lewat.",
    },
    {
        "name": "Taman Kampung {name}",
        "category": TourismSpot.Category.MAN_MADE,
        "description": "Taman warga di tepi sungai dengan jogging track dan taman bermain anak.",
        "description_en": "",
        "ticket": "Gratis",
        "facilities": "Jogging track\nTaman bermain\nToilet",
        "accessibility": "Jalur rata dari gerbang utama; toilet tanpa pegangan.",
    },
    {
        "name": "Masjid Tua {name}",
        "category": TourismSpot.Category.RELIGION,
        "description": "Masjid berarsitektur Jawa dengan atap tajug tumpang tiga dan serambi "
        "kayu jati, dibangun pada masa Kasunanan.",
        "description_en": "A Javanese-style mosque with a three-tiered roof and teak veranda.",
        "ticket": "Gratis",
        "facilities": "Tempat wudu\nArea parkir",
        "accessibility": "Ada ramp di pintu samping.",
    },
    {
        "name": "Pusat Kuliner Malam {name}",
        "category": TourismSpot.Category.CULINARY,
        "description": "Deretan lapak makanan khas Solo yang buka setiap malam: timlo, tengkleng, "
        "selat dan es dawet.",
        "description_en": "Night food stalls: timlo, tengkleng, selat solo and es dawet.",
        "ticket": "Gratis",
        "facilities": "Tempat duduk\nToilet\nParkir motor",
        "accessibility": "Area datar dan terbuka.",
    },
)


def _near(value: Decimal | None, fallback: float, rng: random.Random) -> Decimal:
    base = float(value) if value is not None else fallback
    return Decimal(f"{base + rng.uniform(-0.004, 0.004):.6f}")


@transaction.atomic
def places_fill(kelurahan: Kelurahan, *, businesses: int = 3, spots: int = 1) -> None:
    """Published businesses and spots for one demo kelurahan, a few hundred metres from its
    office; written once (the caller checks the kelurahan has none yet)."""
    rng = random.Random(f"umkm-{kelurahan.code}")  # noqa: S311 - fictional demo data
    categories = {c.slug: c for c in BusinessCategory.objects.all()}
    name = kelurahan.name
    for template in rng.sample(BUSINESSES, businesses):
        owner = rng.choice(OWNERS)
        title = template["name"].format(name=name, owner=owner.split()[0])
        business = Business.objects.create(
            kelurahan=kelurahan,
            name=title,
            slug=slugify(title)[:150],
            category=categories[template["category"]],
            owner_name=owner,
            description=template["description"],
            opening_hours=template["hours"],
            whatsapp=f"62812{rng.randint(10000000, 99999999)}",
            address=f"Jl. {name} No. {rng.randint(1, 120)}, Surakarta",
            rt=rng.randint(1, 6),
            rw=rng.randint(1, 8),
            latitude=_near(kelurahan.latitude, -7.566, rng),
            longitude=_near(kelurahan.longitude, 110.816, rng),
            status=Status.PUBLISHED,
        )
        Product.objects.bulk_create(
            Product(kelurahan=kelurahan, place=business, name=p, price_min=lo, price_max=hi, rank=i)
            for i, (p, lo, hi) in enumerate(template["products"])
        )
    for template in rng.sample(SPOTS, spots):
        title = template["name"].format(name=name)
        TourismSpot.objects.create(
            kelurahan=kelurahan,
            name=title,
            slug=slugify(title)[:150],
            category=template["category"],
            description=template["description"],
            description_en=template["description_en"],
            opening_hours="Setiap hari 08.00–17.00",
            ticket_price=template["ticket"],
            facilities=template["facilities"],
            accessibility=template["accessibility"],
            address=f"Kelurahan {name}, Surakarta",
            latitude=_near(kelurahan.latitude, -7.566, rng),
            longitude=_near(kelurahan.longitude, 110.816, rng),
            status=Status.PUBLISHED,
        )

"""Large site content for one kelurahan, written with bulk_create (benchmark setup, not app code).

200 published articles, 50 RW with 300 RT, 20 named officials, a filled-in karang taruna with
30 officers and 50 activities, 20 services, and every profile field filled in.
"""

from __future__ import annotations

import datetime
from collections.abc import Callable
from decimal import Decimal

from django.db import transaction
from django.utils import timezone

from kelurahan.catalog import catalog_for
from kelurahan.models import (
    RT,
    RW,
    Article,
    KarangTaruna,
    KarangTarunaActivity,
    KarangTarunaOfficer,
    Kelurahan,
    Official,
    Service,
)

ARTICLES = 200
RW_COUNT = 50
RT_PER_RW = 6
OFFICIALS = 20
KT_OFFICERS = 30
KT_ACTIVITIES = 50
SERVICES = 20

# The article every "berita/<article>/" request asks for (it does not exist while empty).
FIRST_ARTICLE_SLUG = "kerja-bakti-rw-001-membersihkan-saluran-air-1"
ARTICLE_QUERY = "kerja bakti"

FIRST_NAMES = (
    "Agus", "Budi", "Citra", "Dewi", "Eko", "Fitri", "Gunawan", "Hesti", "Indra", "Joko",
    "Kartika", "Lestari", "Made", "Nur", "Oktavia", "Putri", "Rahmat", "Sri", "Teguh", "Wahyu",
)  # fmt: skip
LAST_NAMES = (
    "Santoso", "Wibowo", "Rahayu", "Setiawan", "Lestari", "Pratama", "Susanti", "Nugroho",
    "Hidayat", "Kurniawan", "Purnomo", "Handayani",
)  # fmt: skip
TOPICS = (
    ("berita", "Kerja bakti RW {rw:03d} membersihkan saluran air"),
    ("pengumuman", "Jadwal posyandu balita dan lansia bulan ini"),
    ("agenda", "Musyawarah perencanaan pembangunan tingkat kelurahan"),
    ("berita", "Pelatihan UMKM pengolahan makanan bagi ibu-ibu PKK"),
    ("pengumuman", "Perubahan jam pelayanan kantor selama bulan Ramadan"),
)
PARAGRAPH = (
    "Warga bersama pengurus RT dan RW bergotong royong sejak pagi. Kegiatan ini didukung "
    "oleh perangkat kelurahan, Babinsa dan Bhabinkamtibmas, serta karang taruna setempat. "
    "Lurah menyampaikan terima kasih atas partisipasi warga dan berharap kegiatan serupa "
    "dapat dilaksanakan secara rutin setiap bulan."
)


def _name(i: int) -> str:
    return f"{FIRST_NAMES[i % len(FIRST_NAMES)]} {LAST_NAMES[(i * 7) % len(LAST_NAMES)]}"


def articles(owner: Callable[[int], Kelurahan], numbers: range, *, now) -> list[Article]:
    """Published articles numbered `numbers` (unsaved), the i-th for `owner(i)`: one every two
    days back from `now`, the kinds and titles in turn (the number keeps each slug unique)."""
    rows = []
    for i in numbers:
        kind, title = TOPICS[(i - 1) % len(TOPICS)]
        title = f"{title.format(rw=(i % RW_COUNT) or 1)} {i}"
        published = now - datetime.timedelta(days=2 * i, hours=i % 24)
        rows.append(
            Article(
                kelurahan=owner(i),
                kind=kind,
                title=title,
                slug=f"{title.lower().replace(' ', '-')}"[:200],
                summary=f"Ringkasan: {title.lower()} bersama warga dan perangkat kelurahan.",
                body="\n\n".join([PARAGRAPH] * 5),
                status=Article.Status.PUBLISHED,
                published_at=published,
                event_start=published + datetime.timedelta(days=3) if kind == "agenda" else None,
                location="Balai kelurahan" if kind == "agenda" else "",
            )
        )
    return rows


@transaction.atomic
def fill_large(kelurahan: Kelurahan) -> dict[str, int]:
    """Fill one just-provisioned kelurahan with a large site; return rows per kind of content."""
    now = timezone.now()
    Kelurahan.objects.filter(pk=kelurahan.pk).update(
        history="\n\n".join([PARAGRAPH] * 6),
        vision="Terwujudnya kelurahan yang maju, bersih, aman dan sejahtera.",
        mission="\n".join(f"Misi nomor {i}: pelayanan prima bagi warga." for i in range(1, 8)),
        area_km2=Decimal("1.64"),
        population_male=6812,
        population_female=7034,
        households=4210,
        address="Jl. Dr. Rajiman No. 120",
        office_hours="Senin–Kamis 07.30–15.30\nJumat 07.30–11.30",
        phone="0271 712345",
        whatsapp="081234567890",
        email="kelurahan@example.go.id",
        website="https://kelurahan.example.go.id",
        instagram="https://instagram.com/kelurahan",
        latitude=Decimal("-7.566000"),
        longitude=Decimal("110.794000"),
    )

    officials = list(Official.objects.for_kelurahan(kelurahan))
    for i, official in enumerate(officials):
        official.name = _name(i)
        official.nip = f"19800101200501{i:04d}"
    Official.objects.bulk_update(officials, ["name", "nip"])
    Official.objects.bulk_create(
        Official(
            kelurahan=kelurahan,
            position=f"Staf Pelaksana {i}",
            name=_name(i + 40),
            level=Official.Level.STAFF,
            rank=100 + i,
        )
        for i in range(OFFICIALS - len(officials))
    )

    rws = RW.objects.bulk_create(
        RW(kelurahan=kelurahan, number=n, head_name=_name(n), phone="081234567890")
        for n in range(1, RW_COUNT + 1)
    )
    RT.objects.bulk_create(
        RT(kelurahan=kelurahan, rw=rw, number=n, head_name=_name(rw.number * 10 + n))
        for rw in RW.objects.for_kelurahan(kelurahan)
        for n in range(1, RT_PER_RW + 1)
    )

    KarangTaruna.objects.for_kelurahan(kelurahan).update(
        profile="\n\n".join([PARAGRAPH] * 3),
        vision="Pemuda yang kreatif, mandiri dan peduli lingkungan.",
        mission="Mengadakan pelatihan keterampilan\nMenggerakkan kerja bakti\nMembina olahraga",
        address="Balai RW 01",
        phone="081298765432",
        email="karangtaruna@example.org",
        instagram="https://instagram.com/karangtaruna",
    )
    KarangTarunaOfficer.objects.bulk_create(
        KarangTarunaOfficer(
            kelurahan=kelurahan, position=f"Anggota Bidang {i % 6 + 1}", name=_name(i), rank=i
        )
        for i in range(KT_OFFICERS)
    )
    KarangTarunaActivity.objects.bulk_create(
        KarangTarunaActivity(
            kelurahan=kelurahan,
            title=f"Kegiatan pemuda ke-{i}: bakti sosial dan turnamen voli",
            date=now.date() - datetime.timedelta(days=7 * i),
            description=PARAGRAPH,
        )
        for i in range(KT_ACTIVITIES)
    )

    extra_services = SERVICES - len(catalog_for(kelurahan))  # the city's entries count too
    Service.objects.bulk_create(
        Service(
            kelurahan=kelurahan,
            slug=f"layanan-tambahan-{i}",
            name=f"Surat keterangan tambahan {i}",
            description=PARAGRAPH,
            requirements="Surat pengantar RT/RW\nFotokopi KTP-el\nFotokopi KK",
            procedure="Ajukan permohonan\nVerifikasi berkas\nTanda tangan\nSerahkan surat",
            service_days=1,
            rank=50 + i,
        )
        for i in range(max(extra_services, 0))
    )

    Article.objects.bulk_create(articles(lambda i: kelurahan, range(1, ARTICLES + 1), now=now))

    return {
        "published articles": Article.objects.for_kelurahan(kelurahan).published().count(),
        "RW": len(rws),
        "RT": RT.objects.for_kelurahan(kelurahan).count(),
        "officials (named)": Official.objects.for_kelurahan(kelurahan).exclude(name="").count(),
        "karang taruna officers": KarangTarunaOfficer.objects.for_kelurahan(kelurahan).count(),
        "karang taruna activities": KarangTarunaActivity.objects.for_kelurahan(kelurahan).count(),
        "services (the city's and its own)": len(catalog_for(kelurahan)),
    }

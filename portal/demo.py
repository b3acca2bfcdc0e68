"""The demo cities `make run` sets up: Kota Surakarta with sample content and staff accounts,
and a corner of Kabupaten Sukoharjo (two kecamatan, each with a Desa Grogol), so the portal's
home lists two cities and the desa, "Kabupaten" and same-name cases can be seen.

Everything here is fictional (names, NIPs, coordinates scattered over the city). It is written
once; a second run only resets the demo passwords.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import transaction
from django.utils import timezone
from django.utils.text import slugify

from kelurahan import demo_data, roles
from kelurahan.models import (
    RT,
    RW,
    Article,
    City,
    KarangTaruna,
    KarangTarunaActivity,
    KarangTarunaOfficer,
    Kelurahan,
    Official,
)
from kelurahan.services import region_provision, staff_account_create
from layanan import services as letter_services
from layanan.kinds import KINDS
from layanan.models import Letter, LetterEvent, Resident, SigningAuthority
from layanan.tracking import tracking_code_new
from umkm import demo_data as umkm_demo
from umkm.models import Business

DEMO_CITY = "33.72"
# Kabupaten Sukoharjo's Kecamatan Weru and Kecamatan Grogol: desa only, and a Desa Grogol in each.
DEMO_REGENCY = "33.11"
DEMO_REGENCY_KECAMATAN = ("33.11.01", "33.11.09")
DEMO_PASSWORD = "demo-portal-2026"  # noqa: S105 - printed on purpose, demo only


@dataclass(frozen=True)
class DemoLogin:
    username: str
    role: str
    kelurahan_slug: str | None


DEMO_LOGINS = (
    DemoLogin("diskominfo", roles.DISKOMINFO, None),
    DemoLogin("operator.pajang", roles.OPERATOR, "pajang"),
    DemoLogin("lurah.pajang", roles.SIGNER, "pajang"),
    DemoLogin("redaksi.pajang", roles.REDAKSI, "pajang"),
    DemoLogin("operator.kerten", roles.OPERATOR, "kerten"),
)


def demo_city_setup(*, regency: bool = True) -> tuple[int, list[DemoLogin]]:
    """Provision the demo city (and, with `regency`, the corner of Kabupaten Sukoharjo), fill
    every kelurahan/desa that has no content yet, make the logins.

    Returns how many kelurahan were filled now (0 on a second run) and the demo logins.
    """
    codes = [DEMO_CITY, *(DEMO_REGENCY_KECAMATAN if regency else ())]
    region_provision(codes=codes)
    cities = [DEMO_CITY, DEMO_REGENCY] if regency else [DEMO_CITY]
    # The demo cities are live: their sites start active (a provisioned site elsewhere waits
    # for Diskominfo's activation).
    Kelurahan.objects.filter(kecamatan__city__code__in=cities, is_active=False).update(
        is_active=True, activated_at=timezone.now()
    )
    filled = 0
    for kelurahan in Kelurahan.objects.filter(kecamatan__city__code__in=cities):
        if not kelurahan.history:
            if kelurahan.code.startswith(DEMO_CITY):
                _fill(kelurahan)
            else:
                _fill(kelurahan, town="Sukoharjo", box=((-7.82, -7.58), (110.74, 110.84)))
            filled += 1
    with_places = set(
        Business.objects.unscoped("which demo kelurahan have places already")
        .values_list("kelurahan_id", flat=True)
        .distinct()
    )
    for kelurahan in Kelurahan.objects.filter(kecamatan__city__code=DEMO_CITY):
        if kelurahan.pk not in with_places:
            umkm_demo.places_fill(kelurahan)
    pajang = Kelurahan.objects.get(slug="pajang")
    if not Resident.objects.for_kelurahan(pajang).exists():
        _fill_register(pajang)
    for login in DEMO_LOGINS:
        staff_account_create(
            username=login.username,
            password=DEMO_PASSWORD,
            role=login.role,
            kelurahan=(
                Kelurahan.objects.get(slug=login.kelurahan_slug) if login.kelurahan_slug else None
            ),
            # Diskominfo of the demo city (a Diskominfo account sees only its own cities).
            cities=City.objects.filter(code=DEMO_CITY) if login.role == roles.DISKOMINFO else (),
            full_name=f"Demo {login.role}",
        )
    _signing_authority_ensure(pajang, username="lurah.pajang")
    if not Letter.objects.for_kelurahan(pajang).exists():
        _fill_letters(pajang, operator=get_user_model().objects.get(username="operator.pajang"))
    return filled, list(DEMO_LOGINS)


def _signing_authority_ensure(kelurahan: Kelurahan, *, username: str) -> None:
    """The demo Lurah signs Pajang's letters directly, as the head its officials list names
    (signing takes the block from the register of signing authority). Once: a second run keeps
    what was recorded in the admin since."""
    user = get_user_model().objects.get(username=username)
    authorities = SigningAuthority.objects.for_kelurahan(kelurahan)
    if authorities.filter(user=user).exists():
        return
    head = Official.objects.for_kelurahan(kelurahan).filter(level=Official.Level.HEAD).first()
    if head is None or not head.name:
        return
    authorities.create(
        kelurahan=kelurahan,
        official=head,
        user=user,
        capacity=SigningAuthority.Capacity.SELF,
        valid_from=date(2024, 1, 2),
        note="Data contoh.",
    )


@transaction.atomic
def _fill_letters(kelurahan: Kelurahan, *, operator) -> None:
    """A morning's work for the demo's work page: two online requests to check (one of them
    past its promised date) and a Skuter verified at the counter, waiting for the Lurah."""
    residents = list(Resident.objects.for_kelurahan(kelurahan).order_by("nik")[:3])
    letter_type = letter_services.letter_types_ensure(kelurahan=kelurahan)["skuter"]
    for days_ago, resident in zip((9, 0), residents[:2], strict=True):
        data = _skuter_data(resident, purpose="melamar pekerjaan")
        letter = Letter.objects.create(
            kelurahan=kelurahan,
            letter_type=letter_type,
            nik=resident.nik,
            name=resident.name,
            data=data,
            tracking_code=tracking_code_new(),
            phone="081234567890",
        )
        Letter.objects.filter(pk=letter.pk).update(
            created_at=timezone.now() - timedelta(days=days_ago)
        )
        LetterEvent.objects.create(
            kelurahan=kelurahan, letter=letter, from_state="", to_state=Letter.State.SUBMITTED
        )
    letter_services.letter_create(
        kelurahan=kelurahan,
        kind="skuter",
        by=operator,
        data=_skuter_data(residents[2], purpose="mengurus beasiswa"),
    )


def _skuter_data(resident: Resident, *, purpose: str) -> dict:
    """A Skuter's details from a register row, through the letter form, as staff would save."""
    form_class = KINDS["skuter"].form
    initial = form_class.initial_from_resident(resident)
    initial.update(
        purpose=purpose,
        statement="Yang bersangkutan benar warga kami dan berkelakuan baik.",
        birth_date=initial["birth_date"].isoformat(),
    )
    form = form_class(data={key: value for key, value in initial.items() if value is not None})
    if not form.is_valid():
        raise ValueError(f"demo letter details do not validate: {form.errors.as_json()}")
    return form.letter_data()


DEMO_NIK = "3372011708900001"  # printed by demo_setup: type it in "Issue a letter"


@transaction.atomic
def _fill_register(kelurahan: Kelurahan) -> None:
    """A small fictional resident register, so typing a NIK prefills a letter."""
    rng = random.Random(f"register-{kelurahan.code}")  # noqa: S311 - fictional demo data
    residents = [
        Resident(
            kelurahan=kelurahan,
            nik=DEMO_NIK,
            kk_number="3372011203150007",
            name="Budi Santoso",
            birth_place="Surakarta",
            birth_date=date(1990, 8, 17),
            sex=Resident.Sex.MALE,
            religion="Islam",
            marital_status="Kawin",
            occupation="Wiraswasta",
            address="Jl. Pajang Baru No. 12",
            rt="3",
            rw="4",
        )
    ]
    for serial, name in enumerate(demo_data.OFFICIAL_NAMES[:24], start=2):
        woman = serial % 2 == 0
        born = date(rng.randint(1950, 2005), rng.randint(1, 12), rng.randint(1, 28))
        day = born.day + (40 if woman else 0)
        residents.append(
            Resident(
                kelurahan=kelurahan,
                nik=f"337201{day:02d}{born:%m%y}{serial:04d}",
                name=name.split(",")[0],
                birth_place="Surakarta",
                birth_date=born,
                sex=Resident.Sex.FEMALE if woman else Resident.Sex.MALE,
                religion=rng.choice(["Islam", "Kristen", "Katolik", "Hindu", "Buddha"]),
                marital_status=rng.choice(["Belum Kawin", "Kawin", "Cerai Mati"]),
                occupation=rng.choice(["Karyawan Swasta", "Pedagang", "Guru", "Pelajar"]),
                address=f"Jl. Pajang No. {rng.randint(1, 120)}",
                rt=str(rng.randint(1, 6)),
                rw=str(rng.randint(1, 8)),
            )
        )
    Resident.objects.bulk_create(residents)


SURAKARTA_BOX = ((-7.595, -7.530), (110.775, 110.860))


@transaction.atomic
def _fill(kelurahan: Kelurahan, *, town: str = "Surakarta", box=SURAKARTA_BOX) -> None:
    rng = random.Random(kelurahan.code)  # noqa: S311 - the same fictional demo every time
    name = kelurahan.name
    kelurahan.history = demo_data.PROFILE["history"].format(name=name)
    kelurahan.vision = demo_data.PROFILE["vision"]
    kelurahan.mission = demo_data.PROFILE["mission"]
    kelurahan.office_hours = demo_data.PROFILE["office_hours"]
    kelurahan.area_km2 = Decimal(rng.randint(40, 250)) / 100
    kelurahan.population_male = rng.randint(3000, 12000)
    kelurahan.population_female = kelurahan.population_male + rng.randint(-300, 400)
    kelurahan.households = (kelurahan.population_male + kelurahan.population_female) // 3
    kelurahan.address = f"Jl. {name} No. {rng.randint(1, 99)}, {town}"
    kelurahan.phone = f"0271 {rng.randint(600000, 899999)}"
    kelurahan.whatsapp = f"0812{rng.randint(10000000, 99999999)}"
    prefix = "kel" if kelurahan.kind == Kelurahan.Kind.KELURAHAN else "desa"
    kelurahan.email = f"{prefix}.{slugify(name).replace('-', '')}@example.go.id"
    # Scattered over the town's extent; demo only, not the real office.
    (south, north), (west, east) = box
    kelurahan.latitude = Decimal(f"{rng.uniform(south, north):.6f}")
    kelurahan.longitude = Decimal(f"{rng.uniform(west, east):.6f}")
    kelurahan.save()

    names = list(demo_data.OFFICIAL_NAMES)
    rng.shuffle(names)
    officials = list(Official.objects.for_kelurahan(kelurahan))
    for official, person in zip(officials, names, strict=False):
        official.name = person
        born = f"19{rng.randint(70, 95)}{rng.randint(1, 12):02d}{rng.randint(1, 28):02d}"
        hired = f"20{rng.randint(0, 20):02d}{rng.randint(1, 12):02d}"
        official.nip = f"{born}{hired}1{rng.randint(1, 9):03d}"
    Official.objects.bulk_update(officials, ["name", "nip"])

    heads = list(demo_data.RW_HEAD_NAMES)
    rng.shuffle(heads)
    rws = RW.objects.bulk_create(
        RW(kelurahan=kelurahan, number=n, head_name=heads[(n - 1) % len(heads)])
        for n in range(1, rng.randint(6, 14) + 1)
    )
    rws = list(RW.objects.for_kelurahan(kelurahan))
    RT.objects.bulk_create(
        RT(kelurahan=kelurahan, rw=rw, number=n, head_name=rng.choice(demo_data.OFFICIAL_NAMES))
        for rw in rws
        for n in range(1, rng.randint(3, 7) + 1)
    )

    organisation = KarangTaruna.objects.for_kelurahan(kelurahan).get()
    organisation.profile = demo_data.KARANG_TARUNA["profile"]
    organisation.vision = demo_data.KARANG_TARUNA["vision"]
    organisation.mission = demo_data.KARANG_TARUNA["mission"]
    organisation.address = f"Balai Kelurahan {name}"
    organisation.save()
    KarangTarunaOfficer.objects.bulk_create(
        KarangTarunaOfficer(kelurahan=kelurahan, position=position, name=names[-1 - i], rank=i)
        for i, position in enumerate(demo_data.KARANG_TARUNA["officer_positions"])
    )
    today = timezone.localdate()
    KarangTarunaActivity.objects.bulk_create(
        KarangTarunaActivity(
            kelurahan=kelurahan,
            title=title,
            description=description,
            date=today - timedelta(days=30 * i + rng.randint(0, 20)),
        )
        for i, (title, description) in enumerate(demo_data.KARANG_TARUNA["activities"])
    )

    now = timezone.now()
    Article.objects.bulk_create(
        Article(
            kelurahan=kelurahan,
            kind=item["kind"],
            title=item["title"].format(name=name)[:200],
            slug=slugify(item["title"].format(name=name))[:200],
            summary=item["summary"].format(name=name),
            body=item["body"].format(name=name),
            location=item["location"].format(name=name),
            status=Article.Status.PUBLISHED,
            published_at=now - timedelta(days=4 * i, hours=rng.randint(0, 12)),
            event_start=(
                now + timedelta(days=7 + 3 * i) if item["kind"] == Article.Kind.AGENDA else None
            ),
        )
        for i, item in enumerate(demo_data.ARTICLES)
    )

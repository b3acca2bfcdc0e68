"""factory_boy factories for kelurahan content (the kelurahan itself comes from provisioning)."""

import datetime

import factory
from django.utils import timezone

from kelurahan.models import (
    RT,
    RW,
    Article,
    KarangTarunaActivity,
    KarangTarunaOfficer,
    Official,
    Service,
)


class OfficialFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Official

    position = factory.Sequence(lambda n: f"Staf {n}")
    name = factory.Faker("name", locale="id_ID")
    level = Official.Level.STAFF
    rank = factory.Sequence(lambda n: 100 + n)


# The signature block most tests sign with: the Lurah as the officials list names them.
LURAH_NAME = "Drs. Slamet Widodo"
LURAH_NIP = "196801011990031005"
SECRETARY_NAME = "Budi Santoso, S.E."
SECRETARY_NIP = "197505052000121002"


def signing_authority_for(user, kelurahan, *, capacity="", official=None, **fields):
    """A signing authority for `user` at `kelurahan`, valid from 30 days ago until further notice.

    Direct: the kelurahan's head (named LURAH_NAME/LURAH_NIP if the list has no name yet); a.n.,
    Plt. and Plh.: its secretary (SECRETARY_NAME/SECRETARY_NIP if unnamed), on a decree."""
    from layanan.models import SigningAuthority

    if official is None:
        head = capacity == ""
        level = Official.Level.HEAD if head else Official.Level.SECRETARY
        official = Official.objects.for_kelurahan(kelurahan).filter(level=level).first()
        if official is None:
            official = Official(kelurahan=kelurahan, level=level, position="Lurah")
        if not official.name:
            official.name = LURAH_NAME if head else SECRETARY_NAME
            official.nip = LURAH_NIP if head else SECRETARY_NIP
        official.save()
    fields.setdefault("decree_number", "800/17/2026" if capacity else "")
    fields.setdefault("valid_from", timezone.localdate() - datetime.timedelta(days=30))
    return SigningAuthority.objects.create(
        kelurahan=kelurahan, official=official, user=user, capacity=capacity, **fields
    )


def signing_authority_ensure(user, kelurahan):
    """The user's signing authority at `kelurahan` valid today, made (direct) if there is none."""
    from layanan.models import signing_authorities_valid

    existing = signing_authorities_valid(user, kelurahan.pk, timezone.localdate()).first()
    return existing or signing_authority_for(user, kelurahan)


def signature(user, kelurahan) -> dict:
    """The sign form's data (or letter_move's keyword arguments) for `user` at `kelurahan`."""
    return {"authority": signing_authority_ensure(user, kelurahan).pk}


class RWFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RW

    number = factory.Sequence(lambda n: n + 1)
    head_name = factory.Faker("name", locale="id_ID")


class RTFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = RT

    rw = factory.SubFactory(RWFactory, kelurahan=factory.SelfAttribute("..kelurahan"))
    number = factory.Sequence(lambda n: n + 1)
    head_name = factory.Faker("name", locale="id_ID")


class ArticleFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Article

    title = factory.Sequence(lambda n: f"Kerja bakti RW {n}")
    slug = factory.Sequence(lambda n: f"kerja-bakti-rw-{n}")
    summary = "Warga bergotong royong membersihkan saluran air."
    body = "Paragraf pertama.\n\nParagraf kedua."
    status = Article.Status.PUBLISHED
    published_at = factory.LazyFunction(timezone.now)


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    slug = factory.Sequence(lambda n: f"layanan-{n}")
    name = factory.Sequence(lambda n: f"Layanan {n}")
    requirements = "Fotokopi KTP-el\nFotokopi KK"


class KarangTarunaOfficerFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KarangTarunaOfficer

    position = "Ketua"
    name = factory.Faker("name", locale="id_ID")


class KarangTarunaActivityFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = KarangTarunaActivity

    title = factory.Sequence(lambda n: f"Turnamen voli {n}")
    date = factory.LazyFunction(timezone.localdate)


# --- UMKM and wisata ----------------------------------------------------------------------------

from decimal import Decimal  # noqa: E402

from umkm.models import Business, BusinessCategory, Product, Status, TourismSpot  # noqa: E402


class BusinessFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Business

    name = factory.Sequence(lambda n: f"Warung Soto {n}")
    slug = factory.Sequence(lambda n: f"warung-soto-{n}")
    category = factory.LazyFunction(lambda: BusinessCategory.objects.get(slug="kuliner"))
    owner_name = factory.Faker("name", locale="id_ID")
    description = "Soto ayam kampung dengan nasi hangat."
    whatsapp = "6281234567890"
    address = "Jl. Pajang No. 3"
    latitude = Decimal("-7.566000")
    longitude = Decimal("110.791000")
    status = Status.PUBLISHED


class TourismSpotFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = TourismSpot

    name = factory.Sequence(lambda n: f"Taman Kota {n}")
    slug = factory.Sequence(lambda n: f"taman-kota-{n}")
    category = TourismSpot.Category.NATURE
    description = "Taman hijau di tepi sungai."
    latitude = Decimal("-7.567000")
    longitude = Decimal("110.792000")
    status = Status.PUBLISHED


class ProductFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Product

    place = factory.SubFactory(BusinessFactory, kelurahan=factory.SelfAttribute("..kelurahan"))
    name = factory.Sequence(lambda n: f"Soto {n}")
    price_min = 10000
    price_max = 15000

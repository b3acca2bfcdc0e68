"""factory_boy factories for kelurahan content (the kelurahan itself comes from provisioning)."""

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

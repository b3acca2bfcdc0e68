"""UMKM businesses and tourism spots (wisata) of a kelurahan, with their photos and products.

Both are "places": a name, a slug unique in the kelurahan, a status, contact details and an
optional point inside Indonesia (checked by the database). Every row carries its kelurahan and is
read through `for_kelurahan` / `for_user`; photos and products carry it too, like RT under RW.
"""

from __future__ import annotations

from urllib.parse import quote, urlencode

from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import OuterRef, Q, Subquery
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kelurahan.models import (
    LATITUDE_RANGE,
    LONGITUDE_RANGE,
    Kelurahan,
    KelurahanOwned,
    phone_validator,
)
from kelurahan.pagecache import PageCacheQuerySet
from kelurahan.tenancy import TenantQuerySet
from umkm.whatsapp import WhatsAppField

nib_validator = RegexValidator(
    r"^\d{13}$", _("The NIB (Nomor Induk Berusaha) has 13 digits, without spaces.")
)


class Status(models.TextChoices):
    """Only PUBLISHED is ever shown to the public; PENDING is a resident's proposal."""

    DRAFT = "draft", _("Draft")
    PENDING = "pending", _("Proposed, waiting for review")
    PUBLISHED = "published", _("Published")
    HIDDEN = "hidden", _("Hidden")


class BusinessCategory(models.Model):
    """The city-wide list of UMKM categories (kuliner, kerajinan, …), edited by Diskominfo.

    One list for the whole city, not one per kelurahan, so that /umkm/ can filter every
    kelurahan's businesses by the same categories.
    """

    public_city_content = True  # category names show on every list page

    name = models.CharField(_("name"), max_length=60, unique=True)
    slug = models.SlugField(_("slug"), max_length=60, unique=True)
    rank = models.PositiveSmallIntegerField(_("order"), default=0)

    objects = PageCacheQuerySet.as_manager()

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = _("UMKM category")
        verbose_name_plural = _("UMKM categories")

    def __str__(self):
        return self.name


class PlaceQuerySet(TenantQuerySet):
    def published(self) -> PlaceQuerySet:
        return self.filter(status=Status.PUBLISHED)

    def on_active_sites(self, city) -> PlaceQuerySet:
        """The places of a city's active sites (the city-wide lists and maps), scoped to the city
        as `for_city` is. Their kelurahan id is matched against the city's active sites (a
        subquery of a few dozen ids) rather than filtered through the joined kelurahan and
        kecamatan, so the database can read the list off the (status, name, id, kelurahan)
        index in its order and stop at the page's end instead of sorting the whole city's
        places for each page."""
        sites = Kelurahan.objects.active().filter(kecamatan__city=city).values("pk")
        return self._in_scope(f"city {city.pk}").filter(kelurahan__in=sites)

    def with_cover(self) -> PlaceQuerySet:
        """Annotate `cover_thumb` and `cover_alt` from the cover photo (else the first photo).

        Two correlated subqueries in the same SELECT: the cards never cost a query per row.
        """
        photos = (
            self.model.photos.rel.related_model.objects.filter(
                kelurahan_id=OuterRef("kelurahan_id"), place_id=OuterRef("pk")
            )
            .exclude(thumbnail="")
            .order_by("-is_cover", "rank", "id")
        )
        return self.annotate(
            cover_thumb=Subquery(photos.values("thumbnail")[:1]),
            cover_alt=Subquery(photos.values("alt_text")[:1]),
        )


def _in_indonesia() -> Q:
    """Both coordinates or neither, and inside Indonesia (see Kelurahan's office constraint)."""
    return Q(latitude__isnull=True, longitude__isnull=True) | Q(
        latitude__isnull=False,
        longitude__isnull=False,
        latitude__gte=LATITUDE_RANGE[0],
        latitude__lte=LATITUDE_RANGE[1],
        longitude__gte=LONGITUDE_RANGE[0],
        longitude__lte=LONGITUDE_RANGE[1],
    )


class Place(KelurahanOwned):
    """What UMKM businesses and tourism spots share: identity, contact, location, status."""

    # Also listed on the city-wide /umkm/ and /wisata/ pages (kelurahan/pagecache.py).
    public_city_content = True

    name = models.CharField(_("name"), max_length=150)
    slug = models.SlugField(_("slug"), max_length=160)
    description = models.TextField(
        _("description"), blank=True, help_text=_("Plain text; a blank line starts a paragraph.")
    )
    opening_hours = models.TextField(
        _("opening hours"),
        blank=True,
        help_text=_("One line per day range, e.g. Senin–Jumat 08.00–16.00."),
    )
    whatsapp = WhatsAppField(_("WhatsApp"), blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    address = models.CharField(_("address"), max_length=255, blank=True)
    latitude = models.DecimalField(
        _("latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(LATITUDE_RANGE[0]), MaxValueValidator(LATITUDE_RANGE[1])],
        help_text=_("Between -11.5 (south) and 6.5 (north); Surakarta is about -7.57."),
    )  # fmt: skip
    longitude = models.DecimalField(
        _("longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(LONGITUDE_RANGE[0]), MaxValueValidator(LONGITUDE_RANGE[1])],
        help_text=_("Between 94.5 (west) and 141.5 (east); Surakarta is about 110.82."),
    )  # fmt: skip
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = PlaceQuerySet.as_manager()

    # The URL name of the public page, set by each concrete model.
    detail_url_name = ""

    class Meta:
        abstract = True
        ordering = ["name", "id"]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse(
            self.detail_url_name, kwargs={"slug": self.kelurahan.slug, "item": self.slug}
        )

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None

    @property
    def whatsapp_url(self) -> str:
        """wa.me with a greeting already typed, so a resident only has to press send."""
        if not self.whatsapp:
            return ""
        greeting = gettext("Hello %(name)s, I found you on the %(site)s website.") % {
            "name": self.name,
            "site": str(self.kelurahan),
        }
        return f"https://wa.me/{self.whatsapp}?{urlencode({'text': greeting})}"

    @property
    def geo_uri(self) -> str:
        """geo: URI (RFC 5870) with a label; Android opens it in the phone's map app."""
        point = f"{self.latitude},{self.longitude}"
        return f"geo:{point}?q={point}({quote(self.name)})"

    @property
    def directions_url(self) -> str:
        """OpenStreetMap directions to the place; the visitor fills in where they start."""
        return (
            "https://www.openstreetmap.org/directions?"
            + urlencode({"route": f";{self.latitude},{self.longitude}"})
            + f"#map=17/{self.latitude}/{self.longitude}"
        )

    @property
    def google_directions_url(self) -> str:
        """Google Maps directions to the place (its documented Maps URLs, no key): most phones
        here open it in the Google Maps app, from where the visitor is."""
        return "https://www.google.com/maps/dir/?" + urlencode(
            {"api": "1", "destination": f"{self.latitude},{self.longitude}"}
        )

    @property
    def osm_url(self) -> str:
        return (
            f"https://www.openstreetmap.org/?mlat={self.latitude}&mlon={self.longitude}"
            f"#map=17/{self.latitude}/{self.longitude}"
        )


def _place_constraints(model: str, slug_taken) -> list:
    return [
        models.UniqueConstraint(
            fields=["kelurahan", "slug"],
            name=f"{model}_slug_unique_per_kelurahan",
            violation_error_message=slug_taken,
        ),
        models.CheckConstraint(
            condition=_in_indonesia(),
            name=f"{model}_location_in_indonesia",
            violation_error_message=_(
                "Fill in both latitude and longitude, inside Indonesia (about 6°N–11°S, "
                "95°E–141°E), or leave both empty."
            ),
        ),
    ]


def _list_indexes(model: str) -> list[models.Index]:
    """The list pages' indexes, in the lists' order (Place.Meta.ordering: name, id), so a page
    is read off an index in order and the database never sorts every row for one page.

    One kelurahan's list walks (kelurahan, status, name, id). The city-wide list walks
    (status, name, id) and checks each row's kelurahan against the city's active sites; the
    kelurahan and category follow in the same index, so the page's ids and the list's count
    are read from the index alone (umkm/selectors.py).
    """
    return [
        models.Index(fields=["kelurahan", "status", "name", "id"], name=f"{model}_list"),
        models.Index(
            fields=["status", "name", "id", "kelurahan", "category"], name=f"{model}_city_list"
        ),
    ]


class Business(Place):
    """A UMKM (micro, small or medium business) listed on its kelurahan's site."""

    category = models.ForeignKey(
        BusinessCategory,
        on_delete=models.PROTECT,
        related_name="businesses",
        verbose_name=_("category"),
    )
    owner_name = models.CharField(_("owner's name"), max_length=120, blank=True)
    rt = models.PositiveSmallIntegerField(
        _("RT"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    rw = models.PositiveSmallIntegerField(
        _("RW"), null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(999)]
    )
    nib = models.CharField(
        _("NIB"), max_length=13, blank=True, validators=[nib_validator],
        help_text=_("Nomor Induk Berusaha from OSS, if the business has one (13 digits)."),
    )  # fmt: skip
    # Who proposed the listing through the public form; shown to staff only.
    proposer_name = models.CharField(_("proposed by"), max_length=120, blank=True)
    proposer_contact = models.CharField(_("proposer's phone or email"), max_length=120, blank=True)

    detail_url_name = "umkm:business"

    class Meta(Place.Meta):
        verbose_name = _("UMKM business")
        verbose_name_plural = _("UMKM businesses")
        constraints = _place_constraints(
            "business",
            _("Another business of this kelurahan already uses this slug; change the slug."),
        )
        indexes = [
            *_list_indexes("business"),
            models.Index(fields=["kelurahan", "category", "status"]),
        ]


class TourismSpot(Place):
    """A place worth visiting (wisata) in the kelurahan."""

    class Category(models.TextChoices):
        CULTURE = "budaya", _("Culture")
        RELIGION = "religi", _("Religious")
        NATURE = "alam", _("Nature")
        CULINARY = "kuliner", _("Culinary")
        HISTORY = "sejarah", _("History")
        MAN_MADE = "buatan", _("Man-made attraction")
        EDUCATION = "edukasi", _("Education")

    category = models.CharField(_("category"), max_length=10, choices=Category.choices)
    description_en = models.TextField(
        _("description in English"), blank=True, help_text=_("Optional, for foreign visitors.")
    )
    ticket_price = models.CharField(
        _("ticket price"),
        max_length=150,
        blank=True,
        help_text=_("e.g. Gratis, or Rp10.000 dewasa, Rp5.000 anak."),
    )
    facilities = models.TextField(_("facilities"), blank=True, help_text=_("One per line."))
    accessibility = models.TextField(
        _("accessibility"),
        blank=True,
        help_text=_("Wheelchair access, steps, toilets, parking for people with disabilities."),
    )

    detail_url_name = "umkm:spot"

    class Meta(Place.Meta):
        verbose_name = _("tourism spot")
        verbose_name_plural = _("tourism spots")
        constraints = _place_constraints(
            "tourismspot",
            _("Another tourism spot of this kelurahan already uses this slug; change the slug."),
        )
        indexes = [
            *_list_indexes("tourismspot"),
            models.Index(fields=["kelurahan", "category", "status"]),
        ]


class Product(KelurahanOwned):
    """One product or service of a business, with its price range in rupiah."""

    # Also listed on the city-wide /umkm/ and /wisata/ pages (kelurahan/pagecache.py).
    public_city_content = True

    place = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="products", verbose_name=_("business")
    )
    name = models.CharField(_("product"), max_length=150)
    price_min = models.PositiveIntegerField(_("lowest price (Rp)"), null=True, blank=True)
    price_max = models.PositiveIntegerField(_("highest price (Rp)"), null=True, blank=True)
    rank = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["rank", "id"]
        verbose_name = _("product")
        verbose_name_plural = _("products and prices")
        constraints = [
            models.CheckConstraint(
                condition=Q(price_min__isnull=True)
                | Q(price_max__isnull=True)
                | Q(price_max__gte=models.F("price_min")),
                name="product_price_range_ordered",
                violation_error_message=_("The highest price cannot be below the lowest price."),
            )
        ]
        indexes = [models.Index(fields=["kelurahan", "place", "rank"])]

    def __str__(self):
        return self.name


def photo_path(instance, filename: str) -> str:
    return f"umkm/{timezone.now():%Y}/{filename}"


def thumbnail_path(instance, filename: str) -> str:
    return f"umkm/thumbs/{timezone.now():%Y}/{filename}"


class Photo(KelurahanOwned):
    """A photo, stored only as our re-encoded JPEG, with a WebP card thumbnail made at upload."""

    # Also listed on the city-wide /umkm/ and /wisata/ pages (kelurahan/pagecache.py).
    public_city_content = True

    image = models.ImageField(
        _("photo"), upload_to=photo_path, width_field="width", height_field="height"
    )
    width = models.PositiveIntegerField(editable=False, null=True)
    height = models.PositiveIntegerField(editable=False, null=True)
    thumbnail = models.ImageField(upload_to=thumbnail_path, editable=False, blank=True)
    alt_text = models.CharField(
        _("description for blind readers (alt text)"),
        max_length=200,
        blank=True,
        help_text=_("What the photo shows. Empty: the name of the place is used."),
    )
    is_cover = models.BooleanField(_("cover photo"), default=False)
    rank = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        abstract = True
        ordering = ["-is_cover", "rank", "id"]
        # `place` is each subclass's own foreign key; names follow the subclass.
        constraints = [
            models.UniqueConstraint(
                fields=["place"],
                condition=Q(is_cover=True),
                name="%(class)s_one_cover",
                violation_error_message=_("Only one photo can be the cover."),
            )
        ]
        indexes = [models.Index(fields=["kelurahan", "place", "-is_cover", "rank"])]

    def __str__(self):
        return self.alt_text or str(self.place)

    @property
    def alt(self) -> str:
        return self.alt_text or self.place.name


class BusinessPhoto(Photo):
    place = models.ForeignKey(
        Business, on_delete=models.CASCADE, related_name="photos", verbose_name=_("business")
    )

    class Meta(Photo.Meta):
        verbose_name = _("business photo")
        verbose_name_plural = _("photos")


class TourismSpotPhoto(Photo):
    place = models.ForeignKey(
        TourismSpot, on_delete=models.CASCADE, related_name="photos", verbose_name=_("tourism spot")
    )

    class Meta(Photo.Meta):
        verbose_name = _("tourism spot photo")
        verbose_name_plural = _("photos")

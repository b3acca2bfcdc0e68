"""Regions (city, kecamatan, kelurahan) and each kelurahan's public site content.

Every row a kelurahan owns carries a non-null `kelurahan` foreign key and is read through
`TenantQuerySet.for_kelurahan` / `for_user` (outside a scope a query raises: kelurahan/tenancy.py);
composite indexes start with `kelurahan`.
"""

import uuid

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator, RegexValidator
from django.db import models
from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models.functions import Lower
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from kelurahan import defaults
from kelurahan.hosts import host_pattern_validate, hostname_validate
from kelurahan.pagecache import PageCacheQuerySet
from kelurahan.tenancy import (
    TenantQuerySet,
    is_city_staff,
    unscoped,
    user_city_filter,
    user_kelurahan_id,
)

# Indonesia's bounding box, generous at the edges (Miangas, Rote, Sabang, Merauke).
LATITUDE_RANGE = (-11.5, 6.5)
LONGITUDE_RANGE = (94.5, 141.5)

nip_validator = RegexValidator(
    r"^\d{18}$", _("NIP must be 18 digits, without spaces (e.g. 198001012005011001).")
)
phone_validator = RegexValidator(
    r"^\+?[0-9][0-9 \-]{6,18}$",
    _("Enter a phone number with digits only, e.g. 0271 123456 or 081234567890."),
)


class CityQuerySet(PageCacheQuerySet):
    def for_user(self, user):
        """The cities a staff user manages: a superuser's every one, Diskominfo's their own."""
        if not is_city_staff(user):
            return self.none()
        return self.all() if user.is_superuser else self.filter(pk__in=user_city_filter(user))


class City(models.Model):
    """A kabupaten or kota, by its Kemendagri code (e.g. 33.72 Kota Surakarta)."""

    code = models.CharField(_("region code"), max_length=5, unique=True)
    name = models.CharField(_("name"), max_length=100)
    province_name = models.CharField(_("province"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=120, unique=True)
    is_kota = models.BooleanField(_("is a kota"), default=False)
    logo = models.ImageField(
        _("logo"),
        upload_to="logos/",
        blank=True,
        help_text=_("The regency's or city's emblem, printed in the letterhead of every letter."),
    )
    host = models.CharField(
        _("host name"),
        max_length=253,
        blank=True,
        validators=[hostname_validate],
        help_text=_(
            "The city's own address, e.g. portal.surakarta.go.id; its page opens there. "
            "Empty: the portal's address."
        ),
    )
    kelurahan_host_pattern = models.CharField(
        _("kelurahan host pattern"),
        max_length=253,
        blank=True,
        validators=[host_pattern_validate],
        help_text=_(
            "Each kelurahan's address, {slug} standing for its slug, e.g. {slug}.surakarta.go.id. "
            "Empty: kelurahan sites stay under /k/{slug}/ unless they have a host of their own."
        ),
    )

    objects = CityQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("regency/city")
        verbose_name_plural = _("regencies/cities")
        constraints = [
            models.UniqueConstraint(
                fields=["host"], condition=~Q(host=""), name="city_host_unique"
            ),
        ]

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("portal:city", kwargs={"slug": self.slug})


class KecamatanQuerySet(PageCacheQuerySet):
    def for_user(self, user):
        """The kecamatan of the cities a staff user manages (see CityQuerySet.for_user)."""
        if not is_city_staff(user):
            return self.none()
        return self.all() if user.is_superuser else self.filter(city_id__in=user_city_filter(user))


class Kecamatan(models.Model):
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="kecamatan_set", verbose_name=_("city")
    )
    code = models.CharField(_("region code"), max_length=8, unique=True)
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=160, unique=True)

    objects = KecamatanQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("kecamatan")
        verbose_name_plural = _("kecamatan")

    def __str__(self):
        return self.name

    def get_absolute_url(self):
        return reverse("portal:kecamatan", kwargs={"slug": self.slug})


class KelurahanQuerySet(PageCacheQuerySet):
    def for_user(self, user):
        """A superuser's every kelurahan, Diskominfo's those of their cities, kelurahan staff's
        their own one; nothing for anyone else."""
        if is_city_staff(user):
            if user.is_superuser:
                return self.all()
            return self.filter(kecamatan__city_id__in=user_city_filter(user))
        kelurahan_id = user_kelurahan_id(user)
        return self.filter(pk=kelurahan_id) if kelurahan_id else self.none()

    def with_regions(self):
        return self.select_related("kecamatan__city")

    def active(self):
        """Sites Diskominfo activated: the only ones city lists, search and sitemaps show."""
        return self.filter(is_active=True)

    def with_names(self):
        """Rows that know whether their name repeats within their city (`name_kecamatan`: the
        kecamatan's name when another kelurahan/desa of the city has the same name, else "").

        Kelurahan.display_name reads it: lists, search results and staff selects say
        "Desa Grogol (Kec. Weru)" only where "Desa Grogol" alone would be ambiguous. An
        annotation, not a query per row: no page takes a query more for it.
        """
        namesakes = self.model.objects.filter(
            kecamatan__city_id=OuterRef("kecamatan__city_id"), name=OuterRef("name")
        ).exclude(pk=OuterRef("pk"))
        return self.annotate(
            name_kecamatan=Case(
                When(Exists(namesakes), then=F("kecamatan__name")),
                default=Value(""),
                output_field=models.CharField(),
            )
        )


class Kelurahan(models.Model):
    """A kelurahan or desa: the tenant. Its profile fields are its site's profile page."""

    class Kind(models.TextChoices):
        KELURAHAN = "kelurahan", _("Kelurahan")
        DESA = "desa", _("Desa")

    kecamatan = models.ForeignKey(
        Kecamatan,
        on_delete=models.PROTECT,
        related_name="kelurahan_set",
        verbose_name=_("kecamatan"),
    )
    code = models.CharField(_("region code"), max_length=13, unique=True)
    name = models.CharField(_("name"), max_length=100)
    slug = models.SlugField(_("slug"), max_length=200, unique=True)
    kind = models.CharField(_("kind"), max_length=10, choices=Kind.choices)
    postal_code = models.CharField(_("postal code"), max_length=5, blank=True)

    welcome_text = models.TextField(_("welcome text"), blank=True)
    history = models.TextField(_("history"), blank=True)
    vision = models.TextField(_("vision"), blank=True)
    mission = models.TextField(_("mission"), blank=True, help_text=_("One mission per line."))
    area_km2 = models.DecimalField(
        _("area (km²)"), max_digits=9, decimal_places=2, null=True, blank=True
    )
    population_male = models.PositiveIntegerField(_("male residents"), null=True, blank=True)
    population_female = models.PositiveIntegerField(_("female residents"), null=True, blank=True)
    households = models.PositiveIntegerField(_("households (KK)"), null=True, blank=True)
    address = models.CharField(_("office address"), max_length=255, blank=True)
    office_hours = models.TextField(
        _("office hours"), blank=True, help_text=_("One line per day range.")
    )
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    whatsapp = models.CharField(
        _("WhatsApp"), max_length=20, blank=True, validators=[phone_validator]
    )
    email = models.EmailField(_("email"), blank=True)
    website = models.URLField(_("website"), blank=True)
    facebook = models.URLField(_("Facebook"), blank=True)
    instagram = models.URLField(_("Instagram"), blank=True)
    youtube = models.URLField(_("YouTube"), blank=True)
    host = models.CharField(
        _("host name"),
        max_length=253,
        blank=True,
        validators=[hostname_validate],
        help_text=_(
            "The site's own address, e.g. pajang.surakarta.go.id, set by Diskominfo. Empty: the "
            "city's kelurahan host pattern, else the portal's /k/{slug}/."
        ),
    )
    latitude = models.DecimalField(
        _("office latitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(LATITUDE_RANGE[0]), MaxValueValidator(LATITUDE_RANGE[1])],
    )  # fmt: skip
    longitude = models.DecimalField(
        _("office longitude"), max_digits=9, decimal_places=6, null=True, blank=True,
        validators=[MinValueValidator(LONGITUDE_RANGE[0]), MaxValueValidator(LONGITUDE_RANGE[1])],
    )  # fmt: skip
    # When staff last confirmed the service catalog matches what the office does (the site's
    # completeness checklist asks for it; provisioning copies defaults nobody has read yet).
    services_reviewed_at = models.DateTimeField(
        _("service catalog reviewed"), null=True, blank=True, editable=False
    )
    # A provisioned site starts "belum aktif": its pages say it is being prepared, it is left
    # out of city lists, search and sitemaps, and takes no online requests, until Diskominfo
    # activates it (kelurahan/lifecycle.py).
    is_active = models.BooleanField(_("site active"), default=False, editable=False)
    activated_at = models.DateTimeField(_("site activated"), null=True, blank=True, editable=False)
    created_at = models.DateTimeField(_("created"), default=timezone.now, editable=False)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    objects = KelurahanQuerySet.as_manager()

    class Meta:
        ordering = ["code"]
        verbose_name = _("kelurahan")
        verbose_name_plural = _("kelurahan")
        constraints = [
            models.CheckConstraint(
                # Both or neither: without the isnull=False terms a lone coordinate makes the
                # range test NULL, which a CHECK constraint lets through.
                condition=Q(latitude__isnull=True, longitude__isnull=True)
                | Q(
                    latitude__isnull=False,
                    longitude__isnull=False,
                    latitude__gte=LATITUDE_RANGE[0],
                    latitude__lte=LATITUDE_RANGE[1],
                    longitude__gte=LONGITUDE_RANGE[0],
                    longitude__lte=LONGITUDE_RANGE[1],
                ),
                name="kelurahan_office_in_indonesia",
                violation_error_message=_(
                    "The office coordinates must both be filled in and lie inside Indonesia."
                ),
            ),
            models.CheckConstraint(
                condition=Q(area_km2__isnull=True) | Q(area_km2__gte=0),
                name="kelurahan_area_not_negative",
            ),
            models.UniqueConstraint(
                fields=["host"], condition=~Q(host=""), name="kelurahan_host_unique"
            ),
        ]
        indexes = [
            models.Index(fields=["kecamatan", "name"]),
            # Diskominfo's dashboard lists kelurahan by name (portal/dashboard.py): all of
            # Indonesia's 83,762 ids in that order are read from this index alone (16 ms), not
            # sorted each time (450 ms). `name` is in it because PostgreSQL reads an index only
            # (no table) for an expression only when the expression's columns are there too.
            models.Index(Lower("name"), "id", "name", name="kelurahan_name_order"),
            # The search finds a kelurahan by its postal code (portal/search.py).
            models.Index(fields=["postal_code"], name="kelurahan_postal_code"),
        ]

    def __str__(self):
        return self.display_name

    def get_absolute_url(self):
        return reverse("kelurahan:home", kwargs={"slug": self.slug})

    @property
    def display_name(self) -> str:
        """The one public and staff-facing name: "Kelurahan Pajang", "Desa Grogol", and
        "Desa Grogol (Kec. Weru)" when the city has another Grogol (rows read through
        `with_names()`; others show the plain name)."""
        name = f"{self.get_kind_display()} {self.name}"
        kecamatan = getattr(self, "name_kecamatan", "")
        if kecamatan:
            return gettext("{name} (Kec. {kecamatan})").format(name=name, kecamatan=kecamatan)
        return name

    @property
    def head_title(self) -> str:
        return defaults.HEAD_TITLE[self.kind]

    @property
    def secretary_title(self) -> str:
        return defaults.SECRETARY_TITLE[self.kind]

    @property
    def population_total(self) -> int | None:
        if self.population_male is None and self.population_female is None:
            return None
        return (self.population_male or 0) + (self.population_female or 0)

    @property
    def whatsapp_international(self) -> str:
        """The WhatsApp number as wa.me wants it: digits only, 08… becomes 628…."""
        digits = "".join(ch for ch in self.whatsapp if ch.isdigit())
        return f"62{digits[1:]}" if digits.startswith("0") else digits

    @property
    def has_location(self) -> bool:
        return self.latitude is not None and self.longitude is not None


class TenantRow(models.Model):
    """Base of every model one kelurahan owns: its manager fails closed (kelurahan/tenancy.py).

    A form's uniqueness and constraint checks query the whole table on purpose (a tracking code
    is unique across the deployment; a per-kelurahan constraint names the kelurahan itself), so
    they run unscoped.
    """

    objects = TenantQuerySet.as_manager()

    class Meta:
        abstract = True

    def validate_unique(self, exclude=None):
        with unscoped("uniqueness check of one row"):
            super().validate_unique(exclude)

    def validate_constraints(self, exclude=None):
        with unscoped("constraint check of one row"):
            super().validate_constraints(exclude)


class StaffMembership(TenantRow):
    """Ties a staff account to the one kelurahan it works for; the role is a Django group."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="kelurahan_membership",
        verbose_name=_("user"),
    )
    kelurahan = models.ForeignKey(
        Kelurahan, on_delete=models.PROTECT, related_name="memberships", verbose_name=_("kelurahan")
    )

    class Meta:
        verbose_name = _("kelurahan membership")
        verbose_name_plural = _("kelurahan memberships")
        indexes = [models.Index(fields=["kelurahan", "user"])]

    def __str__(self):
        return f"{self.user} — {self.kelurahan}"


class CityStaffMembership(models.Model):
    """Ties a Diskominfo account to a city it works for; several rows make a province-wide role.

    City-level staff see and manage only the kelurahan, sites and staff accounts of these cities
    (kelurahan/tenancy.py, user_city_ids); superusers need none.
    """

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="city_memberships",
        verbose_name=_("user"),
    )
    city = models.ForeignKey(
        City, on_delete=models.PROTECT, related_name="staff_memberships", verbose_name=_("city")
    )

    class Meta:
        verbose_name = _("city membership")
        verbose_name_plural = _("city memberships")
        constraints = [
            models.UniqueConstraint(fields=["user", "city"], name="city_staff_membership_unique")
        ]
        indexes = [models.Index(fields=["city", "user"])]

    def __str__(self):
        return f"{self.user} — {self.city}"


class StaffInvitation(models.Model):
    """An invitation to a staff account: who, which role, where, and a one-time link's hash.

    Only the SHA-256 of the link's token is kept: the token is made when the e-mail is sent
    (kelurahan/tasks.py) and lives only in that e-mail. The link works once, until expires_at.
    A new invitation to the same e-mail replaces the one waiting (kelurahan/services.py).
    """

    email = models.EmailField(_("email"))
    full_name = models.CharField(_("full name"), max_length=150)
    role = models.CharField(_("role"), max_length=40)
    kelurahan = models.ForeignKey(
        Kelurahan,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kelurahan"),
    )
    cities = models.ManyToManyField(
        City, blank=True, related_name="+", verbose_name=_("regencies/cities")
    )
    # An existing account the invitation (re)sets, e.g. a new password link; else one is made.
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("account"),
    )
    token_hash = models.CharField(max_length=64, unique=True, null=True, editable=False)
    expires_at = models.DateTimeField(_("expires at"), null=True, blank=True)
    invited_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("invited by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    accepted_at = models.DateTimeField(_("accepted at"), null=True, blank=True)

    class Meta:
        verbose_name = _("staff invitation")
        verbose_name_plural = _("staff invitations")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["email"])]

    def __str__(self):
        return f"{self.full_name} <{self.email}>"


class KelurahanOwned(TenantRow):
    """Base for content a kelurahan owns.

    `public_content`: a change shows on the kelurahan's public pages, so it empties their cache
    (kelurahan/pagecache.py). Rows only staff see (letters, logs) set it to False.
    """

    public_content = True

    kelurahan = models.ForeignKey(
        Kelurahan,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("kelurahan"),
    )

    class Meta:
        abstract = True


class Official(KelurahanOwned):
    """A position in the kelurahan's staff structure; names start empty after provisioning."""

    class Level(models.IntegerChoices):
        HEAD = 0, _("Head of the kelurahan/desa")
        SECRETARY = 1, _("Secretary")
        SECTION = 2, _("Section head")
        STAFF = 3, _("Staff")

    position = models.CharField(_("position"), max_length=120)
    name = models.CharField(_("name"), max_length=120, blank=True)
    nip = models.CharField(_("NIP"), max_length=18, blank=True, validators=[nip_validator])
    photo = models.ImageField(_("photo"), upload_to="officials/%Y/", blank=True)
    level = models.PositiveSmallIntegerField(_("level"), choices=Level.choices, default=Level.STAFF)
    rank = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["level", "rank", "id"]
        verbose_name = _("official")
        verbose_name_plural = _("officials")
        indexes = [models.Index(fields=["kelurahan", "level", "rank"])]

    def __str__(self):
        return f"{self.position}: {self.name}" if self.name else self.position


class HeadPhone:
    """An RT or RW head's phone: kept for the office, shown on the public site only from the
    day the head agreed to it (phone_public_since, which staff record)."""

    @property
    def public_phone(self) -> str:
        return self.phone if self.phone and self.phone_public_since else ""

    def clean(self):
        super().clean()
        agreed = self.phone_public_since
        if agreed and not self.phone:
            raise ValidationError(
                {
                    "phone_public_since": _(
                        "There is no number to show: fill in the phone number, or leave this "
                        "date empty."
                    )
                }
            )
        if agreed and agreed > timezone.localdate():
            raise ValidationError(
                {"phone_public_since": _("The day the head agreed cannot be in the future.")}
            )


def _phone_public_since():
    return models.DateField(
        _("phone shown publicly since"),
        null=True,
        blank=True,
        help_text=_(
            "The day the head agreed to have this number shown on the public site. Leave it "
            "empty to keep the number for the office only."
        ),
    )


class RW(HeadPhone, KelurahanOwned):
    number = models.PositiveSmallIntegerField(_("RW number"))
    head_name = models.CharField(_("head of RW"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    phone_public_since = _phone_public_since()

    class Meta:
        ordering = ["number"]
        verbose_name = _("RW")
        verbose_name_plural = _("RW")
        constraints = [
            models.UniqueConstraint(
                fields=["kelurahan", "number"],
                name="rw_number_unique_per_kelurahan",
                violation_error_message=_("This RW number already exists in this kelurahan."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="rw_number_positive"),
        ]

    def __str__(self):
        return _("RW %(number)03d") % {"number": self.number}


class RT(HeadPhone, KelurahanOwned):
    rw = models.ForeignKey(RW, on_delete=models.CASCADE, related_name="rts", verbose_name=_("RW"))
    number = models.PositiveSmallIntegerField(_("RT number"))
    head_name = models.CharField(_("head of RT"), max_length=120, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    phone_public_since = _phone_public_since()
    streets = models.TextField(
        _("streets and areas"),
        blank=True,
        max_length=2000,
        help_text=_(
            "The streets, gang and areas of this RT, one per line: residents find their RT by "
            "them on the RT/RW page and in the search."
        ),
    )

    class Meta:
        ordering = ["number"]
        verbose_name = _("RT")
        verbose_name_plural = _("RT")
        constraints = [
            # The RW implies the kelurahan (RTInlineForm reports a clash as a form error).
            models.UniqueConstraint(
                fields=["rw", "number"],
                name="rt_number_unique_per_rw",
                violation_error_message=_("This RT number already exists in this RW."),
            ),
            models.CheckConstraint(condition=Q(number__gte=1), name="rt_number_positive"),
        ]
        indexes = [models.Index(fields=["kelurahan", "rw", "number"])]

    def __str__(self):
        return _("RT %(number)03d") % {"number": self.number}

    @property
    def street_list(self) -> list[str]:
        return [line.strip() for line in self.streets.splitlines() if line.strip()]


class KarangTaruna(KelurahanOwned):
    """The kelurahan's youth organisation; one per kelurahan, created at provisioning."""

    kelurahan = models.OneToOneField(
        Kelurahan,
        on_delete=models.CASCADE,
        related_name="karang_taruna",
        verbose_name=_("kelurahan"),
    )
    name = models.CharField(_("name"), max_length=150)
    profile = models.TextField(_("profile"), blank=True)
    vision = models.TextField(_("vision"), blank=True)
    mission = models.TextField(_("mission"), blank=True, help_text=_("One mission per line."))
    address = models.CharField(_("secretariat address"), max_length=255, blank=True)
    phone = models.CharField(_("phone"), max_length=20, blank=True, validators=[phone_validator])
    email = models.EmailField(_("email"), blank=True)
    instagram = models.URLField(_("Instagram"), blank=True)

    class Meta:
        verbose_name = _("karang taruna")
        verbose_name_plural = _("karang taruna")

    def __str__(self):
        return self.name


class KarangTarunaOfficer(KelurahanOwned):
    position = models.CharField(_("position"), max_length=120)
    name = models.CharField(_("name"), max_length=120)
    rank = models.PositiveSmallIntegerField(_("order"), default=0)

    class Meta:
        ordering = ["rank", "id"]
        verbose_name = _("karang taruna officer")
        verbose_name_plural = _("karang taruna officers")
        indexes = [models.Index(fields=["kelurahan", "rank"])]

    def __str__(self):
        return f"{self.position}: {self.name}"


class KarangTarunaActivity(KelurahanOwned):
    title = models.CharField(_("title"), max_length=200)
    date = models.DateField(_("date"), null=True, blank=True)
    description = models.TextField(_("description"), blank=True)

    class Meta:
        ordering = ["-date", "-id"]
        verbose_name = _("karang taruna activity")
        verbose_name_plural = _("karang taruna activities")
        indexes = [models.Index(fields=["kelurahan", "-date"])]

    def __str__(self):
        return self.title


class ArticleQuerySet(TenantQuerySet):
    def published(self):
        return self.filter(status=Article.Status.PUBLISHED, published_at__lte=timezone.now())


def article_image_path(instance, filename: str) -> str:
    return f"articles/{timezone.now():%Y}/{filename}"


def article_thumbnail_path(instance, filename: str) -> str:
    return f"articles/thumbs/{timezone.now():%Y}/{filename}"


class Article(KelurahanOwned):
    """News, announcements and agenda items on a kelurahan site. Body is plain text.

    The optional image is stored like a UMKM photo: only our re-encoded JPEG (kelurahan/images.py),
    with a WebP card thumbnail made at upload for the lists. The slug is made from the title when
    the article is created and never changes afterwards, so shared links keep working.
    """

    class Kind(models.TextChoices):
        NEWS = "berita", _("News")
        ANNOUNCEMENT = "pengumuman", _("Announcement")
        AGENDA = "agenda", _("Agenda")

    class Status(models.TextChoices):
        DRAFT = "draft", _("Draft")
        PUBLISHED = "published", _("Published")

    kind = models.CharField(_("kind"), max_length=12, choices=Kind.choices, default=Kind.NEWS)
    title = models.CharField(_("title"), max_length=200)
    slug = models.SlugField(_("slug"), max_length=220)
    summary = models.CharField(_("summary"), max_length=300, blank=True)
    body = models.TextField(_("body"), help_text=_("Plain text; a blank line starts a paragraph."))
    status = models.CharField(
        _("status"), max_length=10, choices=Status.choices, default=Status.DRAFT
    )
    published_at = models.DateTimeField(_("publication time"), default=timezone.now)
    event_start = models.DateTimeField(_("event starts"), null=True, blank=True)
    location = models.CharField(_("location"), max_length=200, blank=True)
    image = models.ImageField(
        _("image"),
        upload_to=article_image_path,
        width_field="image_width",
        height_field="image_height",
        blank=True,
        help_text=_("Optional. A photo shown on the article page and, smaller, in the news list."),
    )
    image_width = models.PositiveIntegerField(editable=False, null=True)
    image_height = models.PositiveIntegerField(editable=False, null=True)
    thumbnail = models.ImageField(upload_to=article_thumbnail_path, editable=False, blank=True)
    image_alt = models.CharField(
        _("description of the image for blind readers (alt text)"),
        max_length=200,
        blank=True,
        help_text=_("What the image shows. Empty: the article's title is used."),
    )

    objects = ArticleQuerySet.as_manager()

    class Meta:
        ordering = ["-published_at", "-id"]
        verbose_name = _("article")
        verbose_name_plural = _("articles")
        constraints = [
            models.UniqueConstraint(
                fields=["kelurahan", "slug"],
                name="article_slug_unique_per_kelurahan",
                violation_error_message=_(
                    "Another article of this kelurahan already uses this slug; change the slug."
                ),
            ),
        ]
        # In the list's order (Meta.ordering), so a page of news is read off the index in
        # order with no sort of the kelurahan's articles.
        indexes = [
            models.Index(
                fields=["kelurahan", "status", "-published_at", "-id"], name="article_list"
            )
        ]

    def __str__(self):
        return self.title

    def get_absolute_url(self):
        return reverse(
            "kelurahan:article", kwargs={"slug": self.kelurahan.slug, "article": self.slug}
        )

    @property
    def image_alt_text(self) -> str:
        return self.image_alt or self.title


class ServiceContent(models.Model):
    """What residents read about a service: the fields a city's catalog entry and a kelurahan's
    own version share (kelurahan/catalog.py)."""

    slug = models.SlugField(_("slug"), max_length=80)
    name = models.CharField(_("name"), max_length=150)
    description = models.TextField(_("description"), blank=True)
    requirements = models.TextField(_("requirements"), help_text=_("One requirement per line."))
    procedure = models.TextField(_("procedure"), blank=True, help_text=_("One step per line."))
    service_days = models.PositiveSmallIntegerField(
        _("service time (working days)"),
        default=1,
        validators=[MinValueValidator(0), MaxValueValidator(60)],
    )
    cost = models.CharField(_("cost"), max_length=100, default="Gratis")
    legal_basis = models.TextField(_("legal basis"), blank=True)
    rank = models.PositiveSmallIntegerField(_("order"), default=0)
    is_active = models.BooleanField(_("shown on the site"), default=True)

    # The fields a kelurahan's version copies from the city's entry, and compares with it.
    CONTENT_FIELDS = (
        "name",
        "description",
        "requirements",
        "procedure",
        "service_days",
        "cost",
        "legal_basis",
        "rank",
        "is_active",
    )

    class Meta:
        abstract = True

    def __str__(self):
        return self.name


class CityService(ServiceContent):
    """One service of a city's catalog, which every kelurahan of the city shows until it keeps
    a version of its own (a Service with `city_service` set). Diskominfo edits it once for the
    city; a change shows on every kelurahan page that follows it (public_city_content).

    Not a tenant row: it belongs to the city, not to any kelurahan.
    """

    public_city_content = True

    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="services", verbose_name=_("regency/city")
    )
    updated_at = models.DateTimeField(_("changed at"), auto_now=True)

    objects = PageCacheQuerySet.as_manager()

    class Meta:
        ordering = ["city", "rank", "name"]
        verbose_name = _("city service")
        verbose_name_plural = _("city service catalog")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "slug"],
                name="city_service_slug_unique_per_city",
                violation_error_message=_(
                    "Another service of this city's catalog already uses this slug; change the "
                    "slug."
                ),
            ),
            models.CheckConstraint(
                condition=Q(service_days__lte=60), name="city_service_days_at_most_60"
            ),
        ]


class Service(KelurahanOwned, ServiceContent):
    """A kelurahan's own row in its service catalog: its version of a city service
    (`city_service` set: shown instead of the city's until the kelurahan returns to it), or a
    service only this kelurahan offers (`city_service` empty). The catalog a resident sees is the
    city's entries plus these (kelurahan/catalog.py)."""

    city_service = models.ForeignKey(
        CityService,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="overrides",
        verbose_name=_("city service it replaces"),
    )

    class Meta:
        ordering = ["rank", "name"]
        verbose_name = _("service")
        verbose_name_plural = _("service catalog")
        constraints = [
            models.UniqueConstraint(
                fields=["kelurahan", "slug"],
                name="service_slug_unique_per_kelurahan",
                violation_error_message=_(
                    "Another service of this kelurahan already uses this slug; change the slug."
                ),
            ),
            models.UniqueConstraint(
                fields=["kelurahan", "city_service"],
                name="service_one_version_per_city_service",
                violation_error_message=_(
                    "This kelurahan already has its own version of this city service."
                ),
            ),
            models.CheckConstraint(
                condition=Q(service_days__lte=60), name="service_days_at_most_60"
            ),
        ]
        indexes = [models.Index(fields=["kelurahan", "is_active", "rank"])]


class TaskRun(models.Model):
    """One piece of background work, by its idempotency key (kelurahan/background.py).

    Delivery is at least once: a job may run again after its worker died. The task looks its row
    up by `key` first and does nothing when it is `done`, so a repeat sends no second e-mail. Long
    tasks write `progress` of `total` as they go; the admin shows it as a progress bar to the
    staff member who started the work, and the result when it is done.
    """

    class State(models.TextChoices):
        QUEUED = "queued", _("waiting")
        RUNNING = "running", _("running")
        DONE = "done", _("done")
        FAILED = "failed", _("failed")

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    key = models.CharField(_("idempotency key"), max_length=200, unique=True)
    task_name = models.CharField(_("task"), max_length=200)
    title = models.CharField(_("title"), max_length=200, blank=True)  # what staff read
    state = models.CharField(_("state"), max_length=10, choices=State, default=State.QUEUED)
    progress = models.PositiveIntegerField(_("progress"), default=0)
    total = models.PositiveIntegerField(_("total"), default=0)
    message = models.TextField(_("message"), blank=True)
    result = models.JSONField(_("result"), default=dict, blank=True)
    attempts = models.PositiveSmallIntegerField(_("attempts"), default=0)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("started by"),
    )
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    started_at = models.DateTimeField(_("started at"), null=True, blank=True)
    finished_at = models.DateTimeField(_("finished at"), null=True, blank=True)

    class Meta:
        verbose_name = _("background task")
        verbose_name_plural = _("background tasks")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["created_by", "-created_at"])]

    def __str__(self):
        return self.title or self.task_name

    @property
    def finished(self) -> bool:
        return self.state in (self.State.DONE, self.State.FAILED)

    @property
    def percent(self) -> int:
        if self.state == self.State.DONE:
            return 100
        return min(100, self.progress * 100 // self.total) if self.total else 0


class CityDayOff(models.Model):
    """A day the city's offices are closed beyond the national holidays and cuti bersama (a
    regional holiday, a local decree), set by Diskominfo: promised service days skip it
    (kelurahan/workdays.py)."""

    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="days_off", verbose_name=_("city")
    )
    date = models.DateField(_("date"))
    name = models.CharField(_("reason"), max_length=120)

    class Meta:
        verbose_name = _("day off")
        verbose_name_plural = _("days off")
        ordering = ["date"]
        constraints = [models.UniqueConstraint(fields=["city", "date"], name="city_day_off_unique")]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.name}"

"""Letters: types, the resident register, issued letters with their timeline, number counters.

Every row belongs to one kelurahan and is read through `for_kelurahan` / `for_user`. Letters are
archival: the database refuses to delete them (PROTECT from events, no delete in the admin), and
a signed letter can only be voided.
"""

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import Q
from django.db.models.functions import Length
from django.db.models.lookups import Exact
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kelurahan.models import (
    City,
    CityService,
    Kecamatan,
    Kelurahan,
    KelurahanOwned,
    Official,
    Service,
    StaffMembership,
    TenantRow,
)
from layanan.storage import get_private_storage

DEFAULT_NUMBER_FORMAT = "{classification}/{seq:03d}/{kelurahan_code}/{month_roman}/{year}"
TRACKING_CODE_LENGTH = 10
MAX_DOCUMENT_BYTES = 5 * 1024 * 1024
DOCUMENT_TYPES = ("image/jpeg", "application/pdf")


class LetterSettings(TenantRow):
    """Per-kelurahan letter settings: the defaults until staff first save them in the admin,
    which creates the row (reads never write one; provisioning never touches them)."""

    # Whether online requests are open shows on the kelurahan's service list (see KelurahanOwned).
    public_content = True

    class Paper(models.TextChoices):
        A4 = "A4", _("A4 (210 × 297 mm)")
        F4 = "F4", _("F4 (215 × 330 mm)")

    kelurahan = models.OneToOneField(
        Kelurahan,
        on_delete=models.CASCADE,
        related_name="letter_settings",
        verbose_name=_("kelurahan"),
    )
    number_format = models.CharField(
        _("number format"),
        max_length=120,
        default=DEFAULT_NUMBER_FORMAT,
        help_text=_(
            "Fields: {classification}, {seq:03d}, {kelurahan_code}, {month}, {month_roman}, {year}."
        ),
    )
    paper = models.CharField(_("paper size"), max_length=2, choices=Paper.choices, default="A4")
    online_requests = models.BooleanField(_("accept online requests"), default=True)
    resident_pdf_download = models.BooleanField(
        _("residents may download their signed PDF"), default=True
    )

    class Meta:
        verbose_name = _("letter settings")
        verbose_name_plural = _("letter settings")

    def __str__(self):
        return str(self.kelurahan)


class LetterType(KelurahanOwned):
    """A kind of letter a kelurahan issues; its form and print template live in code (`kind`)."""

    kind = models.CharField(_("kind"), max_length=30)
    name = models.CharField(_("name"), max_length=150)
    classification = models.CharField(
        _("classification code"),
        max_length=30,
        help_text=_("Archive classification (Permendagri 83/2022), e.g. 400.12.3.1."),
    )
    # Its catalog entry: the kelurahan's own row (`service`: its version of a city service, or a
    # service of its own) when it has one, else the city's entry it follows (`city_service`).
    # Returning to the city's version deletes the kelurahan's row, so `service` falls back to
    # empty and the city's entry counts again (LETTER_SERVICE_DAYS, catalog_entry).
    service = models.ForeignKey(
        Service,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("catalog entry"),
    )
    city_service = models.ForeignKey(
        CityService,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("city catalog entry"),
    )
    online = models.BooleanField(_("can be requested online"), default=True)
    is_active = models.BooleanField(_("in use"), default=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("letter type")
        verbose_name_plural = _("letter types")
        constraints = [
            models.UniqueConstraint(
                fields=["kelurahan", "kind"], name="letter_type_kind_unique_per_kelurahan"
            )
        ]

    def __str__(self):
        return self.name

    @property
    def catalog_entry(self) -> Service | CityService | None:
        """The catalog entry whose promise (service_days) and requirements this type carries."""
        return self.service or self.city_service


class LetterText(models.Model):
    """One version of a standard letter text (layanan/letter_texts.py): the city's (kelurahan
    empty) or one kelurahan's own version of a kind's statement. Rows are never changed: a save
    adds the next version; `inherits` on a kelurahan's row means "back to the city's text".

    Not a tenant row: the city's texts belong to no kelurahan. Reads name the city and the
    kelurahan they are for (letter_texts.texts_for), and writes go through
    letter_texts.letter_text_save, which checks who may write what.
    """

    class Part(models.TextChoices):
        KOP = "kop", _("Letterhead lines")
        KOP_ADDRESS = "kop_address", _("Letterhead address line")
        OPENING = "opening", _("Opening statement")
        STATEMENT = "statement", _("Statement")
        CLOSING = "closing", _("Closing line")

    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="+", verbose_name=_("city")
    )
    kelurahan = models.ForeignKey(
        Kelurahan,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("kelurahan"),
    )
    kind = models.CharField(_("letter kind"), max_length=30, blank=True)  # "": the kop surat
    part = models.CharField(_("part"), max_length=20, choices=Part)
    version = models.PositiveIntegerField(_("version"))
    text = models.TextField(_("text"), blank=True)
    inherits = models.BooleanField(_("follows the city's text"), default=False)
    created_at = models.DateTimeField(_("saved at"), default=timezone.now, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("saved by"),
    )

    class Meta:
        ordering = ["city", "kelurahan", "kind", "part", "-version"]
        verbose_name = _("letter text")
        verbose_name_plural = _("letter texts")
        constraints = [
            models.UniqueConstraint(
                fields=["city", "kind", "part", "version"],
                condition=Q(kelurahan__isnull=True),
                name="letter_text_city_version_unique",
            ),
            models.UniqueConstraint(
                fields=["kelurahan", "kind", "part", "version"],
                condition=Q(kelurahan__isnull=False),
                name="letter_text_kelurahan_version_unique",
            ),
        ]

    def __str__(self):
        return f"{self.kind or 'kop'}/{self.part} v{self.version}"


class Resident(KelurahanOwned):
    """One row of the kelurahan's resident register; typing a NIK prefills a letter from it."""

    public_content = False  # staff-only: never empties the public page cache

    class Sex(models.TextChoices):
        MALE = "L", _("Male")
        FEMALE = "P", _("Female")

    nik = models.CharField(_("NIK"), max_length=16)
    kk_number = models.CharField(_("KK number"), max_length=16, blank=True)
    name = models.CharField(_("name"), max_length=150)
    birth_place = models.CharField(_("place of birth"), max_length=100, blank=True)
    birth_date = models.DateField(_("date of birth"), null=True, blank=True)
    sex = models.CharField(_("sex"), max_length=1, choices=Sex.choices, blank=True)
    religion = models.CharField(_("religion"), max_length=30, blank=True)
    marital_status = models.CharField(_("marital status"), max_length=30, blank=True)
    occupation = models.CharField(_("occupation"), max_length=100, blank=True)
    citizenship = models.CharField(_("citizenship"), max_length=10, default="WNI")
    address = models.CharField(_("address"), max_length=255, blank=True)
    rt = models.CharField(_("RT"), max_length=3, blank=True)
    rw = models.CharField(_("RW"), max_length=3, blank=True)
    # Set when a death letter for this NIK is signed (or by staff): a warning on new letters.
    deceased_on = models.DateField(_("date of death"), null=True, blank=True)

    class Meta:
        ordering = ["name"]
        verbose_name = _("resident")
        verbose_name_plural = _("resident register")
        constraints = [
            models.UniqueConstraint(
                fields=["kelurahan", "nik"],
                name="resident_nik_unique_per_kelurahan",
                violation_error_message=_("This NIK is already in the register."),
            )
        ]
        indexes = [
            models.Index(fields=["kelurahan", "name"]),
            # A full 16-digit search term matches NIK or KK exactly (the admin's search).
            models.Index(fields=["kelurahan", "kk_number"]),
        ]

    def __str__(self):
        return self.name


class NumberCounter(KelurahanOwned):
    """The last letter number used per kelurahan per year; locked while a letter is signed."""

    public_content = False  # staff-only: never empties the public page cache

    year = models.PositiveSmallIntegerField(_("year"))
    last = models.PositiveIntegerField(_("last number"), default=0)

    class Meta:
        verbose_name = _("number counter")
        verbose_name_plural = _("number counters")
        constraints = [
            models.UniqueConstraint(fields=["kelurahan", "year"], name="counter_unique_per_year")
        ]

    def __str__(self):
        return f"{self.kelurahan_id}/{self.year}: {self.last}"


class Letter(KelurahanOwned):
    """One letter from request to archive. Signed letters keep their number forever."""

    public_content = False  # staff-only: never empties the public page cache

    class State(models.TextChoices):
        SUBMITTED = "submitted", _("Submitted")
        # Staff asked the resident for something (a document, a correction): the reason says what.
        WAITING = "waiting", _("Waiting for the resident")
        VERIFIED = "verified", _("Verified")
        SIGNED = "signed", _("Signed")
        HANDED_OVER = "handed_over", _("Handed over")
        REJECTED = "rejected", _("Rejected")
        VOID = "void", _("Void")

    class Capacity(models.TextChoices):
        """How the signer signs (tata naskah dinas): as the head, a.n. the head (the secretary),
        or standing in for the head: Plt. while the post is vacant, Plh. while the head is away."""

        SELF = "", _("Signs as the head")
        ON_BEHALF = "a.n.", _("On behalf of the head (a.n.)")
        ACTING = "Plt.", _("Acting head (Plt.)")
        DAILY = "Plh.", _("Daily acting head while the head is away (Plh.)")

    # Archival: a kelurahan with letters can never be deleted, even from code.
    kelurahan = models.ForeignKey(
        Kelurahan, on_delete=models.PROTECT, related_name="+", verbose_name=_("kelurahan")
    )
    letter_type = models.ForeignKey(
        LetterType, on_delete=models.PROTECT, related_name="+", verbose_name=_("letter type")
    )
    state = models.CharField(
        _("status"), max_length=12, choices=State.choices, default=State.SUBMITTED
    )
    nik = models.CharField(_("NIK"), max_length=16)
    name = models.CharField(_("name"), max_length=150)
    data = models.JSONField(_("letter details"), default=dict, blank=True)
    created_at = models.DateTimeField(_("created"), auto_now_add=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("created by"),
    )

    year = models.PositiveSmallIntegerField(_("year"), null=True, blank=True)
    sequence = models.PositiveIntegerField(_("sequence"), null=True, blank=True)
    number = models.CharField(_("number"), max_length=120, blank=True)
    verification_token = models.CharField(
        _("verification token"), max_length=43, unique=True, null=True, blank=True
    )
    signed_at = models.DateTimeField(_("signed"), null=True, blank=True)
    signed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("signed by"),
    )
    signer_name = models.CharField(_("signer's name"), max_length=150, blank=True)
    signer_position = models.CharField(_("signer's position"), max_length=150, blank=True)
    signer_nip = models.CharField(_("signer's NIP"), max_length=18, blank=True)
    signer_capacity = models.CharField(
        _("signing capacity"), max_length=4, choices=Capacity.choices, blank=True
    )
    # The register row the signer signed under (its decree); the block above is its snapshot.
    signing_authority = models.ForeignKey(
        "SigningAuthority",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        editable=False,
        related_name="+",
        verbose_name=_("signing authority"),
    )
    pdf = models.FileField(
        _("PDF"), storage=get_private_storage, upload_to="letters/%Y/", blank=True
    )
    pdf_sha256 = models.CharField(_("SHA-256 of the PDF"), max_length=64, blank=True)
    reason = models.TextField(_("reason for rejection or voiding"), blank=True)
    voided_at = models.DateTimeField(_("voided"), null=True, blank=True)

    # Online requests: what the resident typed to reach them, and the code they follow it by.
    tracking_code = models.CharField(_("tracking code"), max_length=10, null=True, blank=True)
    phone = models.CharField(_("phone/WhatsApp"), max_length=20, blank=True)
    email = models.EmailField(_("email"), blank=True)
    # The hidden id of the form the request came from: sending it again finds this letter.
    request_key = models.UUIDField(_("request form id"), null=True, blank=True, editable=False)

    # A letter issued again after this one was voided points at it ("void and issue again").
    reissue_of = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="reissues",
        verbose_name=_("issued again for"),
    )
    # A register row for a letter made outside the portal: a number reserved for a letter typed
    # elsewhere, or an earlier row of the year's buku agenda imported at go-live. It has a number
    # and a holder but no PDF and no verification token.
    recorded_outside = models.BooleanField(_("made outside the portal"), default=False)
    # The versions of the standard texts (kop surat, statements) its PDF was made with.
    texts = models.ManyToManyField(
        "LetterText", related_name="+", blank=True, verbose_name=_("standard texts used")
    )

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("letter")
        verbose_name_plural = _("letters")
        permissions = [
            ("sign_letter", _("Can sign letters")),
            ("void_letter", _("Can void signed letters")),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["kelurahan", "year", "sequence"], name="letter_number_unique_per_year"
            ),
            models.CheckConstraint(
                condition=Q(state__in=["submitted", "waiting", "verified", "rejected"])
                | (Q(sequence__isnull=False, year__isnull=False) & ~Q(number="") & ~Q(pdf=""))
                # A number the register holds for a letter made outside the portal has no PDF.
                | Q(recorded_outside=True, sequence__isnull=False, year__isnull=False)
                & ~Q(number=""),
                name="signed_letter_has_number_and_pdf",
            ),
            models.UniqueConstraint(fields=["tracking_code"], name="letter_tracking_code_unique"),
            models.UniqueConstraint(fields=["request_key"], name="letter_request_key_unique"),
            models.CheckConstraint(
                condition=Q(tracking_code__isnull=True)
                | Q(Exact(Length("tracking_code"), TRACKING_CODE_LENGTH)),
                name="letter_tracking_code_length",
            ),
            models.CheckConstraint(
                condition=Q(request_key__isnull=True) | Q(tracking_code__isnull=False),
                name="online_request_has_tracking_code",
            ),
        ]
        indexes = [
            models.Index(fields=["kelurahan", "state", "-created_at"]),
            models.Index(fields=["kelurahan", "nik"]),
            # Checking a letter by its number and date (/verifikasi/) looks up that day.
            models.Index(fields=["signed_at"], name="letter_signed_at"),
            # Requests past their promised date across a city or all of Indonesia (Diskominfo's
            # dashboard): only the open ones, oldest first.
            models.Index(
                fields=["state", "created_at"],
                name="letter_open_by_age",
                condition=Q(state__in=["submitted", "verified"]),
            ),
        ]

    def __str__(self):
        return self.number or f"{self.letter_type} — {self.name}"

    def get_verification_url(self):
        return reverse("layanan:verify", kwargs={"token": self.verification_token})

    @property
    def resident_status(self) -> str:
        return RESIDENT_STATUS[self.state]

    @property
    def signature_head(self) -> str:
        """The office a signature is given for, as printed: "Lurah Pajang"."""
        return f"{self.kelurahan.head_title} {self.kelurahan.name}"

    @property
    def signature_title(self) -> str:
        """Who signed in which capacity, in a line: "Lurah Pajang", "Plt. Lurah Pajang",
        "Sekretaris Kelurahan, a.n. Lurah Pajang" (the name is the signer's own, apart)."""
        head = self.signature_head
        if self.signer_capacity == Letter.Capacity.ON_BEHALF:
            return f"{self.signer_position}, a.n. {head}"
        return f"{self.signer_capacity} {head}" if self.signer_capacity else head


class SigningAuthority(KelurahanOwned):
    """One line of the register of signing authority: which official signs the kelurahan's
    letters, in which capacity, on which decree (SK) and for which period, through which staff
    account. Signing takes the signature block from here, never from what is typed.

    Rules (tata naskah dinas, Permendagri 1/2023): the head signs directly; a.n. only the official
    one level below the head (the secretary); Plt./Plh. another official standing in for the
    head. The printed name is always the person who actually signs, and a kelurahan's signers
    (civil servants) print their NIP; desa officials are no civil servants and have none.
    """

    public_content = False  # staff-only: never empties the public page cache

    Capacity = Letter.Capacity

    official = models.ForeignKey(
        Official,
        on_delete=models.PROTECT,
        related_name="+",
        verbose_name=_("official"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="signing_authorities",
        verbose_name=_("staff account"),
        help_text=_("The account the official signs in with."),
    )
    capacity = models.CharField(
        _("signing capacity"), max_length=4, choices=Capacity.choices, blank=True
    )
    decree_number = models.CharField(
        _("decree (SK) number"),
        max_length=100,
        blank=True,
        help_text=_("Required for a.n., Plt. and Plh.; optional when the head signs directly."),
    )
    valid_from = models.DateField(_("valid from"))
    valid_until = models.DateField(
        _("valid until"), null=True, blank=True, help_text=_("Empty: until further notice.")
    )
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["-valid_from", "id"]
        verbose_name = _("signing authority")
        verbose_name_plural = _("signing authorities")
        constraints = [
            models.CheckConstraint(
                condition=Q(valid_until__isnull=True) | Q(valid_until__gte=models.F("valid_from")),
                name="signing_authority_period_in_order",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]
        indexes = [models.Index(fields=["kelurahan", "user", "valid_from"])]

    def __str__(self):
        return " — ".join(filter(None, [self.title_line(), self.official.name]))

    def valid_on(self, day) -> bool:
        return self.valid_from <= day and (self.valid_until is None or day <= self.valid_until)

    def title_line(self) -> str:
        """The block's first line in ordinary case: "a.n. Lurah Pajang", "Plt. Lurah Pajang"."""
        kelurahan = self.kelurahan
        head = f"{kelurahan.head_title} {kelurahan.name}"
        return f"{self.capacity} {head}" if self.capacity else head

    def clean(self):
        super().clean()
        errors: dict[str, list] = {}
        official = self.official if self.official_id else None
        kelurahan = self.kelurahan if self.kelurahan_id else None
        if self.valid_until and self.valid_from and self.valid_until < self.valid_from:
            errors.setdefault("valid_until", []).append(
                _("The end date cannot be before the start date.")
            )
        if self.capacity and not self.decree_number.strip():
            errors.setdefault("decree_number", []).append(
                _("Give the number of the decree (SK) that grants a.n., Plt. or Plh. authority.")
            )
        if official is not None and kelurahan is not None:
            errors_official = errors.setdefault("official", [])
            errors_official.extend(official_signing_problems(official, kelurahan, self.capacity))
        if self.user_id and kelurahan is not None:
            works_here = (
                StaffMembership.objects.for_kelurahan(kelurahan)
                .filter(user_id=self.user_id)
                .exists()
            )
            if not works_here:
                errors.setdefault("user", []).append(
                    _("This staff account does not work for %(kelurahan)s.")
                    % {"kelurahan": kelurahan}
                )
        errors = {field: messages for field, messages in errors.items() if messages}
        if errors:
            raise ValidationError(errors)


def signing_authorities_valid(user, kelurahan_id: int, on):
    """The user's signing authorities for this kelurahan's letters valid on that day."""
    return (
        SigningAuthority.objects.for_kelurahan(kelurahan_id)
        .filter(user_id=user.pk, valid_from__lte=on)
        .filter(Q(valid_until__isnull=True) | Q(valid_until__gte=on))
        .select_related("official", "kelurahan")
        .order_by(CAPACITY_ORDER, "-valid_from", "id")
    )


# The head's own authority first, then a.n., Plt., Plh. (the order of Letter.Capacity).
CAPACITY_ORDER = models.Case(
    *(models.When(capacity=value, then=rank) for rank, value in enumerate(Letter.Capacity.values)),
    default=len(Letter.Capacity.values),
)


def official_signing_problems(official, kelurahan, capacity: str) -> list:
    """Why this official cannot sign this kelurahan's letters in this capacity (empty: can)."""
    problems = []
    if official.kelurahan_id != kelurahan.pk:
        problems.append(_("This official is not of %(kelurahan)s.") % {"kelurahan": kelurahan})
        return problems
    titles = {"head": kelurahan.head_title, "secretary": kelurahan.secretary_title}
    if capacity == Letter.Capacity.SELF and official.level != Official.Level.HEAD:
        problems.append(
            _(
                "Only the %(head)s signs directly. For another official choose a.n. (the "
                "%(secretary)s), Plt. or Plh."
            )
            % titles
        )
    elif capacity == Letter.Capacity.ON_BEHALF and official.level != Official.Level.SECRETARY:
        problems.append(
            _(
                "Only the official one level below the head, the %(secretary)s, signs on behalf "
                "of the %(head)s (a.n.)."
            )
            % titles
        )
    elif (
        capacity in (Letter.Capacity.ACTING, Letter.Capacity.DAILY)
        and official.level == Official.Level.HEAD
    ):
        problems.append(
            _(
                "The %(head)s signs directly; Plt. and Plh. are for another official standing in "
                "for the %(head)s."
            )
            % titles
        )
    if not official.name.strip():
        problems.append(
            _("This official has no name in the list of officials; fill it in there first.")
        )
    if kelurahan.kind == Kelurahan.Kind.KELURAHAN and not official.nip:
        # Kelurahan signers are civil servants and print their NIP (Permendagri 1/2023 Pasal
        # 44); desa officials are not, so a desa prints none.
        problems.append(
            _(
                "This official has no NIP in the list of officials; a kelurahan's signature block "
                "prints the signer's NIP. Fill it in there first."
            )
        )
    return problems


# Each state as the resident who asked for the letter reads it (tracking page, emails).
RESIDENT_STATUS = {
    Letter.State.SUBMITTED: _("Received; waiting to be checked by the kelurahan"),
    Letter.State.WAITING: _("Waiting for you: the kelurahan needs something from you"),
    Letter.State.VERIFIED: _("Checked; waiting to be signed"),
    Letter.State.SIGNED: _("Signed; ready to be picked up at the kelurahan office"),
    Letter.State.HANDED_OVER: _("Picked up"),
    Letter.State.REJECTED: _("Rejected"),
    Letter.State.VOID: _("Cancelled (void)"),
}


class LetterEvent(KelurahanOwned):
    """One move in a letter's timeline: who moved it from which state to which, and why."""

    public_content = False  # staff-only: never empties the public page cache

    letter = models.ForeignKey(
        Letter, on_delete=models.PROTECT, related_name="events", verbose_name=_("letter")
    )
    from_state = models.CharField(
        _("from"), max_length=12, choices=Letter.State.choices, blank=True
    )
    to_state = models.CharField(_("to"), max_length=12, choices=Letter.State.choices)
    by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
        verbose_name=_("by"),
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    note = models.TextField(_("note"), blank=True)

    class Meta:
        ordering = ["at", "id"]
        verbose_name = _("letter event")
        verbose_name_plural = _("letter events")
        indexes = [models.Index(fields=["kelurahan", "letter", "at"])]

    def __str__(self):
        return f"{self.from_state} → {self.to_state}"

    @property
    def resident_status(self) -> str:
        return RESIDENT_STATUS[self.to_state]


class RequirementDocument(KelurahanOwned):
    """A requirement document (KTP, KK scan) sent with an online request, kept privately.

    Images are stored re-encoded as JPEG, PDFs as sent once checked (layanan.documents); the
    file has a random name, and `label` is only the resident's file name to show staff.
    """

    public_content = False  # only staff ever see these

    # Letters are archival and never deleted; their documents go with them or not at all.
    letter = models.ForeignKey(
        Letter, on_delete=models.PROTECT, related_name="documents", verbose_name=_("letter")
    )
    file = models.FileField(_("file"), storage=get_private_storage, upload_to="documents/%Y/")
    label = models.CharField(_("file name"), max_length=100)
    content_type = models.CharField(_("content type"), max_length=30)
    size = models.PositiveIntegerField(_("size in bytes"))
    sha256 = models.CharField(_("SHA-256"), max_length=64)
    uploaded_at = models.DateTimeField(_("uploaded"), auto_now_add=True)

    class Meta:
        ordering = ["uploaded_at", "id"]
        verbose_name = _("requirement document")
        verbose_name_plural = _("requirement documents")
        constraints = [
            models.CheckConstraint(
                condition=Q(content_type__in=DOCUMENT_TYPES),
                name="document_content_type_allowed",
            ),
            models.CheckConstraint(
                condition=Q(size__gt=0, size__lte=MAX_DOCUMENT_BYTES),
                name="document_size_in_range",
            ),
        ]
        indexes = [models.Index(fields=["kelurahan", "letter"])]

    def __str__(self):
        return self.label


class AccessLog(KelurahanOwned):
    """Who looked at personal data: every staff view of a letter or resident record, and every
    PDF download or export, for the kelurahan and Diskominfo to audit."""

    public_content = False  # staff-only: never empties the public page cache

    class Action(models.TextChoices):
        VIEW = "view", _("Viewed")
        DOWNLOAD = "download", _("Downloaded the PDF")
        EXPORT = "export", _("Exported")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+", verbose_name=_("user")
    )
    at = models.DateTimeField(_("at"), auto_now_add=True)
    action = models.CharField(_("action"), max_length=10, choices=Action.choices)
    subject = models.CharField(_("what"), max_length=200)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("access log entry")
        verbose_name_plural = _("access log")
        indexes = [models.Index(fields=["kelurahan", "-at"])]

    def __str__(self):
        return f"{self.at:%Y-%m-%d %H:%M} {self.user} {self.action} {self.subject}"


class DownloadCode(KelurahanOwned):
    """A one-time code e-mailed to the resident who asked online, to take their signed PDF.

    The receipt and /lacak/ show only the tracking code and the NIK's last 4 digits, which
    anyone who saw the receipt knows; the code proves access to the e-mail given in the request.
    Only an HMAC of it is stored (layanan.services), so the table alone gives nobody a code.
    """

    public_content = False  # staff-only: never empties the public page cache

    letter = models.ForeignKey(
        Letter, on_delete=models.CASCADE, related_name="+", verbose_name=_("letter")
    )
    code_hash = models.CharField(_("code (HMAC)"), max_length=64)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    expires_at = models.DateTimeField(_("expires at"))
    failed_attempts = models.PositiveSmallIntegerField(_("wrong tries"), default=0)
    used_at = models.DateTimeField(_("used at"), null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = _("download code")
        verbose_name_plural = _("download codes")
        indexes = [models.Index(fields=["kelurahan", "letter", "-created_at"])]

    def __str__(self):
        return f"{self.letter_id} {self.created_at:%Y-%m-%d %H:%M}"


class LetterTally(KelurahanOwned):
    """How many letters a kelurahan signed in one month with one turnaround, and how many of
    them were requested online: the summary Diskominfo's dashboard reads (layanan/tally.py).

    One row per (kelurahan, month, working days from request to signature, capped at
    TURNAROUND_CAP: "30 or more"), kept current in the signing transaction and rebuilt from the
    letters by `manage.py letter_tally_rebuild`. The kecamatan and city are copied in (a
    kelurahan never changes kecamatan), so a city's or kecamatan's figures are one indexed
    range read without joining 83,762 kelurahan.
    """

    public_content = False  # staff-only: never empties the public page cache

    TURNAROUND_CAP = 30

    kecamatan = models.ForeignKey(
        Kecamatan,
        on_delete=models.CASCADE,
        related_name="+",
        db_index=False,
        verbose_name=_("kecamatan"),
    )
    city = models.ForeignKey(
        City, on_delete=models.CASCADE, related_name="+", db_index=False, verbose_name=_("city")
    )
    month = models.DateField(_("month"), help_text=_("The first day of the month of signing."))
    days = models.PositiveSmallIntegerField(_("turnaround in working days"))
    letters = models.PositiveIntegerField(_("letters"), default=0)
    online = models.PositiveIntegerField(_("requested online"), default=0)

    class Meta:
        verbose_name = _("letter tally")
        verbose_name_plural = _("letter tallies")
        constraints = [
            models.UniqueConstraint(
                fields=["kelurahan", "month", "days"], name="letter_tally_unique_per_bucket"
            ),
            models.CheckConstraint(condition=Q(days__lte=30), name="letter_tally_days_capped"),
            models.CheckConstraint(
                condition=Q(online__lte=models.F("letters")), name="letter_tally_online_of_letters"
            ),
        ]
        indexes = [
            models.Index(fields=["city", "month"], name="letter_tally_city_month"),
            models.Index(fields=["kecamatan", "month"], name="letter_tally_kecamatan_month"),
            models.Index(fields=["month"], name="letter_tally_month"),
        ]

    def __str__(self):
        return f"{self.kelurahan_id} {self.month:%Y-%m} {self.days}: {self.letters}"

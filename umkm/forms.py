"""Input for the UMKM and wisata pages: list filters, the resident's proposal form, admin forms."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from kelurahan.images import ReencodedImageField
from kelurahan.models import LATITUDE_RANGE, LONGITUDE_RANGE, phone_validator
from umkm import mapgrid
from umkm.models import Business, BusinessCategory
from umkm.selectors import Filters

MAX_PROPOSAL_PHOTOS = 5


class PlaceFilterForm(forms.Form):
    """The list pages' filters. Unknown choices are ignored rather than shown as errors: a
    filter link from an old page should still show a list."""

    q = forms.CharField(label=_("Search"), required=False, max_length=100)
    kategori = forms.ChoiceField(label=_("Category"), required=False)
    kecamatan = forms.ChoiceField(label=_("Kecamatan"), required=False)
    kelurahan = forms.ChoiceField(label=_("Kelurahan/desa"), required=False)

    def __init__(self, data, *, categories, kelurahan_list=None):
        super().__init__(data)
        self.fields["kategori"].choices = [("", _("All categories")), *categories]
        if kelurahan_list is None:
            del self.fields["kecamatan"], self.fields["kelurahan"]
            return
        kecamatan = {k.kecamatan.slug: k.kecamatan.name for k in kelurahan_list}
        self.fields["kecamatan"].choices = [("", _("All kecamatan")), *kecamatan.items()]
        self.fields["kelurahan"].choices = [("", _("All kelurahan/desa"))] + [
            (k.slug, str(k)) for k in kelurahan_list
        ]

    def filters(self) -> Filters:
        if self.is_bound:
            self.is_valid()
        cleaned = getattr(self, "cleaned_data", {})
        return Filters(
            query=(cleaned.get("q") or "").strip(),
            category=cleaned.get("kategori") or "",
            kecamatan=cleaned.get("kecamatan") or "",
            kelurahan=cleaned.get("kelurahan") or "",
        )


class MapViewportForm(forms.Form):
    """What the map asks for: `bbox=west,south,east,north` (degrees) and `zoom`, together or
    neither (the whole extent). Malformed values are refused with a message; numbers out of
    range are clamped (mapgrid.snap), and the view redirects to the snapped address."""

    bbox = forms.CharField(required=False, max_length=100)
    zoom = forms.IntegerField(required=False, min_value=-1000, max_value=1000)

    def clean_bbox(self):
        text = self.cleaned_data["bbox"]
        if not text:
            return None
        parts = text.split(",")
        if len(parts) != 4:
            raise forms.ValidationError(
                _("The map area needs four numbers (west,south,east,north); %(count)d given.")
                % {"count": len(parts)}
            )
        try:
            edges = [float(part) for part in parts]
        except ValueError:
            raise forms.ValidationError(
                _("The map area must be four numbers in degrees, e.g. 110.7,-7.6,110.9,-7.5.")
            ) from None
        west, south, east, north = edges
        if not all(abs(edge) <= 360 for edge in edges):  # also refuses nan and inf
            raise forms.ValidationError(_("The map area's numbers must be degrees (-360 to 360)."))
        if west >= east or south >= north:
            raise forms.ValidationError(
                _("The map area's west must be less than its east, and south less than north.")
            )
        return edges

    def clean(self):
        cleaned = super().clean()
        if self.errors:
            return cleaned
        if (cleaned.get("bbox") is None) != (cleaned.get("zoom") is None):
            raise forms.ValidationError(_("Give the map area (bbox) and the zoom together."))
        return cleaned

    def viewport(self) -> mapgrid.Viewport | None:
        """The snapped viewport, or None for the whole extent; call after is_valid()."""
        if self.cleaned_data["bbox"] is None:
            return None
        return mapgrid.snap(*self.cleaned_data["bbox"], self.cleaned_data["zoom"])

    def error_text(self) -> str:
        return " ".join(message for messages in self.errors.values() for message in messages)


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input; each is checked and re-encoded like any other photo."""

    def __init__(self, *, max_files: int, **kwargs):
        self.max_files = max_files
        attrs = {
            "accept": "image/jpeg,image/png,image/heic,image/heif,image/webp",
            "multiple": True,
        }
        super().__init__(widget=MultiplePhotoInput(attrs=attrs), **kwargs)

    def clean(self, data, initial=None):
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        if not files:
            if self.required:
                raise forms.ValidationError(self.error_messages["required"], code="required")
            return []
        if len(files) > self.max_files:
            raise forms.ValidationError(
                _("Send at most %(max)d photos; you chose %(count)d."),
                code="too_many",
                params={"max": self.max_files, "count": len(files)},
            )
        single = ReencodedImageField()
        cleaned, errors = [], []
        for upload in files:
            try:
                cleaned.append(single.clean(upload))
            except forms.ValidationError as exc:
                errors.extend(
                    forms.ValidationError(
                        _("%(file)s: %(problem)s"),
                        code=error.code,
                        params={"file": upload.name, "problem": message},
                    )
                    for error in exc.error_list
                    for message in error.messages
                )
        if errors:
            raise forms.ValidationError(errors)
        return cleaned


class BusinessProposalForm(forms.Form):
    """What a resident sends to propose a UMKM listing; an operator reviews it before it shows."""

    name = forms.CharField(label=_("Business name"), max_length=150)
    category = forms.ModelChoiceField(
        label=_("Category"), queryset=BusinessCategory.objects.all(), empty_label=None
    )
    owner_name = forms.CharField(label=_("Owner's name"), max_length=120)
    description = forms.CharField(
        label=_("What the business offers"),
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=3000,
    )
    products = forms.CharField(
        label=_("Products and prices"),
        required=False,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("One per line, e.g. Nasi liwet Rp12.000–Rp20.000."),
    )
    whatsapp = Business._meta.get_field("whatsapp").formfield(required=False)
    phone = forms.CharField(
        label=_("Phone"), required=False, max_length=20, validators=[phone_validator]
    )
    address = forms.CharField(label=_("Address"), max_length=255)
    rt = forms.IntegerField(label=_("RT"), required=False, min_value=1, max_value=999)
    rw = forms.IntegerField(label=_("RW"), required=False, min_value=1, max_value=999)
    opening_hours = forms.CharField(
        label=_("Opening hours"),
        required=False,
        max_length=500,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    latitude = forms.DecimalField(
        label=_("Latitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=LATITUDE_RANGE[0],
        max_value=LATITUDE_RANGE[1],
        help_text=Business._meta.get_field("latitude").help_text,
    )
    longitude = forms.DecimalField(
        label=_("Longitude"),
        required=False,
        max_digits=9,
        decimal_places=6,
        min_value=LONGITUDE_RANGE[0],
        max_value=LONGITUDE_RANGE[1],
        help_text=Business._meta.get_field("longitude").help_text,
    )
    photos = MultiplePhotoField(
        label=_("Photos"),
        required=False,
        max_files=MAX_PROPOSAL_PHOTOS,
    )
    proposer_name = forms.CharField(label=_("Your name"), max_length=120)
    proposer_contact = forms.CharField(
        label=_("Your phone or email"),
        max_length=120,
        help_text=_("Only the kelurahan's staff see it, to ask you about the listing."),
    )
    # Honeypot: hidden from people by CSS and aria-hidden; robots fill in every field.
    website = forms.CharField(label=_("Leave this empty"), required=False)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["photos"].help_text = _(
            "Up to %(count)d JPEG, PNG, HEIC or WebP photos of at most %(size)s each; the first "
            "one is the cover. Location data inside the photos is removed."
        ) % {"count": MAX_PROPOSAL_PHOTOS, "size": filesizeformat(settings.MAX_IMAGE_UPLOAD_BYTES)}

    def clean(self):
        cleaned = super().clean()
        lat, lng = cleaned.get("latitude"), cleaned.get("longitude")
        if (lat is None) != (lng is None) and not (
            self.has_error("latitude") or self.has_error("longitude")
        ):
            raise forms.ValidationError(
                _("Fill in both latitude and longitude, or leave both empty."), code="half_point"
            )
        if not (cleaned.get("whatsapp") or cleaned.get("phone")) and not (
            self.has_error("whatsapp") or self.has_error("phone")
        ):
            self.add_error(
                "whatsapp", _("Give a WhatsApp or phone number so customers can reach the owner.")
            )
        return cleaned

    @property
    def is_spam(self) -> bool:
        return bool(self.data.get("website"))

"""Staff screens for UMKM businesses and tourism spots, scoped like all kelurahan content."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kelurahan.admin import KelurahanScopedMixin, ScopedAdmin
from kelurahan.models import Kelurahan
from kelurahan.tenancy import user_kelurahan_id
from umkm import services
from umkm.models import (
    Business,
    BusinessCategory,
    BusinessPhoto,
    Product,
    Status,
    TourismSpot,
    TourismSpotPhoto,
)
from umkm.widgets import MapPickerInput


class PhotoFormSet(forms.BaseInlineFormSet):
    """At most one cover among the photos that stay (the database constraint is the guarantee,
    but inline forms skip constraints that name the parent, so say it here as a form error)."""

    def clean(self):
        super().clean()
        covers = [
            f
            for f in self.forms
            if f.cleaned_data.get("is_cover")
            and not (self.can_delete and self._should_delete_form(f))
        ]
        if len(covers) > 1:
            raise forms.ValidationError(
                _("Only one photo can be the cover; untick “cover photo” on the others.")
            )


class PhotoInline(KelurahanScopedMixin, admin.TabularInline):
    formset = PhotoFormSet
    fields = ("preview", "image", "alt_text", "is_cover", "rank")
    readonly_fields = ("preview",)
    extra = 1

    @admin.display(description=_("preview"))
    def preview(self, obj):
        if not obj or not obj.thumbnail:
            return "—"
        return format_html(
            '<img src="{}" width="120" height="90" alt="" loading="lazy">', obj.thumbnail.url
        )


class BusinessPhotoInline(PhotoInline):
    model = BusinessPhoto


class TourismSpotPhotoInline(PhotoInline):
    model = TourismSpotPhoto


class ProductInline(KelurahanScopedMixin, admin.TabularInline):
    model = Product
    fields = ("name", "price_min", "price_max", "rank")
    extra = 1


class PlaceAdmin(ScopedAdmin):
    """What both place admins share: the map picker, status actions, photos with thumbnails."""

    list_filter = ("status", "category")
    search_fields = ("name", "description")
    prepopulated_fields = {"slug": ("name",)}
    actions = ["publish", "hide"]

    def get_queryset(self, request):
        return super().get_queryset(request).with_cover()

    @admin.display(description=_("photo"))
    def cover(self, obj):
        if not obj.cover_thumb:
            return "—"
        storage = BusinessPhoto._meta.get_field("thumbnail").storage
        return format_html(
            '<img src="{}" width="64" height="48" alt="" loading="lazy">',
            storage.url(obj.cover_thumb),
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "longitude":
            kwargs["widget"] = MapPickerInput(center=self._map_center(request))
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def _map_center(self, request) -> tuple[float, float] | None:
        """The operator's kelurahan office, where most of their places are."""
        kelurahan_id = user_kelurahan_id(request.user)
        if kelurahan_id is None:
            return None
        point = (
            Kelurahan.objects.filter(pk=kelurahan_id, latitude__isnull=False)
            .values_list("latitude", "longitude")
            .first()
        )
        return (float(point[0]), float(point[1])) if point else None

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # A place moved by Diskominfo takes its photos (and products) along.
        for related in ("photos", "products"):
            if hasattr(obj, related):
                getattr(obj, related).exclude(kelurahan_id=obj.kelurahan_id).update(
                    kelurahan_id=obj.kelurahan_id
                )

    def save_formset(self, request, form, formset, change):
        # Rows under a place belong to its kelurahan, never to one a request names.
        for inline_form in formset.forms:
            inline_form.instance.kelurahan_id = form.instance.kelurahan_id
        if not issubclass(formset.model, (BusinessPhoto, TourismSpotPhoto)):
            return super().save_formset(request, form, formset, change)
        saved = {id(obj) for obj in formset.save(commit=False)}
        for photo in formset.deleted_objects:
            photo.delete()
        services.photo_files_delete(photos=formset.deleted_objects)
        changed = [f for f in formset.forms if id(f.instance) in saved]
        # Covers last, so moving the cover from one photo to another never holds two at once.
        for photo_form in sorted(changed, key=lambda f: f.instance.is_cover):
            upload = (
                photo_form.cleaned_data.get("image") if "image" in photo_form.changed_data else None
            )
            services.photo_save(photo=photo_form.instance, upload=upload)
        formset.save_m2m()

    def _set_status(self, request, queryset, status, message):
        count = services.place_status_set(places=queryset, status=status, by=request.user)
        self.message_user(request, message % {"count": count})

    @admin.action(description=_("Publish the selected items"), permissions=["change"])
    def publish(self, request, queryset):
        self._set_status(request, queryset, Status.PUBLISHED, _("%(count)d item(s) published."))

    @admin.action(description=_("Hide the selected items"), permissions=["change"])
    def hide(self, request, queryset):
        self._set_status(request, queryset, Status.HIDDEN, _("%(count)d item(s) hidden."))


@admin.register(Business)
class BusinessAdmin(PlaceAdmin):
    list_display = ("name", "cover", "category", "owner_name", "status", "updated_at")
    list_select_related = ("kelurahan", "category")
    search_fields = ("name", "owner_name", "description")
    inlines = [ProductInline, BusinessPhotoInline]
    fieldsets = (
        (None, {"fields": ("kelurahan", "name", "slug", "category", "status")}),
        (_("About"), {"fields": ("owner_name", "description", "opening_hours", "nib")}),
        (_("Contact"), {"fields": (("whatsapp", "phone"), "address", ("rt", "rw"))}),
        (_("Location"), {"fields": ("latitude", "longitude")}),
        (
            _("Proposed by a resident"),
            {"fields": ("proposer_name", "proposer_contact"), "classes": ("collapse",)},
        ),
    )


@admin.register(TourismSpot)
class TourismSpotAdmin(PlaceAdmin):
    list_display = ("name", "cover", "category", "status", "updated_at")
    inlines = [TourismSpotPhotoInline]
    fieldsets = (
        (None, {"fields": ("kelurahan", "name", "slug", "category", "status")}),
        (
            _("About"),
            {
                "fields": (
                    "description",
                    "description_en",
                    "opening_hours",
                    "ticket_price",
                    "facilities",
                    "accessibility",
                )
            },
        ),
        (_("Contact"), {"fields": (("whatsapp", "phone"), "address")}),
        (_("Location"), {"fields": ("latitude", "longitude")}),
    )


@admin.register(BusinessCategory)
class BusinessCategoryAdmin(admin.ModelAdmin):
    """The city-wide category list; Diskominfo edits it, operators only pick from it."""

    list_display = ("name", "slug", "rank")
    list_editable = ("rank",)
    prepopulated_fields = {"slug": ("name",)}
    search_fields = ("name",)

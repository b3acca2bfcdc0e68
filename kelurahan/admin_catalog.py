"""The service catalog's staff screens (kelurahan/catalog.py).

- Diskominfo: "Katalog layanan kota", the city's entries, edited once for every kelurahan that
  follows them; the list says how many kelurahan keep a version of their own.
- A kelurahan's staff: "Katalog layanan", its own rows (its versions of city entries and the
  services only it offers), and above them the city's entries it follows, each with a button
  that starts a version of its own. A version's page shows where it differs from the city's
  entry and a button to follow the city again.
"""

from __future__ import annotations

from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.core.exceptions import PermissionDenied
from django.db.models import Count
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _

from kelurahan import catalog, services, slugs
from kelurahan.admin import ScopedAdmin
from kelurahan.models import City, CityService, Kelurahan, Service
from kelurahan.tenancy import is_city_staff, user_city_ids, user_kelurahan_id

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


def _log(request, obj, action_flag: int, message: str) -> None:
    """An admin history entry for a change made by a button rather than a form."""
    LogEntry.objects.log_actions(
        user_id=request.user.pk,
        queryset=[obj],
        action_flag=action_flag,
        change_message=message,
        single_object=True,
    )


@admin.register(CityService)
class CityServiceAdmin(admin.ModelAdmin):
    """The city's catalog, for Diskominfo of that city (a superuser: every city's)."""

    list_display = ("name", "city", "service_days", "cost", "is_active", "versions")
    list_filter = ("is_active", "city")
    search_fields = ("name",)
    fields = ("city", *CONTENT_FIELDS)

    def get_queryset(self, request):
        rows = super().get_queryset(request).select_related("city")
        city_ids = user_city_ids(request.user)
        if city_ids is not None:
            rows = rows.filter(city_id__in=city_ids)
        return rows.annotate(version_count=Count("overrides"))

    @admin.display(description=_("kelurahan with their own version"), ordering="version_count")
    def versions(self, entry):
        return entry.version_count

    def get_list_filter(self, request):
        city_ids = user_city_ids(request.user)
        if city_ids is not None and len(city_ids) < 2:
            return ("is_active",)  # one city: nothing to choose
        return self.list_filter

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "city":
            city_ids = user_city_ids(request.user)
            cities = City.objects.all()
            kwargs["queryset"] = cities if city_ids is None else cities.filter(pk__in=city_ids)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_readonly_fields(self, request, obj=None):
        return ("city",) if obj is not None else ()

    def _mine(self, request, obj) -> bool:
        city_ids = user_city_ids(request.user)
        return obj is None or city_ids is None or obj.city_id in city_ids

    def has_module_permission(self, request):
        return is_city_staff(request.user) and super().has_module_permission(request)

    def has_view_permission(self, request, obj=None):
        return (
            is_city_staff(request.user)
            and self._mine(request, obj)
            and super().has_view_permission(request, obj)
        )

    def has_add_permission(self, request):
        return is_city_staff(request.user) and super().has_add_permission(request)

    def has_change_permission(self, request, obj=None):
        return (
            is_city_staff(request.user)
            and self._mine(request, obj)
            and super().has_change_permission(request, obj)
        )

    def has_delete_permission(self, request, obj=None):
        # An entry kelurahan and letter types follow is hidden ("shown on the site" off), not
        # deleted; a superuser may still remove a mistaken one.
        return request.user.is_superuser

    def save_model(self, request, obj, form, change):
        """A new entry's slug is made from its name and never changes (kelurahan/slugs.py)."""
        if change:
            return super().save_model(request, obj, form, change)
        slugs.save_with_free_slug(
            obj,
            text=obj.name,
            scope=CityService.objects.filter(city_id=obj.city_id),
            save=lambda: super(CityServiceAdmin, self).save_model(request, obj, form, change),
        )


@admin.register(Service)
class ServiceAdmin(ScopedAdmin):
    """A kelurahan's catalog: its own rows, and the city's entries it follows above them."""

    change_list_template = "admin/kelurahan/service/change_list.html"
    change_form_template = "admin/kelurahan/service/change_form.html"
    list_display = ("name", "origin", "service_days", "cost", "is_active", "rank")
    list_editable = ("is_active", "rank")
    list_filter = ("is_active",)
    search_fields = ("name",)
    fields = ("kelurahan", *CONTENT_FIELDS)

    @admin.display(description=_("origin"), ordering="city_service")
    def origin(self, service):
        if service.city_service_id:
            return _("Own version of a city service")
        return _("Only this kelurahan")

    def get_urls(self):
        return [
            path(
                "reviewed/",
                self.admin_site.admin_view(self.reviewed_view),
                name="kelurahan_service_reviewed",
            ),
            path(
                "kota/<int:city_service_id>/sesuaikan/",
                self.admin_site.admin_view(self.customise_view),
                name="kelurahan_service_customise",
            ),
            path(
                "<int:object_id>/ikuti-kota/",
                self.admin_site.admin_view(self.follow_city_view),
                name="kelurahan_service_follow_city",
            ),
            *super().get_urls(),
        ]

    def _own_kelurahan(self, request) -> Kelurahan | None:
        kelurahan_id = user_kelurahan_id(request.user)
        if kelurahan_id is None:
            return None
        return Kelurahan.objects.select_related("kecamatan").filter(pk=kelurahan_id).first()

    def changelist_view(self, request, extra_context=None):
        kelurahan = self._own_kelurahan(request)
        extra_context = {
            **(extra_context or {}),
            "may_confirm_review": kelurahan is not None and self.has_change_permission(request),
            "reviewed_at": kelurahan.services_reviewed_at if kelurahan else None,
            "followed": catalog.followed_city_services(kelurahan) if kelurahan else [],
            "may_customise": kelurahan is not None and self.has_add_permission(request),
        }
        return super().changelist_view(request, extra_context)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        extra = dict(extra_context or {})
        if obj is not None and obj.city_service_id:
            differs = catalog.differs_from_city(obj)
            extra.update(
                city_service=obj.city_service,
                differs=[Service._meta.get_field(name).verbose_name for name in differs],
                may_follow_city=self.has_delete_permission(request, obj),
            )
        return super().change_view(request, object_id, form_url, extra)

    def reviewed_view(self, request):
        """Staff confirm the catalog matches what their office does (the site's checklist)."""
        kelurahan_id = user_kelurahan_id(request.user)
        if request.method != "POST" or kelurahan_id is None:
            raise Http404
        if not self.has_change_permission(request):
            raise PermissionDenied
        services.services_reviewed_mark(kelurahan_id=kelurahan_id, by=request.user)
        messages.success(
            request,
            _("Thank you: the service catalog is marked as read and confirmed today."),
        )
        return HttpResponseRedirect(reverse("admin:kelurahan_service_changelist"))

    def customise_view(self, request, city_service_id):
        """POST: the kelurahan's own version of one of its city's entries, then its form."""
        kelurahan = self._own_kelurahan(request)
        if request.method != "POST" or kelurahan is None:
            raise Http404
        if not self.has_add_permission(request):
            raise PermissionDenied
        entry = get_object_or_404(
            CityService, pk=city_service_id, city_id=kelurahan.kecamatan.city_id
        )
        try:
            version = catalog.service_customise(kelurahan=kelurahan, city_service=entry)
        except catalog.CatalogError:
            messages.error(
                request,
                _(
                    "This kelurahan already has a service with the address of “%(name)s”. "
                    "Rename or delete that service first."
                )
                % {"name": entry.name},
            )
            return HttpResponseRedirect(reverse("admin:kelurahan_service_changelist"))
        _log(request, version, ADDITION, "Versi kelurahan dari layanan kota")
        messages.success(
            request,
            _(
                "“%(name)s” is now this kelurahan's own version, a copy of the city's. Change "
                "what your office does differently and save; the city's changes no longer "
                "apply to it."
            )
            % {"name": entry.name},
        )
        return HttpResponseRedirect(reverse("admin:kelurahan_service_change", args=[version.pk]))

    def follow_city_view(self, request, object_id):
        """POST: drop the kelurahan's version; the city's entry shows again."""
        if request.method != "POST":
            raise Http404
        service = self.get_object(request, object_id)
        if service is None or service.city_service_id is None:
            raise Http404
        if not self.has_delete_permission(request, service):
            raise PermissionDenied
        _log(request, service, DELETION, "Kembali ke versi kota")
        entry = catalog.service_follow_city(service=service)
        messages.success(
            request,
            _("“%(name)s” follows the city's catalog again.") % {"name": entry.name},
        )
        return HttpResponseRedirect(reverse("admin:kelurahan_service_changelist"))

    def save_model(self, request, obj, form, change):
        """A new service's slug is made from its name (kelurahan/slugs.py), free among the
        kelurahan's services and its city's; it never changes."""
        if change:
            return super().save_model(request, obj, form, change)
        if not is_city_staff(request.user):
            obj.kelurahan_id = user_kelurahan_id(request.user)
        slugs.save_with_free_slug(
            obj,
            text=obj.name,
            scope=Service.objects.for_kelurahan(obj.kelurahan_id),
            also_taken=catalog.taken_slugs(obj.kelurahan_id),
            save=lambda: super(ServiceAdmin, self).save_model(request, obj, form, change),
        )

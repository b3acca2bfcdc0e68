"""The service catalog's staff screens (kelurahan/catalog.py).

- Diskominfo: "Katalog layanan kota", the city's entries, edited once for every kelurahan that
  follows them; the list says how many kelurahan keep a version of their own.
- A kelurahan's staff (ServiceAdmin, in kelurahan/admin.py with the other scoped screens):
  "Daftar layanan", its own rows (its versions of city entries and the
  services only it offers), and above them the city's entries it follows, each with a button
  that starts a version of its own. A version's page shows where it differs from the city's
  entry and a button to follow the city again.
"""

from __future__ import annotations

from django.contrib import admin
from django.db.models import Count
from django.utils.translation import gettext_lazy as _

from kelurahan import slugs
from kelurahan.models import City, CityService, ServiceContent
from kelurahan.tenancy import is_city_staff, user_city_ids


@admin.register(CityService)
class CityServiceAdmin(admin.ModelAdmin):
    """The city's catalog, for Diskominfo of that city (a superuser: every city's)."""

    list_display = ("name", "city", "service_days", "cost", "is_active", "versions")
    list_filter = ("is_active", ("city", admin.RelatedOnlyFieldListFilter))
    search_fields = ("name",)
    fields = ("city", *ServiceContent.CONTENT_FIELDS)

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
        if obj is None:
            return True  # no query: the admin asks this for its menu on every page
        city_ids = user_city_ids(request.user)
        return city_ids is None or obj.city_id in city_ids

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

"""Diskominfo's deployment-wide switches in the admin (one row, edited in place)."""

from django.contrib import admin
from django.shortcuts import redirect
from django.urls import reverse

from portal.models import SecuritySettings
from portal.services import security_settings_update


@admin.register(SecuritySettings)
class SecuritySettingsAdmin(admin.ModelAdmin):
    """Visible to whoever holds its permissions: Diskominfo (see PortalConfig.role_permissions)."""

    fields = ("two_factor_required", "changed_at", "changed_by")
    readonly_fields = ("changed_at", "changed_by")

    def has_add_permission(self, request):
        return False  # the one row is made on first visit

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        """There is only one row: go straight to it (making it the first time, if allowed)."""
        if not self.has_view_or_change_permission(request):
            return super().changelist_view(request, extra_context)  # the admin's own refusal
        if not SecuritySettings.objects.filter(pk=1).exists():
            security_settings_update(by=None, two_factor_required=False)
        return redirect(reverse("admin:portal_securitysettings_change", args=[1]))

    def save_model(self, request, obj, form, change):
        security_settings_update(by=request.user, two_factor_required=obj.two_factor_required)

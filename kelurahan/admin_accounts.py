"""Staff accounts in the admin: the user list and form, and the "Undang staf" screen.

Diskominfo manages the accounts of its own cities only (selectors.staff_users_for): the role is
one select, the kelurahan (or, for a Diskominfo account, the cities) beside it; no password or
password hash is shown; a new password comes from an invitation link the staff member opens
(kelurahan/services.py). Only a superuser grants superuser rights or raw permissions.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.core.exceptions import PermissionDenied
from django.db.models import Exists, OuterRef, Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext_lazy as _
from django_otp.plugins.otp_totp.models import TOTPDevice

from kelurahan import roles, selectors, services
from kelurahan.forms import StaffInvitationForm, StaffRoleFields
from kelurahan.models import City, CityStaffMembership, Kelurahan, StaffMembership
from kelurahan.services import InvitationError, staff_two_factor_reset
from kelurahan.tenancy import is_city_staff

User = get_user_model()
admin.site.unregister(User)


class RoleFilter(admin.SimpleListFilter):
    title = _("role")
    parameter_name = "peran"

    def lookups(self, request, model_admin):
        return [(role, role) for role in roles.ALL]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(groups__name=self.value())
        return queryset


class KelurahanFilter(admin.SimpleListFilter):
    title = _("kelurahan")
    parameter_name = "kelurahan"

    def lookups(self, request, model_admin):
        return [
            (k.pk, f"{k} · {k.kecamatan.city}")
            for k in Kelurahan.objects.for_user(request.user)
            .with_regions()
            .with_names()
            .order_by("name")
        ]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            return queryset.filter(kelurahan_membership__kelurahan_id=int(self.value()))
        return queryset


class CityFilter(admin.SimpleListFilter):
    title = _("regency/city")
    parameter_name = "kota"

    def lookups(self, request, model_admin):
        return [(c.pk, c.name) for c in City.objects.for_user(request.user)]

    def queryset(self, request, queryset):
        if self.value() and self.value().isdigit():
            city_id = int(self.value())
            city_staff = CityStaffMembership.objects.filter(city_id=city_id)
            return queryset.filter(
                Q(kelurahan_membership__kelurahan__kecamatan__city_id=city_id)
                | Q(pk__in=city_staff.values("user_id"))
            )
        return queryset


class StaffUserChangeForm(StaffRoleFields, forms.ModelForm):
    """A staff account: names, e-mail, whether it may log in, and its one role with its place.

    No password field at all (Django's shows the hash's algorithm and salt): a new password is
    set by the staff member through an invitation link.
    """

    class Meta:
        model = User
        fields = ("username", "first_name", "last_name", "email", "is_active")

    editor = None  # the staff member editing (set by StaffUserAdmin.get_form)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        editor = self.editor
        self.fields["role"].choices = [("", _("— no role —")), *roles.LABELS.items()]
        self.fields["role"].required = not editor.is_superuser
        self.role_choices_limit(editor)
        user = self.instance
        if user.pk:
            self.initial["role"] = (
                user.groups.filter(name__in=roles.ALL).values_list("name", flat=True).first() or ""
            )
            membership = (
                StaffMembership.objects.unscoped("the membership of the account being edited")
                .filter(user=user)
                .first()
            )
            self.initial["kelurahan"] = membership.kelurahan_id if membership else None
            self.initial["cities"] = list(user.city_memberships.values_list("city_id", flat=True))
        if "is_active" in self.fields:
            self.fields["is_active"].help_text = _(
                "Untick to turn the account off: it can no longer log in, and its open sessions "
                "end at once."
            )


@admin.register(User)
class StaffUserAdmin(UserAdmin):
    """Diskominfo manages the staff accounts of its cities; only a superuser grants superuser
    or raw permissions, and only a superuser adds an account with a typed password (everyone
    else invites)."""

    form = StaffUserChangeForm
    list_display = (
        "username",
        "full_name",
        "role",
        "membership",
        "is_active",
        "two_factor",
    )
    list_filter = (RoleFilter, CityFilter, KelurahanFilter, "is_active")
    list_select_related = ("kelurahan_membership__kelurahan",)
    search_fields = ("username", "first_name", "last_name", "email")
    filter_horizontal = ("user_permissions",)
    actions = ["two_factor_reset", "accounts_deactivate", "invitations_resend"]
    change_list_template = "admin/auth/user/staff_change_list.html"

    def get_urls(self):
        return [
            path(
                "undang/",
                self.admin_site.admin_view(self.invite_view),
                name="auth_user_invite",
            ),
            *super().get_urls(),
        ]

    def get_queryset(self, request):
        confirmed = TOTPDevice.objects.filter(user=OuterRef("pk"), confirmed=True)
        queryset = (
            super()
            .get_queryset(request)
            .annotate(has_two_factor=Exists(confirmed))
            .prefetch_related("groups", "city_memberships__city")
        )
        if not request.user.is_superuser:
            queryset = queryset.filter(pk__in=selectors.staff_users_for(request.user).values("pk"))
        return queryset

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404  # another city's account, like one that does not exist

    def get_fieldsets(self, request, obj=None):
        if obj is None:
            return self.add_fieldsets  # superusers only: add_view sends others to the invite
        fieldsets = [
            (None, {"fields": ("username", "first_name", "last_name", "email")}),
            (_("Role and place of work"), {"fields": ("role", "kelurahan", "cities")}),
            (_("Status"), {"fields": ("is_active", "password_state", "last_login", "date_joined")}),
        ]
        if request.user.is_superuser:
            fieldsets.append(
                (
                    _("Superuser only"),
                    {"fields": ("is_staff", "is_superuser", "user_permissions")},
                )
            )
        return fieldsets

    def get_readonly_fields(self, request, obj=None):
        return ("password_state", "last_login", "date_joined")

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if obj is None:
            return form
        return type(form.__name__, (form,), {"editor": request.user})

    @admin.display(description=_("password"))
    def password_state(self, obj):
        if obj.has_usable_password():
            return _(
                "Set by the staff member (never shown). A forgotten password: choose the "
                "account in the list and “Send a new invitation link”."
            )
        return _("Not set yet: the staff member sets it through the invitation link.")

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if "role" in form.cleaned_data:
            user = form.instance
            role = form.cleaned_data.get("role") or ""
            if role or request.user.is_superuser:
                services.staff_role_set(
                    user=user,
                    role=role,
                    kelurahan=form.cleaned_data.get("kelurahan"),
                    cities=form.cleaned_data.get("cities") or [],
                )

    def add_view(self, request, form_url="", extra_context=None):
        if not request.user.is_superuser and self._may_invite(request):
            return HttpResponseRedirect(reverse("admin:auth_user_invite"))
        if not request.user.is_superuser:
            raise PermissionDenied
        return super().add_view(request, form_url, extra_context)

    def user_change_password(self, request, id, form_url=""):
        if not request.user.is_superuser:
            raise Http404  # staff set their own password through an invitation link
        return super().user_change_password(request, id, form_url)

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "may_invite": self._may_invite(request)}
        return super().changelist_view(request, extra_context)

    @staticmethod
    def _may_invite(request) -> bool:
        return is_city_staff(request.user) and request.user.has_perm("auth.add_user")

    # -- Columns --

    @admin.display(description=_("name"), ordering="first_name")
    def full_name(self, obj):
        return obj.get_full_name() or "—"

    @admin.display(description=_("role"))
    def role(self, obj):
        names = [g.name for g in obj.groups.all() if g.name in roles.ALL]
        if obj.is_superuser:
            names.insert(0, str(_("Superuser")))
        return ", ".join(names) or "—"

    @admin.display(description=_("kelurahan / regency/city"))
    def membership(self, obj):
        membership = getattr(obj, "kelurahan_membership", None)
        if membership:
            return membership.kelurahan
        cities = [m.city.name for m in obj.city_memberships.all()]
        return ", ".join(cities) or "—"

    @admin.display(description=_("two-factor login"), boolean=True, ordering="has_two_factor")
    def two_factor(self, obj):
        return obj.has_two_factor

    # -- Bulk actions --

    def _not_superusers(self, request, queryset):
        """Only a superuser acts on a superuser's account; the others are left out, and said so."""
        if request.user.is_superuser:
            return queryset
        skipped = queryset.filter(is_superuser=True).count()
        if skipped:
            self.message_user(
                request,
                _(
                    "%(count)d superuser account(s) left as they were: only a superuser may "
                    "change a superuser's account."
                )
                % {"count": skipped},
                messages.WARNING,
            )
        return queryset.filter(is_superuser=False)

    @admin.action(
        description=_("Reset two-factor login of the selected accounts (lost or new phone)"),
        permissions=["change"],
    )
    def two_factor_reset(self, request, queryset):
        count = staff_two_factor_reset(users=list(self._not_superusers(request, queryset)))
        self.message_user(
            request,
            _(
                "Two-factor login reset for %(count)d account(s). They can set up their new "
                "phone after their next login (they must, if it is required for all staff)."
            )
            % {"count": count},
        )

    @admin.action(
        description=_("Deactivate the selected accounts (they are logged out)"),
        permissions=["change"],
    )
    def accounts_deactivate(self, request, queryset):
        users = list(self._not_superusers(request, queryset))
        count = services.staff_accounts_deactivate(users=users, by=request.user)
        self.message_user(
            request,
            _(
                "%(count)d account(s) deactivated: they can no longer log in and their open "
                "sessions have ended. Tick “Active” on an account to let it log in again."
            )
            % {"count": count},
            messages.SUCCESS,
        )

    @admin.action(
        description=_("Send a new invitation link (to set a new password)"),
        permissions=["change"],
    )
    def invitations_resend(self, request, queryset):
        sent, problems = 0, []
        for user in self._not_superusers(request, queryset):
            try:
                services.staff_invitation_resend(user=user, by=request.user)
            except InvitationError as exc:
                problems.append(f"{user.get_username()}: {exc}")
            else:
                sent += 1
        if sent:
            self.message_user(
                request,
                _(
                    "%(count)d invitation link(s) sent. Each works once, for %(hours)d hours; "
                    "the old password keeps working until the new one is set."
                )
                % {"count": sent, "hours": services.INVITATION_HOURS},
                messages.SUCCESS,
            )
        for problem in problems:
            self.message_user(request, problem, messages.ERROR)

    # -- Undang staf --

    def invite_view(self, request):
        """Invite a staff member: the e-mail with a one-time link leaves as a background task;
        the account is made when the link is used."""
        if not self._may_invite(request):
            raise Http404
        form = StaffInvitationForm(request.POST or None, user=request.user)
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                invitation = services.staff_invitation_create(
                    by=request.user,
                    email=data["email"],
                    full_name=data["full_name"],
                    role=data["role"],
                    kelurahan=data.get("kelurahan"),
                    cities=data.get("cities") or [],
                )
            except InvitationError as exc:
                form.add_error(None, str(exc))
            else:
                self.message_user(
                    request,
                    _(
                        "Invitation sent to %(email)s. The link works once, for %(hours)d "
                        "hours; the account is made when it is used. Not arrived? Invite the "
                        "same address again: the new link replaces the old one."
                    )
                    % {"email": invitation.email, "hours": services.INVITATION_HOURS},
                    messages.SUCCESS,
                )
                return HttpResponseRedirect(reverse("admin:auth_user_changelist"))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Invite staff"),
            "form": form,
            "diskominfo_role": roles.DISKOMINFO,
            "changelist_url": reverse("admin:auth_user_changelist"),
        }
        return TemplateResponse(request, "admin/auth/user/invite.html", context)

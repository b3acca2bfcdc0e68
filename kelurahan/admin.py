"""Staff screens for kelurahan content, all scoped through KelurahanScopedMixin."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.models import ADDITION, DELETION, LogEntry
from django.core.exceptions import PermissionDenied
from django.db import models, transaction
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from kelurahan import background, catalog, hosts, images, selectors, services, slugs, tasks
from kelurahan.forms import (
    ArticleAdminForm,
    CityAdminForm,
    KelurahanAdminForm,
    OfficialAdminForm,
    ProvisionForm,
)
from kelurahan.images import ReencodedImageField
from kelurahan.logos import LogoImageField
from kelurahan.models import (
    RT,
    RW,
    Article,
    City,
    CityDayOff,
    CityService,
    KarangTaruna,
    KarangTarunaActivity,
    KarangTarunaOfficer,
    Kecamatan,
    Kelurahan,
    Official,
    Service,
    ServiceContent,
    TaskRun,
)
from kelurahan.nip import NIPField
from kelurahan.tenancy import TenantQuerySet, is_city_staff, user_can_access, user_kelurahan_id
from kelurahan.widgets import MapPickerInput


class _RowIdsUnscoped:
    """Formset mixin: Django checks each row's hidden id against the model's whole table (its
    default manager), which fails closed for tenant models; the check runs unscoped, and the
    formset's own queryset (scoped) still decides which rows it edits."""

    def add_fields(self, form, index):
        super().add_fields(form, index)
        field = form.fields.get(self._pk_field.name)
        queryset = getattr(field, "queryset", None)
        if isinstance(queryset, TenantQuerySet):
            field.queryset = queryset.unscoped("a formset row's id; the formset scopes its rows")


def _with_row_ids_unscoped(formset):
    return type(formset.__name__, (_RowIdsUnscoped, formset), {})


class ScopedFormSetsMixin:
    """Inline and list-editable formsets of a ModelAdmin, with row ids checked unscoped."""

    def get_formset(self, request, obj=None, **kwargs):
        return _with_row_ids_unscoped(super().get_formset(request, obj, **kwargs))

    def get_changelist_formset(self, request, **kwargs):
        return _with_row_ids_unscoped(super().get_changelist_formset(request, **kwargs))


class KelurahanScopedMixin(ScopedFormSetsMixin):
    """Confines a ModelAdmin or inline to the kelurahan the user works for.

    Lists, detail URLs, bulk actions and foreign-key choices all go through the model's
    `for_user` helper, so another kelurahan's row is simply not found. Operators see their own
    kelurahan in a disabled field (so uniqueness per kelurahan is still validated) and
    save_model stamps it, whatever the request says.
    """

    formfield_overrides = {
        models.ImageField: {"form_class": ReencodedImageField},
        models.URLField: {"assume_scheme": "https"},
    }

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        """Another kelurahan's row, like a row that does not exist, is a 404.

        Django's admin would redirect to its index with "… doesn't exist" instead; every view that
        finds no object comes here (change, history, delete, and layanan's letter page and
        moves), so a stranger to the row gets the same plain 404 as a wrong id.
        """
        raise Http404

    def _in_scope(self, request, obj) -> bool:
        return obj is None or user_can_access(request.user, obj)

    def has_view_permission(self, request, obj=None):
        return super().has_view_permission(request, obj) and self._in_scope(request, obj)

    def has_change_permission(self, request, obj=None):
        return super().has_change_permission(request, obj) and self._in_scope(request, obj)

    def has_delete_permission(self, request, obj=None):
        return super().has_delete_permission(request, obj) and self._in_scope(request, obj)

    def get_autocomplete_fields(self, request):
        fields = tuple(super().get_autocomplete_fields(request))
        if is_city_staff(request.user) and self._has_kelurahan_field():
            fields += ("kelurahan",)
        return fields

    def _has_kelurahan_field(self) -> bool:
        return any(f.name == "kelurahan" for f in self.model._meta.fields)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        related = db_field.related_model
        if related is Kelurahan:
            kwargs["queryset"] = (
                Kelurahan.objects.for_user(request.user).with_regions().with_names()
            )
            if not is_city_staff(request.user):
                kwargs["disabled"] = True
                kwargs["initial"] = user_kelurahan_id(request.user)
        elif hasattr(related._default_manager, "for_user"):
            kwargs["queryset"] = related._default_manager.for_user(request.user)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        if not is_city_staff(request.user):
            initial.pop("kelurahan", None)  # the field's own initial: the user's kelurahan
        return initial

    def save_model(self, request, obj, form, change):
        if not is_city_staff(request.user) and self._has_kelurahan_field():
            obj.kelurahan_id = user_kelurahan_id(request.user)
        super().save_model(request, obj, form, change)

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        """A form sent back with errors has lost the files chosen on it (a browser never fills
        a file input again): say which, unless the field itself already says so."""
        if request.method == "POST" and request.FILES and context.get("errors"):
            noted = context["adminform"].form.errors
            lost = [f.name for key, f in request.FILES.items() if key not in noted]
            if lost:
                self.message_user(
                    request,
                    _(
                        "The files you chose (%(names)s) have not been saved because some fields "
                        "need correcting. Choose them again before saving."
                    )
                    % {"names": ", ".join(lost)},
                    messages.WARNING,
                )
        return super().render_change_form(request, context, add, change, form_url, obj)


class ScopedAdmin(KelurahanScopedMixin, admin.ModelAdmin):
    list_select_related = ("kelurahan",)

    def get_list_display(self, request):
        display = tuple(super().get_list_display(request))
        return display + ("kelurahan",) if is_city_staff(request.user) else display

    def get_search_fields(self, request):
        fields = tuple(super().get_search_fields(request))
        return fields + ("kelurahan__name",) if is_city_staff(request.user) else fields


@admin.register(Official)
class OfficialAdmin(ScopedAdmin):
    form = OfficialAdminForm
    list_display = ("position", "name", "nip", "level", "rank")
    list_editable = ("rank",)
    search_fields = ("position", "name", "nip")
    fields = ("kelurahan", "position", "name", "nip", "photo", "level", "rank")

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "nip":  # typed as printed, "19800101 200501 1 001"; stored as digits
            return NIPField(required=False)
        return super().formfield_for_dbfield(db_field, request, **kwargs)


class RTInlineForm(forms.ModelForm):
    """Checks the RT number against the RW's saved RTs as well as the other rows on the page.

    Django's inline forms skip model constraints that name the inline's own foreign key (rw), so
    a stale page or two operators adding the same RT would reach the database constraint as a 500.
    """

    def clean(self):
        cleaned = super().clean()
        number, rw_id = cleaned.get("number"), self.instance.rw_id
        if number and rw_id:
            taken = (
                RT.objects.unscoped("RT numbers are unique within the RW being edited")
                .filter(rw_id=rw_id, number=number)
                .exclude(pk=self.instance.pk)
            )
            if taken.exists():
                self.add_error("number", _("This RT number already exists in this RW."))
        return cleaned


class RTInline(KelurahanScopedMixin, admin.TabularInline):
    model = RT
    form = RTInlineForm
    fields = ("number", "head_name", "phone", "phone_public_since", "streets")
    extra = 1
    formfield_overrides = {models.TextField: {"widget": forms.Textarea(attrs={"rows": 2})}}


@admin.register(RW)
class RWAdmin(ScopedAdmin):
    list_display = ("__str__", "head_name", "phone", "phone_public_since")
    search_fields = ("head_name",)
    fields = ("kelurahan", "number", "head_name", "phone", "phone_public_since")
    inlines = [RTInline]

    def save_model(self, request, obj, form, change):
        super().save_model(request, obj, form, change)
        # An RW moved by Diskominfo takes its RTs along.
        RT.objects.unscoped("the RTs of an RW Diskominfo moves").filter(rw=obj).exclude(
            kelurahan_id=obj.kelurahan_id
        ).update(kelurahan_id=obj.kelurahan_id)

    def save_formset(self, request, form, formset, change):
        # RTs belong to the RW's kelurahan, never to one a request names.
        for inline_form in formset.forms:
            inline_form.instance.kelurahan_id = form.instance.kelurahan_id
        super().save_formset(request, form, formset, change)


@admin.register(KarangTaruna)
class KarangTarunaAdmin(ScopedAdmin):
    list_display = ("name",)
    search_fields = ("name",)


@admin.register(KarangTarunaOfficer)
class KarangTarunaOfficerAdmin(ScopedAdmin):
    list_display = ("position", "name", "rank")
    list_editable = ("rank",)
    search_fields = ("position", "name")
    fields = ("kelurahan", "position", "name", "rank")


@admin.register(KarangTarunaActivity)
class KarangTarunaActivityAdmin(ScopedAdmin):
    list_display = ("title", "date")
    search_fields = ("title",)
    fields = ("kelurahan", "title", "date", "description")


@admin.register(Article)
class ArticleAdmin(ScopedAdmin):
    """Articles: an explicit publish-or-draft choice, a slug made from the title once, and an
    optional image stored re-encoded with its card thumbnail (kelurahan/images.py)."""

    form = ArticleAdminForm
    change_form_template = "admin/kelurahan/article/change_form.html"
    list_display = ("title", "preview", "kind", "status", "published_at")
    list_filter = ("kind", "status")
    search_fields = ("title", "summary")
    date_hierarchy = "published_at"
    fields = (
        "kelurahan",
        "kind",
        "title",
        "summary",
        "body",
        "image",
        "image_alt",
        "status",
        "published_at",
        "event_start",
        "location",
    )
    actions = ["publish", "unpublish"]

    @admin.display(description=_("image"))
    def preview(self, obj):
        if not obj.thumbnail:
            return "—"
        return format_html(
            '<img src="{}" width="64" height="48" alt="" loading="lazy">', obj.thumbnail.url
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["article_state"] = _article_state(request, obj)
        return super().render_change_form(request, context, add, change, form_url, obj)

    def save_model(self, request, obj, form, change):
        # "Publish now" on a new article or a draft means now, unless a time was typed.
        was_published = form.initial.get("status") == Article.Status.PUBLISHED
        if (
            obj.status == Article.Status.PUBLISHED
            and not was_published
            and "published_at" not in form.changed_data
            and obj.published_at < timezone.now()
        ):
            obj.published_at = timezone.now()
        stale = []
        if "image" in form.changed_data:
            previous = form.initial.get("image")
            stale = [(f.storage, f.name) for f in (previous, obj.thumbnail) if f and f.name]
            images.image_with_thumbnail_set(
                image=obj.image, thumbnail=obj.thumbnail, upload=form.cleaned_data["image"] or None
            )
        if change:
            super().save_model(request, obj, form, change)
        else:
            if not is_city_staff(request.user):
                obj.kelurahan_id = user_kelurahan_id(request.user)
            slugs.save_with_free_slug(
                obj,
                text=obj.title,
                scope=Article.objects.for_kelurahan(obj.kelurahan_id),
                save=lambda: super(ArticleAdmin, self).save_model(request, obj, form, change),
            )
        images.files_delete_on_commit(stale)

    def delete_model(self, request, obj):
        files = [(f.storage, f.name) for f in (obj.image, obj.thumbnail) if f.name]
        super().delete_model(request, obj)
        images.files_delete_on_commit(files)

    def delete_queryset(self, request, queryset):
        files = [(f.storage, f.name) for a in queryset for f in (a.image, a.thumbnail) if f.name]
        super().delete_queryset(request, queryset)
        images.files_delete_on_commit(files)

    @admin.action(description=_("Publish the selected articles"), permissions=["change"])
    def publish(self, request, queryset):
        count = queryset.update(status=Article.Status.PUBLISHED)
        self.message_user(request, _("%(count)d article(s) published.") % {"count": count})

    @admin.action(description=_("Unpublish the selected articles"), permissions=["change"])
    def unpublish(self, request, queryset):
        count = queryset.update(status=Article.Status.DRAFT)
        self.message_user(request, _("%(count)d article(s) set to draft.") % {"count": count})


def _article_state(request, article: Article | None) -> str:
    """One sentence for the top of the article screen: is it on the site, and from when.

    Read from the database: on a form sent back with errors, `article` already carries what
    was typed, not what is saved.
    """
    saved = None
    if article is not None and article.pk is not None:
        saved = (
            Article.objects.for_user(request.user)
            .filter(pk=article.pk)
            .values("status", "published_at")
            .first()
        )
    if saved is None:
        return _("New article: choose below whether it is published now or saved as a draft.")
    if saved["status"] != Article.Status.PUBLISHED:
        return _("This article is a draft: it is not shown on the site.")
    if saved["published_at"] > timezone.now():
        return _("This article is published and will be shown on the site from %(time)s.") % {
            "time": date_format(timezone.localtime(saved["published_at"]), "DATETIME_FORMAT")
        }
    return _("This article is published: it is shown on the site.")


def _history_log(request, obj, action_flag: int, message: str) -> None:
    """An admin history entry for a change made by a button rather than a form."""
    LogEntry.objects.log_actions(
        user_id=request.user.pk,
        queryset=[obj],
        action_flag=action_flag,
        change_message=message,
        single_object=True,
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
    fields = ("kelurahan", *ServiceContent.CONTENT_FIELDS)

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
        _history_log(request, version, ADDITION, str(_("Own version of a city service")))
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
        _history_log(request, service, DELETION, str(_("Follow the city's version again")))
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


def _office_map_start(kelurahan: Kelurahan) -> tuple[tuple[float, float] | None, int | None]:
    """Where the office map starts when the office has no point yet: a neighbour's office in
    the same kecamatan (else the same city), close enough to find one's own street."""
    for neighbours in (
        Kelurahan.objects.filter(kecamatan_id=kelurahan.kecamatan_id),
        Kelurahan.objects.filter(kecamatan__city_id=kelurahan.kecamatan.city_id),
    ):
        point = (
            neighbours.filter(latitude__isnull=False, longitude__isnull=False)
            .exclude(pk=kelurahan.pk)
            .values_list("latitude", "longitude")
            .first()
        )
        if point:
            return (float(point[0]), float(point[1])), 14
    return None, None


class SiteStatusFilter(admin.SimpleListFilter):
    title = _("site status")
    parameter_name = "situs"

    def lookups(self, request, model_admin):
        return (("belum", _("Not yet active")), ("aktif", _("Active")))

    def queryset(self, request, queryset):
        if self.value() == "aktif":
            return queryset.filter(is_active=True)
        if self.value() == "belum":
            return queryset.filter(is_active=False)
        return queryset


@admin.register(Kelurahan)
class KelurahanAdmin(KelurahanScopedMixin, admin.ModelAdmin):
    """The kelurahan's own profile; Diskominfo also gets the Provision screen from here, and
    activates sites (one or many, after a readiness checklist it may overrule) or deactivates
    them. Kelurahan staff see their site's state but cannot change it."""

    list_display = ("name", "code", "kind", "kecamatan", "city_name", "slug", "site_status")
    list_select_related = ("kecamatan__city",)
    list_filter = (SiteStatusFilter, "kind")
    actions = ["sites_activate", "sites_deactivate"]
    search_fields = ("name", "code", "slug")
    change_list_template = "admin/kelurahan/kelurahan/change_list.html"
    form = KelurahanAdminForm
    fieldsets = (
        (None, {"fields": ("name", "code", "kind", "kecamatan", "slug", "postal_code")}),
        (_("Web address"), {"fields": ("site_status", "host", "site_address")}),
        (_("Home page"), {"fields": ("welcome_text",)}),
        (
            _("Profile"),
            {
                "fields": (
                    "history",
                    "vision",
                    "mission",
                    "area_km2",
                    ("population_male", "population_female", "households"),
                )
            },
        ),
        (
            _("Office and contact"),
            {
                "fields": (
                    "address",
                    "office_hours",
                    ("phone", "whatsapp"),
                    "email",
                    "website",
                    ("facebook", "instagram", "youtube"),
                )
            },
        ),
        # Each on its own line, so the map picker under the longitude spans the form's width.
        (_("Office location"), {"fields": ("latitude", "longitude")}),
    )

    def get_queryset(self, request):
        # Names as every other list shows them: the autocomplete in other models' forms
        # (a business's kelurahan) says "Desa Grogol (Kec. Weru)" where the name repeats.
        return super().get_queryset(request).with_names()

    @admin.display(description=_("regency/city"), ordering="kecamatan__city__name")
    def city_name(self, obj):
        return obj.kecamatan.city.name

    @admin.display(description=_("site address"))
    def site_address(self, obj):
        return hosts.kelurahan_base_url(obj) + "/" if obj.pk else "-"

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "longitude":  # the same map picker as UMKM places
            kwargs["widget"] = MapPickerInput()
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def get_form(self, request, obj=None, change=False, **kwargs):
        form = super().get_form(request, obj, change=change, **kwargs)
        picker = form.base_fields.get("longitude")
        if picker is not None and isinstance(picker.widget, MapPickerInput) and obj is not None:
            picker.widget.center, picker.widget.zoom = _office_map_start(obj)
        return form

    @admin.display(description=_("site status"), ordering="is_active")
    def site_status(self, obj):
        if obj.is_active:
            return _("Active")
        return _("Not yet active: Diskominfo activates it")

    def get_actions(self, request):
        actions = super().get_actions(request)
        if not is_city_staff(request.user):
            actions.pop("sites_activate", None)
            actions.pop("sites_deactivate", None)
        return actions

    @admin.action(description=_("Activate the selected sites"))
    def sites_activate(self, request, queryset):
        return self._site_activation(request, queryset, active=True)

    @admin.action(description=_("Deactivate the selected sites"))
    def sites_deactivate(self, request, queryset):
        return self._site_activation(request, queryset, active=False)

    def _site_activation(self, request, queryset, *, active: bool):
        """First an intermediate page listing the sites with what each still lacks (warnings
        only: Diskominfo decides), then, on its confirm button, the change."""
        if not is_city_staff(request.user):
            raise PermissionDenied
        chosen = list(queryset.select_related("kecamatan__city").order_by("name"))
        if request.POST.get("confirm") == "yes":
            count = services.site_activation_set(
                kelurahan_ids=[k.pk for k in chosen], active=active, by=request.user
            )
            if active:
                text = _("%(count)d site(s) activated: their pages are public now.")
            else:
                text = _("%(count)d site(s) deactivated: their pages say they are being prepared.")
            self.message_user(request, text % {"count": count}, messages.SUCCESS)
            return None
        warnings = selectors.site_readiness_warnings(k.pk for k in chosen) if active else {}
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Activate sites") if active else _("Deactivate sites"),
            "active": active,
            "rows": [(k, warnings.get(k.pk, [])) for k in chosen],
            "action": request.POST.get("action", ""),
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/kelurahan/kelurahan/site_activation.html", context)

    def get_readonly_fields(self, request, obj=None):
        readonly = ("code", "kind", "kecamatan", "site_address", "site_status")
        return readonly if is_city_staff(request.user) else (*readonly, "name", "slug", "host")

    def has_add_permission(self, request):
        return False  # kelurahan come only from the Provision screen

    def has_delete_permission(self, request, obj=None):
        return False  # letters and content hang off a kelurahan; it is never deleted

    def get_urls(self):
        return [
            path(
                "provision/",
                self.admin_site.admin_view(self.provision_view),
                name="kelurahan_kelurahan_provision",
            ),
            *super().get_urls(),
        ]

    def provision_view(self, request):
        """Diskominfo picks codes; the work runs as a background task (a whole province takes
        minutes) and the browser goes to its progress page."""
        if not (is_city_staff(request.user) and request.user.has_perm("kelurahan.add_city")):
            raise Http404
        form = ProvisionForm(request.POST or None, city=request.GET.get("city"), user=request.user)
        if request.method == "POST" and form.is_valid():
            with transaction.atomic():
                run = tasks.provision_start(codes=form.cleaned_data["codes"], by=request.user)
            return HttpResponseRedirect(reverse("admin:kelurahan_taskrun_change", args=[run.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Provision kelurahan"),
            "form": form,
            "changelist_url": reverse("admin:kelurahan_kelurahan_changelist"),
        }
        return TemplateResponse(request, "admin/kelurahan/provision.html", context)


@admin.register(TaskRun)
class TaskRunAdmin(admin.ModelAdmin):
    """Background work a staff member started: their own only, read only; a run's page is its
    progress bar and, when done, its result."""

    list_display = ("__str__", "state", "percent_done", "created_at", "finished_at")
    list_filter = ("state",)

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        if request.user.is_superuser:
            return queryset
        return queryset.filter(created_by=request.user)

    @admin.display(description=_("progress"))
    def percent_done(self, obj):
        return f"{obj.percent}%"

    def has_module_permission(self, request):
        return is_city_staff(request.user)

    def has_view_permission(self, request, obj=None):
        return request.user.is_active and request.user.is_staff

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self.get_object(request, object_id)
        if run is None:
            raise Http404
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": str(run),
            "run": background.live(run),
            "refresh_seconds": 2,
        }
        return TemplateResponse(request, "admin/kelurahan/taskrun/status.html", context)


class CityDayOffInline(admin.TabularInline):
    """Days the city's offices close beyond the national holidays and cuti bersama, which the
    portal knows already: promised service days skip them."""

    model = CityDayOff
    extra = 1
    fields = ("date", "name")
    verbose_name = _("extra day off")
    verbose_name_plural = _(
        "extra days off (national holidays and cuti bersama are counted already)"
    )


@admin.register(City)
class CityAdmin(admin.ModelAdmin):
    """Diskominfo sees its cities; the logo (for the letterhead) and the host names are theirs
    to change."""

    list_display = ("name", "code", "province_name", "slug")
    search_fields = ("name", "code")
    fields = (
        "name",
        "code",
        "province_name",
        "slug",
        "is_kota",
        "logo",
        "logo_preview",
        "host",
        "kelurahan_host_pattern",
    )
    readonly_fields = ("name", "code", "province_name", "slug", "is_kota", "logo_preview")
    form = CityAdminForm
    formfield_overrides = {models.ImageField: {"form_class": LogoImageField}}
    inlines = [CityDayOffInline]

    @admin.display(description=_("logo as printed"))
    def logo_preview(self, obj):
        """The stored logo on a checked ground, so a transparent background shows as such."""
        if not obj.logo:
            return _("No logo yet: letters are printed without one.")
        return format_html(
            '<img src="{}" alt="{}" class="logo-preview" width="160">',
            obj.logo.url,
            _("Logo of %(city)s") % {"city": obj.name},
        )

    def get_queryset(self, request):
        return super().get_queryset(request).for_user(request.user)

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        raise Http404  # another city's, like one that does not exist

    def has_module_permission(self, request):
        return is_city_staff(request.user) and super().has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Kecamatan)
class KecamatanAdmin(CityAdmin):
    list_display = ("name", "code", "city", "slug")
    fields = readonly_fields = ("name", "code", "city", "slug")
    form = forms.ModelForm
    inlines = []
    list_select_related = ("city",)
    search_fields = ("name", "code")


admin.site.site_header = _("Portal Kelurahan administration")
admin.site.site_title = _("Portal Kelurahan")
admin.site.index_title = _("Staff workspace")

# The staff accounts and the catalog screens register their admins on import.
from kelurahan import admin_accounts, admin_catalog  # noqa: E402, F401

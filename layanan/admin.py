"""Staff screens for letters: issue by NIK, the letter page with its moves, register, settings.

Everything goes through kelurahan's scoping mixin; letters are never deleted here, by anyone.
"""

from __future__ import annotations

import re
import uuid

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ExportForm

from kelurahan import background
from kelurahan.admin import ScopedAdmin
from kelurahan.admin_filters import DateRangeFilter
from kelurahan.models import TaskRun
from kelurahan.nip import rt_rw_padded
from kelurahan.tenancy import is_city_staff, user_kelurahan, user_kelurahan_id
from layanan import access, exports, selectors, services, tasks, workflow
from layanan.admin_filters import LetterKindFilter, full_number
from layanan.admin_forms import (
    IssueStartForm,
    LetterRegisterForm,
    LetterSettingsForm,
)
from layanan.forms import LetterForm
from layanan.kinds import KINDS
from layanan.models import (
    AccessLog,
    Letter,
    LetterEvent,
    LetterSettings,
    LetterType,
    Resident,
)
from layanan.nik import mask_nik, nik_warnings, parse_nik
from layanan.resources import PREVIEW_ROWS, ResidentResource
from layanan.spreadsheets import REGISTER_ENCODING, REGISTER_IMPORT_FORMATS, SemicolonAwareCSV
from layanan.storage import private_file_response, private_storage


def _form_context_name(form_class) -> str:
    """SignForm -> "sign_form": the name a move's form has in the letter page's context."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", form_class.__name__).lower()


@admin.register(Letter)
class LetterAdmin(ScopedAdmin):
    list_display = ("number_or_dash", "name", "letter_type", "state", "created_at")
    list_filter = ("state", LetterKindFilter, ("created_at", DateRangeFilter))
    search_fields = ("number", "name", "nik", "tracking_code")
    list_select_related = ("kelurahan", "letter_type")
    date_hierarchy = "created_at"
    actions = None
    change_list_template = "admin/layanan/letter/change_list.html"

    @admin.display(description=_("number"), ordering="number")
    def number_or_dash(self, obj):
        return obj.number or "—"

    def get_queryset(self, request):
        # Which letters a user sees is layanan.access's decision, here as in every view.
        queryset = access.letters_for(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_search_results(self, request, queryset, search_term):
        nik = full_number(search_term)
        if nik is None:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(nik=nik), False

    def has_add_permission(self, request):
        return False  # letters are issued through the "issue" screen, by NIK

    def has_delete_permission(self, request, obj=None):
        return False  # archival: void, never delete

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("issue/", view(self.issue_view), name="layanan_letter_issue"),
            path("register/", view(self.register_view), name="layanan_letter_register"),
            path("<int:pk>/move/<str:action>/", view(self.move_view), name="layanan_letter_move"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {**(extra_context or {}), "can_issue": self._can_issue(request)}
        return super().changelist_view(request, extra_context)

    def register_view(self, request):
        """The buku agenda surat keluar of a month or a year as a file, or the form to choose.

        Letters come from the scoped queryset, so an operator gets only their kelurahan's.
        """
        if not self.has_view_permission(request):
            raise PermissionDenied
        today = timezone.localdate()
        form = LetterRegisterForm(
            request.GET if "year" in request.GET else None,
            initial={"year": today.year, "month": today.month},
        )
        if form.is_bound and form.is_valid():
            return exports.letter_register_response(
                self.get_queryset(request),
                year=form.cleaned_data["year"],
                month=form.cleaned_data["month"],
                file_format=form.cleaned_data["format"],
                by=request.user,
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Export the outgoing-letter register"),
            "form": form,
        }
        return TemplateResponse(request, "admin/layanan/letter/register.html", context)

    def _can_issue(self, request) -> bool:
        return access.may_issue(request.user)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        letter = self.get_object(request, object_id)
        if letter is None or not self.has_view_permission(request, letter):
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        services.access_log_record(
            by=request.user,
            kelurahan_id=letter.kelurahan_id,
            action=AccessLog.Action.VIEW,
            subject=str(letter),
        )
        if letter.tracking_code and letter.state in (
            Letter.State.SUBMITTED,
            Letter.State.VERIFIED,
        ):
            # An online request was checked by no one when it came in: what its NIK contradicts
            # shows here, where the operator verifies or rejects it.
            for warning in selectors.letter_nik_warnings(letter):
                messages.warning(request, warning)
        return self._letter_page(request, letter)

    def _letter_page(self, request, letter, *, bound=None, status=200):
        """The letter, its details and timeline, and a button or form for each move the user
        may make now, all from the workflow table; `bound` is a move's form sent with errors."""
        labels = KINDS[letter.letter_type.kind].form.base_fields
        user = request.user
        moves = {action.value: access.may_move(user, letter, action) for action in workflow.MOVES}
        offered, forms_by_name = [], {}
        # The moves that destroy nothing come first; the table's order otherwise.
        for move in sorted(workflow.MOVES.values(), key=lambda move: move.destructive):
            if not moves[move.action]:
                continue
            form = None
            if move.form is not None:
                if bound is not None and bound[0] == move.action:
                    form = bound[1]
                else:
                    form = move.form(initial=move.initial(letter) if move.initial else None)
                forms_by_name[_form_context_name(move.form)] = form
            url = reverse("admin:layanan_letter_move", args=[letter.pk, move.action.value])
            offered.append({"move": move, "form": form, "url": url})
        events = list(
            LetterEvent.objects.for_kelurahan(letter.kelurahan_id)
            .filter(letter=letter)
            .select_related("by")
        )
        for event in events:
            event.move = workflow.move_between(event.from_state, event.to_state)
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(letter),
            "letter": letter,
            "nik": letter.nik
            if access.may_see_full_nik(user, letter.kelurahan_id)
            else mask_nik(letter.nik),
            "events": events,
            "moves": moves,
            "offered": offered,
            **forms_by_name,  # "sign_form", "reason_form": the page's forms by name
            "documents": selectors.letter_documents(letter),
            "data_rows": [
                (
                    labels[key].label if key in labels else key,
                    rt_rw_padded(value) if key in ("rt", "rw") else value,
                )
                for key, value in letter.data.items()
                if key not in ("nik", "name")  # shown above the details already
            ],
        }
        return TemplateResponse(request, "admin/layanan/letter/detail.html", context, status=status)

    def move_view(self, request, pk, action):
        """Make one move: the table says which form to bind; its cleaned data go to the one
        service, which checks state, role and kelurahan."""
        move = workflow.move_for(action)
        if request.method != "POST" or move is None:
            raise Http404
        letter = self.get_object(request, str(pk))
        if letter is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, str(pk))
        data = {}
        if move.form is not None:
            form = move.form(request.POST)
            if not form.is_valid():
                return self._letter_page(request, letter, bound=(move.action, form), status=400)
            data = form.cleaned_data
        try:
            services.letter_move(letter_id=letter.pk, action=move.action, by=request.user, **data)
        except services.TransitionError as exc:
            messages.error(request, str(exc))
        except PermissionDenied:
            messages.error(request, _("Your role may not do this to a letter."))
        else:
            messages.success(request, _("The letter was %(done)s.") % {"done": move.done})
        return HttpResponseRedirect(reverse("admin:layanan_letter_change", args=[letter.pk]))

    def issue_view(self, request):
        if not self._can_issue(request):
            raise Http404
        kelurahan = user_kelurahan(request.user)
        start = IssueStartForm(request.GET if "kind" in request.GET else None)
        form = warnings = resident = None
        if start.is_bound and start.is_valid():
            kind = KINDS[start.cleaned_data["kind"]]
            nik = start.cleaned_data["nik"]
            resident = access.residents_for(request.user).filter(nik=nik).first()
            initial = kind.form.initial_from_resident(resident) if resident else {"nik": nik}
            form = kind.form(request.POST or None, initial=initial)
            if request.method == "POST" and form.is_valid():
                letter = services.letter_create(
                    kelurahan=kelurahan, kind=kind.key, by=request.user, data=form.letter_data()
                )
                messages.success(request, _("The letter is ready for signing."))
                # Warnings never block a letter, so a valid form is saved at once: show them on
                # the letter's page, where the operator can still reject it before signing.
                for warning in nik_warnings(
                    parse_nik(letter.nik),
                    birth_date=form.cleaned_data["birth_date"],
                    sex=form.cleaned_data["sex"] or None,
                    region_exists=selectors.nik_region_known,
                ):
                    messages.warning(request, warning)
                return HttpResponseRedirect(
                    reverse("admin:layanan_letter_change", args=[letter.pk])
                )
            # Birth date and sex on the form are the NIK holder's only in the identity block
            # (a birth letter's NIK is a parent's, its birth date the baby's).
            about_holder = form.is_bound and issubclass(kind.form, LetterForm)
            warnings = nik_warnings(
                parse_nik(nik),
                birth_date=form.cleaned_data.get("birth_date") if about_holder else None,
                sex=(form.cleaned_data.get("sex") or None) if about_holder else None,
                region_exists=selectors.nik_region_known,
            )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Issue a letter"),
            "start": start,
            "form": form,
            "resident": resident,
            "warnings": warnings,
            "kelurahan": kelurahan,
        }
        return TemplateResponse(request, "admin/layanan/letter/issue.html", context)


@admin.register(Resident)
class ResidentAdmin(ImportExportMixin, ScopedAdmin):
    """The resident register, with import (preview, then confirm) and export as CSV or XLSX.

    Import is for staff of one kelurahan: rows are stamped with it. Diskominfo has no kelurahan
    to stamp, so the import button is hidden and the import URLs refuse them. Export takes the
    scoped changelist queryset (with its search and filters).
    """

    list_display = ("name", "nik", "rt_padded", "rw_padded", "occupation")
    search_fields = ("name", "nik", "kk_number")
    list_filter = ("sex",)
    resource_classes = [ResidentResource]
    # Imports stream their rows, and so do CSV exports (bounded memory); XLSX exports are
    # import-export's own.
    import_formats = REGISTER_IMPORT_FORMATS
    from_encoding = REGISTER_ENCODING
    export_formats = [SemicolonAwareCSV, base_formats.XLSX]
    import_template_name = "admin/layanan/resident/import.html"
    export_form_class = ExportForm  # the whole register, no column picking

    @admin.display(description=_("RT"), ordering="rt")
    def rt_padded(self, resident):
        return rt_rw_padded(resident.rt)

    @admin.display(description=_("RW"), ordering="rw")
    def rw_padded(self, resident):
        return rt_rw_padded(resident.rw)

    def get_queryset(self, request):
        # Which residents a user sees is layanan.access's decision, as in every view.
        queryset = access.residents_for(request.user)
        ordering = self.get_ordering(request)
        return queryset.order_by(*ordering) if ordering else queryset

    def get_search_results(self, request, queryset, search_term):
        number = full_number(search_term)
        if number is None:
            return super().get_search_results(request, queryset, search_term)
        return queryset.filter(Q(nik=number) | Q(kk_number=number)), False

    def has_import_permission(self, request):
        user = request.user
        return (
            user_kelurahan_id(user) is not None
            and user.has_perm("layanan.add_resident")
            and user.has_perm("layanan.change_resident")
        )

    def has_export_permission(self, request):
        return self.has_view_permission(request)

    def get_import_resource_kwargs(self, request, **kwargs):
        kelurahan = user_kelurahan(request.user)
        if kelurahan is None:
            raise PermissionDenied
        return {"kelurahan": kelurahan}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {}

    def get_urls(self):
        return [
            path(
                "export/<uuid:run_id>/file/",
                self.admin_site.admin_view(self.export_file_view),
                name="layanan_resident_export_file",
            ),
            *super().get_urls(),
        ]

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        """The file, once the export form is valid (import-export's export_action calls this).

        CSV is streamed from the database a chunk at a time (exports.resident_register_csv): the
        same file import-export made, in a second or two and bounded memory at 100,000 residents.
        XLSX is written by a background task (tasks.register_export) and the staff member goes to
        its progress page, which links to the file when it is ready. The export is logged when a
        file is actually made, not when the form is shown.
        """
        if not self.has_export_permission(request):
            raise PermissionDenied
        if not isinstance(file_format, SemicolonAwareCSV):
            return self._xlsx_export_start(request, queryset)
        return exports.resident_register_response(
            queryset,
            by=request.user,
            name=self.get_export_filename(request, queryset, file_format),
            content_type=file_format.get_content_type(),
        )

    def _xlsx_export_start(self, request, queryset):
        # The task decides again which residents the user may see; the ids only narrow that to
        # what the list's search or filter showed.
        narrowed = queryset.count() != self.get_queryset(request).count()
        with transaction.atomic():
            run = background.defer(
                tasks.register_export,
                key=f"register-export:{uuid.uuid4().hex}",
                by=request.user,
                title=_("Resident register export"),
                message=_("Waiting for a worker…"),
                user_id=request.user.pk,
                resident_ids=list(queryset.values_list("pk", flat=True)) if narrowed else None,
            )
        return HttpResponseRedirect(reverse("admin:kelurahan_taskrun_change", args=[run.pk]))

    def export_file_view(self, request, run_id):
        """The XLSX a background export made, only for the staff member who asked for it."""
        run = TaskRun.objects.filter(
            pk=run_id,
            created_by=request.user,
            task_name=tasks.register_export.name,
            state=TaskRun.State.DONE,
        ).first()
        if run is None or not self.has_export_permission(request):
            raise Http404
        name = run.result.get("file", "")
        if not name or not private_storage.exists(name):
            raise Http404
        return private_file_response(
            private_storage,
            name,
            content_type=base_formats.XLSX().get_content_type(),
            filename=f"penduduk-{timezone.localdate(run.finished_at):%Y-%m-%d}.xlsx",
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        resident = self.get_object(request, object_id)
        if request.method == "GET" and resident is not None:
            services.access_log_record(
                by=request.user,
                kelurahan_id=resident.kelurahan_id,
                action=AccessLog.Action.VIEW,
                subject=f"resident {resident.name}",
            )
        return super().change_view(request, object_id, form_url, extra_context)

    def import_action(self, request, **kwargs):
        response = super().import_action(request, **kwargs)
        if isinstance(response, TemplateResponse):
            response.context_data["kelurahan"] = user_kelurahan(request.user)
            response.context_data["preview_rows"] = PREVIEW_ROWS
            response.context_data["preview_slice"] = f":{PREVIEW_ROWS}"
        return response

    def process_import(self, request, **kwargs):
        """The confirmation: the import itself runs as a background task (100,000 rows take
        minutes), and the operator goes to its progress page, which shows the totals at the end.
        The previewed file waits in private storage, so any node and the worker can read it."""
        if not self.has_import_permission(request):
            raise PermissionDenied
        confirm_form = self.create_confirm_form(request)
        if not confirm_form.is_valid():
            return super().process_import(request, **kwargs)  # import-export's error page
        file_name = confirm_form.cleaned_data["import_file_name"]
        with transaction.atomic():
            run = background.defer(
                tasks.register_import,
                key=f"register-import:{file_name}",
                by=request.user,
                title=_("Resident register import"),
                message=_("Waiting for a worker…"),
                kelurahan_id=user_kelurahan_id(request.user),
                user_id=request.user.pk,
                file_name=file_name,
                format_index=int(confirm_form.cleaned_data["format"]),
            )
        return HttpResponseRedirect(reverse("admin:kelurahan_taskrun_change", args=[run.pk]))


@admin.register(LetterType)
class LetterTypeAdmin(ScopedAdmin):
    list_display = ("name", "kind", "classification", "online", "is_active")
    fields = ("kelurahan", "kind", "name", "classification", "service", "online", "is_active")
    readonly_fields = ("kind",)

    def has_add_permission(self, request):
        return False  # made from the kinds in code when the kelurahan is provisioned

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LetterSettings)
class LetterSettingsAdmin(ScopedAdmin):
    form = LetterSettingsForm
    list_display = ("__str__", "paper", "number_format", "online_requests")

    def has_add_permission(self, request):
        """Until a kelurahan's settings are first saved, the defaults count (a page that reads
        them writes nothing); its staff who may change them add its one row by saving them.
        (No query here: the admin asks on every page, for its menu.)"""
        user = request.user
        return user.has_perm("layanan.change_lettersettings") and not is_city_staff(user)

    def _unsaved(self, request) -> bool:
        """Whether the user's own kelurahan has no saved settings yet."""
        kelurahan_id = user_kelurahan_id(request.user)
        return kelurahan_id is not None and not (
            LetterSettings.objects.for_kelurahan(kelurahan_id).exists()
        )

    def changelist_view(self, request, extra_context=None):
        # Nothing saved yet: the form with the defaults, which creates the row once saved.
        if self.has_add_permission(request) and self._unsaved(request):
            return HttpResponseRedirect(reverse("admin:layanan_lettersettings_add"))
        return super().changelist_view(request, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        if not self._unsaved(request):
            # One row per kelurahan, already saved (change it there), or no kelurahan at all.
            return HttpResponseRedirect(reverse("admin:layanan_lettersettings_changelist"))
        return super().add_view(request, form_url, extra_context)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessLog)
class AccessLogAdmin(ScopedAdmin):
    """Read-only: who saw which letter or resident record, and when."""

    list_display = ("at", "user", "action", "subject")
    list_filter = ("action",)
    search_fields = ("subject", "user__username")
    list_select_related = ("kelurahan", "user")
    date_hierarchy = "at"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

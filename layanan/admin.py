"""Staff screens for letters: issue by NIK, the letter page with its moves, register, settings.

Everything goes through kelurahan's scoping mixin; letters are never deleted here, by anyone.
"""

from __future__ import annotations

import datetime
import re

from django import forms
from django.contrib import admin, messages
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect, StreamingHttpResponse
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.dates import MONTHS
from django.utils.formats import number_format
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ExportForm
from import_export.results import RowResult

from kelurahan.admin import ScopedAdmin
from kelurahan.admin_filters import DateRangeFilter
from kelurahan.models import Official
from kelurahan.tenancy import user_kelurahan, user_kelurahan_id
from layanan import selectors, services
from layanan.forms import LetterForm, NIKField, ReasonForm, SignForm
from layanan.kinds import KINDS
from layanan.models import (
    AccessLog,
    Letter,
    LetterEvent,
    LetterSettings,
    LetterType,
    Resident,
)
from layanan.nik import nik_warnings, parse_nik
from layanan.numbering import NumberFormatError, check_format
from layanan.resources import (
    PREVIEW_ROWS,
    LetterRegisterResource,
    ResidentResource,
    SemicolonAwareCSV,
    StreamedXLSX,
    resident_register_csv,
    spreadsheet_safe,
)


class IssueStartForm(forms.Form):
    """Step one of issuing: which letter, for which NIK."""

    kind = forms.ChoiceField(label=_("Letter"), choices=[(k, v.name) for k, v in KINDS.items()])
    nik = NIKField()


class LetterSettingsForm(forms.ModelForm):
    class Meta:
        model = LetterSettings
        fields = ("kelurahan", "number_format", "paper", "online_requests", "resident_pdf_download")

    def clean_number_format(self):
        value = self.cleaned_data["number_format"]
        try:
            check_format(value)
        except NumberFormatError as exc:
            raise forms.ValidationError(str(exc.args[0])) from exc
        return value


class LetterRegisterForm(forms.Form):
    """Which month (or whole year) of the outgoing-letter register, in which file format."""

    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    month = forms.TypedChoiceField(
        label=_("Month"),
        choices=[("", _("Whole year")), *MONTHS.items()],
        coerce=int,
        empty_value=None,
        required=False,
    )
    format = forms.ChoiceField(
        label=_("File format"),
        choices=[("xlsx", "Excel (XLSX)"), ("csv", "CSV")],
        initial="xlsx",
        widget=forms.RadioSelect,
    )


REGISTER_FORMATS = {"xlsx": base_formats.XLSX, "csv": base_formats.CSV}
# import-export builds an XLSX whole in memory at about 2,000 rows a second (100,000 residents:
# 46 s and 500 MB, past gunicorn's 30 s timeout); bigger registers are exported as CSV.
XLSX_MAX_ROWS = 20_000
# A search term that is a whole NIK or KK number: 16 digits, maybe typed with spaces or dots.
FULL_NUMBER = re.compile(r"[0-9]{16}")


def full_number(search_term: str) -> str | None:
    """The 16 digits of a search term that is a whole NIK/KK number, else None.

    Such a term is looked up exactly (an index lookup), not with icontains on every searched
    column, which reads the whole register; the rows found are the same.
    """
    digits = re.sub(r"[\s.]", "", search_term)
    return digits if FULL_NUMBER.fullmatch(digits) else None


class LetterKindFilter(admin.SimpleListFilter):
    """The letter kinds this code knows (layanan.kinds.KINDS), under the parameter and labels
    of the plain `letter_type__kind` filter it replaces, which listed the distinct kinds of every
    letter type of every kelurahan on each page."""

    title = LetterType._meta.get_field("kind").verbose_name
    parameter_name = "letter_type__kind"

    def lookups(self, request, model_admin):
        return [(key, key) for key in KINDS]

    def queryset(self, request, queryset):
        if self.value():
            return queryset.filter(letter_type__kind=self.value())
        return queryset


def _log_export(request, subject: str, queryset) -> None:
    """Exports of personal data are logged for every kelurahan whose rows left in the file:
    an operator's own, or each kelurahan in a Diskominfo city-wide export."""
    own = user_kelurahan_id(request.user)
    if own:
        kelurahan_ids = [own]
    else:
        kelurahan_ids = sorted(
            queryset.order_by().values_list("kelurahan_id", flat=True).distinct()
        )
        subject = f"{subject} (city-wide)"
    for kelurahan_id in kelurahan_ids:
        services.access_log_record(
            by=request.user,
            kelurahan_id=kelurahan_id,
            action=AccessLog.Action.EXPORT,
            subject=subject,
        )


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
            year, month = form.cleaned_data["year"], form.cleaned_data["month"]
            start = datetime.date(year, month or 1, 1)
            end = datetime.date(year + (month or 12) // 12, (month or 12) % 12 + 1, 1)
            zone = timezone.get_current_timezone()
            letters = LetterRegisterResource.register_queryset(self.get_queryset(request)).filter(
                signed_at__gte=datetime.datetime.combine(start, datetime.time(), zone),
                signed_at__lt=datetime.datetime.combine(end, datetime.time(), zone),
            )
            file_format = REGISTER_FORMATS[form.cleaned_data["format"]]()
            dataset = LetterRegisterResource().export(queryset=letters)
            if form.cleaned_data["format"] == "csv":
                # "Keperluan" comes from residents' online requests: no cell of a CSV may open
                # as a formula in a spreadsheet (import-export only strips a leading "=").
                dataset = spreadsheet_safe(dataset)
            response = HttpResponse(
                file_format.export_data(dataset), content_type=file_format.get_content_type()
            )
            period = f"{year}-{month:02d}" if month else str(year)
            _log_export(request, f"buku agenda surat keluar {period}", letters)
            name = f"buku-agenda-surat-keluar-{period}.{file_format.get_extension()}"
            response["Content-Disposition"] = f'attachment; filename="{name}"'
            return response
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Export the outgoing-letter register"),
            "form": form,
        }
        return TemplateResponse(request, "admin/layanan/letter/register.html", context)

    def _can_issue(self, request) -> bool:
        return bool(user_kelurahan_id(request.user)) and request.user.has_perm("layanan.add_letter")

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

    def _letter_page(self, request, letter, *, sign_form=None, reason_form=None, status=200):
        head = (
            Official.objects.for_kelurahan(letter.kelurahan_id)
            .filter(level=Official.Level.HEAD)
            .first()
        )
        labels = KINDS[letter.letter_type.kind].form.base_fields
        user = request.user
        moves = {
            action: letter.state in sources and user.has_perm(permission)
            for action, (sources, _target, permission) in services.MOVES.items()
        }
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(letter),
            "letter": letter,
            "events": LetterEvent.objects.for_kelurahan(letter.kelurahan_id)
            .filter(letter=letter)
            .select_related("by"),
            "moves": moves,
            "sign_form": sign_form
            or SignForm(
                initial={
                    "signer_name": head.name if head else "",
                    "signer_position": letter.kelurahan.head_title,
                    "signer_nip": head.nip if head else "",
                }
            ),
            "reason_form": reason_form or ReasonForm(),
            "documents": selectors.letter_documents(letter),
            "data_rows": [
                (labels[key].label if key in labels else key, value)
                for key, value in letter.data.items()
                if key not in ("nik", "name")  # shown above the details already
            ],
        }
        return TemplateResponse(request, "admin/layanan/letter/detail.html", context, status=status)

    def move_view(self, request, pk, action):
        if request.method != "POST" or action not in services.MOVES:
            raise Http404
        letter = self.get_object(request, str(pk))
        if letter is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, str(pk))
        sign_form = reason_form = None
        try:
            if action == "sign":
                sign_form = SignForm(request.POST)
                if not sign_form.is_valid():
                    return self._letter_page(request, letter, sign_form=sign_form, status=400)
                services.letter_sign(
                    letter_id=letter.pk,
                    by=request.user,
                    signer_name=sign_form.cleaned_data["signer_name"],
                    signer_position=sign_form.cleaned_data["signer_position"],
                    signer_nip=sign_form.cleaned_data["signer_nip"],
                    capacity=sign_form.cleaned_data["capacity"],
                    site_url=request.build_absolute_uri("/"),
                )
            elif action in ("reject", "void"):
                reason_form = ReasonForm(request.POST)
                if not reason_form.is_valid():
                    return self._letter_page(request, letter, reason_form=reason_form, status=400)
                move = services.letter_reject if action == "reject" else services.letter_void
                move(
                    letter_id=letter.pk, by=request.user, reason=reason_form.cleaned_data["reason"]
                )
            elif action == "verify":
                services.letter_verify(letter_id=letter.pk, by=request.user)
            else:
                services.letter_hand_over(letter_id=letter.pk, by=request.user)
        except services.TransitionError as exc:
            messages.error(request, str(exc))
        except PermissionDenied:
            messages.error(request, _("Your role may not do this to a letter."))
        else:
            messages.success(request, _("Done."))
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
            resident = Resident.objects.for_kelurahan(kelurahan).filter(nik=nik).first()
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

    list_display = ("name", "nik", "rt", "rw", "occupation")
    search_fields = ("name", "nik", "kk_number")
    list_filter = ("sex",)
    resource_classes = [ResidentResource]
    # Imports stream their rows, and so do CSV exports (bounded memory); XLSX exports are
    # import-export's own.
    import_formats = [SemicolonAwareCSV, StreamedXLSX]
    export_formats = [SemicolonAwareCSV, base_formats.XLSX]
    import_template_name = "admin/layanan/resident/import.html"
    export_form_class = ExportForm  # the whole register, no column picking

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

    def _do_file_export(self, file_format, request, queryset, export_form=None):
        """The file, once the export form is valid (import-export's export_action calls this).

        CSV is streamed from the database a chunk at a time (resident_register_csv): the same
        file import-export made, in a second or two and bounded memory at 100,000 residents.
        XLSX is import-export's own, built whole in memory, so it is refused past XLSX_MAX_ROWS
        (export_action shows a ValueError's text on the form). The export is logged here, when
        a file actually leaves, not when the form is shown.
        """
        if not self.has_export_permission(request):
            raise PermissionDenied
        if not isinstance(file_format, SemicolonAwareCSV):
            count = queryset.count()
            if count > XLSX_MAX_ROWS:
                raise ValueError(
                    gettext(
                        "An Excel (XLSX) file can hold at most %(max)s residents, and this "
                        "export has %(count)s. Choose CSV (Excel opens it too), or narrow the "
                        "list with a search or filter first."
                    )
                    % {
                        "max": number_format(XLSX_MAX_ROWS, force_grouping=True),
                        "count": number_format(count, force_grouping=True),
                    }
                )
            _log_export(request, "resident register", queryset)
            return super()._do_file_export(file_format, request, queryset, export_form)
        chunks = resident_register_csv(queryset)
        _log_export(request, "resident register", queryset)
        response = StreamingHttpResponse(chunks, content_type=file_format.get_content_type())
        name = self.get_export_filename(request, queryset, file_format)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

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

    def generate_log_entries(self, result, request):
        """One admin log entry per import; import-export's would be one per row (100,000)."""
        totals = result.totals
        LogEntry.objects.create(
            user_id=request.user.pk,
            content_type=ContentType.objects.get_for_model(Resident),
            object_repr=gettext("Resident register import"),
            action_flag=ADDITION,
            change_message=gettext("Imported: %(new)d new, %(updated)d updated.")
            % {
                "new": totals[RowResult.IMPORT_TYPE_NEW],
                "updated": totals[RowResult.IMPORT_TYPE_UPDATE],
            },
        )

    def process_result(self, result, request):
        if result.has_errors() or result.has_validation_errors():
            # The data changed between preview and confirmation (the import ran in one
            # transaction and was rolled back): say so instead of "Import finished".
            messages.error(
                request,
                _("Nothing was imported: the file no longer passes the checks. Import it again."),
            )
            return HttpResponseRedirect(reverse("admin:layanan_resident_import"))
        return super().process_result(result, request)


@admin.register(LetterType)
class LetterTypeAdmin(ScopedAdmin):
    list_display = ("name", "kind", "classification", "online", "is_active")
    fields = ("kelurahan", "kind", "name", "classification", "service", "online", "is_active")
    readonly_fields = ("kind",)

    def has_add_permission(self, request):
        return False  # made from the kinds in code on first use

    def changelist_view(self, request, extra_context=None):
        kelurahan = user_kelurahan(request.user)
        if kelurahan:
            services.letter_types_ensure(kelurahan=kelurahan)
        return super().changelist_view(request, extra_context)

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(LetterSettings)
class LetterSettingsAdmin(ScopedAdmin):
    form = LetterSettingsForm
    list_display = ("__str__", "paper", "number_format", "online_requests")

    def has_add_permission(self, request):
        return False  # created on first use

    def changelist_view(self, request, extra_context=None):
        kelurahan = user_kelurahan(request.user)
        if kelurahan:
            services.letter_settings_get(kelurahan=kelurahan)
        return super().changelist_view(request, extra_context)

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

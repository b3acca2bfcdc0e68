"""Staff screens for letters: issue by NIK, the letter page with its moves, register, settings.

Everything goes through kelurahan's scoping mixin; letters are never deleted here, by anyone.
"""

from __future__ import annotations

import datetime
import re
import uuid

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.db.models import Q
from django.http import Http404, HttpResponse, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.http import content_disposition_header
from django.utils.translation import gettext_lazy as _
from import_export.admin import ImportExportMixin
from import_export.formats import base_formats
from import_export.forms import ExportForm

from kelurahan import background
from kelurahan.admin import ScopedAdmin
from kelurahan.admin_filters import DateRangeFilter
from kelurahan.models import StaffMembership, TaskRun
from kelurahan.nip import rt_rw_padded
from kelurahan.tenancy import is_city_staff, user_kelurahan, user_kelurahan_id
from layanan import access, exports, pdf, register_upkeep, selectors, services, tasks, workflow
from layanan.admin_filters import LetterKindFilter, PromiseFilter, full_number
from layanan.admin_forms import (
    IssueStartForm,
    LetterRegisterForm,
    LetterSettingsForm,
    LetterTypeForm,
)
from layanan.admin_lookup import resident_lookup_view
from layanan.admin_texts import LetterTextAdmin
from layanan.forms import LetterForm
from layanan.kinds import KINDS
from layanan.models import (
    AccessLog,
    Letter,
    LetterEvent,
    LetterSettings,
    LetterText,
    LetterType,
    Resident,
    SigningAuthority,
)
from layanan.nik import mask_nik, nik_warnings, parse_nik
from layanan.register_import import (
    BadRows,
    RegisterConfirmForm,
    RegisterImportForm,
    bad_rows_content_type,
    bad_rows_file,
    bad_rows_token,
    example_file_response,
)
from layanan.resources import PREVIEW_ROWS, ResidentResource
from layanan.spreadsheets import REGISTER_ENCODING, REGISTER_IMPORT_FORMATS, SemicolonAwareCSV
from layanan.storage import private_file_response, private_storage

# Letters that have a draft to check: not yet signed, not refused.
DRAFT_STATES = (Letter.State.SUBMITTED, Letter.State.WAITING, Letter.State.VERIFIED)


def _detail_label(labels: dict, key: str) -> str:
    """A letter detail's label: its form field's, or for an age the form computes from a date of
    birth (`age`, `<person>_age`) the person's date-of-birth label with "age" in its place."""
    if key in labels:
        return labels[key].label
    if key == "age" or key.endswith("_age"):
        prefix = key[: -len("age")]
        born = labels.get(f"{prefix}birth_date")
        if born is not None and ":" in str(born.label):  # "Pelapor: tanggal lahir"
            person = str(born.label).split(":")[0]
            return _("%(person)s: age") % {"person": person}
        return _("Age")
    return key


def _shown(field, key: str, value):
    """A letter detail as staff read it: a choice by its label, a date as a date, RT/RW padded."""
    if key in ("rt", "rw"):
        return rt_rw_padded(value)
    choices = dict(getattr(field, "choices", None) or ())
    if value in choices:
        return choices[value]
    if isinstance(value, str) and len(value) == 10 and value[4] == "-" and value[7] == "-":
        try:
            return date_format(datetime.date.fromisoformat(value), "j F Y")
        except ValueError:
            return value
    return value


def _move_done_message(move, letter, moved, *, reissue: bool) -> str:
    """What the confirmation says: the letter by its number once it has one, what happened and
    what comes next (the workflow table's words; the letter page then offers that next step)."""
    if reissue:
        return _(
            "Letter %(number)s is void. A new letter with its details is ready: correct what "
            "needs correcting, then it goes to the signer."
        ) % {"number": letter.number}
    values = {"number": moved.number, "name": moved.name, "done": move.done}
    return (move.confirmation or _("The letter was %(done)s.")) % values


def _move_form(move, letter, user, *, data=None, initial=None):
    """A move's form for the letter page: field ids carry the move ("id_reject_reason"), as two
    moves may share a form on one page; the field names stay as the move view reads them."""
    options = move.form_options(letter, user) if move.form_options else {}
    return move.form(data, initial=initial, auto_id=f"id_{move.action}_%s", **options)


def _form_context_name(form_class) -> str:
    """SignForm -> "sign_form": the name a move's form has in the letter page's context."""
    return re.sub(r"(?<!^)(?=[A-Z])", "_", form_class.__name__).lower()


@admin.register(Letter)
class LetterAdmin(ScopedAdmin):
    list_display = ("number_or_dash", "name", "letter_type", "state", "created_at")
    list_filter = ("state", LetterKindFilter, PromiseFilter, ("created_at", DateRangeFilter))
    search_fields = ("number", "name", "nik", "tracking_code")
    list_select_related = ("kelurahan", "letter_type")
    date_hierarchy = "created_at"
    actions = None
    change_list_template = "admin/layanan/letter/change_list.html"

    @admin.display(description=_("number"), ordering="number")
    def number_or_dash(self, obj):
        if obj.recorded_outside:  # a register row of a letter made outside the portal
            return _("%(number)s (outside the portal)") % {"number": obj.number}
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
            path("issue/lookup/", resident_lookup_view, name="layanan_letter_lookup"),
            path("register/", view(self.register_view), name="layanan_letter_register"),
            path("<int:pk>/move/<str:action>/", view(self.move_view), name="layanan_letter_move"),
            path("<int:pk>/draft.pdf", view(self.draft_view), name="layanan_letter_draft"),
            path("<int:pk>/edit/", view(self.edit_view), name="layanan_letter_edit"),
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
            Letter.State.WAITING,
            Letter.State.VERIFIED,
        ):
            # An online request was checked by no one when it came in: what its NIK contradicts
            # shows here, where the operator verifies or rejects it.
            for warning in selectors.letter_nik_warnings(letter):
                messages.warning(request, warning)
        for warning in register_upkeep.letter_register_warnings(letter):  # NIK of a deceased
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
                    initial = move.initial(letter) if move.initial else None
                    form = _move_form(move, letter, user, initial=initial)
                # Two moves may share a form class: the one sent with errors keeps the name.
                name = _form_context_name(move.form)
                if not (bound is not None and forms_by_name.get(name) is bound[1]):
                    forms_by_name[name] = form
            url = reverse("admin:layanan_letter_move", args=[letter.pk, move.action.value])
            offered.append({"move": move, "form": form, "url": url})
        events = list(
            LetterEvent.objects.for_kelurahan(letter.kelurahan_id)
            .filter(letter=letter)
            .select_related("by")
        )
        for event in events:
            event.move = workflow.move_between(event.from_state, event.to_state)
        editable = letter.state in services.EDITABLE_STATES
        whatsapp_url = selectors.resident_whatsapp_url(letter)
        # Handing over is shown among a signed letter's next steps, not with the other moves.
        hand_over = next(
            (offer for offer in offered if offer["move"].action == workflow.Action.HAND_OVER),
            None,
        )
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": str(letter),
            "letter": letter,
            "next_steps": letter.state == Letter.State.SIGNED or whatsapp_url,
            "whatsapp_url": whatsapp_url,
            "hand_over": hand_over,
            **register_upkeep.letter_page_context(letter, user),
            "draft_url": reverse("admin:layanan_letter_draft", args=[letter.pk])
            if letter.state in DRAFT_STATES
            else "",
            "edit_url": reverse("admin:layanan_letter_edit", args=[letter.pk])
            if editable and user.has_perm("layanan.change_letter")
            else "",
            # A row made outside the portal has no details to issue again from.
            "may_reissue": access.may_issue(user) and not letter.recorded_outside,
            # Only a void letter can have been issued again.
            "reissues": list(
                Letter.objects.for_kelurahan(letter.kelurahan_id).filter(reissue_of=letter)
            )
            if letter.state == Letter.State.VOID
            else [],
            "nik": letter.nik
            if access.may_see_full_nik(user, letter.kelurahan_id)
            else mask_nik(letter.nik),
            "events": events,
            "moves": moves,
            "offered": offered,
            **forms_by_name,  # "sign_form", "reason_form": the page's forms by name
            "documents": selectors.letter_documents(letter),
            "data_rows": [
                (_detail_label(labels, key), _shown(labels.get(key), key, value))
                for key, value in letter.data.items()
                if key not in ("nik", "name")  # shown above the details already
            ],
        }
        return TemplateResponse(request, "admin/layanan/letter/detail.html", context, status=status)

    def draft_view(self, request, pk):
        """The letter as it will print, watermarked DRAF, without number or QR code: for the
        operator and the signer to check it before it is signed. Rendered on each request and
        never stored; only letters not yet signed have one."""
        letter = self.get_object(request, str(pk))
        if letter is None or letter.state not in DRAFT_STATES:
            raise Http404
        services.access_log_record(
            by=request.user,
            kelurahan_id=letter.kelurahan_id,
            action=AccessLog.Action.VIEW,
            subject=f"draft of {letter}",
        )
        paper = services.letter_settings_get(kelurahan=letter.kelurahan).paper
        content = pdf.render_letter_pdf(letter, verify_url="", paper=paper, draft=True)
        response = HttpResponse(content, content_type="application/pdf")
        response["Content-Disposition"] = content_disposition_header(
            as_attachment=False, filename=f"draf-{letter.pk}.pdf"
        )
        response["Cache-Control"] = "private, no-store"
        return response

    def edit_view(self, request, pk):
        """Correct the details of a letter not yet signed, on its kind's form prefilled with
        them; each saved change is an event of the letter's timeline."""
        letter = self.get_object(request, str(pk))
        if (
            letter is None
            or letter.state not in services.EDITABLE_STATES
            or not request.user.has_perm("layanan.change_letter")
        ):
            raise Http404
        kind = KINDS[letter.letter_type.kind]
        form = kind.form(request.POST or None, initial=letter.data)
        if request.method == "POST" and form.is_valid():
            try:
                services.letter_details_update(
                    letter_id=letter.pk, by=request.user, data=form.letter_data()
                )
            except services.TransitionError as exc:
                messages.error(request, str(exc))
            else:
                messages.success(request, _("The letter's details were saved."))
            return HttpResponseRedirect(reverse("admin:layanan_letter_change", args=[letter.pk]))
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": _("Change the details of %(letter)s") % {"letter": letter},
            "letter": letter,
            "form": form,
        }
        status = 400 if form.is_bound else 200
        return TemplateResponse(request, "admin/layanan/letter/edit.html", context, status=status)

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
            form = _move_form(move, letter, request.user, data=request.POST)
            if not form.is_valid():
                return self._letter_page(request, letter, bound=(move.action, form), status=400)
            data = form.cleaned_data
        reissue = move.action == workflow.Action.VOID and "reissue" in request.POST
        try:
            if reissue:
                moved = services.letter_void_and_reissue(
                    letter_id=letter.pk, by=request.user, reason=data["reason"]
                )
            else:
                moved = services.letter_move(
                    letter_id=letter.pk, action=move.action, by=request.user, **data
                )
        except services.TransitionError as exc:
            messages.error(request, str(exc))
        except PermissionDenied:
            messages.error(request, _("Your role may not do this to a letter."))
        else:
            messages.success(request, _move_done_message(move, letter, moved, reissue=reissue))
            if reissue:
                # The new letter, to correct what made the old one void before it is signed.
                return HttpResponseRedirect(reverse("admin:layanan_letter_edit", args=[moved.pk]))
        return HttpResponseRedirect(reverse("admin:layanan_letter_change", args=[letter.pk]))

    def issue_view(self, request):
        if not self._can_issue(request):
            raise Http404
        kelurahan = user_kelurahan(request.user)
        # From the work page the NIK comes with the kind's button; a kind alone (a link) only
        # preselects it.
        start = IssueStartForm(
            request.GET if "nik" in request.GET else None,
            initial={"kind": request.GET.get("kind")},
        )
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
            warnings = register_upkeep.resident_warnings(resident) + nik_warnings(
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
    to stamp, so the import button is hidden and the import URLs refuse them. The import page
    offers example files; a file with bad rows lists them ("Baris 7: ..."), hands them back as a
    file to fix, and may import its good rows now (layanan/register_import.py). Export takes the
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
    # The file is checked against its format before it is stored or read; the confirmation may
    # import only the rows that pass (layanan/register_import.py).
    import_form_class = RegisterImportForm
    confirm_form_class = RegisterConfirmForm
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
        """A full NIK or KK number: that row. Words without digits: the residents whose name
        holds every word, by `name__icontains` alone, which the trigram index on the name
        serves on PostgreSQL (layanan 0013); OR-ing in the number columns, as the admin's
        own search does, would read the whole register. Anything else: the admin's search."""
        number = full_number(search_term)
        if number is not None:
            return queryset.filter(Q(nik=number) | Q(kk_number=number)), False
        words = search_term.split()
        if words and not any(character.isdigit() for character in search_term):
            for word in words:
                queryset = queryset.filter(name__icontains=word)
            return queryset, False
        return super().get_search_results(request, queryset, search_term)

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
        # The preview's bad rows, for the file that import_action offers (per request: the
        # admin object is shared by every request).
        request.register_bad_rows = BadRows()
        return {"kelurahan": kelurahan, "bad_rows": request.register_bad_rows}

    def get_export_resource_kwargs(self, request, **kwargs):
        return {}

    def get_urls(self):
        return [
            path(
                "export/<uuid:run_id>/file/",
                self.admin_site.admin_view(self.export_file_view),
                name="layanan_resident_export_file",
            ),
            path(
                "import/example.<str:kind>",
                self.admin_site.admin_view(self.import_example_view),
                name="layanan_resident_import_example",
            ),
            path(
                "import/bad-rows/<str:token>/",
                self.admin_site.admin_view(self.import_bad_rows_view),
                name="layanan_resident_import_bad_rows",
            ),
            path(
                "import/<uuid:run_id>/result/",
                self.admin_site.admin_view(self.import_result_view),
                name="layanan_resident_import_result",
            ),
            *super().get_urls(),
        ]

    def import_example_view(self, request, kind):
        """The example register file (header row and one made-up resident), made on the fly."""
        if not self.has_import_permission(request) or kind not in ("csv", "xlsx"):
            raise Http404
        return example_file_response(user_kelurahan(request.user), kind)

    def import_bad_rows_view(self, request, token):
        """The rows an import left out, with their reasons: only for the staff member whose
        import it was (the token is signed for them), from private storage."""
        name = bad_rows_file(token, request.user)
        if name is None or not self.has_import_permission(request):
            raise Http404
        extension = name.rsplit(".", 1)[-1]
        return private_file_response(
            private_storage,
            name,
            content_type=bad_rows_content_type(name),
            filename=f"penduduk-perlu-diperbaiki-{timezone.localdate():%Y-%m-%d}.{extension}",
        )

    def import_result_view(self, request, run_id):
        """What a background import that left rows out did: totals, the bad rows with their
        reasons, and the file of them to fix and import again."""
        run = TaskRun.objects.filter(
            pk=run_id,
            created_by=request.user,
            task_name=tasks.register_import.name,
            state=TaskRun.State.DONE,
        ).first()
        if run is None or not self.has_import_permission(request):
            raise Http404
        name = run.result.get("bad_rows_file", "")
        context = {
            **self.admin_site.each_context(request),
            "opts": self.model._meta,
            "title": _("Result of the resident register import"),
            "run": run,
            "bad_rows_url": reverse(
                "admin:layanan_resident_import_bad_rows",
                args=[bad_rows_token(name=name, user=request.user)],
            )
            if name and private_storage.exists(name)
            else "",
        }
        return TemplateResponse(request, "admin/layanan/resident/import_result.html", context)

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

    def add_data_read_fail_error_to_form(self, form, e):
        form.add_error(
            "import_file",
            _(
                "The file could not be read. Check that the chosen format matches the file, and "
                "that it is the register saved from a spreadsheet (CSV UTF-8 or XLSX)."
            ),
        )

    def import_action(self, request, **kwargs):
        """import-export's upload and preview, plus the example files, and for a file with bad
        rows: the rows listed with their reasons, a file of them to fix, and the choice to
        import the good rows now (`partial_confirm_form`)."""
        response = super().import_action(request, **kwargs)
        bad_rows = getattr(request, "register_bad_rows", None)
        if not isinstance(response, TemplateResponse):
            if bad_rows is not None:
                bad_rows.close()
            return response
        context = response.context_data
        context["kelurahan"] = user_kelurahan(request.user)
        context["preview_rows"] = PREVIEW_ROWS
        context["preview_slice"] = f":{PREVIEW_ROWS}"
        context["example_csv_url"] = reverse("admin:layanan_resident_import_example", args=["csv"])
        context["example_xlsx_url"] = reverse(
            "admin:layanan_resident_import_example", args=["xlsx"]
        )
        result = context.get("result")
        if bad_rows is not None and bad_rows.count and result and not result.has_errors():
            token = bad_rows_token(name=bad_rows.save(), user=request.user)
            context["bad_rows_count"] = bad_rows.count
            context["bad_rows_url"] = reverse(
                "admin:layanan_resident_import_bad_rows", args=[token]
            )
            totals = result.totals
            good = totals["new"] + totals["update"]
            context["good_rows_count"] = good
            if good:
                partial_form = self.create_confirm_form(request, import_form=context["form"])
                partial_form.initial["partial"] = True
                context["partial_confirm_form"] = partial_form
        elif bad_rows is not None:
            bad_rows.close()
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
                partial=confirm_form.cleaned_data.get("partial", False),
            )
        return HttpResponseRedirect(reverse("admin:kelurahan_taskrun_change", args=[run.pk]))


@admin.register(LetterType)
class LetterTypeAdmin(ScopedAdmin):
    form = LetterTypeForm
    list_display = ("name", "kind_label", "classification", "online", "is_active")
    fields = (
        "kelurahan",
        "kind_label",
        "name",
        "classification",
        "catalog",
        "online",
        "is_active",
    )
    readonly_fields = ("kind_label",)

    @admin.display(description=LetterType._meta.get_field("kind").verbose_name, ordering="kind")
    def kind_label(self, letter_type):
        """The kind by its label (its default name), not its code ("kematian")."""
        kind = KINDS.get(letter_type.kind)
        return kind.name if kind else letter_type.kind

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


admin.site.register(LetterText, LetterTextAdmin)


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


@admin.register(SigningAuthority)
class SigningAuthorityAdmin(ScopedAdmin):
    """The register of signing authority: who signs the kelurahan's letters, in which capacity,
    on which decree and for which period. Kept by the operator; an authority ends with its end
    date and stays on record (letters signed under it point at it), so nothing is deleted."""

    list_display = (
        "official",
        "capacity_display",
        "user",
        "decree_number",
        "valid_from",
        "valid_until",
        "valid_today",
    )
    list_filter = ("capacity",)
    search_fields = ("official__name", "official__position", "decree_number", "user__username")
    list_select_related = ("kelurahan", "official", "user")
    fields = (
        "kelurahan",
        "official",
        "capacity",
        "user",
        "decree_number",
        "valid_from",
        "valid_until",
        "note",
    )

    @admin.display(description=_("signing capacity"), ordering="capacity")
    def capacity_display(self, obj):
        return obj.get_capacity_display()

    @admin.display(description=_("valid today"), boolean=True)
    def valid_today(self, obj):
        return obj.valid_on(timezone.localdate())

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            # Staff accounts of the user's own kelurahan (every kelurahan's, for Diskominfo);
            # the model checks the account works for the authority's kelurahan.
            memberships = StaffMembership.objects.for_user(request.user)
            kwargs["queryset"] = (
                get_user_model()
                .objects.filter(is_active=True, pk__in=memberships.values("user_id").order_by())
                .order_by("username")
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_delete_permission(self, request, obj=None):
        return False


from layanan import admin_golive  # noqa: E402, F401 (go-live screens: counters, outside numbers)

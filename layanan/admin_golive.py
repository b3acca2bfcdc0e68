"""Staff screens for going live and keeping the register: the number counters (set the next
number), a number for a letter made outside the portal, the import of the year's earlier buku
agenda, and adding the baby of a signed birth letter to the resident register.

The writes are layanan.golive's and layanan.register_upkeep's; these views only validate and
call them. Everything is scoped through kelurahan's ScopedAdmin and layanan.access.
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponseRedirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from kelurahan.admin import ScopedAdmin
from kelurahan.tenancy import is_city_staff, user_kelurahan, user_kelurahan_id
from layanan import access, golive, numbering, register_upkeep
from layanan.forms import NIKField
from layanan.models import Letter, LetterType, NumberCounter

MAX_IMPORT_BYTES = 2 * 1024 * 1024
IMPORT_SALT = "layanan.golive.register-import"
IMPORT_MAX_AGE = 60 * 60  # a preview may be confirmed within the hour


# --- Forms -----------------------------------------------------------------------------------


class CounterForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    next_number = forms.IntegerField(
        label=_("Next number"),
        min_value=1,
        max_value=999999,
        help_text=_("The sequence number the next letter of this year gets."),
    )


def _date_input():
    return forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class ReserveForm(forms.Form):
    letter_type = forms.ModelChoiceField(label=_("Letter type"), queryset=LetterType.objects.none())
    name = forms.CharField(label=_("Holder's name"), max_length=150)
    nik = NIKField(label=_("Holder's NIK"), required=False, help_text=_("If known."))
    on = forms.DateField(label=_("Date of the letter"), widget=_date_input())
    note = forms.CharField(
        label=_("Note"),
        max_length=300,
        required=False,
        help_text=_("What the letter is for, as the register should show it."),
    )

    def __init__(self, *args, kelurahan, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["letter_type"].queryset = LetterType.objects.for_kelurahan(kelurahan).filter(
            is_active=True
        )


class RegisterImportForm(forms.Form):
    year = forms.IntegerField(label=_("Year"), min_value=2000, max_value=2100)
    file = forms.FileField(
        label=_("Register file"),
        help_text=_(
            "CSV or Excel (XLSX), at most %(max)d rows. Columns: nomor urut, tanggal, "
            "jenis/klasifikasi, nama, and optionally NIK, keterangan, nomor surat."
        )
        % {"max": golive.MAX_IMPORT_ROWS},
    )

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_IMPORT_BYTES:
            raise forms.ValidationError(
                _("The file is larger than %(mb)d MB; split it into smaller files.")
                % {"mb": MAX_IMPORT_BYTES // (1024 * 1024)}
            )
        if not upload.name.lower().endswith((".csv", ".xlsx")):
            raise forms.ValidationError(_("Send a CSV file or an Excel (XLSX) file."))
        return upload


class BabyForm(forms.Form):
    nik = NIKField(
        label=_("The baby's NIK"),
        help_text=_("Dukcapil issues it with the new family card (KK)."),
    )


# --- The counter admin and its screens -------------------------------------------------------


@admin.register(NumberCounter)
class NumberCounterAdmin(ScopedAdmin):
    """Each year's letter counter: the next number, and the highest one letters already hold.

    The change form is a screen of its own (the next number, never lower than one past the
    highest used); the same admin carries the screens that take numbers outside signing.
    """

    list_display = ("year", "next_number", "highest_used")
    ordering = ("-year",)
    change_list_template = "admin/layanan/golive/counter_change_list.html"
    actions = None

    @admin.display(description=_("next number"))
    def next_number(self, counter):
        return counter.last + 1

    @admin.display(description=_("highest number used"))
    def highest_used(self, counter):
        return numbering.highest_used(kelurahan_id=counter.kelurahan_id, year=counter.year)

    def has_add_permission(self, request):
        return request.user.has_perm("layanan.change_numbercounter") and not is_city_staff(
            request.user
        )

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("set/", view(self.counter_set_view), name="layanan_numbercounter_set"),
            path("reserve/", view(self.reserve_view), name="layanan_numbercounter_reserve"),
            path("import/", view(self.import_view), name="layanan_numbercounter_import"),
            path("baby/<int:letter_id>/", view(self.baby_view), name="layanan_numbercounter_baby"),
            *super().get_urls(),
        ]

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "can_set": self.has_add_permission(request),
            "can_record": access.may_issue(request.user),
        }
        return super().changelist_view(request, extra_context)

    def add_view(self, request, form_url="", extra_context=None):
        return HttpResponseRedirect(reverse("admin:layanan_numbercounter_set"))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        counter = self.get_object(request, object_id)
        if counter is None:
            return self._get_obj_does_not_exist_redirect(request, self.opts, object_id)
        if not self.has_add_permission(request):  # Diskominfo: the read-only page
            return super().change_view(request, object_id, form_url, extra_context)
        url = reverse("admin:layanan_numbercounter_set")
        return HttpResponseRedirect(f"{url}?year={counter.year}")

    def _page(self, request, template, title, **context):
        context = {
            **self.admin_site.each_context(request),
            "opts": self.opts,
            "title": title,
            **context,
        }
        return TemplateResponse(request, f"admin/layanan/golive/{template}", context)

    def _kelurahan_or_404(self, request):
        kelurahan = user_kelurahan(request.user)
        if kelurahan is None:
            raise Http404  # Diskominfo has no kelurahan's numbers to take
        return kelurahan

    def counter_set_view(self, request):
        """Set the next number of a year (today's by default): a kelurahan that starts mid-year
        continues the number its paper register reached."""
        if not self.has_add_permission(request):
            raise PermissionDenied
        kelurahan_id = user_kelurahan_id(request.user)
        try:
            year = int(request.POST.get("year") or request.GET.get("year") or 0)
        except ValueError:
            year = 0
        year = year if 2000 <= year <= 2100 else timezone.localdate().year
        counter = NumberCounter.objects.for_kelurahan(kelurahan_id).filter(year=year).first()
        lowest = golive.lowest_next_number(kelurahan_id=kelurahan_id, year=year)
        current = counter.last + 1 if counter else 1
        form = CounterForm(
            request.POST or None, initial={"year": year, "next_number": max(current, lowest)}
        )
        if request.method == "POST" and form.is_valid():
            try:
                golive.counter_next_set(
                    kelurahan_id=kelurahan_id,
                    year=form.cleaned_data["year"],
                    next_number=form.cleaned_data["next_number"],
                    by=request.user,
                )
            except golive.GoLiveError as exc:
                form.add_error("next_number", str(exc))
            else:
                messages.success(
                    request,
                    _("The next letter of %(year)d will get number %(number)d.")
                    % {
                        "year": form.cleaned_data["year"],
                        "number": form.cleaned_data["next_number"],
                    },
                )
                return HttpResponseRedirect(reverse("admin:layanan_numbercounter_changelist"))
        return self._page(
            request,
            "counter_form.html",
            _("Set the next letter number"),
            form=form,
            year=year,
            current=current,
            lowest=lowest,
        )

    def reserve_view(self, request):
        """Catat nomor untuk surat di luar portal: the next number, taken now, for a letter typed
        and signed elsewhere; it shows in the letter list and the register, marked as such."""
        if not access.may_issue(request.user):
            raise PermissionDenied
        kelurahan = self._kelurahan_or_404(request)
        form = ReserveForm(
            request.POST or None, kelurahan=kelurahan, initial={"on": timezone.localdate()}
        )
        if request.method == "POST" and form.is_valid():
            data = form.cleaned_data
            try:
                letter = golive.number_reserve(
                    kelurahan=kelurahan,
                    letter_type=data["letter_type"],
                    name=data["name"],
                    nik=data["nik"] or "",
                    on=data["on"],
                    note=data["note"],
                    by=request.user,
                )
            except golive.GoLiveError as exc:
                form.add_error("on", str(exc))
            else:
                messages.success(
                    request,
                    _(
                        "Number %(number)s is recorded for %(name)s. Write it on the letter made "
                        "outside the portal; no other letter will get it."
                    )
                    % {"number": letter.number, "name": letter.name},
                )
                return HttpResponseRedirect(
                    reverse("admin:layanan_letter_change", args=[letter.pk])
                )
        return self._page(
            request,
            "reserve.html",
            _("Record a number for a letter made outside the portal"),
            form=form,
        )

    def import_view(self, request):
        """The year's earlier buku agenda from a file: a preview of the rows to save and the
        rows refused (with reasons), then, once confirmed, the rows saved."""
        if not access.may_issue(request.user):
            raise PermissionDenied
        kelurahan = self._kelurahan_or_404(request)
        if request.method == "POST" and "payload" in request.POST:
            return self._import_confirm(request, kelurahan)
        form = RegisterImportForm(
            request.POST or None,
            request.FILES or None,
            initial={"year": timezone.localdate().year},
        )
        check = payload = None
        if request.method == "POST" and form.is_valid():
            upload = form.cleaned_data["file"]
            check = golive.register_file_check(
                kelurahan=kelurahan,
                year=form.cleaned_data["year"],
                content=upload.read(),
                file_name=upload.name,
            )
            if check.error:
                form.add_error("file", check.error)
                check = None
            elif check.rows:
                payload = signing.dumps(
                    {
                        "kelurahan": kelurahan.pk,
                        "user": request.user.pk,
                        "year": check.year,
                        "rows": check.as_payload(),
                    },
                    salt=IMPORT_SALT,
                    compress=True,
                )
        return self._page(
            request,
            "import.html",
            _("Import the earlier register (buku agenda) of the year"),
            form=form,
            check=check,
            payload=payload,
        )

    def _import_confirm(self, request, kelurahan):
        try:
            data = signing.loads(request.POST["payload"], salt=IMPORT_SALT, max_age=IMPORT_MAX_AGE)
        except signing.BadSignature:
            messages.error(request, _("The preview has expired. Send the file again."))
            return HttpResponseRedirect(reverse("admin:layanan_numbercounter_import"))
        if data["kelurahan"] != kelurahan.pk or data["user"] != request.user.pk:
            raise PermissionDenied
        result = golive.register_rows_import(
            kelurahan=kelurahan, year=data["year"], rows=data["rows"], by=request.user
        )
        messages.success(
            request,
            _("%(count)d rows of %(year)d were added to the register; the next number is %(next)d.")
            % {"count": result.saved, "year": data["year"], "next": result.next_number},
        )
        if not result.refused:
            return HttpResponseRedirect(reverse("admin:layanan_numbercounter_changelist"))
        return self._page(
            request,
            "import.html",
            _("Import the earlier register (buku agenda) of the year"),
            form=None,
            check=None,
            result=result,
        )

    def baby_view(self, request, letter_id):
        """Tambahkan bayi ke register: after a confirmation (and the baby's NIK), the baby of a
        signed birth letter becomes a register row; once only."""
        try:
            letter = register_upkeep.baby_letter(letter_id, request.user)
        except Letter.DoesNotExist as exc:
            raise Http404 from exc
        letter_url = reverse("admin:layanan_letter_change", args=[letter.pk])
        offer = register_upkeep.baby_offer(letter, request.user)
        if offer is None:
            raise Http404
        if offer.existing is not None:
            messages.info(
                request,
                _("%(name)s is already in the resident register (NIK %(nik)s).")
                % {"name": offer.existing.name, "nik": offer.existing.nik},
            )
            return HttpResponseRedirect(letter_url)
        form = BabyForm(request.POST or None)
        if request.method == "POST" and form.is_valid():
            try:
                baby = register_upkeep.baby_add(
                    letter_id=letter.pk, nik=form.cleaned_data["nik"], by=request.user
                )
            except register_upkeep.BabyAlreadyAdded as exc:
                messages.info(request, str(exc))
                return HttpResponseRedirect(letter_url)
            except register_upkeep.BabyError as exc:
                form.add_error("nik", str(exc))
            else:
                messages.success(
                    request,
                    _("%(name)s was added to the resident register.") % {"name": baby.name},
                )
                return HttpResponseRedirect(letter_url)
        return self._page(
            request,
            "baby_add.html",
            _("Add the baby to the register"),
            form=form,
            letter=letter,
            offer=offer,
            letter_url=letter_url,
        )

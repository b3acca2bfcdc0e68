"""An admin list filter for a date range ("from … to …"), which Django's admin does not have."""

from __future__ import annotations

from django import forms
from django.contrib import admin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy


class DateRangeForm(forms.Form):
    start = forms.DateField(label=pgettext_lazy("date range", "From"), required=False)
    end = forms.DateField(label=pgettext_lazy("date range", "To"), required=False)

    def clean(self):
        cleaned = super().clean()
        start, end = cleaned.get("start"), cleaned.get("end")
        if start and end and start > end:
            raise forms.ValidationError(
                _("The start date %(start)s is after the end date %(end)s; swap them."),
                params={"start": start.strftime("%d-%m-%Y"), "end": end.strftime("%d-%m-%Y")},
            )
        return cleaned


class DateRangeFilter(admin.FieldListFilter):
    """Rows whose date (of a DateTimeField, in the local time zone) lies in [from, to].

    Either end may be left empty. A date that is not a date shows an error in the filter and
    filters nothing, instead of the admin's bare "?e=1" page.
    """

    template = "admin/date_range_filter.html"

    def __init__(self, field, request, params, model, model_admin, field_path):
        self.lookup_start = f"{field_path}__date__gte"
        self.lookup_end = f"{field_path}__date__lte"
        self.form = DateRangeForm(
            {
                "start": self._param(params, self.lookup_start),
                "end": self._param(params, self.lookup_end),
            }
        )
        params.pop(self.lookup_start, None)
        params.pop(self.lookup_end, None)
        super().__init__(field, request, params, model, model_admin, field_path)

    @staticmethod
    def _param(params, name):
        value = params.get(name)
        return value[-1] if isinstance(value, list) else value

    def expected_parameters(self):
        return [self.lookup_start, self.lookup_end]

    def has_output(self):
        return True

    def queryset(self, request, queryset):
        if not self.form.is_valid():
            return queryset
        if start := self.form.cleaned_data.get("start"):
            queryset = queryset.filter(**{self.lookup_start: start})
        if end := self.form.cleaned_data.get("end"):
            queryset = queryset.filter(**{self.lookup_end: end})
        return queryset

    def choices(self, changelist):
        # One "choice": the form, with the list's other filters and search kept as hidden fields.
        others = changelist.get_filters_params()
        for name in (self.lookup_start, self.lookup_end):
            others.pop(name, None)
        hidden = [(name, value) for name, values in others.items() for value in _as_list(values)]
        if changelist.query:
            hidden.append(("q", changelist.query))
        yield {
            "form": self.form,
            "start_name": self.lookup_start,
            "end_name": self.lookup_end,
            "hidden": hidden,
            "reset_query_string": changelist.get_query_string(
                remove=[self.lookup_start, self.lookup_end]
            ),
        }


def _as_list(value):
    return value if isinstance(value, list) else [value]

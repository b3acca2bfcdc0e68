"""The staff site: Django's admin, whose first screen is the staff member's work page.

For staff of a kelurahan the admin index is their day: the letter queues (new online requests,
waiting for the resident, waiting for a signature, signed and not handed over, past the promised
date), a NIK box with a button per letter kind, the letters waiting for this signer with their
draft previews, and the site's completeness checklist. For Diskominfo and superusers it is the
city dashboard (portal/dashboard.py), with the model index below it. Every part reads a fixed
number of queries.
"""

from __future__ import annotations

from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.template.response import TemplateResponse
from django.urls import path
from django.utils.translation import gettext_lazy as _

from kelurahan.selectors import site_checklist
from kelurahan.tenancy import is_city_staff, user_kelurahan
from layanan import access, selectors
from layanan.admin_forms import IssueStartForm
from layanan.kinds import KINDS
from portal import dashboard


class PortalAdminSite(admin.AdminSite):
    def index(self, request, extra_context=None):
        kelurahan = user_kelurahan(request.user)
        if kelurahan is None:
            if is_city_staff(request.user):
                return self.dashboard_view(request)
            return super().index(request, extra_context)
        return TemplateResponse(
            request, "admin/work_page.html", {**self.work_context(request, kelurahan)}
        )

    def get_urls(self):
        return [
            path(
                "dasbor/unduh/<str:file_format>/",
                self.admin_view(self.dashboard_export),
                name="dashboard_export",
            ),
            *super().get_urls(),
        ]

    def dashboard_view(self, request):
        found = dashboard.dashboard_for(request.user, request.GET)
        query = found.query
        sort_key, descending = query.sort.removeprefix("-"), query.sort.startswith("-")
        columns = []
        for column in dashboard.COLUMNS:
            current = column.key == sort_key
            # A click on the sorted column turns it round; others sort ascending first.
            wanted = f"-{column.key}" if current and not descending else column.key
            columns.append(
                {
                    "key": column.key,
                    "label": column.label,
                    "numeric": column.numeric,
                    "url": "?" + query.params(sort=wanted, page=1),
                    "sorted": ("descending" if descending else "ascending") if current else "",
                }
            )
        pages = found.page
        return TemplateResponse(
            request,
            "admin/dashboard.html",
            {
                **self.each_context(request),
                "title": _("City dashboard"),
                "dashboard": found,
                "query": query,
                "columns": columns,
                "levels": dashboard.LEVELS,
                "export_query": query.params(page=1),
                "previous_url": "?" + query.params(page=pages.previous_page_number())
                if pages.has_previous()
                else "",
                "next_url": "?" + query.params(page=pages.next_page_number())
                if pages.has_next()
                else "",
                "app_list": self.get_app_list(request),
            },
        )

    def dashboard_export(self, request, file_format: str):
        """The table the dashboard shows (filters and sort applied, every page) as CSV/XLSX."""
        if not is_city_staff(request.user):
            raise PermissionDenied
        writers = {
            "csv": (dashboard.dashboard_csv, "text/csv; charset=utf-8"),
            "xlsx": (
                dashboard.dashboard_xlsx,
                "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            ),
        }
        if file_format not in writers:
            raise Http404
        write, content_type = writers[file_format]
        found = dashboard.dashboard_for(request.user, request.GET)
        response = HttpResponse(write(found), content_type=content_type)
        name = dashboard.export_name(found, file_format)
        response["Content-Disposition"] = f'attachment; filename="{name}"'
        return response

    def work_context(self, request, kelurahan) -> dict:
        user = request.user
        city_id = kelurahan.kecamatan.city_id
        letters = access.letters_for(user)
        buckets = (
            selectors.work_queue(letters, city_id=city_id)
            if user.has_perm("layanan.view_letter")
            else []
        )
        by_key = {bucket.key: bucket for bucket in buckets}
        may_sign = user.has_perm("layanan.sign_letter")
        return {
            **self.each_context(request),
            "title": _("Work page"),
            "kelurahan": kelurahan,
            "buckets": buckets,
            # A signer's own queue first: what waits for their signature, with its preview.
            "to_sign": by_key.get("to_sign") if may_sign else None,
            "may_issue": access.may_issue(user),
            "issue_form": IssueStartForm(),
            "kinds": [(key, kind.name) for key, kind in KINDS.items()],
            "checklist": site_checklist(kelurahan.pk)
            if user.has_perm("kelurahan.change_article")
            else None,
            "app_list": self.get_app_list(request),
        }

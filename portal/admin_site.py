"""The staff site: Django's admin, whose first screen is the staff member's work page.

For staff of a kelurahan the admin index is their day: the letter queues (new online requests,
waiting for the resident, waiting for a signature, signed and not handed over, past the promised
date), a NIK box with a button per letter kind, the letters waiting for this signer with their
draft previews, and the site's completeness checklist. Diskominfo and superusers keep the model
index (their city dashboard is built on it later). Every part reads a fixed number of queries.
"""

from __future__ import annotations

from django.contrib import admin
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from kelurahan.selectors import site_checklist
from kelurahan.tenancy import user_kelurahan
from layanan import access, selectors
from layanan.admin_forms import IssueStartForm
from layanan.kinds import KINDS


class PortalAdminSite(admin.AdminSite):
    def index(self, request, extra_context=None):
        kelurahan = user_kelurahan(request.user)
        if kelurahan is None:
            return super().index(request, extra_context)
        return TemplateResponse(
            request, "admin/work_page.html", {**self.work_context(request, kelurahan)}
        )

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

"""Public letter verification (anyone with the QR code) and staff PDF downloads."""

import hashlib

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.http import FileResponse, Http404
from django.shortcuts import render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_ratelimit.decorators import ratelimit

from layanan.models import AccessLog, Letter
from layanan.selectors import letter_for_verification, mask_name
from layanan.services import access_log_record

MAX_CHECK_BYTES = 20 * 1024 * 1024
TOO_LARGE = _("The file is larger than any letter we issue (20 MB); it is not this letter.")


class PdfCheckForm(forms.Form):
    pdf = forms.FileField(
        label=_("The PDF you received"),
        help_text=_("We compare its fingerprint with the issued letter; the file is not kept."),
    )

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        if upload.size > MAX_CHECK_BYTES:
            raise forms.ValidationError(TOO_LARGE)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        return digest.hexdigest()


@never_cache
@ratelimit(key="ip", rate="30/10m", method="POST", block=True)
def verify(request, token):
    letter = letter_for_verification(token)
    if _declared_size(request) > MAX_CHECK_BYTES + 64 * 1024:
        # Refuse before Django reads the body: no letter is anywhere near this size.
        form = PdfCheckForm(data={}, files={})
        form.full_clean()
        form.errors["pdf"] = form.error_class([TOO_LARGE])
        return _verify_page(request, letter, form, None, status=413)
    form = PdfCheckForm(request.POST or None, request.FILES or None)
    matches = None
    if request.method == "POST" and form.is_valid():
        matches = form.cleaned_data["pdf"] == letter.pdf_sha256
    return _verify_page(request, letter, form, matches)


def _declared_size(request) -> int:
    try:
        return int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        return 0


def _verify_page(request, letter, form, matches, status=200):
    return render(
        request,
        "layanan/letter_verify.html",
        {
            "letter": letter,
            "holder": mask_name(letter.name),
            "form": form,
            "matches": matches,
        },
        status=status,
    )


@staff_member_required
def letter_pdf(request, pk):
    """The stored PDF of a signed letter, for staff of its kelurahan only (404 for others)."""
    letter = Letter.objects.for_user(request.user).filter(pk=pk).exclude(pdf="").first()
    if letter is None or not request.user.has_perm("layanan.view_letter"):
        raise Http404
    access_log_record(
        by=request.user,
        kelurahan_id=letter.kelurahan_id,
        action=AccessLog.Action.DOWNLOAD,
        subject=f"{letter.number} ({letter.name})",
    )
    return FileResponse(
        letter.pdf.open("rb"),
        content_type="application/pdf",
        filename=f"{letter.number.replace('/', '-')}.pdf",
    )

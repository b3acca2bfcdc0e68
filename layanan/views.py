"""Public letter verification (anyone with the QR code), residents' online requests and their
tracking, and staff downloads of letter PDFs and requirement documents."""

import hashlib
import uuid
from pathlib import PurePath

from django import forms
from django.contrib.admin.views.decorators import staff_member_required
from django.core import signing
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from kelurahan.selectors import kelurahan_get_public
from layanan import selectors, services, tracking
from layanan.documents import MAX_DOCUMENTS
from layanan.forms import TrackForm, online_request_form
from layanan.models import MAX_DOCUMENT_BYTES, AccessLog, Letter
from layanan.nik import mask_nik
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


# --- Online requests and tracking (residents, no account) ---------------------------------------

# Per address: a family or an internet café sends a few; per NIK: one person, a few letters.
REQUEST_RATE_PER_IP = "20/h"
REQUEST_RATE_PER_NIK = "10/h"
TRACK_RATE_PER_IP = "30/10m"
# Every allowed file at its largest, plus room for the typed fields.
MAX_REQUEST_BYTES = MAX_DOCUMENTS * MAX_DOCUMENT_BYTES + 1024 * 1024
REQUEST_TOO_LARGE = _(
    "The files together are too large. Send at most 5 files of at most 5 MB each, "
    "and fill the form in again."
)
NOT_FOUND = _(
    "No request matches this tracking code and these NIK digits. Check both against your "
    "receipt and try again."
)


def _posted_nik(group, request) -> str:
    """Rate-limit key: the NIK's digits as posted (an empty or garbled NIK counts per address)."""
    digits = "".join(ch for ch in request.POST.get("nik", "") if ch.isascii() and ch.isdigit())
    return f"nik:{digits}" if digits else f"ip:{request.META.get('REMOTE_ADDR', '')}"


def _private_file_response(file, *, content_type: str, filename: str) -> FileResponse:
    """A private file as a download that no shared cache or browser cache keeps."""
    response = FileResponse(
        file.open("rb"), content_type=content_type, as_attachment=True, filename=filename
    )
    response["Cache-Control"] = "private, no-store"
    return response


@never_cache
@ratelimit(key="ip", rate=REQUEST_RATE_PER_IP, method="POST", block=True)
def letter_request(request, slug, kind):
    """The online request form of one letter type; a valid request leads to its receipt."""
    kelurahan = kelurahan_get_public(slug)
    online = selectors.online_request_kind(kelurahan, kind)
    form_class = online_request_form(online.kind.form)
    if request.method == "POST":
        if _declared_size(request) > MAX_REQUEST_BYTES:
            # Refuse before Django reads (and spools to disk) a body no valid request has.
            form = form_class(initial={"request_key": uuid.uuid4()})
            return _request_page(request, kelurahan, online, form, REQUEST_TOO_LARGE, status=413)
        if is_ratelimited(
            request,
            group="layanan.letter_request.nik",
            key=_posted_nik,
            rate=REQUEST_RATE_PER_NIK,
            method="POST",
            increment=True,
        ):
            raise Ratelimited
        form = form_class(request.POST, request.FILES)
        if form.is_valid():
            data = form.letter_data()
            try:
                letter = services.letter_request_submit(
                    kelurahan=kelurahan,
                    kind=online.kind.key,
                    data=data,
                    nik=data["nik"],
                    name=data["name"],
                    phone=form.cleaned_data["phone"],
                    email=form.cleaned_data["email"],
                    documents=form.cleaned_data["documents"],
                    request_key=form.cleaned_data["request_key"],
                )
            except services.OnlineRequestClosed:
                raise Http404 from None
            except services.RequestKeyTaken as exc:
                form.add_error(None, exc.args[0])
            else:
                return HttpResponseRedirect(
                    reverse(
                        "layanan:receipt", args=[kelurahan.slug, tracking.receipt_token(letter.pk)]
                    )
                )
    else:
        form = form_class(initial={"request_key": uuid.uuid4()})
    # A form with errors is a normal page (200), as on the verification page: a browser shows
    # it the same, and it is not a failure to log.
    return _request_page(request, kelurahan, online, form)


def _request_page(request, kelurahan, online, form, error=None, *, status=200):
    return render(
        request,
        "layanan/letter_request_form.html",
        {
            "kelurahan": kelurahan,
            "online": online,
            "service": selectors.online_request_service(kelurahan, online),
            "form": form,
            "error": error,
            "section": "services",
            "page_title": online.name,
        },
        status=status,
    )


@never_cache
def letter_request_receipt(request, slug, token):
    """The receipt right after a request: the tracking code to note down. The link is signed,
    and lasts a day; after that the tracking page serves the same purpose."""
    kelurahan = kelurahan_get_public(slug)
    try:
        letter_id = tracking.receipt_letter_id(token)
    except signing.SignatureExpired:
        return _link_expired(request)
    except signing.BadSignature:
        raise Http404 from None
    letter = selectors.letter_for_receipt(letter_id)
    if letter.kelurahan_id != kelurahan.pk:
        raise Http404
    return render(
        request,
        "layanan/letter_request_receipt.html",
        {
            "kelurahan": kelurahan,
            "letter": letter,
            "code": tracking.tracking_code_display(letter.tracking_code),
            "holder": mask_name(letter.name),
            "nik": mask_nik(letter.nik),
            "document_count": letter.documents.count(),
            "section": "services",
            "page_title": _("Request received"),
        },
    )


def _link_expired(request):
    return render(request, "layanan/link_expired.html", status=410)


@never_cache
@ratelimit(key="ip", rate=TRACK_RATE_PER_IP, method="POST", block=True)
def track(request):
    """/lacak/: a request's status and timeline for its tracking code and the NIK's last 4
    digits (posted, so neither lands in an address bar, a history or a log)."""
    form = TrackForm(
        request.POST if request.method == "POST" else None,
        initial={"code": request.GET.get("kode", "")[:20]},
    )
    letter = None
    context = {"form": form}
    if form.is_bound and form.is_valid():
        letter = selectors.letter_for_tracking(
            form.cleaned_data["code"], form.cleaned_data["nik_last4"]
        )
        if letter is None:
            context["not_found"] = NOT_FOUND
        else:
            downloadable = selectors.resident_may_download(letter)
            context.update(
                letter=letter,
                code=tracking.tracking_code_display(letter.tracking_code),
                holder=mask_name(letter.name),
                events=selectors.letter_timeline(letter),
                download_url=reverse(
                    "layanan:resident_pdf", args=[tracking.download_token(letter.pk)]
                )
                if downloadable
                else None,
                pick_up_only=letter.state == Letter.State.SIGNED and not downloadable,
            )
    return render(request, "layanan/letter_track.html", context)


def resident_pdf(request, token):
    """A resident's signed letter, through a link from /lacak/ that expires within the hour."""
    try:
        letter_id = tracking.download_letter_id(token)
    except signing.SignatureExpired:
        return _link_expired(request)
    except signing.BadSignature:
        raise Http404 from None
    letter = selectors.letter_for_resident_download(letter_id)
    return _private_file_response(
        letter.pdf,
        content_type="application/pdf",
        filename=f"{letter.number.replace('/', '-')}.pdf",
    )


@staff_member_required
def document(request, pk):
    """A requirement document, for staff of its kelurahan only (404 for others); logged."""
    item = selectors.document_for_staff(request.user, pk)
    access_log_record(
        by=request.user,
        kelurahan_id=item.kelurahan_id,
        action=AccessLog.Action.VIEW,
        subject=f"document {item.label} of {item.letter}",
    )
    extension = PurePath(item.file.name).suffix
    return _private_file_response(
        item.file,
        content_type=item.content_type,
        filename=f"{PurePath(item.label).stem or 'dokumen'}{extension}",
    )

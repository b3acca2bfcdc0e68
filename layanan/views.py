"""Public letter verification (anyone with the QR code), residents' online requests and their
tracking, and staff downloads of letter PDFs and requirement documents."""

import hashlib
import uuid
from pathlib import PurePath

from django import forms
from django.conf import settings
from django.contrib.admin.views.decorators import staff_member_required
from django.core import signing
from django.http import FileResponse, Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.crypto import salted_hmac
from django.utils.module_loading import import_string
from django.utils.translation import gettext_lazy as _
from django.views.decorators.cache import never_cache
from django_ratelimit.core import is_ratelimited
from django_ratelimit.decorators import ratelimit
from django_ratelimit.exceptions import Ratelimited

from kelurahan.selectors import kelurahan_get_public
from kelurahan.uploads import upload_limit
from layanan import access, selectors, services, tracking
from layanan.documents import MAX_DOCUMENTS
from layanan.forms import (
    CodeRecoveryForm,
    DownloadCodeForm,
    TrackForm,
    VerifyByNumberForm,
    online_request_form,
)
from layanan.models import MAX_DOCUMENT_BYTES, AccessLog, Letter, RequirementDocument
from layanan.nik import mask_nik
from layanan.selectors import letter_for_verification, mask_name
from layanan.services import access_log_record
from layanan.storage import private_file_response

MAX_CHECK_BYTES = 20 * 1024 * 1024
TOO_LARGE = _("The file is larger than any letter we issue (20 MB); it is not this letter.")


class PdfCheckForm(forms.Form):
    pdf = forms.FileField(
        label=_("The PDF you received"),
        help_text=_("We compare its fingerprint with the issued letter; the file is not kept."),
        widget=forms.ClearableFileInput(attrs={"accept": "application/pdf"}),
    )

    def clean_pdf(self):
        upload = self.cleaned_data["pdf"]
        if upload.size > MAX_CHECK_BYTES:
            raise forms.ValidationError(TOO_LARGE)
        digest = hashlib.sha256()
        for chunk in upload.chunks():
            digest.update(chunk)
        return digest.hexdigest()


# No letter is anywhere near MAX_CHECK_BYTES; a body past it (plus room for the form's fields)
# is refused unread with the 413 page (kelurahan.uploads).
@upload_limit(MAX_CHECK_BYTES + 64 * 1024)
@never_cache
@ratelimit(key="ip", rate="30/10m", method="POST", block=True)
def verify(request, token):
    try:
        letter = letter_for_verification(token)
    except Http404:
        return _verify_not_found(request)
    form = PdfCheckForm(request.POST or None, request.FILES or None)
    matches = None
    if request.method == "POST" and form.is_valid():
        matches = form.cleaned_data["pdf"] == letter.pdf_sha256
    return _verify_page(request, letter, form, matches)


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


def _verify_not_found(request, form=None):
    """No letter: a forged or mistyped QR code, or details on paper that match nothing. Says the
    letter may not be genuine and offers the check by number (the form again, if it was used)."""
    return render(request, "layanan/letter_verify_unknown.html", {"form": form}, status=404)


VERIFY_BY_NUMBER_RATE_PER_IP = "30/10m"


@never_cache
@ratelimit(key="ip", rate=VERIFY_BY_NUMBER_RATE_PER_IP, method="POST", block=True)
def verify_by_number(request):
    """/verifikasi/: a letter checked by its number, date and the NIK's last 4 digits, all
    printed on it, for a letter whose QR code cannot be scanned. Posted, so the details stay out
    of addresses, histories and logs; limited per address, since the NIK digits are the only
    part not guessable (10,000 tries)."""
    form = VerifyByNumberForm(request.POST if request.method == "POST" else None)
    if not form.is_bound or not form.is_valid():
        return render(request, "layanan/letter_verify_number.html", {"form": form})
    letter = selectors.letter_for_verification_by_number(**form.cleaned_data)
    if letter is None:
        return _verify_not_found(request, form)
    if letter.recorded_outside:  # in the register, but no document here to check it against
        return render(request, "layanan/letter_verify_outside.html", {"letter": letter})
    return _verify_page(request, letter, PdfCheckForm(), None)


@staff_member_required
def letter_pdf(request, pk):
    """The stored PDF of a signed letter, for staff of its kelurahan only (404 for others)."""
    letter = get_object_or_404(access.letters_for(request.user).exclude(pdf=""), pk=pk)
    access_log_record(
        by=request.user,
        kelurahan_id=letter.kelurahan_id,
        action=AccessLog.Action.DOWNLOAD,
        subject=f"{letter.number} ({letter.name})",
    )
    return _private_file_response(
        letter.pdf,
        content_type="application/pdf",
        filename=f"{letter.number.replace('/', '-')}.pdf",
        # Opens in the browser's viewer to read or print; "?download=1" saves it instead.
        as_attachment=request.GET.get("download") == "1",
    )


# --- Online requests and tracking (residents, no account) ---------------------------------------

# Per address: a family or an internet café sends a few; per address and NIK: one person, a few
# letters. How many requests one NIK may have open is the service's rule
# (services.MAX_OPEN_REQUESTS_PER_NIK).
REQUEST_RATE_PER_IP = "20/h"
REQUEST_RATE_PER_NIK = "10/h"
TRACK_RATE_PER_IP = "30/10m"
# Asking for an e-mailed download code: each one is a mail, so fewer than lookups.
CODE_SEND_RATE_PER_IP = "10/h"
# Every allowed file at its largest, plus room for the typed fields; a larger body is refused
# unread with the 413 page (kelurahan.uploads).
MAX_REQUEST_BYTES = MAX_DOCUMENTS * MAX_DOCUMENT_BYTES + 1024 * 1024
NOT_FOUND = _(
    "No request matches this tracking code and these NIK digits. Check both against your "
    "receipt and try again."
)
TICKET_EXPIRED = _(
    "More than 30 minutes have passed since you looked your request up. Enter the tracking code "
    "and the NIK digits again."
)


def _posted_nik(group, request) -> str:
    """Rate-limit key: the client's address with the NIK's digits as posted.

    Never the NIK alone: a limit keyed on the NIK counts a stranger's junk POSTs against the
    resident, so ten of them would lock the resident out. Keyed on address+NIK, a flood from one
    address stops that address only. Someone flooding one NIK from many addresses still meets
    the service's rule, which counts only accepted, still open requests of the NIK
    (services.MAX_OPEN_REQUESTS_PER_NIK): staff see those, and rejecting them frees the NIK.
    """
    digits = "".join(ch for ch in request.POST.get("nik", "") if ch.isascii() and ch.isdigit())
    return f"ip:{_client_ip(request)}:nik:{digits}"


def _client_ip(request) -> str:
    """The address django-ratelimit's "ip" key uses (RATELIMIT_IP_META_KEY: a callable's dotted
    path, as the portal sets it, or a META key), so both limits see the same client."""
    source = getattr(settings, "RATELIMIT_IP_META_KEY", None) or "REMOTE_ADDR"
    if "." in source:
        return import_string(source)(request)
    return request.META.get(source, "")


def _private_file_response(
    file, *, content_type: str, filename: str, as_attachment: bool = True
) -> FileResponse | HttpResponseRedirect:
    """A stored private file (a FieldFile), for a request that passed its access check."""
    return private_file_response(
        file.storage,
        file.name,
        content_type=content_type,
        filename=filename,
        as_attachment=as_attachment,
    )


@upload_limit(MAX_REQUEST_BYTES)
@never_cache
@ratelimit(key="ip", rate=REQUEST_RATE_PER_IP, method="POST", block=True)
def letter_request(request, slug, kind):
    """The online request form of one letter type; a valid request leads to its receipt."""
    kelurahan = kelurahan_get_public(slug)
    online = selectors.online_request_kind(kelurahan, kind)
    form_class = online_request_form(online.kind.form)
    if request.method == "POST":
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
            except (services.RequestKeyTaken, services.TooManyOpenRequests) as exc:
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
    try:
        letter = access.request_by_id(letter_id)
    except Letter.DoesNotExist:
        raise Http404 from None
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
            "email_hint": tracking.mask_email(letter.email) if letter.email else "",
            "document_count": letter.documents.count(),
            "expected": selectors.letter_expected_date(letter),
            "service": letter.letter_type.catalog_entry,
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
    digits (posted, so neither lands in an address bar, a history or a log).

    A signed letter's PDF takes two more steps (`step` in the POST): "send" e-mails a one-time
    code to the address given in the request, "code" checks it and shows a link that works for
    ten minutes. Both carry the ticket the status page got (layanan.tracking).
    """
    step = request.POST.get("step", "") if request.method == "POST" else ""
    if step in ("send", "code"):
        return _track_download(request, step)
    form = TrackForm(
        request.POST if request.method == "POST" else None,
        initial={"code": request.GET.get("kode", "")[:20]},
    )
    context = {"form": form}
    if form.is_bound and form.is_valid():
        letter = access.request_for(form.cleaned_data["code"], form.cleaned_data["nik_last4"])
        if letter is None:
            context["not_found"] = NOT_FOUND
        else:
            context.update(_track_status(letter))
    return render(request, "layanan/letter_track.html", context)


def _track_status(letter) -> dict:
    """What the status page shows of a request, the download step included."""
    downloadable = access.resident_may_download(letter)
    return {
        "letter": letter,
        "code": tracking.tracking_code_display(letter.tracking_code),
        "holder": mask_name(letter.name),
        "events": selectors.letter_timeline(letter),
        "expected": selectors.letter_expected_date(letter),
        "downloadable": downloadable,
        "ticket": tracking.track_ticket(letter.pk) if downloadable else "",
        "email_hint": tracking.mask_email(letter.email) if letter.email else "",
        "rejected": letter.state == Letter.State.REJECTED,
        "waiting": letter.state == Letter.State.WAITING,
        # Still to be collected: what to bring, and where (layanan/_office_visit.html).
        "in_progress": letter.state in selectors.IN_PROGRESS_STATES,
        "service": letter.letter_type.catalog_entry,
        "pick_up_only": letter.state == Letter.State.SIGNED
        and (not downloadable or not letter.email),
    }


def _track_download(request, step):
    """The e-mailed-code steps of /lacak/ for the letter named by the posted ticket."""
    try:
        letter_id = tracking.track_ticket_letter_id(request.POST.get("ticket", ""))
    except signing.SignatureExpired:
        context = {"form": TrackForm(), "not_found": TICKET_EXPIRED}
        return render(request, "layanan/letter_track.html", context)
    except signing.BadSignature:
        raise Http404 from None
    try:
        letter = access.request_by_id(letter_id)
    except Letter.DoesNotExist:
        raise Http404 from None
    context = _track_status(letter)
    if not (context["downloadable"] and letter.email):
        # Voided, or PDFs kept offline, since the ticket was given; or no e-mail to send to.
        return render(request, "layanan/letter_track.html", context)
    code_form = DownloadCodeForm()
    if step == "send":
        if is_ratelimited(
            request,
            group="layanan.track.code_send",
            key="ip",
            rate=CODE_SEND_RATE_PER_IP,
            method="POST",
            increment=True,
        ):
            raise Ratelimited
        try:
            services.download_code_send(letter=letter)
        except services.DownloadCodeError as exc:
            context["code_error"] = str(exc)
        else:
            context["code_sent"] = True
    else:
        code_form = DownloadCodeForm(request.POST)
        if code_form.is_valid():
            try:
                services.download_code_check(letter=letter, code=code_form.cleaned_data["code"])
            except services.DownloadCodeError as exc:
                code_form.add_error("code", str(exc))
            else:
                context["download_url"] = reverse(
                    "layanan:resident_pdf", args=[tracking.download_token(letter.pk)]
                )
    context.update(code_form=code_form, code_step=True)
    return render(request, "layanan/letter_track.html", context)


# A lost tracking code, asked for again (each answer may be a mail): per address, a family or an
# internet café; per NIK, whatever the address, so nobody fills one resident's inbox.
RECOVER_RATE_PER_IP = "10/h"
# Per NIK and contact together: a stranger who knows only a resident's NIK and types wrong
# addresses sends nothing (no request matches) and must not lock the resident out; the same
# NIK and e-mail may be mailed five times an hour at most, from anywhere.
RECOVER_RATE_PER_NIK = "5/h"
RECOVER_LIMITED = _(
    "This form was sent too many times. For the safety of your data, wait an hour and try "
    "again, or ask at the kelurahan office with your KTP."
)


def _posted_nik_key(group, request) -> str:
    """Rate-limit key: the posted NIK's digits and contact, as an HMAC (the counter table never
    holds a NIK or a hash one could reverse by trying every NIK)."""
    digits = "".join(ch for ch in request.POST.get("nik", "") if ch.isascii() and ch.isdigit())
    contact = "".join(request.POST.get("contact", "").split()).lower()
    return salted_hmac(
        "layanan.recover-code.nik", f"{digits}\n{contact}", algorithm="sha256"
    ).hexdigest()


@never_cache
def recover_code(request):
    """/lacak/lupa-kode/: a lost tracking code. The resident gives the NIK and the e-mail (or
    phone) of the request; the codes go to that e-mail again (services.tracking_codes_resend),
    never onto the screen, and the page answers the same whether or not a request matches, so
    it tells nobody which NIK asked for what. A phone number gets no message yet (no SMS or
    WhatsApp channel exists): the page says so. Limited per address and per NIK and contact."""
    form = CodeRecoveryForm(request.POST if request.method == "POST" else None)
    context = {"form": form}
    if request.method != "POST":
        return render(request, "layanan/letter_code_recover.html", context)
    limited = is_ratelimited(
        request,
        group="layanan.recover_code.ip",
        key="ip",
        rate=RECOVER_RATE_PER_IP,
        method="POST",
        increment=True,
    )
    if not limited and form.is_valid():
        limited = is_ratelimited(
            request,
            group="layanan.recover_code.nik",
            key=_posted_nik_key,
            rate=RECOVER_RATE_PER_NIK,
            method="POST",
            increment=True,
        )
        if not limited:
            if form.contact_kind == "email":
                services.tracking_codes_resend(
                    nik=form.cleaned_data["nik"], email=form.cleaned_data["contact"]
                )
            # The same answer either way; the typed NIK is not kept on a shared screen.
            context.update(sent=form.contact_kind, form=CodeRecoveryForm())
    if limited:
        context["limited"] = RECOVER_LIMITED
        return render(request, "layanan/letter_code_recover.html", context, status=429)
    return render(request, "layanan/letter_code_recover.html", context)


def resident_pdf(request, token):
    """A resident's signed letter, through a link /lacak/ shows once the e-mailed code was
    right; it expires within ten minutes."""
    try:
        letter_id = tracking.download_letter_id(token)
    except signing.SignatureExpired:
        return _link_expired(request)
    except signing.BadSignature:
        raise Http404 from None
    try:
        letter = access.request_for_download(letter_id)
    except Letter.DoesNotExist:
        raise Http404 from None
    return _private_file_response(
        letter.pdf,
        content_type="application/pdf",
        filename=f"{letter.number.replace('/', '-')}.pdf",
    )


@staff_member_required
def document(request, pk):
    """A requirement document, for staff of its kelurahan only (404 for others); logged."""
    try:
        item = access.document_for(request.user, pk)
    except RequirementDocument.DoesNotExist:
        raise Http404 from None
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
        # A checked JPEG or PDF (layanan.documents) opens in the browser; "?download=1" saves.
        as_attachment=request.GET.get("download") == "1",
    )

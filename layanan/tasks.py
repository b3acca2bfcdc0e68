"""Background tasks of the letters app: register imports and exports, the staff's morning
digest (its e-mails and the residents' are layanan/notifications.py). Declared through
kelurahan/background.py; Procrastinate finds this module by its name (`tasks`)."""

from __future__ import annotations

import datetime
import tempfile
import time
import uuid
from collections import defaultdict

from django.conf import settings
from django.contrib.admin.models import ADDITION, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.contenttypes.models import ContentType
from django.core.files import File
from django.db.models import Count
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from import_export.results import RowResult
from procrastinate.contrib.django import app

from kelurahan import background, roles
from kelurahan.models import Kelurahan, StaffMembership, TaskRun
from kelurahan.tenancy import unscoped
from layanan import access, exports
from layanan.models import Letter, Resident
from layanan.notifications import staff_mail
from layanan.register_import import BadRows
from layanan.resources import ResidentResource
from layanan.spreadsheets import REGISTER_ENCODING, REGISTER_IMPORT_FORMATS
from layanan.storage import PrivateImportStorage, private_storage


def _rows_done(key: str, total: int):
    """A progress callback for a task that goes through `total` rows."""

    def report(done: int) -> None:
        message = _("%(done)d of %(total)d rows") % {"done": done, "total": total}
        background.progress(key, done, total, message)

    return report


@background.task(queue="default")
def register_import(
    *,
    key: str,
    kelurahan_id: int,
    user_id: int,
    file_name: str,
    format_index: int,
    partial: bool = False,
) -> None:
    """Import a resident register the operator previewed and confirmed (the file waits in
    private storage, layanan/storage.py). In one transaction; upserts by NIK, so a run repeated
    after its worker died imports the same rows again, not twice.

    All or nothing, unless `partial` (the operator chose to import the rows that pass and leave
    the others out): then the good rows are imported and the bad ones are saved, each with its
    reason, as a file in private storage (register_import.BadRows) that the result page offers
    to fix and import again."""
    if background.start(key, message=_("Importing…")) is None:
        return
    kelurahan = Kelurahan.objects.get(pk=kelurahan_id)
    input_format = REGISTER_IMPORT_FORMATS[format_index](encoding=REGISTER_ENCODING)
    stored = PrivateImportStorage(
        name=file_name,
        encoding=None if input_format.is_binary() else REGISTER_ENCODING,
        read_mode=input_format.get_read_mode(),
    )
    try:
        dataset = input_format.create_dataset(stored.read())
    except FileNotFoundError:
        background.fail(key, _("The uploaded file is gone. Import it again."))
        return
    total = len(dataset)

    bad_rows = BadRows() if partial else None
    resource = ResidentResource(
        kelurahan=kelurahan, progress=_rows_done(key, total), bad_rows=bad_rows
    )
    result = resource.import_data(
        dataset,
        dry_run=False,
        raise_errors=False,
        use_transactions=True,
        # All or nothing: a row that fails now rolls back the rows before it too. Partial: the
        # rows that fail are left out (and kept in `bad_rows`), the others are imported.
        rollback_on_validation_errors=not partial,
    )
    if result.has_errors() or (not partial and result.has_validation_errors()):
        if bad_rows is not None:
            bad_rows.close()
        # The data changed between preview and confirmation; the transaction rolled back.
        background.fail(
            key, _("Nothing was imported: the file no longer passes the checks. Import it again.")
        )
        return
    totals = result.totals
    counts = {
        "new": totals[RowResult.IMPORT_TYPE_NEW],
        "updated": totals[RowResult.IMPORT_TYPE_UPDATE],
        "skipped": totals[RowResult.IMPORT_TYPE_SKIP],
    }
    message = _("Imported: %(new)d new, %(updated)d updated.") % counts
    if bad_rows is not None and bad_rows.count:
        # Saved before the uploaded file goes: a run retried after a failure here still has it.
        counts["bad_rows_file"] = bad_rows.save()
        counts["bad_rows"] = bad_rows.listed
        counts["invalid"] = bad_rows.count
        message = (
            _(
                "Imported: %(new)d new, %(updated)d updated. %(invalid)d rows with errors were "
                "not imported; download them to fix and import again."
            )
            % counts
        )
    # One admin log entry per import; import-export's would be one per row (100,000).
    LogEntry.objects.create(
        user_id=user_id,
        content_type=ContentType.objects.get_for_model(Resident),
        object_repr=_("Resident register import"),
        action_flag=ADDITION,
        change_message=message,
    )
    stored.remove()
    counts["link"] = reverse("admin:layanan_resident_changelist")
    if counts.get("bad_rows_file"):
        run = TaskRun.objects.get(key=key)
        counts["link"] = reverse("admin:layanan_resident_import_result", args=[run.pk])
    background.finish(key, result=counts, message=message)


# The morning digest: what waits for each staff member, once a day. -----------------------------

# What each role is told about: operators handle new requests and hand signed letters over,
# signers sign what operators verified.
DIGEST_STATES = {
    roles.OPERATOR: (Letter.State.SUBMITTED, Letter.State.SIGNED),
    roles.SIGNER: (Letter.State.VERIFIED,),
}


@app.periodic(cron="0 23 * * *", periodic_id="staff-digest")  # 06:00 WIB (cron runs in UTC)
@background.task(queue="default")
def staff_digest(*, key: str = "", timestamp: int = 0) -> None:
    """Every morning, one e-mail to each operator and signer with an e-mail address who has
    letters waiting for them; nobody with nothing waiting is written to. Each mail is its own
    task, keyed by person and day, so a repeated digest sends nothing twice."""
    day = timezone.localdate(
        datetime.datetime.fromtimestamp(timestamp or time.time(), tz=datetime.UTC)
    )
    with unscoped("the digest counts every kelurahan's waiting letters"):
        waiting = defaultdict(dict)
        counts = (
            Letter.objects.filter(
                state__in=[s for states in DIGEST_STATES.values() for s in states]
            )
            .values_list("kelurahan_id", "state")
            .annotate(n=Count("id"))
        )
        for kelurahan_id, state, n in counts:
            waiting[kelurahan_id][state] = n
        memberships = (
            StaffMembership.objects.filter(
                kelurahan_id__in=waiting, user__is_active=True, user__email__gt=""
            )
            .select_related("user", "kelurahan")
            .prefetch_related("user__groups")
        )
        for membership in memberships:
            user = membership.user
            lines = _digest_lines(user, waiting[membership.kelurahan_id])
            if lines:
                background.defer(
                    staff_mail,
                    key=f"staff-digest:{user.pk}:{day.isoformat()}",
                    subject=_digest_subject(membership.kelurahan, day),
                    body="\n".join(lines),
                    to=user.email,
                )


def _digest_lines(user, waiting: dict[str, int]) -> list[str]:
    groups = {group.name for group in user.groups.all()}
    states = [
        s for role, role_states in DIGEST_STATES.items() if role in groups for s in role_states
    ]
    labels = {
        Letter.State.SUBMITTED: _("New online requests to check: %(n)d"),
        Letter.State.VERIFIED: _("Letters waiting for your signature: %(n)d"),
        Letter.State.SIGNED: _("Signed letters not yet handed over: %(n)d"),
    }
    with translation.override(settings.LANGUAGE_CODE):
        lines = [labels[state] % {"n": waiting[state]} for state in states if waiting.get(state)]
        if not lines:
            return []
        return [
            _("Good morning. Waiting in the portal today:"),
            "",
            *[f"- {line}" for line in lines],
            "",
            _("Open your work page: %(url)s")
            % {"url": settings.PORTAL_URL.rstrip("/") + reverse("admin:index")},
            "",
            _("This email was sent automatically; replies are not read."),
        ]


def _digest_subject(kelurahan, day) -> str:
    with translation.override(settings.LANGUAGE_CODE):
        return _("Portal Kelurahan %(kelurahan)s: waiting on %(day)s") % {
            "kelurahan": kelurahan,
            "day": date_format(day, "l, j F Y"),
        }


@background.task(queue="default")
def register_export(*, key: str, user_id: int, resident_ids: list[int] | None) -> None:
    """The resident register as XLSX, made by the worker and kept in private storage until the
    staff member who asked downloads it (the sweep removes it after a day). Which residents is
    decided again here, with the same rule as the admin's list, for the user who asked:
    `resident_ids` narrows it to what their search or filter showed (None: all of it)."""
    if background.start(key, message=_("Writing the file…")) is None:
        return
    user = get_user_model().objects.get(pk=user_id)
    residents = access.residents_for(user)
    if resident_ids is not None:
        residents = residents.filter(pk__in=resident_ids)
    residents = residents.order_by("name", "pk")
    total = residents.count()

    with tempfile.TemporaryFile() as out:
        rows = exports.resident_register_xlsx(residents, out, progress=_rows_done(key, total))
        out.seek(0)
        name = private_storage.save(f"exports/{uuid.uuid4().hex}.xlsx", File(out))
    exports.export_log(by=user, subject="resident register", queryset=residents)
    run = TaskRun.objects.get(key=key)
    background.finish(
        key,
        result={
            "file": name,
            "rows": rows,
            "link": reverse("admin:layanan_resident_export_file", args=[run.pk]),
        },
        message=_("The file is ready: %(rows)d residents.") % {"rows": rows},
    )

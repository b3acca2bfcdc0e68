"""Background tasks of the kelurahan app: provisioning from the admin, and the queue's own
housekeeping (stalled jobs run again, finished jobs and old TaskRun rows removed). Declared through
kelurahan/background.py; Procrastinate finds this module by its name (`tasks`)."""

from __future__ import annotations

import datetime
import hashlib
import logging
import uuid

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate.builtin_tasks import remove_old_jobs as _remove_old_jobs
from procrastinate.contrib.django import app

from kelurahan import background
from kelurahan.models import TaskRun
from kelurahan.services import CityReport, ProvisionError, region_provision
from kelurahan.tenancy import unscoped

logger = logging.getLogger(__name__)


def provision_start(*, codes: list[str], by) -> TaskRun:
    """Queue provisioning of the codes, or return the run of the same codes still under way (a
    double click, a reload); a finished run is history, so asking again starts a new one."""
    digest = hashlib.sha256(" ".join(sorted(codes)).encode()).hexdigest()[:24]
    prefix = f"provision:{digest}:"
    running = TaskRun.objects.filter(
        key__startswith=prefix, state__in=[TaskRun.State.QUEUED, TaskRun.State.RUNNING]
    ).first()
    if running is not None:
        return running
    return background.defer(
        provision,
        key=prefix + uuid.uuid4().hex,
        by=by,
        title=_("Provision kelurahan"),
        message=_("Waiting for a worker…"),
        codes=sorted(codes),
    )


@background.task(queue="default")
def provision(*, key: str, codes: list[str]) -> None:
    """Provision the regions the codes name, reporting each city as it is written.

    Idempotent by construction (what exists is left alone), so a run repeated after a worker
    died only finishes what was left.
    """
    if background.start(key, message=_("Starting…")) is None:
        return

    def report_city(city: CityReport, done: int, total: int) -> None:
        background.progress(key, done, total, _("%(city)s done") % {"city": city.name})

    with unscoped("provisioning writes kelurahan of any city"):
        try:
            report = region_provision(codes=codes, progress=report_city)
        except ProvisionError as exc:
            background.fail(key, str(exc))
            return
    background.finish(
        key,
        result={
            "created": report.created_count,
            "existing": report.existing_count,
            "cities": [
                {
                    "code": city.code,
                    "name": city.name,
                    "kecamatan_created": city.kecamatan_created,
                    "created": city.created,
                    "existing": city.existing,
                }
                for city in report.cities
            ],
        },
        message=(
            _("%(created)d kelurahan/desa provisioned; %(existing)d already existed.")
            if report.created_count
            else _("Nothing to do: all %(existing)d kelurahan/desa already exist.")
        )
        % {"created": report.created_count, "existing": report.existing_count},
    )


# The queue's housekeeping: only where Procrastinate's worker runs (PostgreSQL). ---------------


@app.periodic(cron="* * * * * */15", periodic_id="retry-stalled")
@app.task(name="kelurahan.tasks.retry_stalled_jobs", queueing_lock="retry_stalled_jobs")
async def retry_stalled_jobs(timestamp: int) -> None:
    """A job whose worker died (no heartbeat for TASKS_STALLED_SECONDS) runs again; its
    TaskRun key keeps the repeat from doing twice what was already done."""
    stalled = await app.job_manager.get_stalled_jobs(
        seconds_since_heartbeat=settings.TASKS_STALLED_SECONDS
    )
    for job in stalled:
        logger.warning(
            "task %s (job %s) stalled: its worker died; running it again", job.task_name, job.id
        )
        await app.job_manager.retry_job(job)


@app.periodic(cron="30 2 * * *", periodic_id="remove-old-jobs")
@app.task(
    name="kelurahan.tasks.remove_old_jobs", queueing_lock="remove_old_jobs", pass_context=True
)
async def remove_old_jobs(context, timestamp: int) -> None:
    """Nightly: finished jobs older than a week leave the queue's table (failed ones stay for
    Diskominfo to read in the admin)."""
    await _remove_old_jobs(context, max_hours=24 * 7, remove_cancelled=True, remove_aborted=True)


@app.periodic(cron="45 2 * * *", periodic_id="prune-task-runs")
@background.task(queue="default")
def task_runs_prune(*, key: str = "", timestamp: int = 0) -> None:
    """Nightly: TaskRun rows finished a month ago go. A key only has to outlive the retries and
    recoveries of its job (hours), and the progress pages are looked at the same day."""
    cutoff = timezone.now() - datetime.timedelta(days=TASK_RUNS_KEPT_DAYS)
    TaskRun.objects.filter(finished_at__lt=cutoff).delete()


TASK_RUNS_KEPT_DAYS = 30

"""Background work: Procrastinate on PostgreSQL, in-process on SQLite (docs/decisions/tasks.md).

Every app declares its tasks in its own `tasks.py` with `@task(...)` and starts them with
`defer(task_function, key=..., **kwargs)`. The seam does three things Procrastinate leaves to us:

- **Idempotency.** Delivery is at least once (a job whose worker died runs again). Each piece of
  work has a key (`letter-mail:<id>:<event>`, `provision:<codes digest>`) and a `TaskRun` row; a
  task wraps its side effect in `once(key)`, which locks the row, skips work already `done` and
  marks it done in the same transaction. Deferring the same key twice queues it once.
- **Progress.** `progress(key, done, total, message)` writes in a short transaction of its own,
  so the staff member's status page sees it while the task runs.
- **Where it runs.** With `TASKS_INLINE` (the default on SQLite, so `make run` needs no worker,
  and in tests) the task runs in this process once the transaction commits. Otherwise the job is
  written to Procrastinate's table in the caller's transaction (it exists only if that commits)
  and a worker (`manage.py procrastinate worker`) runs it, with the retries declared here.

Signing is never a task: number and stored PDF stay one synchronous transaction.
"""

from __future__ import annotations

import contextlib
import functools
import hashlib
import logging
import smtplib
from collections.abc import Callable, Iterator
from typing import Any

from django.conf import settings
from django.core.cache import cache
from django.db import DatabaseError, connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from procrastinate import RetryStrategy
from procrastinate.contrib.django import app

from kelurahan import metrics
from kelurahan.models import TaskRun

logger = logging.getLogger(__name__)

# Waits double from 4 s to about 4 minutes (wait = 2 ** (attempt + 1)): a mail server that is
# away for ten minutes, a database restart, a gateway that times out. Other exceptions are bugs:
# retrying would not help, so the job fails at once and shows in the admin.
RETRY = RetryStrategy(
    max_attempts=8,
    exponential_wait=2,
    retry_exceptions={smtplib.SMTPException, OSError, DatabaseError, TimeoutError},
)


def task(*, queue: str = "default", priority: int = 0, retry: RetryStrategy = RETRY):
    """Declare a background task: a function of keyword arguments, the first of them `key`.

    A failure that will be retried leaves the TaskRun waiting with the error as its message; the
    last one marks it failed, so the status page says so instead of waiting for ever.
    """

    def decorate(function: Callable[..., Any]):
        name = f"{function.__module__}.{function.__name__}"

        @functools.wraps(function)
        def run(context, **kwargs):
            try:
                return function(**kwargs)
            except Exception as exc:
                if retry.get_retry_decision(exception=exc, job=context.job) is None:
                    metrics.task_failures_total.labels(name, "failed").inc()
                    fail(kwargs["key"], str(exc))
                else:
                    metrics.task_failures_total.labels(name, "retry").inc()
                    progress_note(kwargs["key"], _retrying_message(exc))
                raise

        declared = app.task(
            name=name, queue=queue, priority=priority, retry=retry, pass_context=True
        )(run)
        declared.inline = function
        return declared

    return decorate


def _retrying_message(exc: Exception) -> str:
    return str(_("Failed for now (%(error)s); it will be tried again.") % {"error": exc})


def defer(
    task_function,
    *,
    key: str,
    by=None,
    title: str = "",
    total: int = 0,
    message: str = "",
    **kwargs,
) -> TaskRun:
    """Queue `task_function(key=key, **kwargs)` once per key; return its TaskRun.

    Called inside the caller's transaction: the row and the job exist only if it commits. A key
    already queued, running or done is not queued again (a double click, a retried request).
    """
    run, created = TaskRun.objects.get_or_create(
        key=key,
        defaults={
            "task_name": task_function.name,
            "title": str(title),
            "created_by": by if by is not None and by.is_authenticated else None,
            "total": total,
            "message": message,
        },
    )
    if not created and run.state != TaskRun.State.FAILED:
        return run
    if not created:
        TaskRun.objects.filter(pk=run.pk).update(state=TaskRun.State.QUEUED, message=message)
    if settings.TASKS_INLINE:
        transaction.on_commit(lambda: _run_inline(task_function, key, kwargs), robust=False)
    else:
        task_function.configure(queueing_lock=key, lock=key).defer(key=key, **kwargs)
    return run


def _run_inline(task_function, key: str, kwargs: dict) -> None:
    """The in-process path: no retries, a failure is logged and recorded, never raised into the
    request that already committed its own work."""
    try:
        task_function.inline(key=key, **kwargs)
    except Exception as exc:  # the request's own work is committed; say so, do not raise
        logger.exception("task %s (%s) failed in-process", task_function.name, key)
        metrics.task_failures_total.labels(task_function.name, "failed").inc()
        fail(key, str(exc))


@contextlib.contextmanager
def once(key: str) -> Iterator[TaskRun | None]:
    """Do a side effect at most once per key: yields the locked TaskRun, or None when done.

    The row stays locked until the block ends, so two copies of a job never send together; the
    block's writes and `done` commit together. What remains is a worker killed after the SMTP
    server accepted and before the commit: then the mail goes twice (SMTP cannot close that gap).
    """
    with transaction.atomic():
        run, _ = TaskRun.objects.select_for_update().get_or_create(
            key=key, defaults={"task_name": "unknown"}
        )
        if run.state == TaskRun.State.DONE:
            yield None
            return
        run.attempts += 1
        run.started_at = run.started_at or timezone.now()
        yield run
        run.state = TaskRun.State.DONE
        run.finished_at = timezone.now()
        run.save()


def start(key: str, *, total: int = 0, message: str = "") -> TaskRun | None:
    """A long task begins (or begins again): None when it is already done."""
    with transaction.atomic():
        run = TaskRun.objects.select_for_update().filter(key=key).first()
        if run is None or run.state == TaskRun.State.DONE:
            return None
        run.state = TaskRun.State.RUNNING
        run.attempts += 1
        run.started_at = timezone.now()
        run.progress = 0
        run.total = total or run.total
        run.message = message or run.message
        run.save()
        return run


def progress(key: str, done: int, total: int, message: str = "") -> None:
    """How far a long task is, for the status page to show while it runs.

    Written to the row in a short write of its own, except inside a transaction (an import is
    one, all or nothing): a row changed there shows only at its commit, so the figures also go
    to the cache, which `live()` reads first. Without the cache the page shows the last figures
    the row has.
    """
    cache.set(_progress_key(key), (done, total, message), PROGRESS_SECONDS)
    if not connection.in_atomic_block:
        TaskRun.objects.filter(key=key).update(progress=done, total=total, message=message)


def live(run: TaskRun) -> TaskRun:
    """The run with its newest progress (see `progress`)."""
    if not run.finished:
        figures = cache.get(_progress_key(run.key))
        if figures is not None and figures[0] >= run.progress:
            run.progress, run.total, run.message = figures
    return run


PROGRESS_SECONDS = 3600


def _progress_key(key: str) -> str:
    return "task-progress:" + hashlib.sha256(key.encode()).hexdigest()


def progress_note(key: str, message: str) -> None:
    TaskRun.objects.filter(key=key).update(message=message[:2000])


def finish(key: str, *, result: dict, message: str = "") -> None:
    TaskRun.objects.filter(key=key).update(
        state=TaskRun.State.DONE, result=result, message=message, finished_at=timezone.now()
    )


def fail(key: str, message: str) -> None:
    TaskRun.objects.filter(key=key).exclude(state=TaskRun.State.DONE).update(
        state=TaskRun.State.FAILED, message=message[:2000], finished_at=timezone.now()
    )


class NoWorker(RuntimeError):
    """Jobs are waiting and no worker has reported in: nothing will run them."""


def queue_probe() -> dict:
    """The queue as /readyz reports it: jobs due and waiting, and workers alive (a heartbeat
    within TASKS_STALLED_SECONDS). Raises NoWorker when jobs wait with no worker to run them:
    e-mails and imports stand still, though every page still works. Both counts use the queue's
    own partial indexes, so a balancer probing twice a second costs little; failed jobs (no
    index on them) are for the admin's job list, not for this probe."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT"
            " (SELECT count(*) FROM procrastinate_jobs"
            "   WHERE status = 'todo' AND (scheduled_at IS NULL OR scheduled_at <= now())),"
            " (SELECT count(*) FROM procrastinate_workers"
            "   WHERE last_heartbeat > now() - make_interval(secs => %s))",
            [settings.TASKS_STALLED_SECONDS],
        )
        waiting, workers = cursor.fetchone()
    if waiting and not workers:
        raise NoWorker(f"{waiting} job(s) waiting and no task worker running")
    return {"waiting": waiting, "workers": workers}


# The statuses portal_task_jobs reports (kelurahan/metrics.py), always all of them, 0 when none.
QUEUE_STATUSES = ("todo", "doing", "failed")


def queue_depth() -> dict[str, int]:
    """Jobs in the queue's table per status, for /metrics at scrape time: waiting (`todo`, due
    or scheduled later), running (`doing`), and `failed` (kept for the admin's job list; jobs
    that succeeded leave the table within a week, kelurahan/tasks.py). One count per status, each
    answered from a partial index on that status alone (Procrastinate's own for todo and doing,
    ours for failed: migration 0012), never a scan of the whole table."""
    with connection.cursor() as cursor:
        # Literals, not parameters: a generic plan for `status = $1` could not use the indexes.
        cursor.execute(
            "SELECT (SELECT count(*) FROM procrastinate_jobs WHERE status = 'todo'),"
            " (SELECT count(*) FROM procrastinate_jobs WHERE status = 'doing'),"
            " (SELECT count(*) FROM procrastinate_jobs WHERE status = 'failed')"
        )
        return dict(zip(QUEUE_STATUSES, cursor.fetchone(), strict=True))

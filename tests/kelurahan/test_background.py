"""Background tasks (kelurahan/background.py): at most one e-mail per key, progress the staff
member sees, failures recorded; and on PostgreSQL the real Procrastinate worker: a job written in
the request's transaction, run by the worker, retried after a failure, run again after its worker
died, with no second e-mail."""

from __future__ import annotations

import asyncio
import smtplib
import threading
import uuid
from datetime import timedelta

import pytest
from django.core import mail
from django.db import connection, transaction
from django.test import TestCase
from django.urls import reverse
from django.utils import timezone

from kelurahan import background, tasks
from kelurahan.models import TaskRun
from layanan import notifications as mail_tasks
from layanan import tasks as layanan_tasks

captured_on_commit = TestCase.captureOnCommitCallbacks


def mail_key() -> str:
    return f"letter-mail:test:{uuid.uuid4().hex}"


def defer_mail(key: str, to: str = "warga@example.com"):
    return background.defer(
        mail_tasks.resident_mail, key=key, subject="Status", body="Siap diambil.", to=to
    )


# In-process (SQLite, make run, most tests) -----------------------------------------------------


@pytest.mark.django_db
def test_a_task_runs_after_the_commit_not_before():
    key = mail_key()
    with captured_on_commit(execute=True) as callbacks:
        with transaction.atomic():
            defer_mail(key)
            assert mail.outbox == []

    assert len(callbacks) == 1
    assert [m.to for m in mail.outbox] == [["warga@example.com"]]
    assert TaskRun.objects.get(key=key).state == TaskRun.State.DONE


@pytest.mark.django_db
def test_a_job_run_twice_sends_one_email():
    key = mail_key()
    with captured_on_commit(execute=True):
        defer_mail(key)

    # What a worker does when a job runs again (its first worker died after committing).
    mail_tasks.resident_mail.inline(key=key, subject="Status", body="x", to="warga@example.com")

    assert len(mail.outbox) == 1
    assert TaskRun.objects.get(key=key).attempts == 1


@pytest.mark.django_db
def test_the_same_key_deferred_twice_is_queued_once():
    key = mail_key()
    with captured_on_commit(execute=True) as callbacks:
        first = defer_mail(key)
        second = defer_mail(key)

    assert first.pk == second.pk
    assert len(callbacks) == 1
    assert len(mail.outbox) == 1


@pytest.mark.django_db
def test_a_failing_mail_server_is_recorded_and_does_not_undo_the_request(monkeypatch, caplog):
    def refuse(*args, **kwargs):
        raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")

    monkeypatch.setattr(mail_tasks, "send_mail", refuse)
    key = mail_key()
    with captured_on_commit(execute=True):
        run = defer_mail(key)

    run.refresh_from_db()
    assert run.state == TaskRun.State.FAILED
    assert "Connection unexpectedly closed" in run.message
    assert "failed in-process" in caplog.text
    assert mail.outbox == []


@pytest.mark.django_db
def test_a_failed_key_can_be_deferred_again_and_then_sends():
    key = mail_key()
    TaskRun.objects.create(key=key, task_name="x", state=TaskRun.State.FAILED, message="down")

    with captured_on_commit(execute=True):
        defer_mail(key)

    assert len(mail.outbox) == 1
    assert TaskRun.objects.get(key=key).state == TaskRun.State.DONE


# The progress page -------------------------------------------------------------------------------


@pytest.fixture
def diskominfo_run(diskominfo):
    return TaskRun.objects.create(
        key="provision:test:1",
        task_name=tasks.provision.name,
        state=TaskRun.State.RUNNING,
        progress=3,
        total=12,
        message="Kota Surakarta selesai",
        created_by=diskominfo,
    )


@pytest.mark.django_db
def test_the_progress_page_shows_a_bar_and_refreshes_while_running(as_diskominfo, diskominfo_run):
    response = as_diskominfo.get(
        reverse("admin:kelurahan_taskrun_change", args=[diskominfo_run.pk])
    )

    html = response.content.decode()
    assert response.status_code == 200
    assert '<progress id="task-progress" max="100" value="25">' in html
    assert 'http-equiv="refresh"' in html
    assert "Kota Surakarta selesai" in html


@pytest.mark.django_db
def test_a_finished_run_stops_refreshing(as_diskominfo, diskominfo_run):
    TaskRun.objects.filter(pk=diskominfo_run.pk).update(state=TaskRun.State.DONE)

    response = as_diskominfo.get(
        reverse("admin:kelurahan_taskrun_change", args=[diskominfo_run.pk])
    )

    assert 'value="100"' in response.content.decode()
    assert 'http-equiv="refresh"' not in response.content.decode()


@pytest.mark.django_db
def test_someone_elses_run_is_not_found(client, operator_a, diskominfo_run):
    client.force_login(operator_a)

    page = client.get(reverse("admin:kelurahan_taskrun_change", args=[diskominfo_run.pk]))
    listing = client.get(reverse("admin:kelurahan_taskrun_changelist"))

    assert page.status_code == 404
    assert diskominfo_run.key not in listing.content.decode()


# The real worker (PostgreSQL) --------------------------------------------------------------------


def _jobs(task_name: str) -> list[tuple[str, int]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT status, attempts FROM procrastinate_jobs WHERE task_name = %s ORDER BY id",
            [task_name],
        )
        return cursor.fetchall()


def _own_thread(function) -> None:
    """Run `function` in a thread of its own and re-raise what it raised: Procrastinate runs an
    event loop, and the browser tests' Playwright may keep one running in this thread."""
    failure = []

    def run():
        try:
            function()
        except BaseException as exc:  # noqa: BLE001 - handed to the test's thread
            failure.append(exc)

    thread = threading.Thread(target=run)
    thread.start()
    thread.join(120)
    if failure:
        raise failure[0]


def _run_worker() -> None:
    """Run the jobs that are due, as `manage.py procrastinate worker` does (with its own psycopg
    connection, not Django's), then stop."""
    from procrastinate.contrib.django import app

    def work():
        with app.replace_connector(app.connector.get_worker_connector()) as worker_app:
            worker_app.run_worker(wait=False, install_signal_handlers=False, listen_notify=False)

    _own_thread(work)


@pytest.fixture
def worker_queue(settings):
    settings.TASKS_INLINE = False
    yield
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_jobs")


@pytest.mark.postgresql(reason="Procrastinate's queue lives in PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_the_worker_sends_a_deferred_email_once(worker_queue):
    key = mail_key()
    with transaction.atomic():
        defer_mail(key)
        defer_mail(key)  # a double click: still one job
    assert _jobs(mail_tasks.resident_mail.name) == [("todo", 0)]

    _run_worker()

    assert [m.to for m in mail.outbox] == [["warga@example.com"]]
    assert _jobs(mail_tasks.resident_mail.name) == [("succeeded", 1)]
    assert TaskRun.objects.get(key=key).state == TaskRun.State.DONE


@pytest.mark.postgresql(reason="Procrastinate's queue lives in PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_job_deferred_in_a_rolled_back_transaction_does_not_exist(worker_queue):
    with pytest.raises(RuntimeError), transaction.atomic():
        defer_mail(mail_key())
        raise RuntimeError("the request failed")

    assert _jobs(mail_tasks.resident_mail.name) == []


@pytest.mark.postgresql(reason="Procrastinate's queue lives in PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_mail_server_error_is_retried_later_and_then_sent_once(worker_queue, monkeypatch):
    calls = []
    real_send = mail_tasks.send_mail

    def flaky(*args, **kwargs):
        calls.append(args)
        if len(calls) == 1:
            raise smtplib.SMTPServerDisconnected("Connection unexpectedly closed")
        return real_send(*args, **kwargs)

    monkeypatch.setattr(mail_tasks, "send_mail", flaky)
    key = mail_key()
    defer_mail(key)

    _run_worker()  # fails; the retry is scheduled a few seconds ahead, so the worker stops

    assert _jobs(mail_tasks.resident_mail.name) == [("todo", 1)]
    run = TaskRun.objects.get(key=key)
    assert run.state == TaskRun.State.QUEUED
    assert "Connection unexpectedly closed" in run.message
    assert mail.outbox == []

    with connection.cursor() as cursor:  # time passes
        cursor.execute("UPDATE procrastinate_jobs SET scheduled_at = now()")
    _run_worker()

    assert len(calls) == 2
    assert len(mail.outbox) == 1
    assert _jobs(mail_tasks.resident_mail.name) == [("succeeded", 2)]


@pytest.mark.postgresql(reason="Procrastinate's queue lives in PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_a_job_whose_worker_died_runs_again_and_sends_no_second_email(worker_queue, settings):
    """A worker took the job, sent the e-mail and committed, then died before telling the queue:
    the job is `doing` with a dead worker. The periodic check puts it back; it runs again and
    finds its key done."""
    key = mail_key()
    defer_mail(key)
    _run_worker()
    assert len(mail.outbox) == 1
    with connection.cursor() as cursor:
        cursor.execute(
            "INSERT INTO procrastinate_workers (last_heartbeat)"
            " VALUES (now() - interval '5 minutes') RETURNING id"
        )
        (dead_worker,) = cursor.fetchone()
        cursor.execute(
            "UPDATE procrastinate_jobs SET status = 'doing', worker_id = %s", [dead_worker]
        )

    from procrastinate.contrib.django import app

    async def recover():
        async with app.open_async():
            await tasks.retry_stalled_jobs.func(timestamp=0)

    def recover_now():
        with app.replace_connector(app.connector.get_worker_connector()):
            asyncio.run(recover())

    _own_thread(recover_now)
    assert _jobs(mail_tasks.resident_mail.name)[0][0] == "todo"
    _run_worker()

    assert len(mail.outbox) == 1
    assert _jobs(mail_tasks.resident_mail.name)[0][0] == "succeeded"
    assert TaskRun.objects.get(key=key).attempts == 1


@pytest.mark.postgresql(reason="Procrastinate's queue lives in PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_provisioning_from_the_admin_runs_on_the_worker(worker_queue, as_diskominfo):
    response = as_diskominfo.post(
        reverse("admin:kelurahan_kelurahan_provision"), {"codes": "33.72.02"}
    )
    run = TaskRun.objects.get()
    assert response["Location"] == reverse("admin:kelurahan_taskrun_change", args=[run.pk])
    waiting = as_diskominfo.get(response["Location"])
    assert 'value="0"' in waiting.content.decode()

    _run_worker()

    run.refresh_from_db()
    assert (run.state, run.progress, run.total, run.result["created"]) == ("done", 1, 1, 7)
    done = as_diskominfo.get(response["Location"])
    assert "/k/" in done.content.decode()


@pytest.mark.postgresql(reason="Procrastinate's queue lives in PostgreSQL")
@pytest.mark.django_db(transaction=True)
def test_readyz_says_when_jobs_wait_with_no_worker_to_run_them(worker_queue):
    assert background.queue_probe() == {"waiting": 0, "workers": 0}
    defer_mail(mail_key())

    with pytest.raises(background.NoWorker, match="1 job"):
        background.queue_probe()

    with connection.cursor() as cursor:
        cursor.execute("INSERT INTO procrastinate_workers (last_heartbeat) VALUES (now())")
    assert background.queue_probe() == {"waiting": 1, "workers": 1}
    with connection.cursor() as cursor:
        cursor.execute("DELETE FROM procrastinate_workers")


def test_the_periodic_housekeeping_is_registered():
    from procrastinate.contrib.django import app

    names = {task.name for task in app.tasks.values()} if hasattr(app, "tasks") else set()
    assert tasks.retry_stalled_jobs.name in names
    assert tasks.remove_old_jobs.name in names
    assert mail_tasks.resident_mail.name in names
    periodic = {p.task.name for p in app.periodic_registry.periodic_tasks.values()}
    assert periodic == {
        tasks.retry_stalled_jobs.name,
        tasks.remove_old_jobs.name,
        tasks.task_runs_prune.name,
        layanan_tasks.staff_digest.name,
    }


@pytest.mark.django_db
def test_task_runs_a_month_old_are_pruned_and_newer_ones_kept():
    now = timezone.now()
    old = TaskRun.objects.create(key="old", task_name="x", finished_at=now - timedelta(days=31))
    recent = TaskRun.objects.create(key="new", task_name="x", finished_at=now - timedelta(days=2))
    waiting = TaskRun.objects.create(key="waiting", task_name="x")

    tasks.task_runs_prune.inline()

    assert set(TaskRun.objects.values_list("key", flat=True)) == {recent.key, waiting.key}
    assert not TaskRun.objects.filter(pk=old.pk).exists()

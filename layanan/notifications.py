"""E-mail as background tasks: to residents (status changes, download codes) and to staff (the
morning digest). Each is sent at most once per key (kelurahan/background.py). Apart from
layanan/tasks.py so that services can queue mail without importing the register's tasks."""

from __future__ import annotations

from django.core.mail import send_mail

from kelurahan import background


@background.task(queue="mail", priority=10)
def resident_mail(*, key: str, subject: str, body: str, to: str) -> None:
    """One e-mail to a resident, at most once per key (a job run again after its worker died
    finds its TaskRun done and sends nothing). SMTP errors are retried with backoff."""
    with background.once(key) as run:
        if run is None:
            return
        send_mail(subject, body, None, [to], fail_silently=False)


@background.task(queue="mail", priority=5)
def staff_mail(*, key: str, subject: str, body: str, to: str) -> None:
    """One e-mail to a staff member, at most once per key."""
    with background.once(key) as run:
        if run is None:
            return
        send_mail(subject, body, None, [to], fail_silently=False)

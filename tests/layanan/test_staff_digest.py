"""The morning digest (layanan.tasks.staff_digest): each operator and signer with an e-mail and
something waiting gets one mail a day that says what waits for their role; nobody else does."""

from __future__ import annotations

import datetime

import pytest
from django.core import mail
from django.test import TestCase
from django.utils.translation import gettext as _

from layanan import tasks
from layanan.models import Letter

pytestmark = pytest.mark.django_db

MORNING = int(datetime.datetime(2026, 12, 7, 23, 0, tzinfo=datetime.UTC).timestamp())


def run_digest(timestamp: int = MORNING) -> None:
    with TestCase.captureOnCommitCallbacks(execute=True):
        tasks.staff_digest.inline(key="", timestamp=timestamp)


@pytest.fixture
def with_emails(operator_a, signer_a, operator_b):
    for user in (operator_a, signer_a, operator_b):
        user.email = f"{user.username}@example.go.id"
        user.save()


def test_each_role_hears_what_waits_for_it(with_emails, submitted_letter, verified_letter):
    run_digest()

    by_recipient = {m.to[0]: m for m in mail.outbox}
    assert set(by_recipient) == {"operator.a@example.go.id", "lurah.a@example.go.id"}
    operator_mail = by_recipient["operator.a@example.go.id"].body
    signer_mail = by_recipient["lurah.a@example.go.id"].body
    assert _("New online requests to check: %(n)d") % {"n": 1} in operator_mail
    assert _("Letters waiting for your signature: %(n)d") % {"n": 1} not in operator_mail
    assert _("Letters waiting for your signature: %(n)d") % {"n": 1} in signer_mail
    assert "Selasa, 8 Desember 2026" in by_recipient["lurah.a@example.go.id"].subject


def test_a_second_digest_the_same_day_sends_nothing_more(with_emails, submitted_letter):
    run_digest()
    run_digest(MORNING + 60)

    assert len(mail.outbox) == 1


def test_the_next_day_it_is_sent_again(with_emails, submitted_letter):
    run_digest()
    run_digest(MORNING + 24 * 3600)

    assert len(mail.outbox) == 2


def test_nothing_waiting_means_no_mail(with_emails, submitted_letter):
    Letter.objects.filter(pk=submitted_letter.pk).update(state=Letter.State.REJECTED)

    run_digest()

    assert mail.outbox == []


def test_staff_without_an_email_or_inactive_get_nothing(operator_a, submitted_letter):
    run_digest()
    operator_a.email = "operator.a@example.go.id"
    operator_a.is_active = False
    operator_a.save()
    run_digest(MORNING + 24 * 3600)

    assert mail.outbox == []

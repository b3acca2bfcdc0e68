"""PDFs left behind by a signing that never committed are swept; real letters keep theirs."""

import datetime
import os
import time

from django.core.files.base import ContentFile
from django.core.management import call_command

from layanan.models import Letter
from layanan.services import letter_files_sweep


def _age(storage, name, hours):
    stamp = time.time() - hours * 3600
    os.utime(storage.path(name), (stamp, stamp))


def test_an_old_orphaned_pdf_is_deleted_and_a_letters_pdf_is_kept(signed_letter):
    storage = Letter._meta.get_field("pdf").storage
    orphan = storage.save("letters/2026/orphan.pdf", ContentFile(b"%PDF-1.7 personal data"))
    _age(storage, orphan, 2)
    _age(storage, signed_letter.pdf.name, 2)

    removed = letter_files_sweep()

    assert removed == 1
    assert not storage.exists(orphan)
    assert storage.exists(signed_letter.pdf.name)


def test_a_fresh_orphan_may_still_be_a_signing_in_progress_and_stays(signed_letter):
    storage = Letter._meta.get_field("pdf").storage
    fresh = storage.save("letters/2026/in-progress.pdf", ContentFile(b"%PDF-1.7"))

    assert letter_files_sweep(older_than=datetime.timedelta(hours=1)) == 0
    assert storage.exists(fresh)


def test_the_command_reports_what_it_deleted(db, capsys):
    call_command("letters_sweep")

    assert "0 orphaned letter file(s) deleted." in capsys.readouterr().out

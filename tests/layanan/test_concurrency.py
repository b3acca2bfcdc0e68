"""Many signers at once: the locked counter hands out distinct, gap-free numbers.

PostgreSQL only. SQLite lets one writer in at a time (the whole database is locked), so signings
there can never overlap and the test could not show the race it guards against. CI runs the
suite on PostgreSQL as well, where this test does its work.
"""

from __future__ import annotations

import hashlib
import threading

import pytest
from django.db import connection

from kelurahan.tenancy import user_kelurahan_id
from layanan import services
from layanan.models import Letter, NumberCounter
from tests.factories import signing_authority_ensure
from tests.layanan.helpers import letter_data, pdf_bytes, stored_files

SIGNERS = 50

pytestmark = pytest.mark.postgresql(
    reason="needs PostgreSQL: SQLite serialises writers, so concurrent signing cannot race there "
    "(CI runs this suite on PostgreSQL too)",
)


@pytest.mark.django_db(transaction=True)
def test_fifty_signers_at_once_never_get_the_same_number(
    kelurahan_a, operator_a, signer_a, private_root, monkeypatch
):
    # 50 threads share one pool of DATABASE_POOL_MAX connections (10): the last ones wait while
    # the others sign, one after another behind the counter lock. Let them wait longer than the
    # pool's 10 s, so a slow machine tests numbering rather than the pool's patience. (A
    # gunicorn worker process serves one request at a time; this many in one pool is the test's.)
    if connection.pool is not None:
        monkeypatch.setattr(connection.pool, "timeout", 90)
    letters = [
        services.letter_create(
            kelurahan=kelurahan_a, kind="skuter", by=operator_a, data=letter_data(name=f"Warga {n}")
        )
        for n in range(SIGNERS)
    ]
    # Warm the user's permission and membership caches so the threads only read them.
    assert signer_a.has_perm("layanan.sign_letter") and user_kelurahan_id(signer_a)
    authority = signing_authority_ensure(signer_a, kelurahan_a)
    start = threading.Barrier(SIGNERS)
    errors: list[BaseException] = []

    def sign(letter_id: int) -> None:
        try:
            start.wait()
            services.letter_move(
                action="sign",
                letter_id=letter_id,
                by=signer_a,
                authority=authority.pk,
            )
        except BaseException as exc:  # reported by the main thread below
            errors.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=sign, args=(letter.pk,)) for letter in letters]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)

    assert not any(thread.is_alive() for thread in threads)
    assert errors == []
    signed = list(Letter.objects.filter(kelurahan=kelurahan_a, state=Letter.State.SIGNED))
    assert len(signed) == SIGNERS
    assert sorted(letter.sequence for letter in signed) == list(range(1, SIGNERS + 1))
    assert len({letter.number for letter in signed}) == SIGNERS
    assert len({letter.verification_token for letter in signed}) == SIGNERS
    assert NumberCounter.objects.get(kelurahan=kelurahan_a).last == SIGNERS
    assert len(stored_files(private_root)) == SIGNERS
    for letter in signed:
        assert letter.pdf_sha256 == hashlib.sha256(pdf_bytes(letter)).hexdigest()

"""Tracking codes for online requests, and the signed links a resident follows without a session.

A tracking code is 10 characters of Crockford base32 (50 random bits): short enough to read out
over the phone, and never enough on its own, since /lacak/ also asks for the NIK's last 4
digits and is rate-limited. The receipt and the PDF download are links signed with SECRET_KEY
that expire, so nobody can make one for a letter that is not theirs.

Code and NIK digits show the status only: both are on the receipt, which others may see (over a
shoulder, a shared phone, the café that filled the form in). The signed PDF needs a one-time
code e-mailed to the address given in the request (layanan.services.download_code_send); the
steps in between carry a "ticket", a signed letter id that says the tracking code and NIK
digits were typed within the last half hour, so a page of /lacak/ need not ask for them again.

Without an e-mail in the request, the letter is picked up at the office (the page gives its
address, hours and phone). The full 16-digit NIK is deliberately not accepted as the second
factor instead: it is no secret of the requester's. It is printed on the KTP and KK that are
photocopied for every errand, known to the family and to whoever filled the form in for them,
and NIK lists have leaked by the million; it would guard the PDF barely better than the receipt.
"""

from __future__ import annotations

import secrets

from django.core import signing

from layanan.models import TRACKING_CODE_LENGTH

# Crockford's base32: no I, L, O or U, so nothing reads as 1, 0 or a rude word.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
# What people type instead: lower case, O for 0, I or L for 1, and separators.
_READ_AS = str.maketrans({"O": "0", "I": "1", "L": "1"})

RECEIPT_MAX_AGE = 24 * 3600  # the receipt page, right after sending the form
TICKET_MAX_AGE = 30 * 60  # from typing code and NIK digits to asking for / typing the e-mailed code
DOWNLOAD_CODE_MAX_AGE = 15 * 60  # the e-mailed one-time code
DOWNLOAD_MAX_AGE = 10 * 60  # the PDF link, shown once the e-mailed code was right
_RECEIPT_SALT = "layanan.receipt"
_TICKET_SALT = "layanan.track-ticket"
# v2: links made before the e-mailed code existed (an hour long, without it) no longer open.
_DOWNLOAD_SALT = "layanan.resident-pdf.v2"


def tracking_code_new() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(TRACKING_CODE_LENGTH))


def tracking_code_clean(raw: str) -> str:
    """The code as stored: upper case, separators gone, look-alikes read the Crockford way."""
    return "".join(raw.split()).replace("-", "").upper().translate(_READ_AS)


def tracking_code_display(code: str) -> str:
    """ "7KQ2M9XD4P" -> "7KQ2M-9XD4P", easier to read out and copy."""
    return f"{code[:5]}-{code[5:]}" if code else ""


def _sign(letter_id: int, salt: str) -> str:
    return signing.TimestampSigner(salt=salt).sign(str(letter_id))


def _unsign(token: str, salt: str, max_age: int) -> int:
    """The letter id in a link; raises signing.SignatureExpired, or BadSignature if forged."""
    value = signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    return int(value)


def receipt_token(letter_id: int) -> str:
    return _sign(letter_id, _RECEIPT_SALT)


def receipt_letter_id(token: str) -> int:
    return _unsign(token, _RECEIPT_SALT, RECEIPT_MAX_AGE)


def download_token(letter_id: int) -> str:
    return _sign(letter_id, _DOWNLOAD_SALT)


def download_letter_id(token: str) -> int:
    return _unsign(token, _DOWNLOAD_SALT, DOWNLOAD_MAX_AGE)


def track_ticket(letter_id: int) -> str:
    return _sign(letter_id, _TICKET_SALT)


def track_ticket_letter_id(token: str) -> int:
    return _unsign(token, _TICKET_SALT, TICKET_MAX_AGE)


def mask_email(email: str) -> str:
    """ "budi.santoso@gmail.com" -> "b***********@gmail.com": enough for the resident to know
    which inbox to open, not enough to learn the address from the tracking page."""
    local, _at, domain = email.partition("@")
    if not domain:
        return "***"
    return f"{local[:1]}{'*' * max(len(local) - 1, 3)}@{domain}"

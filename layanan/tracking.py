"""Tracking codes for online requests, and the signed links a resident follows without a session.

A tracking code is 10 characters of Crockford base32 (50 random bits): short enough to read out
over the phone, and never enough on its own, since /lacak/ also asks for the NIK's last 4
digits and is rate-limited. The receipt and the PDF download are links signed with SECRET_KEY
that expire, so nobody can make one for a letter that is not theirs.
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
DOWNLOAD_MAX_AGE = 3600  # a PDF link, from the tracking page
_RECEIPT_SALT = "layanan.receipt"
_DOWNLOAD_SALT = "layanan.resident-pdf"


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

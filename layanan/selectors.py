"""Reads for letters that views share."""

from __future__ import annotations

from django.shortcuts import get_object_or_404

from layanan.models import Letter


def letter_for_verification(token: str) -> Letter:
    """A signed (or voided) letter by its unguessable token; anything else is simply not found."""
    return get_object_or_404(
        Letter.objects.select_related("letter_type", "kelurahan__kecamatan__city").filter(
            state__in=[Letter.State.SIGNED, Letter.State.HANDED_OVER, Letter.State.VOID]
        ),
        verification_token=token,
    )


def mask_name(name: str) -> str:
    """ "Budi Santoso" -> "B*** S******": enough to recognise, not enough to learn."""
    return " ".join(word[0] + "*" * (len(word) - 1) for word in name.split() if word)

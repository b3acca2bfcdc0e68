"""Slugs made from a title for a kelurahan's rows, unique within that kelurahan.

Staff never type a slug: it is made once, when the row is created, and kept when the title is
later edited, so the addresses already shared (WhatsApp, printed posters, search engines) keep
working.
"""

from __future__ import annotations

from collections.abc import Callable, Collection

from django.db import IntegrityError, models, transaction
from django.utils.text import slugify

# Room kept at the end of a slug for "-<n>" on a clash.
SUFFIX_ROOM = 6


def slug_free(
    queryset: models.QuerySet,
    text: str,
    *,
    max_length: int,
    fallback: str,
    also_taken: Collection[str] = (),
) -> str:
    """The slug of `text`, or with the first free "-2", "-3"… among the slugs in `queryset`
    (the rows of one kelurahan) and `also_taken` (a kelurahan's service: its city's entries)."""
    base = slugify(text)[: max_length - SUFFIX_ROOM].strip("-") or fallback
    taken = set(queryset.filter(slug__startswith=base).values_list("slug", flat=True))
    taken.update(also_taken)
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def save_with_free_slug(
    row: models.Model,
    *,
    text: str,
    scope: models.QuerySet,
    save: Callable[[], None],
    also_taken: Collection[str] = (),
) -> None:
    """Give a new row a free slug made from `text` and save it with `save()`.

    Two staff members saving the same title at once may both find the same slug free; the
    database's unique constraint refuses the second, which then tries the next number (in a
    savepoint, so the caller's transaction goes on).
    """
    max_length = row._meta.get_field("slug").max_length
    fallback = row._meta.model_name
    for attempt in range(5):
        row.slug = slug_free(
            scope, text, max_length=max_length, fallback=fallback, also_taken=also_taken
        )
        try:
            with transaction.atomic():
                save()
            return
        except IntegrityError:
            if attempt == 4:
                raise
            row.pk = None

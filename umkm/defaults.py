"""The UMKM categories a new deployment starts with (Indonesian data; Diskominfo edits the list)."""

from __future__ import annotations

CATEGORIES: tuple[tuple[str, str], ...] = (
    ("kuliner", "Kuliner"),
    ("kerajinan", "Kerajinan"),
    ("fesyen", "Fesyen"),
    ("jasa", "Jasa"),
    ("pertanian", "Pertanian"),
    ("perdagangan", "Perdagangan"),
    ("lainnya", "Lainnya"),
)


def categories_ensure() -> None:
    """Create the starting categories when the list is empty (a fresh or flushed database).

    Run after every migrate, like the roles: a list Diskominfo has edited is left alone.
    """
    from umkm.models import BusinessCategory

    if not BusinessCategory.objects.exists():
        BusinessCategory.objects.bulk_create(
            BusinessCategory(slug=slug, name=name, rank=rank)
            for rank, (slug, name) in enumerate(CATEGORIES)
        )

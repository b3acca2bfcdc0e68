"""Template helpers for UMKM and wisata pages."""

from django import template
from django.core.files.storage import default_storage

register = template.Library()


@register.filter
def media_url(name: str) -> str:
    """The public URL of a stored file name (an annotated cover path has no FieldFile)."""
    return default_storage.url(name) if name else ""


@register.filter
def rupiah(value) -> str:
    """12000 -> Rp12.000 (Indonesian thousands separator, whatever the page's language)."""
    if value in (None, ""):
        return ""
    return "Rp" + f"{int(value):,}".replace(",", ".")

"""Writes for UMKM and tourism: residents' proposals, publishing and hiding, photos."""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from typing import TYPE_CHECKING

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import QuerySet
from django.utils.text import slugify

from kelurahan.images import thumbnail_image
from kelurahan.models import Kelurahan
from umkm.models import Business, BusinessCategory, BusinessPhoto, Photo, Place, Status

if TYPE_CHECKING:
    from django.contrib.auth.models import User

# Every status can move to every other by an operator (content, not a legal workflow); the
# public sees only PUBLISHED. A resident's proposal always starts as PENDING.
MODERATION_TARGETS = (Status.PUBLISHED, Status.HIDDEN, Status.DRAFT)


def _free_slug(model: type[Place], kelurahan: Kelurahan, name: str) -> str:
    base = slugify(name)[:150] or "umkm"
    taken = set(
        model.objects.for_kelurahan(kelurahan)
        .filter(slug__startswith=base)
        .values_list("slug", flat=True)
    )
    slug, n = base, 2
    while slug in taken:
        slug, n = f"{base}-{n}", n + 1
    return slug


def photo_save(*, photo: Photo, upload: UploadedFile | None = None) -> Photo:
    """Save a photo row; with a new upload (already re-encoded by ReencodedImageField), store it
    and make its card thumbnail now.

    The thumbnail is made once at upload rather than on request: the portal runs on cheap
    hosting where resizing on a page view would cost every visitor, and photos change rarely.
    Must run inside the caller's transaction; the files are written before the row.
    """
    if upload is not None:
        upload.seek(0)
        data = upload.read()
        name = f"{uuid.uuid4().hex}"
        photo.image.save(f"{name}.jpg", ContentFile(data), save=False)
        photo.thumbnail.save(f"{name}.webp", ContentFile(thumbnail_image(data)), save=False)
    photo.save()
    return photo


def photo_files_delete(*, photos: Iterable[Photo]) -> None:
    """Remove the stored files of deleted photos once the deletion has committed."""
    names = [(f.storage, f.name) for p in photos for f in (p.image, p.thumbnail) if f.name]

    def delete():
        for storage, name in names:
            storage.delete(name)

    transaction.on_commit(delete)


@transaction.atomic
def business_propose(
    *,
    kelurahan: Kelurahan,
    name: str,
    category: BusinessCategory,
    owner_name: str,
    description: str,
    products: str,
    whatsapp: str,
    phone: str,
    address: str,
    rt: int | None,
    rw: int | None,
    opening_hours: str,
    latitude=None,
    longitude=None,
    proposer_name: str,
    proposer_contact: str,
    photos: Iterable[UploadedFile] = (),
) -> Business:
    """A resident's proposal: a PENDING business that only staff of the kelurahan can see.

    `products` is one product per line as typed by the resident; the operator turns it into
    product rows with prices when reviewing. The first photo becomes the cover.
    """
    business = Business.objects.create(
        kelurahan=kelurahan,
        name=name,
        slug=_free_slug(Business, kelurahan, name),
        category=category,
        owner_name=owner_name,
        description=description,
        whatsapp=whatsapp,
        phone=phone,
        address=address,
        rt=rt,
        rw=rw,
        opening_hours=opening_hours,
        latitude=latitude,
        longitude=longitude,
        proposer_name=proposer_name,
        proposer_contact=proposer_contact,
        status=Status.PENDING,
    )
    for rank, line in enumerate(line.strip() for line in products.splitlines()):
        if line:
            business.products.create(kelurahan=kelurahan, name=line[:150], rank=rank)
    for rank, upload in enumerate(photos):
        photo_save(
            photo=BusinessPhoto(kelurahan=kelurahan, place=business, rank=rank, is_cover=rank == 0),
            upload=upload,
        )
    return business


@transaction.atomic
def place_status_set(*, places: QuerySet[Place], status: str, by: User) -> int:
    """Publish, hide or return to draft the given places (already scoped to `by`).

    Returns how many rows changed. `places` must come from `for_user(by)`: this never widens it.
    """
    if status not in MODERATION_TARGETS:
        raise ValueError(f"cannot move places to {status!r}")
    return places.for_user(by).exclude(status=status).update(status=status)

"""One service catalog per city: Diskominfo keeps the city's entries (CityService) once, and
every kelurahan shows them until it keeps a version of its own (a Service with `city_service`),
which it can drop again to follow the city. A kelurahan may also list services only it offers
(a Service without `city_service`).

Nothing is copied when a kelurahan is provisioned: its catalog is read as the city's entries
minus those it replaced, plus its own rows (`catalog_for`: one query, two when it has rows). A
change to the city's catalog therefore shows at every kelurahan that follows it on the next
request (CityService is `public_city_content`, so saving it empties the cached public pages).

Letter types point at their entry the same way (layanan's LetterType: `service` or, else,
`city_service`); the services here send `catalog_entry_changed` so layanan moves the letter types
of a kelurahan to its version and back, without kelurahan importing layanan.
"""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models import Exists
from django.dispatch import Signal

from kelurahan import defaults
from kelurahan.models import CityService, Kelurahan, Service, ServiceContent

# Sent with `kelurahan_id`, `city_service_id` and `service_id` (the kelurahan's version, or None
# once it follows the city again), inside the transaction of the change.
catalog_entry_changed = Signal()


def _city_id(kelurahan: Kelurahan) -> int:
    if Kelurahan._meta.get_field("kecamatan").is_cached(kelurahan):
        return kelurahan.kecamatan.city_id
    return Kelurahan.objects.filter(pk=kelurahan.pk).values_list("kecamatan__city_id", flat=True)[0]


def catalog_for(kelurahan: Kelurahan, *, shown_only: bool = True) -> list[ServiceContent]:
    """The kelurahan's catalog, in order: the city's entries it follows and its own rows. A
    version of its own that is hidden hides the city's entry too (the office does not offer it).

    One query when the kelurahan keeps nothing of its own (most do: it asks, with the city's
    entries, whether it has any row), two when it does."""
    own_rows = Service.objects.for_kelurahan(kelurahan)
    city_entries = list(
        CityService.objects.filter(city_id=_city_id(kelurahan)).annotate(has_own=Exists(own_rows))
    )
    own = list(own_rows) if not city_entries or city_entries[0].has_own else []
    replaced = {row.city_service_id for row in own if row.city_service_id}
    followed = [entry for entry in city_entries if entry.pk not in replaced]
    entries = [e for e in [*own, *followed] if e.is_active or not shown_only]
    entries.sort(key=lambda e: (e.rank, e.name.lower()))
    return entries


def catalog_entry(kelurahan: Kelurahan, slug: str) -> ServiceContent | None:
    """One shown entry of the kelurahan's catalog by its slug, or None."""
    return next((e for e in catalog_for(kelurahan) if e.slug == slug), None)


def followed_city_services(kelurahan: Kelurahan) -> list[CityService]:
    """The city's entries this kelurahan shows as the city wrote them (no version of its own)."""
    replaced = Service.objects.for_kelurahan(kelurahan).filter(city_service__isnull=False)
    return list(
        CityService.objects.filter(city_id=_city_id(kelurahan)).exclude(
            pk__in=replaced.values("city_service_id")
        )
    )


def taken_slugs(kelurahan_id: int) -> set[str]:
    """Slugs a new service of this kelurahan may not take: its own and its city's."""
    city_id = Kelurahan.objects.filter(pk=kelurahan_id).values_list("kecamatan__city_id")
    return set(Service.objects.for_kelurahan(kelurahan_id).values_list("slug", flat=True)) | set(
        CityService.objects.filter(city_id__in=city_id).values_list("slug", flat=True)
    )


def city_catalog_seed(city_ids: Iterable[int]) -> int:
    """The default catalog (kelurahan/defaults.py) as the catalog of each city that has none
    yet; a city with entries keeps them. Returns the number of entries made."""
    city_ids = set(city_ids)
    have = set(CityService.objects.filter(city_id__in=city_ids).values_list("city_id", flat=True))
    rows = [
        CityService(
            city_id=city_id,
            slug=service.slug,
            name=service.name,
            description=service.description,
            requirements=service.requirements,
            procedure=service.procedure,
            service_days=service.service_days,
            cost=service.cost,
            legal_basis=service.legal_basis,
            rank=rank,
        )
        for city_id in sorted(city_ids - have)
        for rank, service in enumerate(defaults.SERVICES)
    ]
    CityService.objects.bulk_create(rows, ignore_conflicts=True)
    return len(rows)


class CatalogError(ValueError):
    """A catalog change that cannot be made; the message is for the staff member."""


@transaction.atomic
def service_customise(*, kelurahan: Kelurahan, city_service: CityService) -> Service:
    """The kelurahan's own version of a city entry, starting as a copy of it (or the version it
    has already). Its letter types tied to the entry now carry the kelurahan's version."""
    if city_service.city_id != _city_id(kelurahan):
        raise CatalogError("not this kelurahan's city")
    existing = Service.objects.for_kelurahan(kelurahan).filter(city_service=city_service).first()
    if existing is not None:
        return existing
    if Service.objects.for_kelurahan(kelurahan).filter(slug=city_service.slug).exists():
        raise CatalogError("slug taken")
    version = Service(
        kelurahan=kelurahan,
        city_service=city_service,
        slug=city_service.slug,
        **{name: getattr(city_service, name) for name in ServiceContent.CONTENT_FIELDS},
    )
    version.save()
    catalog_entry_changed.send(
        sender=Service,
        kelurahan_id=kelurahan.pk,
        city_service_id=city_service.pk,
        service_id=version.pk,
    )
    return version


@transaction.atomic
def service_follow_city(*, service: Service) -> CityService:
    """Drop the kelurahan's version of a city entry: the city's entry shows again, and the
    kelurahan's letter types tied to the version go back to the city's entry."""
    city_service = service.city_service
    if city_service is None:
        raise CatalogError("not a version of a city service")
    catalog_entry_changed.send(
        sender=Service,
        kelurahan_id=service.kelurahan_id,
        city_service_id=city_service.pk,
        service_id=None,
    )
    service.delete()
    return city_service


def _same(a, b) -> bool:
    """Equal as residents read them: a browser sends a textarea's lines with CRLF."""
    if isinstance(a, str) and isinstance(b, str):
        return a.replace("\r\n", "\n").strip() == b.replace("\r\n", "\n").strip()
    return a == b


def differs_from_city(service: Service) -> list[str]:
    """The fields in which a kelurahan's version differs from the city's entry now."""
    if service.city_service is None:
        return []
    return [
        name
        for name in ServiceContent.CONTENT_FIELDS
        if not _same(getattr(service, name), getattr(service.city_service, name))
    ]

"""Writes for regions and tenants: provisioning kelurahan from Kemendagri codes, staff accounts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_otp import device_classes

from kelurahan import defaults, pagecache, regions
from kelurahan.models import (
    City,
    KarangTaruna,
    Kecamatan,
    Kelurahan,
    Official,
    Service,
    StaffMembership,
)
from kelurahan.signals import kelurahan_provisioned
from kelurahan.tenancy import is_city_staff

if TYPE_CHECKING:
    from django.contrib.auth.models import User

BATCH_SIZE = 2000


class ProvisionError(ValueError):
    """Bad provisioning input; the message names the code and how to fix it."""


@dataclass
class CityReport:
    code: str
    name: str
    city_created: bool = False
    kecamatan_created: int = 0
    created: list[tuple[str, str, str]] = field(default_factory=list)  # (code, name, slug)
    existing: int = 0


@dataclass
class ProvisionReport:
    cities: list[CityReport] = field(default_factory=list)

    @property
    def created_count(self) -> int:
        return sum(len(c.created) for c in self.cities)

    @property
    def existing_count(self) -> int:
        return sum(c.existing for c in self.cities)

    @property
    def kecamatan_created(self) -> int:
        return sum(c.kecamatan_created for c in self.cities)


def _resolve(codes: Iterable[str]) -> list[regions.Village]:
    """Every village the codes cover, deduplicated; all codes are checked before any write."""
    found: dict[str, regions.Village] = {}
    bad: list[str] = []
    for raw in codes:
        try:
            for village in regions.villages_under(raw):
                found[village.code] = village
        except regions.UnknownRegion:
            bad.append(str(raw).strip())
    if bad:
        raise ProvisionError(
            _(
                "Unknown or malformed region code: %(codes)s. Use a Kemendagri code such as "
                "33.72 (city), 33.72.01 (kecamatan) or 33.72.01.1001 (kelurahan/desa)."
            )
            % {"codes": ", ".join(repr(code) for code in bad)}
        )
    return [found[code] for code in sorted(found)]


def _taken_slugs() -> dict[str, set[str]]:
    return {
        "city": set(City.objects.values_list("slug", flat=True)),
        "kecamatan": set(Kecamatan.objects.values_list("slug", flat=True)),
        "kelurahan": set(Kelurahan.objects.values_list("slug", flat=True)),
    }


def _unique_slug(candidates: list[str], taken: set[str], fallback: str) -> str:
    """The first candidate not yet taken, else the fallback (which contains the unique code)."""
    for candidate in candidates:
        if candidate and candidate not in taken:
            taken.add(candidate)
            return candidate
    taken.add(fallback)
    return fallback


def region_provision(
    *,
    codes: Iterable[str] = (),
    everything: bool = False,
    progress: Callable[[CityReport, int, int], None] | None = None,
) -> ProvisionReport:
    """Create the cities, kecamatan and kelurahan/desa the codes name, with default content.

    Idempotent: what exists is left untouched. Every code is validated before anything is
    written; each city is written in one transaction, so a failure leaves no half-made city.
    `progress(city_report, done, total)` is called after each city (the command prints with it,
    the admin's background task shows it as a progress bar).
    """
    villages = regions.all_villages() if everything else _resolve(codes)
    if not villages:
        raise ProvisionError(_("Give at least one region code, or --all."))

    by_city: dict[str, list[regions.Village]] = defaultdict(list)
    for village in villages:
        by_city[village.city_code].append(village)

    taken = _taken_slugs()
    report = ProvisionReport()
    for done, city_code in enumerate(sorted(by_city), start=1):
        # A failure rolls back this city and ends the run; cities before it stay complete.
        city_report = _provision_city(by_city[city_code], taken)
        report.cities.append(city_report)
        if progress:
            progress(city_report, done, len(by_city))
    if report.cities:
        # Rows were bulk-created (no save signals): city pages list the new kelurahan now.
        pagecache.city_pages_invalidate()
    return report


@transaction.atomic
def _provision_city(villages: list[regions.Village], taken: dict[str, set[str]]) -> CityReport:
    first = villages[0]
    report = CityReport(code=first.city_code, name=first.city_name)

    existing_codes = set(
        Kelurahan.objects.filter(code__in=[v.code for v in villages]).values_list("code", flat=True)
    )
    new_villages = [v for v in villages if v.code not in existing_codes]
    report.existing = len(existing_codes)
    if not new_villages:
        return report

    city = City.objects.filter(code=first.city_code).first()
    if city is None:
        city_slug = slugify(first.city_name)
        city = City.objects.create(
            code=first.city_code,
            name=first.city_name,
            province_name=first.province_name,
            is_kota=first.city_name.lower().startswith("kota"),
            slug=_unique_slug(
                [city_slug, f"{city_slug}-{slugify(first.province_name)}"],
                taken["city"],
                f"{city_slug}-{first.city_code.replace('.', '')}",
            ),
        )
        report.city_created = True

    kecamatan_by_code = {k.code: k for k in Kecamatan.objects.filter(city=city)}
    new_kecamatan = []
    for village in new_villages:
        if village.kecamatan_code in kecamatan_by_code:
            continue
        base = slugify(village.kecamatan_name)
        kecamatan = Kecamatan(
            city=city,
            code=village.kecamatan_code,
            name=village.kecamatan_name,
            slug=_unique_slug(
                [base, f"{base}-{city.slug}"],
                taken["kecamatan"],
                f"{base}-{village.kecamatan_code.replace('.', '')}",
            ),
        )
        kecamatan_by_code[kecamatan.code] = kecamatan
        new_kecamatan.append(kecamatan)
    Kecamatan.objects.bulk_create(new_kecamatan, batch_size=BATCH_SIZE)
    report.kecamatan_created = len(new_kecamatan)
    if new_kecamatan:
        # Some backends do not return primary keys from bulk inserts; read them back.
        kecamatan_by_code = {k.code: k for k in Kecamatan.objects.filter(city=city)}

    new_kelurahan = []
    for village in new_villages:
        kecamatan = kecamatan_by_code[village.kecamatan_code]
        base = slugify(village.name) or "kelurahan"
        slug = _unique_slug(
            [base, f"{base}-{kecamatan.slug}", f"{base}-{kecamatan.slug}-{city.slug}"],
            taken["kelurahan"],
            f"{base}-{village.code.replace('.', '')}",
        )
        new_kelurahan.append(
            Kelurahan(
                kecamatan=kecamatan,
                code=village.code,
                name=village.name,
                slug=slug,
                kind=village.kind,
                postal_code=village.postal_code,
                welcome_text=defaults.welcome_text(kind=village.kind, name=village.name),
            )
        )
        report.created.append((village.code, village.name, slug))
    Kelurahan.objects.bulk_create(new_kelurahan, batch_size=BATCH_SIZE)
    ids = dict(
        Kelurahan.objects.filter(code__in=[k.code for k in new_kelurahan]).values_list("code", "id")
    )
    _create_default_content([(ids[k.code], k) for k in new_kelurahan])
    kelurahan_provisioned.send(sender=Kelurahan, kelurahan_ids=sorted(ids.values()))
    return report


def _create_default_content(kelurahan: list[tuple[int, Kelurahan]]) -> None:
    officials, services, karang_taruna = [], [], []
    for pk, k in kelurahan:
        for position in defaults.POSITIONS[k.kind]:
            officials.append(
                Official(
                    kelurahan_id=pk,
                    position=position.position,
                    level=position.level,
                    rank=position.rank,
                )
            )
        for rank, service in enumerate(defaults.SERVICES):
            services.append(
                Service(
                    kelurahan_id=pk,
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
            )
        karang_taruna.append(KarangTaruna(kelurahan_id=pk, name=f"Karang Taruna {k.name}"))
    Official.objects.bulk_create(officials, batch_size=BATCH_SIZE)
    Service.objects.bulk_create(services, batch_size=BATCH_SIZE)
    KarangTaruna.objects.bulk_create(karang_taruna, batch_size=BATCH_SIZE)


@transaction.atomic
def staff_account_create(
    *,
    username: str,
    password: str,
    role: str,
    kelurahan: Kelurahan | None = None,
    full_name: str = "",
    email: str = "",
) -> User:
    """Create (or update) a staff account with one role and, unless Diskominfo, its kelurahan."""
    user_model = get_user_model()
    user, _created = user_model.objects.get_or_create(username=username)
    first, _sep, last = full_name.partition(" ")
    user.first_name, user.last_name, user.email = first, last, email
    user.is_staff = True
    user.set_password(password)
    user.save()
    user.groups.set([Group.objects.get(name=role)])
    memberships = StaffMembership.objects.unscoped("the membership of the account being made")
    if kelurahan is not None:
        memberships.update_or_create(user=user, defaults={"kelurahan": kelurahan})
    else:
        memberships.filter(user=user).delete()
    return user


@transaction.atomic
def staff_two_factor_reset(*, users: Iterable[User]) -> int:
    """Remove every authenticator of these accounts (a lost or replaced phone).

    Their sessions verified with an old authenticator stop counting as verified; at the next
    login they set up a new one where two-factor login is required. Returns how many of the
    accounts had one.
    """
    user_ids = [user.pk for user in users]
    had_device: set[int] = set()
    for model in device_classes():
        devices = model.objects.filter(user_id__in=user_ids)
        had_device.update(devices.values_list("user_id", flat=True))
        devices.delete()
    return len(had_device)


def services_reviewed_mark(*, kelurahan_id: int, by: User) -> None:
    """Record that the kelurahan's staff read their service catalog and confirm it (the site's
    completeness checklist asks for it: provisioning copies defaults nobody there has read)."""
    Kelurahan.objects.filter(pk=kelurahan_id).update(services_reviewed_at=timezone.now())


def _site_log(*, by: User, kelurahan: Kelurahan, message: str) -> None:
    LogEntry.objects.create(
        user_id=by.pk,
        content_type=ContentType.objects.get_for_model(Kelurahan),
        object_id=str(kelurahan.pk),
        object_repr=str(kelurahan)[:200],
        action_flag=CHANGE,
        change_message=message,
    )


@transaction.atomic
def site_activation_set(*, kelurahan_ids: Iterable[int], active: bool, by: User) -> int:
    """Activate (or deactivate) the sites of these kelurahan; Diskominfo only.

    Sites already in that state are left alone. Each change is recorded in the admin log (the
    kelurahan's history page: who, when, what), in the portal's language. The update empties the
    cached pages of those kelurahan and of the city lists (PageCacheQuerySet.update). Returns how
    many sites changed.
    """
    if not is_city_staff(by):
        raise PermissionDenied(_("Only Diskominfo activates or deactivates a site."))
    changing = list(
        Kelurahan.objects.select_for_update()
        .filter(pk__in=list(kelurahan_ids))
        .exclude(is_active=active)
        .order_by("pk")
    )
    if not changing:
        return 0
    Kelurahan.objects.filter(pk__in=[k.pk for k in changing]).update(
        is_active=active, activated_at=timezone.now() if active else None
    )
    with translation.override(settings.LANGUAGE_CODE):
        message = _("Site activated.") if active else _("Site deactivated (belum aktif).")
    for kelurahan in changing:
        _site_log(by=by, kelurahan=kelurahan, message=message)
    return len(changing)

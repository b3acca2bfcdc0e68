"""Writes for regions and tenants: provisioning kelurahan from Kemendagri codes, staff accounts."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from django.conf import settings
from django.contrib.admin.models import ADDITION, CHANGE, LogEntry
from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.utils import timezone, translation
from django.utils.text import slugify
from django.utils.translation import gettext as _
from django_otp import device_classes

from kelurahan import background, defaults, notifications, pagecache, regions, roles, selectors
from kelurahan.catalog import city_catalog_seed
from kelurahan.models import (
    City,
    CityStaffMembership,
    KarangTaruna,
    Kecamatan,
    Kelurahan,
    Official,
    StaffInvitation,
    StaffMembership,
)
from kelurahan.signals import kelurahan_provisioned
from kelurahan.tenancy import is_city_staff, user_city_ids, user_may_see_kelurahan

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
    # The city's service catalog serves every kelurahan: nothing of it is copied (catalog.py).
    city_catalog_seed([city.pk])
    _create_default_content([(ids[k.code], k) for k in new_kelurahan])
    kelurahan_provisioned.send(sender=Kelurahan, kelurahan_ids=sorted(ids.values()))
    return report


def _create_default_content(kelurahan: list[tuple[int, Kelurahan]]) -> None:
    officials, karang_taruna = [], []
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
        karang_taruna.append(KarangTaruna(kelurahan_id=pk, name=f"Karang Taruna {k.name}"))
    Official.objects.bulk_create(officials, batch_size=BATCH_SIZE)
    KarangTaruna.objects.bulk_create(karang_taruna, batch_size=BATCH_SIZE)


@transaction.atomic
def staff_account_create(
    *,
    username: str,
    password: str,
    role: str,
    kelurahan: Kelurahan | None = None,
    cities: Iterable[City] = (),
    full_name: str = "",
    email: str = "",
) -> User:
    """Create (or update) a staff account with one role and, unless Diskominfo, its kelurahan;
    a Diskominfo account works for `cities` (several for a province-wide role)."""
    user_model = get_user_model()
    user, _created = user_model.objects.get_or_create(username=username)
    first, _sep, last = full_name.partition(" ")
    user.first_name, user.last_name, user.email = first, last, email
    user.is_staff = True
    user.is_active = True
    user.set_password(password)
    user.save()
    staff_role_set(user=user, role=role, kelurahan=kelurahan, cities=cities)
    return user


@transaction.atomic
def staff_role_set(*, user: User, role: str, kelurahan: Kelurahan | None, cities) -> None:
    """One role group (none for "": a superuser's plain account); the kelurahan membership for
    kelurahan staff, the cities for Diskominfo. Other groups a superuser gave stay."""
    others = user.groups.exclude(name__in=roles.ALL)
    user.groups.set([*others, *([Group.objects.get(name=role)] if role else [])])
    memberships = StaffMembership.objects.unscoped("the membership of the account being made")
    if kelurahan is not None and role != roles.DISKOMINFO:
        memberships.update_or_create(user=user, defaults={"kelurahan": kelurahan})
    else:
        memberships.filter(user=user).delete()
    city_ids = {getattr(city, "pk", city) for city in cities} if role == roles.DISKOMINFO else set()
    CityStaffMembership.objects.filter(user=user).exclude(city_id__in=city_ids).delete()
    CityStaffMembership.objects.bulk_create(
        [CityStaffMembership(user=user, city_id=city_id) for city_id in sorted(city_ids)],
        ignore_conflicts=True,
    )
    for cached in ("_portal_is_city_staff", "_portal_kelurahan_id", "_portal_city_ids"):
        user.__dict__.pop(cached, None)


# --- Staff invitations ------------------------------------------------------------------------

INVITATION_HOURS = notifications.INVITATION_HOURS


class InvitationError(ValueError):
    """An invitation that may not be made or accepted; the message is for the user."""


def _log(*, by_id: int, obj, flag: int, message: str) -> None:
    LogEntry.objects.create(
        user_id=by_id,
        content_type=ContentType.objects.get_for_model(type(obj)),
        object_id=str(obj.pk),
        object_repr=str(obj)[:200],
        action_flag=flag,
        change_message=message,
    )


@transaction.atomic
def staff_invitation_create(
    *,
    by: User,
    email: str,
    full_name: str,
    role: str,
    kelurahan: Kelurahan | None = None,
    cities: Iterable[City] = (),
) -> StaffInvitation:
    """Invite someone to a staff account; the e-mail with the one-time link leaves as a task.

    Diskominfo invites only into its own cities (a kelurahan of them, or, for a Diskominfo
    invitee, some of them); kelurahan staff invite nobody. An e-mail of an existing account the
    inviter manages re-invites that account (a new password link, perhaps a new role); one of an
    account they do not manage is refused. A waiting invitation to the same e-mail is replaced.
    Raises InvitationError (PermissionDenied for someone who may not invite at all).
    """
    if not (is_city_staff(by) and by.has_perm("auth.add_user")):
        raise PermissionDenied(_("Only Diskominfo invites staff."))
    email = email.strip()
    cities = list(cities)
    if role not in roles.ALL:
        raise InvitationError(_("Choose one of the roles."))
    if role == roles.DISKOMINFO:
        allowed = user_city_ids(by)
        if not cities:
            raise InvitationError(_("Choose at least one regency/city for a Diskominfo account."))
        if allowed is not None and any(city.pk not in allowed for city in cities):
            raise InvitationError(_("You may invite Diskominfo staff only for your own cities."))
        kelurahan = None
    else:
        if kelurahan is None:
            raise InvitationError(_("Choose the kelurahan this staff member works for."))
        if not user_may_see_kelurahan(by, kelurahan.pk):
            raise InvitationError(_("You may invite staff only for the kelurahan of your city."))
        cities = []
    existing = list(get_user_model().objects.filter(email__iexact=email)[:2])
    account = None
    if existing:
        if len(existing) > 1:
            raise InvitationError(
                _("Several accounts use this e-mail address; ask the portal administrator.")
            )
        account = existing[0]
        if not selectors.staff_users_for(by).filter(pk=account.pk).exists():
            raise InvitationError(
                _(
                    "An account with this e-mail address already exists and is managed "
                    "elsewhere; ask the portal administrator."
                )
            )
    StaffInvitation.objects.filter(email__iexact=email, accepted_at=None).delete()
    invitation = StaffInvitation.objects.create(
        email=email,
        full_name=full_name.strip(),
        role=role,
        kelurahan=kelurahan,
        user=account,
        invited_by=by,
    )
    invitation.cities.set(cities)
    with translation.override(settings.LANGUAGE_CODE):
        place = kelurahan or ", ".join(city.name for city in cities)
        message = _("Invited %(email)s as %(role)s (%(place)s).") % {
            "email": email,
            "role": role,
            "place": place,
        }
    _log(by_id=by.pk, obj=invitation, flag=ADDITION, message=message)
    background.defer(
        notifications.staff_invitation_mail,
        key=f"staff-invitation:{invitation.pk}",
        invitation_id=invitation.pk,
    )
    return invitation


def staff_invitation_resend(*, user: User, by: User) -> StaffInvitation:
    """A new invitation link for an existing account (a forgotten password), keeping its role
    and place; the old password works until the new one is set."""
    role = user.groups.filter(name__in=roles.ALL).values_list("name", flat=True).first()
    if not user.email:
        raise InvitationError(_("This account has no e-mail address; add one first."))
    if role is None:
        raise InvitationError(_("This account has no role; choose one first."))
    membership = (
        StaffMembership.objects.unscoped("the membership of the account being re-invited")
        .select_related("kelurahan")
        .filter(user=user)
        .first()
    )
    return staff_invitation_create(
        by=by,
        email=user.email,
        full_name=user.get_full_name() or user.get_username(),
        role=role,
        kelurahan=membership.kelurahan if membership else None,
        cities=City.objects.filter(staff_memberships__user=user),
    )


def staff_invitation_for_token(token: str) -> tuple[StaffInvitation | None, str]:
    """The invitation a link's token opens, and why not when it opens none: "unknown",
    "used" or "expired" (the page says which; nothing is created)."""
    invitation = (
        StaffInvitation.objects.select_related("kelurahan", "user")
        .filter(token_hash=notifications.token_hash(token))
        .first()
        if token
        else None
    )
    if invitation is None:
        return None, "unknown"
    if invitation.accepted_at is not None:
        return None, "used"
    if invitation.expires_at is None or invitation.expires_at <= timezone.now():
        return None, "expired"
    return invitation, ""


@transaction.atomic
def staff_invitation_accept(*, token: str, password: str) -> User:
    """Use an invitation once: create (or update and reactivate) its account with the password,
    the role and the kelurahan or cities; the link stops working. The password was checked by
    the form (Django's validators). Raises InvitationError for a link that no longer works."""
    invitation, problem = staff_invitation_for_token(token)
    if invitation is None:
        raise InvitationError(problem)
    invitation = StaffInvitation.objects.select_for_update().get(pk=invitation.pk)
    if invitation.accepted_at is not None:
        raise InvitationError("used")
    user = invitation.user or staff_invitation_account(invitation)
    created = user.pk is None
    first, _sep, last = invitation.full_name.partition(" ")
    user.first_name, user.last_name, user.email = first, last, invitation.email
    user.is_staff = True
    user.is_active = True
    user.set_password(password)
    user.save()
    staff_role_set(
        user=user,
        role=invitation.role,
        kelurahan=invitation.kelurahan,
        cities=list(invitation.cities.all()),
    )
    invitation.accepted_at = timezone.now()
    invitation.user = user
    invitation.save(update_fields=["accepted_at", "user"])  # single use: accepted_at says so
    with translation.override(settings.LANGUAGE_CODE):
        message = _("Invitation accepted: password set, role %(role)s.") % {"role": invitation.role}
    _log(by_id=user.pk, obj=user, flag=ADDITION if created else CHANGE, message=message)
    return user


def staff_invitation_account(invitation: StaffInvitation) -> User:
    """The (unsaved) account an invitation makes: its username is the e-mail address, with a
    number added if that is taken."""
    user_model = get_user_model()
    base = invitation.email.lower()[:140]
    username, number = base, 1
    while user_model.objects.filter(username=username).exists():
        number += 1
        username = f"{base}-{number}"
    return user_model(username=username)


@transaction.atomic
def staff_accounts_deactivate(*, users: Iterable[User], by: User) -> int:
    """Turn accounts off: they can no longer log in, and their open sessions stop counting at
    their next request (Django's ModelBackend refuses an inactive user's session). Recorded in
    the admin log. Returns how many were active."""
    changing = [user for user in users if user.is_active and user.pk != by.pk]
    if not changing:
        return 0
    get_user_model().objects.filter(pk__in=[u.pk for u in changing]).update(is_active=False)
    with translation.override(settings.LANGUAGE_CODE):
        message = _("Account deactivated.")
    for user in changing:
        _log(by_id=by.pk, obj=user, flag=CHANGE, message=message)
    return len(changing)


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
    _log(by_id=by.pk, obj=kelurahan, flag=CHANGE, message=message)


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
        Kelurahan.objects.for_user(by)  # another city's sites are not Diskominfo's to change
        .select_for_update(of=("self",))
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

"""The one place that decides which kelurahan a user may see: every tenant query goes through here.

Diskominfo staff (and superusers) see every kelurahan; an Operator, Penandatangan or Redaksi sees
only the kelurahan of their membership; anyone else sees nothing.
"""

from __future__ import annotations

from kelurahan import roles
from kelurahan.pagecache import PageCacheQuerySet


def is_city_staff(user) -> bool:
    """True for Diskominfo (city-level) staff and superusers: they manage every kelurahan."""
    if not (user and user.is_authenticated and user.is_active):
        return False
    if user.is_superuser:
        return True
    cached = getattr(user, "_portal_is_city_staff", None)
    if cached is None:
        cached = user.groups.filter(name=roles.DISKOMINFO).exists()
        user._portal_is_city_staff = cached
    return cached


def user_kelurahan_id(user) -> int | None:
    """The kelurahan a staff user belongs to, or None. Cached on the user object per request."""
    if not (user and user.is_authenticated and user.is_active):
        return None
    if not hasattr(user, "_portal_kelurahan_id"):
        from kelurahan.models import StaffMembership

        user._portal_kelurahan_id = (
            StaffMembership.objects.filter(user=user).values_list("kelurahan_id", flat=True).first()
        )
    return user._portal_kelurahan_id


def user_kelurahan(user):
    """The Kelurahan a staff user belongs to, or None (Diskominfo, strangers)."""
    kelurahan_id = user_kelurahan_id(user)
    if kelurahan_id is None:
        return None
    from kelurahan.models import Kelurahan

    return Kelurahan.objects.get(pk=kelurahan_id)


class TenantQuerySet(PageCacheQuerySet):
    """QuerySet for rows owned by one kelurahan (a non-null `kelurahan` foreign key); bulk
    writes empty the public pages they change (kelurahan/pagecache.py)."""

    kelurahan_lookup = "kelurahan"

    def for_kelurahan(self, kelurahan) -> TenantQuerySet:
        return self.filter(**{self.kelurahan_lookup: kelurahan})

    def for_user(self, user) -> TenantQuerySet:
        if is_city_staff(user):
            return self.all()
        kelurahan_id = user_kelurahan_id(user)
        if kelurahan_id is None:
            return self.none()
        return self.filter(**{f"{self.kelurahan_lookup}_id": kelurahan_id})


def owner_kelurahan_id(obj) -> int | None:
    """The id of the kelurahan that owns a tenant row (the kelurahan itself for a Kelurahan)."""
    from kelurahan.models import Kelurahan

    if isinstance(obj, Kelurahan):
        return obj.pk
    return getattr(obj, "kelurahan_id", None)


def user_can_access(user, obj) -> bool:
    """Whether a user may see a tenant row at all (callers answer 404 when not)."""
    if is_city_staff(user):
        return True
    kelurahan_id = user_kelurahan_id(user)
    return kelurahan_id is not None and kelurahan_id == owner_kelurahan_id(obj)

"""Reads the public kelurahan pages share; each page costs a fixed number of queries."""

from __future__ import annotations

from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.db.models import (
    BooleanField,
    Count,
    Exists,
    ExpressionWrapper,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
)
from django.shortcuts import get_object_or_404
from django.urls import reverse
from django.utils.translation import gettext_lazy as _

from kelurahan import catalog, hosts, roles
from kelurahan.lifecycle import SiteNotActive
from kelurahan.models import (
    RT,
    RW,
    Article,
    City,
    CityStaffMembership,
    KarangTaruna,
    KarangTarunaActivity,
    KarangTarunaOfficer,
    Kecamatan,
    Kelurahan,
    Official,
    ServiceContent,
    StaffMembership,
)
from kelurahan.search import normalise
from kelurahan.tenancy import is_city_staff, user_city_ids

DIRECTORY_FIELDS = ("id", "name", "slug", "kind", "kecamatan_id", "latitude", "longitude")


def kelurahan_get_public(slug: str) -> Kelurahan:
    """The kelurahan of a public page; a site not yet active raises SiteNotActive, which
    answers with its "being prepared" page (kelurahan/lifecycle.py) before the view writes."""
    kelurahan = get_object_or_404(Kelurahan.objects.with_regions(), slug=slug)
    if not kelurahan.is_active:
        raise SiteNotActive(kelurahan)
    return kelurahan


def city_for_home() -> City | None:
    """The city the portal's home page is about: PORTAL_CITY_CODE, else the first provisioned."""
    return City.objects.filter(code=settings.PORTAL_CITY_CODE).first() or City.objects.first()


def cities_served() -> list[City]:
    """The cities with at least one active site, each with `.kelurahan_count` (one query):
    what the portal's home lists when it serves more than one."""
    active = Count(
        "kecamatan_set__kelurahan_set", filter=Q(kecamatan_set__kelurahan_set__is_active=True)
    )
    return list(
        City.objects.annotate(kelurahan_count=active).filter(kelurahan_count__gt=0).order_by("name")
    )


def city_for_request(request) -> City | None:
    """The one city an address without a city means (the old /umkm/, /wisata/): the host's
    city, else the only city served; None when the portal serves several."""
    site = hosts.request_site(request)
    if site.kind == hosts.CITY:
        return get_object_or_404(City, slug=site.city_slug)
    cities = cities_served()
    if len(cities) > 1:
        return None
    return cities[0] if cities else city_for_home()


def city_scope(slug: str) -> City | None:
    """The city a ?kota= scope names (search), or None for an unknown or empty slug."""
    return City.objects.filter(slug=slug).first() if slug else None


def kecamatan_with_kelurahan(**filters) -> list[Kecamatan]:
    """Kecamatan (filtered) each with `.kelurahan_list`, in two queries."""
    return list(
        Kecamatan.objects.filter(**filters).prefetch_related(
            Prefetch(
                "kelurahan_set",
                queryset=Kelurahan.objects.active()
                .with_names()
                .only(*DIRECTORY_FIELDS)
                .order_by("name"),
                to_attr="kelurahan_list",
            )
        )
    )


def officials_for(kelurahan: Kelurahan) -> list[Official]:
    return list(Official.objects.for_kelurahan(kelurahan))


def head_official(officials: list[Official]) -> Official | None:
    return next((o for o in officials if o.level == Official.Level.HEAD), None)


def rw_with_rt(kelurahan: Kelurahan) -> list[RW]:
    return list(
        RW.objects.for_kelurahan(kelurahan).prefetch_related(
            Prefetch("rts", queryset=RT.objects.for_kelurahan(kelurahan).order_by("number"))
        )
    )


@dataclass(frozen=True)
class StreetMatch:
    rt: RT
    rw: RW
    streets: list[str]


# How street names are shortened on letters, signs and in speech.
STREET_ABBREVIATIONS = {
    "jl": "jalan",
    "jln": "jalan",
    "gg": "gang",
    "kp": "kampung",
    "kpg": "kampung",
    "perum": "perumahan",
    "komp": "kompleks",
}


def _street_text(text: str) -> str:
    """A street's name normalised as the site search does, its usual abbreviations written
    out: "Jl. Mawar Gg. 2" -> "jalan mawar gang 2"."""
    return " ".join(STREET_ABBREVIATIONS.get(word, word) for word in normalise(text).split())


def rt_by_street(rws: list[RW], query: str) -> list[StreetMatch]:
    """The RT (of `rws`, as rw_with_rt gives them) with a street or area holding every word of
    `query` ("jl mawar" finds "Jalan Mawar Gg. 2"); a kelurahan has a few dozen RT, so this
    reads no more rows."""
    words = _street_text(query).split()
    if not words:
        return []
    found = []
    for rw in rws:
        for rt in rw.rts.all():
            streets = [s for s in rt.street_list if all(w in _street_text(s) for w in words)]
            if streets:
                found.append(StreetMatch(rt, rw, streets))
    return found


def karang_taruna_for(kelurahan: Kelurahan) -> tuple[KarangTaruna | None, list, list]:
    return (
        KarangTaruna.objects.for_kelurahan(kelurahan).first(),
        list(KarangTarunaOfficer.objects.for_kelurahan(kelurahan)),
        list(KarangTarunaActivity.objects.for_kelurahan(kelurahan)[:20]),
    )


def services_for(kelurahan: Kelurahan) -> list[ServiceContent]:
    """The services the kelurahan's site shows: its city's catalog with its own versions and
    additions (kelurahan/catalog.py)."""
    return catalog.catalog_for(kelurahan)


def articles_for(kelurahan: Kelurahan, *, query: str = "", kind: str = "") -> QuerySet[Article]:
    articles = Article.objects.for_kelurahan(kelurahan).published().defer("body")
    if kind:
        articles = articles.filter(kind=kind)
    if query:
        articles = articles.filter(Q(title__icontains=query) | Q(summary__icontains=query))
    return articles


def kelurahan_marker(kelurahan: Kelurahan) -> dict:
    """A map marker for a kelurahan office (only for one with a location)."""
    return {
        "name": str(kelurahan),
        "lat": float(kelurahan.latitude),
        "lng": float(kelurahan.longitude),
        "url": kelurahan.get_absolute_url(),
    }


def markers_for(kecamatan_list: list[Kecamatan]) -> list[dict]:
    return [
        kelurahan_marker(k)
        for kecamatan in kecamatan_list
        for k in kecamatan.kelurahan_list
        if k.has_location
    ]


@dataclass(frozen=True)
class ChecklistItem:
    """One line of a site's completeness checklist: what it asks, whether it holds, where to
    fix it (an admin URL name and its arguments, so the caller can link it)."""

    key: str
    label: str
    done: bool
    fix_url: str


def _checklist_annotations() -> dict:
    """Each checklist item as an expression over a Kelurahan row, so one query answers it for
    one kelurahan here and for thousands on Diskominfo's dashboard."""
    mine = {"kelurahan": OuterRef("pk")}
    named = Official.objects.filter(**mine).exclude(name="")
    return {
        "check_profile": ~Q(welcome_text="") & (~Q(vision="") | ~Q(history="")),
        "check_office": ~Q(address="") & Q(latitude__isnull=False),
        # The head is named, and every named official has a NIP and a photo.
        "check_officials": Exists(named.filter(level=Official.Level.HEAD))
        & ~Exists(named.filter(Q(nip="") | Q(photo=""))),
        "check_rt_rw": Exists(RW.objects.filter(**mine))
        & ~Exists(RW.objects.filter(head_name="", **mine))
        & ~Exists(RT.objects.filter(head_name="", **mine)),
        "check_services": Q(services_reviewed_at__isnull=False),
        "check_article": Exists(Article.objects.filter(status=Article.Status.PUBLISHED, **mine)),
    }


def site_checklist(kelurahan_id: int) -> list[ChecklistItem]:
    """The site's completeness checklist in one query, each item with the page that fixes it."""
    annotations = {
        name: ExpressionWrapper(expression, output_field=BooleanField())
        for name, expression in _checklist_annotations().items()
    }
    row = Kelurahan.objects.filter(pk=kelurahan_id).values(**annotations).get()
    change = reverse("admin:kelurahan_kelurahan_change", args=[kelurahan_id])
    items = (
        ("profile", _("Profile text: a welcome text and the vision or history"), change),
        ("office", _("Office address and its place on the map"), change),
        (
            "officials",
            _("Officials: the head named, each named official with NIP and photo"),
            reverse("admin:kelurahan_official_changelist"),
        ),
        (
            "rt_rw",
            _("RW and RT with the name of each head"),
            reverse("admin:kelurahan_rw_changelist"),
        ),
        (
            "services",
            _("Service catalog read and confirmed"),
            reverse("admin:kelurahan_service_changelist"),
        ),
        ("article", _("A first published article"), reverse("admin:kelurahan_article_add")),
    )
    return [
        ChecklistItem(key=key, label=label, done=bool(row[f"check_{key}"]), fix_url=url)
        for key, label, url in items
    ]


def site_readiness_warnings(kelurahan_ids) -> dict[int, list[str]]:
    """What each site still lacks before it goes live, by kelurahan id (an empty list: ready).

    Diskominfo sees these before activating and decides anyway: a site may open without an
    operator account yet. Three queries for any number of kelurahan. The signer is judged from
    what this app knows (a staff account with the Penandatangan role and an official with NIP);
    layanan's signing authorities build on both.
    """
    ids = list(kelurahan_ids)
    roles_by_kelurahan: dict[int, set[str]] = {pk: set() for pk in ids}
    memberships = StaffMembership.objects.unscoped("the readiness checklist of sites to activate")
    for kelurahan_id, role in memberships.filter(
        kelurahan_id__in=ids, user__is_active=True, user__groups__name__in=roles.ALL
    ).values_list("kelurahan_id", "user__groups__name"):
        roles_by_kelurahan[kelurahan_id].add(role)
    with_nip = set(
        Official.objects.unscoped("the readiness checklist of sites to activate")
        .filter(kelurahan_id__in=ids)
        .exclude(nip="")
        .exclude(name="")
        .values_list("kelurahan_id", flat=True)
    )
    addresses = dict(Kelurahan.objects.filter(pk__in=ids).values_list("pk", "address"))
    warnings: dict[int, list[str]] = {}
    for pk in ids:
        lacking = []
        if roles.OPERATOR not in roles_by_kelurahan[pk]:
            lacking.append(_("No operator account yet."))
        if roles.SIGNER not in roles_by_kelurahan[pk]:
            lacking.append(_("No staff account with the Penandatangan (signer) role yet."))
        if pk not in with_nip:
            lacking.append(_("No official with a name and NIP yet (the signer of letters)."))
        if not addresses.get(pk, "").strip():
            lacking.append(_("The office address is empty."))
        warnings[pk] = [str(text) for text in lacking]
    return warnings


def staff_users_for(user) -> QuerySet:
    """The staff accounts a user manages: every account for a superuser; for Diskominfo the
    staff of its cities' kelurahan and the Diskominfo accounts whose cities are all among its
    own (a city's Diskominfo never manages a province-wide one, nor a superuser); none for
    anyone else."""
    users = get_user_model().objects.all()
    if not is_city_staff(user):
        return users.none()
    city_ids = user_city_ids(user)
    if city_ids is None:
        return users
    if not city_ids:
        return users.none()
    kelurahan_staff = StaffMembership.objects.unscoped("staff accounts of the user's cities")
    kelurahan_staff = kelurahan_staff.filter(kelurahan__kecamatan__city_id__in=city_ids)
    city_staff = CityStaffMembership.objects.filter(city_id__in=city_ids)
    elsewhere = CityStaffMembership.objects.filter(user=OuterRef("pk")).exclude(
        city_id__in=city_ids
    )
    return users.filter(is_superuser=False).filter(
        Q(pk__in=kelurahan_staff.values("user_id"))
        | (Q(pk__in=city_staff.values("user_id")) & ~Exists(elsewhere))
    )

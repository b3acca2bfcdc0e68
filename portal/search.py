"""The portal's search (/cari/): kelurahan, kecamatan, services, UMKM, wisata and news at once.

Portal composes kelurahan and umkm, so the search over both lives here; the matching itself is
kelurahan/search.py's (trigram and full-text on PostgreSQL, a simpler fallback on SQLite).

Only what the public may see: active sites, and of them the services they show and the
published businesses, spots and articles; a city's own when the search is scoped to it. Each
type is one query with a page of rows (PAGE), whatever the number of rows or kelurahan; a region
code or a postal code asks for kelurahan only.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

from django.db.models import Case, Exists, F, OuterRef, Q, Value, When
from django.db.models import CharField as CharOutput
from django.urls import reverse
from django.utils.text import Truncator
from django.utils.translation import gettext_lazy as _

from kelurahan.models import RT, Article, City, CityService, Kecamatan, Kelurahan, Service
from kelurahan.search import Terms, candidates, match, normalise, rank_rows
from umkm.models import Business, TourismSpot

CODE_QUERY = re.compile(r"^[0-9.]+$", re.ASCII)
POSTAL_CODE = re.compile(r"^\d{5}$", re.ASCII)
PAGE = 10
KELURAHAN_PAGE = 20
SNIPPET_WORDS = 24
REASON = "public search over the active sites' published content"


@dataclass
class Hit:
    """One result: what it is called, where it links, where it is (the kelurahan named as
    everywhere else, Kelurahan.display_name) and a line of its text."""

    title: str
    url: str
    where: str = ""
    snippet: str = ""


@dataclass
class Group:
    key: str
    label: str
    hits: list[Hit] = field(default_factory=list)


@dataclass
class Results:
    groups: list[Group]

    @property
    def count(self) -> int:
        return sum(len(group.hits) for group in self.groups)

    def __bool__(self) -> bool:
        return self.count > 0


def _where(kelurahan: Kelurahan, kecamatan: str = "", city: str = "") -> str:
    """ "Kelurahan Pajang, Kec. Laweyan, Kota Surakarta" (the kecamatan and city from the row's
    relations unless given)."""
    return _("{kelurahan}, Kec. {kecamatan}, {city}").format(
        kelurahan=kelurahan.display_name,
        kecamatan=kecamatan or kelurahan.kecamatan.name,
        city=city or kelurahan.kecamatan.city.name,
    )


def _snippet(*texts: str) -> str:
    text = next((t for t in texts if t), "")
    return Truncator(" ".join(text.split())).words(SNIPPET_WORDS)


def _owned(queryset, city: City | None, prefix: str = "kelurahan"):
    """Rows of active sites (of `city`), each knowing whether its kelurahan's name repeats in
    its city (as Kelurahan.with_names() does, in the same query)."""
    namesakes = Kelurahan.objects.filter(
        kecamatan__city_id=OuterRef(f"{prefix}__kecamatan__city_id"),
        name=OuterRef(f"{prefix}__name"),
    ).exclude(pk=OuterRef(f"{prefix}_id"))
    queryset = queryset.filter(**{f"{prefix}__is_active": True}).select_related(
        f"{prefix}__kecamatan__city"
    )
    if city is not None:
        queryset = queryset.filter(**{f"{prefix}__kecamatan__city": city})
    return queryset.annotate(
        kelurahan_name_kecamatan=Case(
            When(Exists(namesakes), then=F(f"{prefix}__kecamatan__name")),
            default=Value(""),
            output_field=CharOutput(),
        )
    )


def _named(rows: list) -> list:
    for row in rows:
        row.kelurahan.name_kecamatan = row.kelurahan_name_kecamatan
    return rows


def _kelurahan_hit(kelurahan: Kelurahan) -> Hit:
    where = _("Kec. {kecamatan}, {city}").format(
        kecamatan=kelurahan.kecamatan.name, city=kelurahan.kecamatan.city.name
    )
    if kelurahan.postal_code:
        where = _("{where} · postal code {postal_code}").format(
            where=where, postal_code=kelurahan.postal_code
        )
    return Hit(title=str(kelurahan), url=kelurahan.get_absolute_url(), where=where)


def _kelurahan_rows(city: City | None):
    rows = Kelurahan.objects.active().with_regions().with_names()
    return rows.filter(kecamatan__city=city) if city is not None else rows


def _by_number(query: str, city: City | None) -> Results:
    """A postal code finds its kelurahan; a region code (or its beginning) those under it."""
    digits = query.replace(" ", "")
    found = _kelurahan_rows(city)
    if POSTAL_CODE.match(digits):
        found = found.filter(postal_code=digits)
    else:
        found = found.filter(code__startswith=digits)
    rows = list(found.order_by("name", "code")[:KELURAHAN_PAGE])
    return Results([Group("kelurahan", _("Kelurahan and desa"), [_kelurahan_hit(k) for k in rows])])


def site_search(query: str, *, city: City | None = None) -> Results:
    """Everything public that matches `query` (already validated by the search form), ranked
    within each type; `city`'s only when given."""
    query = query.strip()
    if not query:
        return Results([])
    if POSTAL_CODE.match(query) or CODE_QUERY.match(query):
        return _by_number(query, city)
    terms = Terms.of(query)
    if not terms:
        return Results([])

    kecamatan_rows = Kecamatan.objects.select_related("city").filter(
        Exists(Kelurahan.objects.active().filter(kecamatan=OuterRef("pk")))
    )
    if city is not None:
        kecamatan_rows = kecamatan_rows.filter(city=city)
    kecamatan = rank_rows(
        list(
            match(
                kecamatan_rows,
                terms,
                name="name",
                also=Q(city__name__icontains=terms.text),
            )[: candidates(terms, PAGE)]
        ),
        terms,
        name="name",
        limit=PAGE,
    )
    kelurahan = rank_rows(
        list(
            match(
                _kelurahan_rows(city).only(
                    "name",
                    "slug",
                    "kind",
                    "code",
                    "postal_code",
                    "kecamatan__name",
                    "kecamatan__slug",
                    "kecamatan__city__name",
                    "kecamatan__city__slug",
                ),  # fmt: skip
                terms,
                name="name",
                also=Q(kecamatan_id__in=[k.pk for k in kecamatan]),
            )[: candidates(terms, KELURAHAN_PAGE)]
        ),
        terms,
        name="name",
        limit=KELURAHAN_PAGE,
    )
    return Results(
        [
            Group("kelurahan", _("Kelurahan and desa"), [_kelurahan_hit(k) for k in kelurahan]),
            Group(
                "kecamatan",
                _("Kecamatan"),
                [
                    Hit(
                        title=_("Kecamatan {name}").format(name=k.name),
                        url=k.get_absolute_url(),
                        where=k.city.name,
                    )
                    for k in kecamatan
                ],
            ),
            Group("services", _("Services"), _service_hits(terms, city)),
            Group("businesses", _("UMKM"), _place_hits(Business, terms, city)),
            Group("spots", _("Tourism"), _place_hits(TourismSpot, terms, city)),
            Group("articles", _("News and announcements"), _article_hits(terms, city)),
            Group("rt", _("RT by street"), _rt_hits(terms, city)),
        ]
    )


def _top(queryset, terms: Terms, *, name: str, text: tuple[str, ...]) -> list:
    rows = list(match(queryset, terms, name=name, text=text)[: candidates(terms, PAGE)])
    return rank_rows(rows, terms, name=name, limit=PAGE)


def _service_hits(terms: Terms, city: City | None) -> list[Hit]:
    """The city catalogs' entries (every kelurahan of the city shows them) and the services
    kelurahan keep of their own (their versions of an entry, or services only they offer), in
    one query: a UNION ALL of the two tables' matches, ranked together."""
    entries = CityService.objects.filter(
        is_active=True,
        city__in=City.objects.filter(
            Exists(Kelurahan.objects.active().filter(kecamatan__city=OuterRef("pk")))
        ),
    )
    if city is not None:
        entries = entries.filter(city=city)
    own = _owned(Service.objects.unscoped(REASON).filter(is_active=True), city)
    blank = Value("", output_field=CharOutput())
    columns = {
        "hit_name": F("name"),
        "hit_slug": F("slug"),
        "hit_description": F("description"),
    }
    fields = ("name", "description")
    city_rows = (
        match(entries, terms, name="name", text=fields)
        .order_by()
        .annotate(
            **columns,
            city_name=F("city__name"),
            city_slug=F("city__slug"),
            kelurahan_slug=blank,
            kelurahan_name=blank,
            kelurahan_kind=blank,
            kecamatan_name=blank,
            namesake_kecamatan=blank,
        )
    )
    own_rows = (
        match(own, terms, name="name", text=fields)
        .order_by()
        .annotate(
            **columns,
            city_name=F("kelurahan__kecamatan__city__name"),
            city_slug=F("kelurahan__kecamatan__city__slug"),
            kelurahan_slug=F("kelurahan__slug"),
            kelurahan_name=F("kelurahan__name"),
            kelurahan_kind=F("kelurahan__kind"),
            kecamatan_name=F("kelurahan__kecamatan__name"),
            namesake_kecamatan=F("kelurahan_name_kecamatan"),
        )
    )
    names = (*columns, "city_name", "city_slug", "kelurahan_slug", "kelurahan_name")
    names += ("kelurahan_kind", "kecamatan_name", "namesake_kecamatan", "search_rank")
    rows = city_rows.values(*names).union(own_rows.values(*names), all=True)
    found = rank_rows(
        list(rows.order_by("-search_rank", "hit_name")[: candidates(terms, PAGE)]),
        terms,
        name="hit_name",
        limit=PAGE,
    )
    return [_service_hit(row) for row in found]


def _service_hit(row: dict) -> Hit:
    if not row["kelurahan_slug"]:
        return Hit(
            title=row["hit_name"],
            url=reverse("portal:city", args=[row["city_slug"]]),
            where=_("Every kelurahan and desa of {city}").format(city=row["city_name"]),
            snippet=_snippet(row["hit_description"]),
        )
    kelurahan = Kelurahan(name=row["kelurahan_name"], kind=row["kelurahan_kind"])
    kelurahan.name_kecamatan = row["namesake_kecamatan"]
    return Hit(
        title=row["hit_name"],
        url=reverse("kelurahan:service", args=[row["kelurahan_slug"], row["hit_slug"]]),
        where=_where(kelurahan, row["kecamatan_name"], row["city_name"]),
        snippet=_snippet(row["hit_description"]),
    )


def _place_hits(model, terms: Terms, city: City | None) -> list[Hit]:
    places = _owned(model.objects.unscoped(REASON).published(), city)
    return [
        Hit(
            title=place.name,
            url=place.get_absolute_url(),
            where=_where(place.kelurahan),
            snippet=_snippet(place.description),
        )
        for place in _named(_top(places, terms, name="name", text=("name", "description")))
    ]


def _rt_hits(terms: Terms, city: City | None) -> list[Hit]:
    """The RT whose streets or areas match: a resident looking for their RT by street name."""
    rts = _owned(RT.objects.unscoped(REASON).exclude(streets="").select_related("rw"), city)
    hits = []
    for rt in _named(_top(rts, terms, name="streets", text=())):
        page = reverse("kelurahan:rt_rw", kwargs={"slug": rt.kelurahan.slug})
        streets = [s for s in rt.street_list if any(w in normalise(s) for w in terms.words)]
        hits.append(
            Hit(
                title=_("{rt} / {rw}").format(rt=rt, rw=rt.rw),
                url=f"{page}#rw-{rt.rw.number}",
                where=_where(rt.kelurahan),
                snippet=", ".join(streets or rt.street_list),
            )
        )
    return hits


def _article_hits(terms: Terms, city: City | None) -> list[Hit]:
    articles = _owned(Article.objects.unscoped(REASON).published(), city)
    found = _top(articles, terms, name="title", text=("title", "summary", "body"))
    return [
        Hit(
            title=article.title,
            url=article.get_absolute_url(),
            where=_where(article.kelurahan),
            snippet=_snippet(article.summary, article.body),
        )
        for article in _named(found)
    ]

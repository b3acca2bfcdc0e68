"""Public pages of one kelurahan site: /k/<slug>/..."""

from urllib.parse import urlencode

from django.http import Http404
from django.shortcuts import get_object_or_404, render
from django.utils.translation import gettext_lazy as _

from kelurahan import catalog, selectors
from kelurahan.forms import SearchForm, ServiceFilterForm
from kelurahan.hosts import site_reverse
from kelurahan.models import Article
from kelurahan.pagecache import canonical_redirect
from kelurahan.pagination import IdsFirstPaginator

ARTICLES_PER_PAGE = 10


def home(request, slug):
    kelurahan = selectors.kelurahan_get_public(slug)
    officials = selectors.officials_for(kelurahan)
    return render(
        request,
        "kelurahan/kelurahan_home.html",
        {
            "kelurahan": kelurahan,
            "head": selectors.head_official(officials),
            "articles": selectors.articles_for(kelurahan)[:3],
            "services": selectors.services_for(kelurahan)[:6],
            "section": "home",
        },
    )


def profile(request, slug):
    kelurahan = selectors.kelurahan_get_public(slug)
    return render(
        request,
        "kelurahan/kelurahan_profile.html",
        {
            "kelurahan": kelurahan,
            "markers": [selectors.kelurahan_marker(kelurahan)] if kelurahan.has_location else [],
            "section": "profile",
            "page_title": _("Profile"),
        },
    )


def structure(request, slug):
    kelurahan = selectors.kelurahan_get_public(slug)
    officials = selectors.officials_for(kelurahan)
    levels = {}
    for official in officials:
        levels.setdefault(official.level, []).append(official)
    return render(
        request,
        "kelurahan/official_list.html",
        {
            "kelurahan": kelurahan,
            "levels": [levels[level] for level in sorted(levels)],
            "has_names": any(o.name for o in officials),
            "section": "structure",
            "page_title": _("Staff structure"),
        },
    )


def rt_rw(request, slug):
    kelurahan = selectors.kelurahan_get_public(slug)
    rws = selectors.rw_with_rt(kelurahan)
    street = request.GET.get("jalan", "").strip()[:100]
    return render(
        request,
        "kelurahan/rw_list.html",
        {
            "kelurahan": kelurahan,
            "rws": rws,
            "street": street,
            "street_matches": selectors.rt_by_street(rws, street) if street else None,
            "rt_count": sum(len(rw.rts.all()) for rw in rws),
            "section": "rt_rw",
            "page_title": _("RT/RW"),
        },
    )


def karang_taruna(request, slug):
    kelurahan = selectors.kelurahan_get_public(slug)
    organisation, officers, activities = selectors.karang_taruna_for(kelurahan)
    return render(
        request,
        "kelurahan/karangtaruna_detail.html",
        {
            "kelurahan": kelurahan,
            "organisation": organisation,
            "officers": officers,
            "activities": activities,
            "section": "karang_taruna",
            "page_title": _("Karang Taruna"),
        },
    )


def service_list(request, slug):
    """The catalog without layanan's online requests (portal/views.py serves this address with
    them; this view is what the kelurahan app shows on its own)."""
    kelurahan = selectors.kelurahan_get_public(slug)
    services = list(selectors.services_for(kelurahan))
    return render(
        request,
        "kelurahan/service_list.html",
        {
            "kelurahan": kelurahan,
            "services": services,
            "office_services": services,
            "filter_form": ServiceFilterForm(),
            "section": "services",
            "page_title": _("Services"),
        },
    )


def service_detail(request, slug, service):
    kelurahan = selectors.kelurahan_get_public(slug)
    item = catalog.catalog_entry(kelurahan, service)
    if item is None:
        raise Http404
    return render(
        request,
        "kelurahan/service_detail.html",
        {"kelurahan": kelurahan, "service": item, "section": "services", "page_title": item.name},
    )


def article_list(request, slug):
    kelurahan = selectors.kelurahan_get_public(slug)
    form = SearchForm(request.GET or None)
    query = form.cleaned_data["q"] if form.is_valid() else ""
    kind = request.GET.get("jenis", "")
    if kind not in Article.Kind.values:
        kind = ""
    page = IdsFirstPaginator(
        selectors.articles_for(kelurahan, query=query, kind=kind), ARTICLES_PER_PAGE
    ).get_page(request.GET.get("page"))
    values = {"q": query, "jenis": kind}
    # Only the canonical address answers 200 (and is kept by the page cache).
    redirect = canonical_redirect(request, values, page=page)
    if redirect is not None:
        return redirect
    pagination_query = urlencode({key: value for key, value in values.items() if value})
    return render(
        request,
        "kelurahan/article_list.html",
        {
            "kelurahan": kelurahan,
            "form": form,
            "query": query,
            "kind": kind,
            "kinds": Article.Kind.choices,
            "page_obj": page,
            "pagination_query": pagination_query,
            "section": "articles",
            "page_title": _("News"),
        },
    )


def article_detail(request, slug, article):
    kelurahan = selectors.kelurahan_get_public(slug)
    item = get_object_or_404(Article.objects.for_kelurahan(kelurahan).published(), slug=article)
    return render(
        request,
        "kelurahan/article_detail.html",
        {"kelurahan": kelurahan, "article": item, "section": "articles", "page_title": item.title},
    )


# The site's pages, each at its canonical address (kelurahan/hosts.py).
SITEMAP_PAGES = ("home", "profile", "structure", "rt_rw", "karang_taruna", "services", "articles")


def sitemap(request, slug):
    """/k/<slug>/sitemap.xml (on the kelurahan's host, /sitemap.xml): its pages, services and
    published articles, with the addresses of the host its site is configured for."""
    kelurahan = selectors.kelurahan_get_public(slug)
    args = [kelurahan.slug]
    addresses = [site_reverse(kelurahan, f"kelurahan:{page}", args=args) for page in SITEMAP_PAGES]
    addresses += [
        site_reverse(kelurahan, "kelurahan:service", args=[*args, service.slug])
        for service in selectors.services_for(kelurahan)
    ]
    addresses += [
        site_reverse(kelurahan, "kelurahan:article", args=[*args, article.slug])
        for article in selectors.articles_for(kelurahan).only("slug")
    ]
    return render(
        request,
        "kelurahan/sitemap.xml",
        {"addresses": addresses},
        content_type="application/xml; charset=utf-8",
    )

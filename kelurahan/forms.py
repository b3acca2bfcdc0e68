"""Input validation for kelurahan screens: the Diskominfo provisioning and staff invitation forms,
the invitation's password page, and public search."""

import re

from django import forms
from django.contrib.auth import password_validation
from django.utils.translation import gettext_lazy as _

from kelurahan import hosts, regions, roles
from kelurahan.models import Article, City, Kelurahan
from kelurahan.search import normalise
from kelurahan.tenancy import user_city_ids


class ProvisionForm(forms.Form):
    """Codes typed by hand, or a city (and optionally some of its kecamatan) picked from lists."""

    codes = forms.CharField(
        label=_("Region codes"),
        required=False,
        help_text=_(
            "Kemendagri codes separated by spaces or commas: 33.72 (a city), 33.72.01 "
            "(a kecamatan) or 33.72.01.1001 (one kelurahan/desa)."
        ),
        widget=forms.TextInput(attrs={"size": 60, "autocomplete": "off"}),
    )
    city = forms.ChoiceField(label=_("Or pick a regency/city"), required=False)
    kecamatan = forms.MultipleChoiceField(
        label=_("Only these kecamatan"),
        required=False,
        help_text=_("Leave all unticked to provision the whole regency/city."),
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args, city: str | None = None, user=None, **kwargs):
        super().__init__(*args, **kwargs)
        # Diskominfo provisions only inside its own cities' codes; a superuser anywhere.
        city_ids = user_city_ids(user) if user is not None else None
        self.allowed_prefixes = (
            None
            if city_ids is None
            else sorted(City.objects.filter(pk__in=city_ids).values_list("code", flat=True))
        )
        self.fields["city"].choices = [("", "—")] + [
            (c.code, f"{c.code} {c.name}")
            for c in regions.cities()
            if self.allowed_prefixes is None or c.code in self.allowed_prefixes
        ]
        chosen = self.data.get("city") or city
        if chosen and self.allowed_prefixes is not None and chosen not in self.allowed_prefixes:
            chosen = None
        if chosen:
            self.initial["city"] = chosen
            try:
                self.fields["kecamatan"].choices = [
                    (k.code, f"{k.code} {k.name}") for k in regions.kecamatan_of(chosen)
                ]
            except regions.UnknownRegion:
                pass

    def clean(self):
        cleaned = super().clean()
        typed = [c for c in re.split(r"[\s,;]+", cleaned.get("codes", "")) if c]
        picked = cleaned.get("kecamatan") or ([cleaned["city"]] if cleaned.get("city") else [])
        codes = typed + list(picked)
        if not codes:
            raise forms.ValidationError(
                _("Type at least one region code, or pick a regency/city from the list.")
            )
        unknown = []
        for code in typed:
            try:
                regions.get_region(code)
            except regions.UnknownRegion:
                unknown.append(code)
        if unknown:
            self.add_error(
                "codes",
                _(
                    "Unknown or malformed region code: %(codes)s. Use a code from the Kemendagri "
                    "decree, such as 33.72 or 33.72.01.1001."
                )
                % {"codes": ", ".join(unknown)},
            )
        if self.allowed_prefixes is not None:
            outside = [_canonical(c) for c in codes if not self._inside_allowed(_canonical(c))]
            if outside:
                self.add_error(
                    None,
                    _(
                        "You may provision only inside your own regencies/cities (%(cities)s); "
                        "not: %(codes)s."
                    )
                    % {
                        "cities": ", ".join(self.allowed_prefixes) or "—",
                        "codes": ", ".join(outside),
                    },
                )
        cleaned["codes"] = codes
        return cleaned

    def _inside_allowed(self, code: str) -> bool:
        return any(code == p or code.startswith(p + ".") for p in self.allowed_prefixes)


def _canonical(code: str) -> str:
    """A region code as the decree writes it (3372021004 is 33.72.02.1004), else as typed."""
    try:
        return regions.get_region(code).code
    except regions.UnknownRegion:
        return code.strip()


class SearchForm(forms.Form):
    q = forms.CharField(
        label=_("Search"),
        required=False,
        max_length=100,
        widget=forms.TextInput(attrs={"type": "search", "placeholder": _("Search…")}),
    )


class KelurahanSearchForm(SearchForm):
    """The portal's search (portal/search.py): a name needs three letters (fewer would match
    most of Indonesia); a query of only punctuation, or longer than the box takes, is refused
    with a message before anything is looked up. Region and postal codes are digits."""

    MIN_LETTERS = 3

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["q"].error_messages["max_length"] = _(
            "The search is too long: at most %(limit_value)d characters, this one has "
            "%(show_value)d. Type only a name or a few words."
        )

    def clean_q(self):
        query = self.cleaned_data["q"].strip()
        if not query or query.replace(".", "").isdigit():
            return query
        if not normalise(query):
            raise forms.ValidationError(
                _("Type letters or digits: a name, a word, or a postal code such as 57146."),
                code="no_words",
            )
        if len(normalise(query).replace(" ", "")) < self.MIN_LETTERS:
            raise forms.ValidationError(
                _("Type at least %(count)d letters of the name, e.g. “Paj” for Pajang."),
                code="too_short",
                params={"count": self.MIN_LETTERS},
            )
        return query


def _host_free_check(host: str, *, mine) -> str:
    """A host belongs to one site: not one of the portal's, under PORTAL_DOMAINS (any other
    would only ever get a 400), not another city's or kelurahan's (its own or from a city's
    pattern). `mine(site)`: the site is this row."""
    if not host:
        return host
    if hosts.is_portal_host(host):
        raise forms.ValidationError(
            _("This is one of the portal's own addresses (PORTAL_URL, ALLOWED_HOSTS).")
        )
    if not hosts.is_site_host(host):
        raise forms.ValidationError(
            _(
                "This deployment does not answer for %(host)s: ask the administrator to add its "
                "domain to PORTAL_DOMAINS first."
            )
            % {"host": host}
        )
    site = hosts.site_for_host(host, fresh=True)
    if site is not None and not mine(site):
        raise forms.ValidationError(_("Another city or kelurahan already has this host name."))
    return host


class CityAdminForm(forms.ModelForm):
    def clean_host(self):
        return _host_free_check(
            self.cleaned_data["host"],
            mine=lambda site: site.kind == hosts.CITY and site.city_slug == self.instance.slug,
        )


class KelurahanAdminForm(forms.ModelForm):
    def clean_host(self):
        return _host_free_check(
            self.cleaned_data["host"],
            mine=lambda site: site.kind == hosts.KELURAHAN and site.slug == self.instance.slug,
        )


class FileReselectNoticeMixin:
    """Says, next to a file field, that the file chosen must be chosen again.

    A browser never re-fills a file input, so when a form comes back with errors the photo the
    staff member picked is gone from the page even though nothing was wrong with it; without a
    word they would save and lose it. The note is added only when the form has other errors.
    """

    def full_clean(self):
        super().full_clean()
        if not self.is_bound or not self._errors:
            return
        for name, field in self.fields.items():
            if (
                isinstance(field, forms.FileField)
                and self.files.get(self.add_prefix(name))
                and name not in self._errors
            ):
                self.add_error(
                    name,
                    forms.ValidationError(
                        _(
                            "The file you chose has not been saved because other fields need "
                            "correcting. Choose it again before saving."
                        ),
                        code="choose_again",
                    ),
                )


class ArticleAdminForm(FileReselectNoticeMixin, forms.ModelForm):
    """The article screen: the staff member says each time whether the article goes live.

    The status is a required choice with nothing ticked on a new article, so an article is never
    left a draft (or published) because nobody looked; an existing one shows its current state.
    """

    status = forms.ChoiceField(
        label=_("Publication"),
        widget=forms.RadioSelect,
        choices=[
            (Article.Status.PUBLISHED, _("Publish now (shown on the site)")),
            (Article.Status.DRAFT, _("Save as a draft (not shown on the site yet)")),
        ],
        help_text=_(
            "A published article with a publication time in the future appears on the site "
            "from that time."
        ),
        error_messages={
            "required": _(
                "Choose “Publish now” or “Save as a draft”; the article is not saved until you do."
            )
        },
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if self.instance.pk is None:
            self.initial.pop("status", None)
            self.fields["status"].initial = None


class OfficialAdminForm(FileReselectNoticeMixin, forms.ModelForm):
    pass


class StaffRoleFields(forms.Form):
    """A staff account's one role and its place: a kelurahan, or for Diskominfo some cities;
    the choices are what `user` (the staff member filling the form in) manages."""

    role = forms.ChoiceField(label=_("Role"), choices=list(roles.LABELS.items()))
    kelurahan = forms.ModelChoiceField(
        label=_("Kelurahan"),
        queryset=Kelurahan.objects.none(),
        required=False,
        help_text=_("For Operator, Penandatangan and Redaksi: the kelurahan they work for."),
    )
    cities = forms.ModelMultipleChoiceField(
        label=_("Regencies/cities"),
        queryset=City.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("For Diskominfo: the regencies/cities they manage (several for a province)."),
    )

    def role_choices_limit(self, user) -> None:
        self.fields["kelurahan"].queryset = (
            Kelurahan.objects.for_user(user)
            .with_regions()
            .with_names()
            .order_by("kecamatan__name", "name")
        )
        self.fields["kelurahan"].label_from_instance = lambda k: f"{k} — {k.kecamatan}"
        self.fields["cities"].queryset = City.objects.for_user(user)

    def clean(self):
        cleaned = super().clean()
        role = cleaned.get("role")
        if role == roles.DISKOMINFO and not cleaned.get("cities"):
            self.add_error(
                "cities", _("Choose at least one regency/city for a Diskominfo account.")
            )
        elif role and role != roles.DISKOMINFO and not cleaned.get("kelurahan"):
            self.add_error("kelurahan", _("Choose the kelurahan this staff member works for."))
        return cleaned


class StaffInvitationForm(StaffRoleFields):
    """Diskominfo's "Undang staf" screen: who, which role, and where. The service checks the
    place against the inviter's cities again."""

    full_name = forms.CharField(label=_("Full name"), max_length=150)
    email = forms.EmailField(
        label=_("E-mail"),
        help_text=_("The invitation link is sent here; it is also the login name."),
    )
    field_order = ["full_name", "email", "role", "kelurahan", "cities"]

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        self.role_choices_limit(user)


class InvitationAcceptForm(forms.Form):
    """The invitee's new password, twice, checked by Django's password validators against the
    account it will belong to (a password like one's own name or e-mail is refused)."""

    password1 = forms.CharField(
        label=_("New password"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
        help_text=_("At least 8 characters, not only digits, not a common password."),
    )
    password2 = forms.CharField(
        label=_("New password again"),
        strip=False,
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def __init__(self, *args, account, **kwargs):
        super().__init__(*args, **kwargs)
        self.account = account

    def clean(self):
        cleaned = super().clean()
        first, second = cleaned.get("password1"), cleaned.get("password2")
        if first and second and first != second:
            self.add_error(
                "password2", _("The two passwords are not the same; type the same one twice.")
            )
        elif first:
            try:
                password_validation.validate_password(first, self.account)
            except forms.ValidationError as error:
                self.add_error("password1", error)
        return cleaned


class ServiceFilterForm(forms.Form):
    """The service list's filter (a GET form: it works without JavaScript, and the script that
    filters as one types reads the same field)."""

    q = forms.CharField(
        label=_("Find a service"),
        required=False,
        max_length=100,
        widget=forms.TextInput(
            attrs={
                "type": "search",
                "class": "form-control",
                "placeholder": _("e.g. domisili, KTP, kematian"),
            }
        ),
    )

"""Staff screens for the standard letter texts (layanan/letter_texts.py).

Diskominfo picks one of its cities and edits the kop surat and, per letter kind, the opening,
the statement and the closing line; a kelurahan's staff (Operator) see the city's texts of their
kelurahan and may write their own version of a kind's statements, or go back to the city's.
Each form shows the placeholders it may use, a preview filled in with a real kelurahan's values
(the Preview button, and live while typing where JavaScript runs) and the versions saved so far.
Nothing is edited in place: a save adds versions (letter_texts.letter_text_save).
"""

from __future__ import annotations

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404, HttpResponseRedirect
from django.shortcuts import get_object_or_404
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext as _

from kelurahan.models import City
from kelurahan.tenancy import is_city_staff, user_city_ids, user_kelurahan
from layanan import letter_texts
from layanan.kinds import KINDS
from layanan.letter_texts import KOP
from layanan.models import LetterText

KOP_SLUG = "kop"  # the kop surat's place in a URL (its kind is the empty string)
HISTORY = 8  # versions shown per part


def _kind_of(slug: str) -> str:
    if slug == KOP_SLUG:
        return KOP
    if slug not in KINDS:
        raise Http404
    return slug


def _title_of(kind: str) -> str:
    return _("Kop surat") if kind == KOP else KINDS[kind].name


class TextsForm(forms.Form):
    """One text box per part; for a kelurahan each part also has "follow the city's text"."""

    def __init__(self, *args, kind: str, current: dict, own: bool, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind, self.own = kind, own
        self.catalogue = letter_texts.catalogue_for(kind)
        self.parts = [text.part for text in current.values()]
        for (_k, key), text in current.items():
            if own:
                self.fields[f"{key}-follow"] = forms.BooleanField(
                    label=_("Follow the city's text"),
                    required=False,
                    initial=not text.overridden,
                )
            self.fields[key] = forms.CharField(
                label=text.part.label,
                help_text=text.part.help,
                required=False,
                initial=text.text,
                widget=forms.Textarea(attrs={"rows": 4, "data-text-part": key}),
            )

    def clean(self):
        cleaned = super().clean()
        for part in self.parts:
            if self.own and cleaned.get(f"{part.key}-follow"):
                continue
            text = (cleaned.get(part.key) or "").replace("\r\n", "\n").strip()
            try:
                self.catalogue.validate(text)
            except ValidationError as error:
                self.add_error(part.key, error)
            cleaned[part.key] = text
        return cleaned

    def texts(self) -> dict[str, str | None]:
        """{part: text}, None where a kelurahan follows the city's text."""
        return {
            part.key: None
            if self.own and self.cleaned_data.get(f"{part.key}-follow")
            else self.cleaned_data[part.key]
            for part in self.parts
        }

    def rows(self):
        """The form's fields grouped per part, for the template."""
        for part in self.parts:
            yield part, self[part.key], self[f"{part.key}-follow"] if self.own else None


class LetterTextAdmin(admin.ModelAdmin):
    """No stock screens: the index, the two edit screens and the preview below."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("", view(self.index_view), name="layanan_lettertext_changelist"),
            path(
                "city/<int:city_id>/<str:kind>/",
                view(self.city_view),
                name="layanan_lettertext_city",
            ),
            path("own/<str:kind>/", view(self.own_view), name="layanan_lettertext_own"),
        ]

    # Who sees what ---------------------------------------------------------------------

    def _cities(self, request):
        if not (is_city_staff(request.user) and request.user.has_perm("layanan.view_lettertext")):
            return City.objects.none()
        ids = user_city_ids(request.user)
        cities = City.objects.order_by("name")
        return cities if ids is None else cities.filter(pk__in=ids)

    def _own_kelurahan(self, request):
        if not request.user.has_perm("layanan.view_lettertext"):
            return None
        return user_kelurahan(request.user)

    def _context(self, request, **extra):
        return {**self.admin_site.each_context(request), "opts": self.opts, **extra}

    def index_view(self, request):
        kelurahan = self._own_kelurahan(request)
        cities = list(self._cities(request))
        if kelurahan is None and not cities:
            raise PermissionDenied
        kinds = [(KOP_SLUG, _title_of(KOP)), *((k, kind.name) for k, kind in KINDS.items())]
        if kelurahan is not None:
            city = kelurahan.kecamatan.city
            current = letter_texts.texts_for(
                city=city, kind="", kelurahan=kelurahan, kinds=tuple(KINDS)
            )
            own = {k for (k, _part), text in current.items() if text.overridden}
            rows = [
                {
                    "title": name,
                    "state": _("This kelurahan's own text")
                    if slug in own
                    else _("The city's text"),
                    "url": reverse("admin:layanan_lettertext_own", args=[slug]),
                }
                for slug, name in kinds
                if slug != KOP_SLUG
            ]
            return TemplateResponse(
                request,
                "admin/layanan/lettertext/index.html",
                self._context(request, title=_("Letter texts"), rows=rows, kelurahan=kelurahan),
            )
        city = cities[0]
        if request.GET.get("city"):
            city = next((c for c in cities if str(c.pk) == request.GET["city"]), None)
            if city is None:
                raise Http404
        rows = [
            {
                "title": name,
                "url": reverse("admin:layanan_lettertext_city", args=[city.pk, slug]),
            }
            for slug, name in kinds
        ]
        return TemplateResponse(
            request,
            "admin/layanan/lettertext/index.html",
            self._context(request, title=_("Letter texts"), rows=rows, city=city, cities=cities),
        )

    def city_view(self, request, city_id, kind):
        city = get_object_or_404(self._cities(request), pk=city_id)
        return self._edit(request, city=city, kelurahan=None, kind=_kind_of(kind))

    def own_view(self, request, kind):
        kelurahan = self._own_kelurahan(request)
        kind = _kind_of(kind)
        if kelurahan is None or kind == KOP:
            raise Http404
        return self._edit(request, city=kelurahan.kecamatan.city, kelurahan=kelurahan, kind=kind)

    # The edit screen -------------------------------------------------------------------

    def _edit(self, request, *, city, kelurahan, kind):
        current = letter_texts.texts_for(city=city, kind=kind, kelurahan=kelurahan)
        own = kelurahan is not None
        may_write = request.user.has_perm("layanan.add_lettertext")
        bound = request.method == "POST" and may_write
        form = TextsForm(request.POST if bound else None, kind=kind, current=current, own=own)
        preview = None
        status = 200
        if bound and form.is_valid():
            texts = form.texts()
            if "_preview" not in request.POST:
                saved = []
                try:
                    for part, text in texts.items():
                        row = letter_texts.letter_text_save(
                            by=request.user,
                            city=city,
                            kelurahan=kelurahan,
                            kind=kind,
                            part=part,
                            text=text,
                        )
                        if row is not None:
                            saved.append(row)
                except ValidationError as error:  # pragma: no cover - the form checked it
                    messages.error(request, " ".join(error.messages))
                else:
                    if saved:
                        messages.success(
                            request,
                            _("Saved. New letters use these texts from now on (%(parts)s).")
                            % {
                                "parts": ", ".join(
                                    f"{letter_texts.PARTS[r.part].label} v{r.version}"
                                    for r in saved
                                )
                            },
                        )
                    else:
                        messages.info(request, _("Nothing changed."))
                return HttpResponseRedirect(request.path)
            preview = self._preview(city, kelurahan, kind, form, texts)
        elif bound:
            status = 400
        if bound and "_preview" in request.POST and request.headers.get("X-Preview") == "1":
            # The live preview (static/js/letter_text_preview.js): the preview part alone, its
            # messages in place of the letter while the text does not check (an answer, not a
            # failed request).
            return TemplateResponse(
                request,
                "admin/layanan/lettertext/_preview.html",
                {"preview": preview, "form": form, "is_kop": kind == KOP},
            )
        if preview is None and not form.is_bound:
            preview = self._preview(
                city, kelurahan, kind, form, {key: text.text for (_k, key), text in current.items()}
            )
        history = (
            LetterText.objects.filter(city=city, kind=kind)
            .filter(kelurahan=kelurahan)
            .select_related("created_by")
            .order_by("part", "-version")
        )
        by_part: dict[str, list] = {}
        for row in history:
            if len(by_part.setdefault(row.part, [])) < HISTORY:
                by_part[row.part].append(row)
        context = self._context(
            request,
            title=_("Letter texts: %(kind)s") % {"kind": _title_of(kind)},
            city=city,
            kelurahan=kelurahan,
            kind=kind,
            form=form,
            preview=preview,
            placeholders=list(form.catalogue),
            history=[(letter_texts.PARTS[p], rows) for p, rows in by_part.items()],
            current=current,
            may_write=may_write,
            is_kop=kind == KOP,
        )
        return TemplateResponse(
            request, "admin/layanan/lettertext/edit.html", context, status=status
        )

    def _preview(self, city, kelurahan, kind, form, texts: dict) -> dict:
        """{part: text filled in}; a kelurahan following the city shows the city's text."""
        values = letter_texts.preview_values(city, kelurahan)
        current = letter_texts.texts_for(city=city, kind=kind, kelurahan=kelurahan)
        shown = {}
        for (_k, key), text in current.items():
            chosen = texts.get(key)
            shown[key] = form.catalogue.render(text.city_text if chosen is None else chosen, values)
        return {
            "parts": shown,
            "kop_lines": [line for line in shown.get("kop", "").splitlines() if line.strip()],
        }

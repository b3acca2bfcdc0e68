"""The trimmed Bootstrap still styles every class the public pages use.

static/vendor/bootstrap/bootstrap.min.css keeps only the rules PurgeCSS found a use for
(scripts/bootstrap/trim.mjs). A class added to a template or a form after the last trim is silently
unstyled; this test names it, so the fix is one command: cd scripts/bootstrap && npm ci && npm run
trim. It reads files only (no database) and takes a few milliseconds.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import crispy_bootstrap5

ROOT = Path(__file__).resolve().parents[2]
BOOTSTRAP = ROOT / "static/vendor/bootstrap/bootstrap.min.css"
APPS = ("portal", "kelurahan", "layanan", "umkm")

# Templates that never render into a page linking Bootstrap: the Django admin (its own CSS, and
# the admin-only map-picker widget) and the letter PDFs (inline print CSS).
NOT_BOOTSTRAP = ("admin/", "layanan/print/", "umkm/widgets/")

# Classes with no CSS on purpose: they name a block (for people reading the HTML, for tests and
# for Lighthouse's reports) and lay out nothing; Bootstrap classes beside them do the styling.
UNSTYLED = {
    "agenda-info",  # kelurahan/article_detail.html: when and where of an agenda item
    "gallery",  # umkm/_gallery.html: the <section>; .gallery-cover and .gallery-thumbs are styled
    "lead-text",  # kelurahan/kelurahan_home.html: the kelurahan's welcome text
    "messages",  # includes/_messages.html: wrapper of the flash messages (each an .alert)
    "propose-form",  # umkm/business_propose.html: the <form>
    "request-form",  # layanan/letter_request_form.html: the <form>
    "track-form",  # layanan/letter_track.html: the <form>
}

TEMPLATE_TAG = re.compile(r"\{%.*?%\}|\{\{.*?\}\}", re.S)
CLASS_ATTRIBUTE = re.compile(r"""\sclass=(?:"([^"]*)"|'([^']*)')""")
# crispy-forms adds classes to a widget in templates/bootstrap5/field.html:
# {% crispy_field field 'class' 'form-control is-invalid' %}.
CRISPY_FIELD_CLASS = re.compile(r"""\{%\s*crispy_field\s+\S+\s+["']class["']\s+["']([^"']*)["']""")
# Widget classes set in Python: attrs={"class": "x"}, attrs["class"] = "x",
# attrs.setdefault("class", "x"), and a variable first (css = "form-select" if ... else "...").
PYTHON_CLASSES = [
    re.compile(r"""attrs\s*=\s*\{[^}]*?["']class["']\s*:\s*["']([^"']*)["']"""),
    re.compile(r"""attrs\[["']class["']\]\s*=\s*["']([^"']*)["']"""),
    re.compile(r"""attrs\.setdefault\(\s*["']class["']\s*,\s*["']([^"']*)["']"""),
]
CSS_VARIABLE = re.compile(r"""^\s*(?:\w+_)?css(?:_class)?\s*=\s*(["'].*)$""", re.M)
JS_CLASSES = re.compile(r"""(?:className\s*=|classList\.(?:add|toggle)\()\s*["']([^"']*)["']""")
STRING = re.compile(r""""([^"]*)"|'([^']*)'""")
CSS_CLASS = re.compile(r"\.(-?[A-Za-z_][\w-]*)")
MARK = "\x00"  # stands for a template expression inside a class attribute
INCLUDE = re.compile(r"""\{%\s*include\s+["']([^"']+)["']""")
STRING_IN_LIST = re.compile(r"""["']([^"']+)["']""")


# crispy-forms' Bootstrap 5 pack templates that the overrides in templates/bootstrap5/ include,
# as listed in trim.mjs (PACK_TEMPLATES): their classes must survive the trim too.
PACK = Path(crispy_bootstrap5.__file__).parent / "templates"
PACK_TEMPLATES = (
    "bootstrap5/uni_form.html",
    "bootstrap5/layout/help_text_and_errors.html",
    "bootstrap5/layout/help_text.html",
)


def public_templates() -> list[Path]:
    folders = [ROOT / "templates", *(ROOT / app / "templates" for app in APPS)]
    ours = [
        path
        for folder in folders
        for path in sorted(folder.rglob("*.html"))
        if not path.relative_to(folder).as_posix().startswith(NOT_BOOTSTRAP)
    ]
    return ours + [PACK / name for name in PACK_TEMPLATES]


def label(path: Path) -> str:
    return (
        path.relative_to(PACK) if path.is_relative_to(PACK) else path.relative_to(ROOT)
    ).as_posix()


def template_tokens() -> dict[str, set[str]]:
    """Every class token of every class="..." attribute, by template; a token with a template
    expression in it (alert-{{ tag }}) is kept with MARK where the expression was."""
    used: dict[str, set[str]] = {}
    for path in public_templates():
        text = path.read_text(encoding="utf-8")
        values = [double or single for double, single in CLASS_ATTRIBUTE.findall(text)]
        for value in values + CRISPY_FIELD_CLASS.findall(text):
            for token in TEMPLATE_TAG.sub(MARK, value).split():
                used.setdefault(token, set()).add(label(path))
    return used


def test_the_pack_templates_the_trim_reads_are_the_ones_the_overrides_include():
    trim = (ROOT / "scripts/bootstrap/trim.mjs").read_text(encoding="utf-8")
    listed = re.search(r"PACK_TEMPLATES = \[(.*?)\]", trim, re.S).group(1)
    assert tuple(STRING_IN_LIST.findall(listed)) == PACK_TEMPLATES
    overrides = (ROOT / "templates/bootstrap5").rglob("*.html")
    included = {
        name for path in overrides for name in INCLUDE.findall(path.read_text(encoding="utf-8"))
    }
    overridden = {
        path.relative_to(ROOT / "templates").as_posix()
        for path in (ROOT / "templates/bootstrap5").rglob("*.html")
    }
    # uni_form.html is what {{ form|crispy }} renders; it includes errors.html and field.html.
    assert included - overridden <= set(PACK_TEMPLATES)
    assert all((PACK / name).is_file() for name in PACK_TEMPLATES)


def code_tokens() -> dict[str, set[str]]:
    """Classes that forms set on widgets in Python, and that static/js sets from script."""
    used: dict[str, set[str]] = {}
    sources = [path for app in APPS for path in sorted((ROOT / app).rglob("*.py"))]
    for path in sources:
        text = path.read_text(encoding="utf-8")
        values = [value for pattern in PYTHON_CLASSES for value in pattern.findall(text)]
        for line in CSS_VARIABLE.findall(text):
            values += [double or single for double, single in STRING.findall(line)]
        for value in values:
            for token in value.split():
                used.setdefault(token, set()).add(path.relative_to(ROOT).as_posix())
    for path in sorted((ROOT / "static/js").glob("*.js")):
        for value in JS_CLASSES.findall(path.read_text(encoding="utf-8")):
            for token in value.split():
                used.setdefault(token, set()).add(path.relative_to(ROOT).as_posix())
    return used


@cache
def defined_classes() -> frozenset[str]:
    """Every class named in a selector of the trimmed Bootstrap or of the portal's own CSS."""
    found: set[str] = set()
    for path in [BOOTSTRAP, *sorted((ROOT / "static/css").glob("*.css"))]:
        css = re.sub(r"/\*.*?\*/", "", path.read_text(encoding="utf-8"), flags=re.S)
        css = re.sub(r"url\([^)]*\)", "", css)
        for selectors in re.findall(r"([^{};]+)\{", css):  # what precedes a block is selectors
            found.update(CSS_CLASS.findall(selectors))
    return frozenset(found)


def test_every_class_in_templates_and_forms_is_styled_or_deliberately_unstyled():
    used = template_tokens()
    for token, where in code_tokens().items():
        used.setdefault(token, set()).update(where)

    missing = {
        token: sorted(where)
        for token, where in used.items()
        if MARK not in token and token not in defined_classes() and token not in UNSTYLED
    }

    assert not missing, (
        "Classes with no CSS rule (dropped by the Bootstrap trim, or a typo): "
        f"{missing}. Run: cd scripts/bootstrap && npm ci && npm run trim"
    )


def test_classes_built_in_templates_have_their_family_in_the_trimmed_css():
    """alert-{{ message.tags }} can only be styled if trim.mjs safelisted the alert- family."""
    built = [token for token in template_tokens() if MARK in token]
    prefixes = {token.split(MARK)[0] for token in built} - {""}

    assert prefixes, "expected at least alert-{{ ... }} in includes/_messages.html"
    for prefix in prefixes:
        family = {name for name in defined_classes() if name.startswith(prefix)}
        assert family, f"no class starting with {prefix!r} survived the trim"
    assert {"alert-info", "alert-success", "alert-warning", "alert-danger"} <= defined_classes()


def test_the_allow_list_names_only_classes_that_are_used_and_truly_have_no_css():
    used = set(template_tokens()) | set(code_tokens())

    assert UNSTYLED <= used
    assert not UNSTYLED & defined_classes()


def test_the_trimmed_bootstrap_keeps_its_licence_and_no_source_map():
    css = BOOTSTRAP.read_text(encoding="utf-8")

    assert css.startswith('@charset "UTF-8";/*!\n * Bootstrap  v5.3.8')
    assert "Licensed under MIT" in css[:400]
    assert "sourceMappingURL" not in css
    assert len(css) < 60_000, "the trim did not run: this is the whole of Bootstrap"

"""The placeholder engine: texts staff write, with `{name}` fields the portal fills in.

Staff (Diskominfo for the city, a kelurahan for its own statements) write the standard texts of
a letter in plain language; a placeholder such as `{kelurahan}` or `{nama}` stands for a value
the portal knows when the letter is made. The list of placeholders is fixed in code, each with a
description staff read beside the text box; a text is checked against the list when it is saved,
so a typo is an Indonesian message on the form, never a blank on a signed letter.

Why not Django templates (or Jinja) for these texts: a template language is code. A text typed
by staff must not reach the template engine (no tags, no filters, no attribute lookups on our
objects); this grammar has nothing but literal text, `{name}` and `{{` / `}}` for a literal
brace, so there is nothing to sandbox. The output is plain text: the print template escapes it
like any other value.

The engine is general on purpose: a `Placeholder` resolves from a `Values` mapping built by the
caller, and a `Catalogue` is the set one kind of text may use. Letter kinds defined without code
later declare their fields as placeholders of the same engine.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from layanan.text import interpolate_lazy

# `{{` and `}}` are literal braces; `{name}` a placeholder; any other brace is an error.
TOKEN = re.compile(r"\{\{|\}\}|\{([a-z][a-z0-9_]*)\}|[{}]", re.ASCII)
MAX_LENGTH = 2000


@dataclass(frozen=True, slots=True)
class Placeholder:
    name: str
    description: str | Promise  # shown to staff beside the text box
    example: str  # what the preview shows when there is no real letter
    resolve: Callable[[Mapping[str, object]], object] | None = None  # default: values[name]

    def value(self, values: Mapping[str, object]) -> str:
        found = self.resolve(values) if self.resolve else values.get(self.name, "")
        return "" if found is None else str(found)


class Catalogue:
    """The placeholders one text may use, in the order staff read them."""

    def __init__(self, placeholders: Iterable[Placeholder]):
        self.placeholders = tuple(placeholders)
        self._by_name = {p.name: p for p in self.placeholders}

    def __contains__(self, name: str) -> bool:
        return name in self._by_name

    def __iter__(self):
        return iter(self.placeholders)

    def __add__(self, other: Catalogue) -> Catalogue:
        return Catalogue((*self.placeholders, *other.placeholders))

    def examples(self) -> dict[str, str]:
        return {p.name: p.example for p in self.placeholders}

    def validate(self, text: str) -> None:
        """Raise ValidationError (Indonesian, one message per problem) unless `text` uses only
        this catalogue's placeholders and writes its literal braces doubled."""
        errors = []
        if len(text) > MAX_LENGTH:
            errors.append(
                interpolate_lazy(
                    _("The text is %(length)d characters long; at most %(max)d are allowed."),
                    {"length": len(text), "max": MAX_LENGTH},
                )
            )
        unknown, stray = [], False
        for match in TOKEN.finditer(text):
            piece, name = match.group(0), match.group(1)
            if name is not None and name not in self:
                unknown.append(name)
            elif name is None and piece in "{}":
                stray = True
        if unknown:
            errors.append(
                interpolate_lazy(
                    _("Unknown placeholder: %(unknown)s. Use only those listed beside the text."),
                    {"unknown": ", ".join(f"{{{name}}}" for name in dict.fromkeys(unknown))},
                )
            )
        if stray:
            errors.append(
                _(
                    "A brace without its pair: a placeholder is written in braces, e.g. "
                    "{kelurahan}; for a brace itself write it twice, {{ or }}."
                )
            )
        if errors:
            raise ValidationError(errors)

    def render(self, text: str, values: Mapping[str, object]) -> str:
        """`text` with its placeholders filled from `values`. A text that does not validate
        (saved before a placeholder was retired) keeps the unknown field as written."""

        def fill(match: re.Match) -> str:
            piece, name = match.group(0), match.group(1)
            if piece == "{{":
                return "{"
            if piece == "}}":
                return "}"
            if name is not None and name in self:
                return self._by_name[name].value(values)
            return piece

        return TOKEN.sub(fill, text)

    def names_used(self, text: str) -> list[str]:
        return [m.group(1) for m in TOKEN.finditer(text) if m.group(1)]

"""Forgiving text matching for the public search: typos, missing spaces and partial words.

One `Terms` (the visitor's words, normalised once) and one `match` per model: it narrows a
queryset to the rows whose name (or text) matches and annotates `search_rank`, higher first.

On PostgreSQL it uses what the database does well, each served by a GIN index the migrations
create (kelurahan/migrations/0002 and 0012, umkm/0002, layanan/0013):
- the name by pg_trgm: `UPPER(name) LIKE '%…%'` (a substring), `%` (similarity, typos and
  missing spaces: "kartosuro" finds Kartasura, "batiktulis" Batik Tulis) and `%>` (word
  similarity: a part of a longer name), at pg_trgm's default thresholds (0.3 and 0.6);
- the text (description, body) by full-text search with the 'simple' configuration and prefix
  terms ("bati:*"): PostgreSQL ships no Indonesian stemmer, so words are matched as written,
  lower-cased, and a word's beginning finds it ("bati" finds batik, not membatik).
The rank is the best trigram similarity of the name, with a bonus for the exact name, its
beginning or a substring, plus the full-text rank.

On SQLite (development, tests) a simpler fallback: the name or text contains the whole query,
the query without its spaces, or every word (each cut to its first letters, so the tail of a
word may be misspelt); candidates are ranked in Python by how alike the names are (difflib).
"""

from __future__ import annotations

import difflib
import re
import unicodedata
from dataclasses import dataclass
from functools import reduce
from operator import and_, or_

from django.db import connection
from django.db.models import Case, FloatField, Q, QuerySet, TextField, Value, When
from django.db.models.functions import Greatest, Lower, Replace, Upper
from django.db.models.lookups import Contains

# A word of the query is cut to this many letters on SQLite, where a misspelt ending must not
# hide the row ("kartosuro" -> "kart" finds Kartasura).
FALLBACK_PREFIX = 4
# Words shorter than this say nothing on their own ("di", "rt").
MIN_WORD = 2
MAX_WORDS = 6
# Rows fetched per model on SQLite before ranking in Python (the page shows fewer).
FALLBACK_CANDIDATES = 60

NOT_WORD = re.compile(r"[^0-9a-z]+")


def normalise(text: str) -> str:
    """Lower case, accents dropped, every run of other characters one space: "Kartå-Sura!"
    -> "karta sura"."""
    decomposed = unicodedata.normalize("NFKD", text)
    ascii_text = decomposed.encode("ascii", "ignore").decode("ascii").lower()
    return NOT_WORD.sub(" ", ascii_text).strip()


@dataclass(frozen=True)
class Terms:
    """The visitor's query, normalised: `text` ("batik tulis"), `words` and `compact`
    ("batiktulis", for names typed without their spaces)."""

    text: str
    words: tuple[str, ...]

    @classmethod
    def of(cls, query: str) -> Terms:
        text = normalise(query)
        words = tuple(w for w in text.split() if len(w) >= MIN_WORD)[:MAX_WORDS]
        return cls(text=text, words=words)

    @property
    def compact(self) -> str:
        return self.text.replace(" ", "")

    def __bool__(self) -> bool:
        return bool(self.text)

    def tsquery(self) -> str:
        """A raw tsquery of every word as a prefix ("batik:* & tulis:*"); words are [0-9a-z]
        only (normalise), so nothing in them is tsquery syntax."""
        return " & ".join(f"{word}:*" for word in self.words or (self.compact,))


def on_postgresql() -> bool:
    return connection.vendor == "postgresql"


def match(
    queryset: QuerySet,
    terms: Terms,
    *,
    name: str,
    text: tuple[str, ...] = (),
    also: Q | None = None,
) -> QuerySet:
    """`queryset` narrowed to rows whose `name` field (or `text` fields) match `terms`, or that
    `also` selects, annotated with `search_rank` and ordered by it (best first; on SQLite only
    roughly: `rank_rows` finishes the order)."""
    if on_postgresql():
        found = _match_postgresql(queryset, terms, name=name, text=text)
    else:
        found = _match_fallback(queryset, terms, name=name, text=text)
    matches, rank = found
    if also is not None:
        matches |= also
    return queryset.filter(matches).annotate(search_rank=rank).order_by("-search_rank", "pk")


def document(*fields: str):
    """The full-text document of `fields` with the 'simple' configuration. The GIN indexes of
    the migrations are on this very expression, `to_tsvector('simple'::regconfig,
    COALESCE(a, '') || ' ' || COALESCE(b, ''))`, so that the planner uses them (checked with
    EXPLAIN in tests/portal/test_search.py)."""
    from django.contrib.postgres.search import SearchVector

    return SearchVector(*fields, config="simple")


# A query this long or longer also matches names alike as a whole (pg_trgm's `%`: a typo, a
# missing space). A shorter one has too few trigrams for that: in a city with 10,000 articles
# "sari" made the trigram index offer 2,094 titles that share "sar" or "ari", each of them
# rechecked with its whole full-text document, 220 ms; word similarity (`%>`) and the substring
# still find it (8 titles).
WHOLE_NAME_SIMILAR_FROM = 6


def _match_postgresql(queryset, terms, *, name, text):
    # Lookups as expressions: django.contrib.postgres is not an installed app (its lookups are
    # registered only then), and nothing else needs it.
    from django.contrib.postgres.lookups import TrigramSimilar, TrigramWordSimilar
    from django.contrib.postgres.search import (
        SearchQuery,
        SearchRank,
        SearchVectorExact,
        TrigramSimilarity,
        TrigramWordSimilarity,
    )

    upper = terms.text.upper()
    search_name = Upper(name)
    matches = Q(**{f"{name}__icontains": terms.text}) | Q(
        TrigramWordSimilar(search_name, Value(upper))
    )
    if len(upper) >= WHOLE_NAME_SIMILAR_FROM:
        matches |= Q(TrigramSimilar(search_name, Value(upper)))
    rank = Greatest(
        TrigramSimilarity(search_name, upper), TrigramWordSimilarity(upper, search_name)
    ) + _name_bonus(name, terms)
    if text:
        query = SearchQuery(terms.tsquery(), search_type="raw", config="simple")
        search_document = document(*text)
        matches |= Q(SearchVectorExact(search_document, query))
        rank = rank + SearchRank(search_document, query)
    return matches, rank


def _name_bonus(name: str, terms: Terms):
    """The exact name first, then names that begin with the query, then names holding it."""
    return Case(
        When(**{f"{name}__iexact": terms.text}, then=Value(1.0)),
        When(**{f"{name}__istartswith": terms.text}, then=Value(0.5)),
        When(**{f"{name}__icontains": terms.text}, then=Value(0.3)),
        default=Value(0.0),
        output_field=FloatField(),
    )


def _squeezed(field: str):
    """The field lower-cased without spaces, hyphens and dots (SQLite's fallback)."""
    value = Lower(field)
    for character in (" ", "-", "."):
        value = Replace(value, Value(character), Value(""), output_field=TextField())
    return value


def _match_fallback(queryset, terms, *, name, text):
    fields = tuple(dict.fromkeys((name, *text)))
    matches = [Q(**{f"{field}__icontains": terms.text}) for field in fields]
    matches += [Q(Contains(_squeezed(field), Value(terms.compact))) for field in fields]
    if terms.words:
        # Every word (its first letters) somewhere in the row's name or text.
        matches.append(
            reduce(
                and_,
                (
                    reduce(or_, (Q(**{f"{f}__icontains": word[:FALLBACK_PREFIX]}) for f in fields))
                    for word in terms.words
                ),
            )
        )
    return reduce(or_, matches), _name_bonus(name, terms)


def candidates(terms: Terms, limit: int) -> int:
    """How many rows to fetch for a page of `limit`: PostgreSQL's order is final; SQLite's
    candidates are ranked again by `rank_rows`."""
    return limit if on_postgresql() else max(limit, FALLBACK_CANDIDATES)


def rank_rows(rows: list, terms: Terms, *, name: str, limit: int) -> list:
    """The best `limit` rows (model instances or values() dicts): PostgreSQL ranked them
    already; SQLite's candidates are ranked here by their bonus plus how alike the name and the
    query are."""
    if on_postgresql():
        return rows[:limit]

    def field(row, key: str):
        return row[key] if isinstance(row, dict) else getattr(row, key)

    def score(row) -> float:
        own = normalise(field(row, name))
        alike = max(
            [difflib.SequenceMatcher(None, terms.text, own).ratio()]
            + [difflib.SequenceMatcher(None, terms.text, word).ratio() for word in own.split()]
        )
        return field(row, "search_rank") + alike

    return sorted(rows, key=score, reverse=True)[:limit]


# The indexes the migrations create (kelurahan 0012, umkm 0002, layanan 0013), here beside the
# expressions they must match. PostgreSQL only; pg_trgm is created by kelurahan 0002.


def trigram_index_sql(index: str, table: str, column: str) -> str:
    """A GIN trigram index on UPPER(column): serves `icontains` (UPPER(col::text) LIKE …) and
    the trigram operators on Upper(column) that `match` uses."""
    return (
        f"CREATE INDEX IF NOT EXISTS {index} ON {table} "
        f"USING gin ((UPPER({column}::text)) gin_trgm_ops)"
    )


def document_index_sql(index: str, table: str, columns: tuple[str, ...]) -> str:
    """A GIN index on the tsvector `document(*columns)` builds, spelt the same way."""
    joined = " || ' ' || ".join(f"COALESCE({column}, '')" for column in columns)
    return (
        f"CREATE INDEX IF NOT EXISTS {index} ON {table} "
        f"USING gin (to_tsvector('simple'::regconfig, {joined}))"
    )

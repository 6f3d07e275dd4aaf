"""The read side of search: the analysed search per language, and its bounded, ranked hits
``(id, score)`` that listings join (the statements are in ``resolvers.search.statements``)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import ColumnElement, Select, select

from resolvers.db import Database
from resolvers.pagination import PageArgs, decode_cursor
from resolvers.search.analysis import analyzer, language_of
from resolvers.search.models import search_language_t
from resolvers.search.query import Clause, Match, analyse, loosen, parse
from resolvers.search.statements import Variant, decode_hits, postgres_search, sqlite_search


@dataclass(frozen=True, slots=True)
class Hit:
    """A found article and its score (higher: more relevant)."""

    id: int
    score: float


def relevance_window(hits: list[Hit], args: PageArgs) -> list[Hit]:
    """The hits of one relevance-ordered page (plus the probe row), after or before the
    page's cursor, in fetch order (backward pages come reversed, as ``build_page`` expects)."""
    ordered = sorted(hits, key=lambda h: (h.score, h.id), reverse=True)
    if args.cursor is not None:
        value, row_id = decode_cursor(args.cursor, "RELEVANCE", float)
        if args.backward:
            ordered = [h for h in reversed(ordered) if (h.score, h.id) > (value, row_id)]
        else:
            ordered = [h for h in ordered if (h.score, h.id) < (value, row_id)]
    elif args.backward:
        ordered.reverse()
    return ordered[args.offset : args.offset + args.size + 1]


@dataclass(frozen=True, slots=True)
class AnalysedSearch:
    """What was typed, and per analyser language its analysed form (None: matches nothing)."""

    clauses: list[Clause]
    matches: dict[str, Match | None]

    def variants(self) -> list[Variant]:
        """One per distinct analysed form, in a stable order."""
        groups: dict[Match, Variant] = {}
        for lang, match in sorted(self.matches.items()):
            if match is None:
                continue
            if match in groups:
                groups[match].langs.append(lang)
            else:
                groups[match] = Variant(match, loosen(match), [lang])
        return list(groups.values())


async def analyse_search(db: Database, text_: str, locale: str | None) -> AnalysedSearch:
    clauses = parse(text_)
    if locale is not None:
        langs: Sequence[str] = [language_of(locale)]
    else:
        langs = [row[0] for row in await db.all(select(search_language_t.c.lang))]
    return AnalysedSearch(clauses, {lang: analyse(clauses, analyzer(lang)) for lang in langs})


@dataclass(frozen=True, slots=True)
class SearchHits:
    """The ranked hits of a search, and whether they are all of its matches: ``complete`` is
    false when the walk over the newest matches stopped at the candidate limit (``hits`` are
    then the matches among the newest ``limit`` articles that have every searched word)."""

    hits: list[Hit]
    complete: bool


def candidates(
    dialect: str, search: AnalysedSearch, conds: list[ColumnElement[bool]], limit: int
) -> Select[Any] | None:
    """The statement of a bounded search: one row ``(examined, ids, scores)`` (the hits, read
    with ``statements.decode_hits``); ``examined`` is how many of the newest articles
    with every searched word (``query.loosen``) passed ``conds`` (conditions on
    ``search_document``), at most ``limit``. None when the search cannot match anything."""
    variants = search.variants()
    if not variants:
        return None
    every_lang = len(variants) == 1 and len(variants[0].langs) == len(search.matches)
    if dialect == "sqlite":
        return sqlite_search(variants, every_lang, conds, limit)
    return postgres_search(variants, every_lang, conds, limit)


async def run_search(
    db: Database, search: AnalysedSearch, conds: list[ColumnElement[bool]], limit: int
) -> SearchHits:
    stmt = candidates(db.engine.dialect.name, search, conds, limit)
    if stmt is None:
        return SearchHits([], True)
    row: Any = (await db.all(stmt))[0]  # (examined, ids, scores)
    hits = list(map(Hit, *decode_hits(db.engine.dialect.name, row[1], row[2])))
    return SearchHits(hits, int(row[0] or 0) < limit)

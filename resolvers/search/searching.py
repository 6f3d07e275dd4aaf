"""The read side of search: the analysed search per language, and the bounded, ranked candidate
set ``(id, score)`` that listings join.

Candidates are the ``SearchGate.candidates`` newest visible matches (an index walk on FTS5, a
GIN bitmap scan on PostgreSQL); only they are ranked, on the stored document (bm25 on FTS5,
``ts_rank`` on the stored ``tsvector``). The score puts title matches before excerpt matches
before body matches, and breaks ties by recency: ``floor(rank * 10^4) + epoch / 10^10``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    String,
    and_,
    bindparam,
    case,
    cast,
    column,
    false,
    func,
    literal_column,
    or_,
    select,
    table,
    text,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.sql import Subquery

from resolvers.db import Database
from resolvers.models import search_document_t, search_language_t
from resolvers.pagination import PageArgs, decode_cursor
from resolvers.search.analysis import analyzer, language_of
from resolvers.search.query import Clause, Match, analyse, parse
from resolvers.search.render import field_needles, to_field_tsquery, to_fts5, to_tsquery

sd = search_document_t
fts = table("search_fts", column("rowid", Integer))

# bm25 column weights: title, excerpt, names, body, unstemmed words, language.
BM25 = "bm25(search_fts, 10.0, 4.0, 2.0, 1.0, 0.5, 0.0)"
RANK_SCALE = 10_000
RECENCY_SCALE = 1e10


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


# Points for the fields in which the whole search occurs: a title match outranks any
# excerpt match, which outranks a body-only match, whatever the term frequencies.
FIELD_POINTS = {"title": 4, "excerpt": 2, "meta": 1}


@dataclass(frozen=True, slots=True)
class Variant:
    """One backend expression, the analysed search it renders, and its languages."""

    expression: str
    match: Match
    langs: list[str]


@dataclass(frozen=True, slots=True)
class AnalysedSearch:
    """What was typed, and per analyser language its analysed form (None: matches nothing)."""

    clauses: list[Clause]
    matches: dict[str, Match | None]

    def variants(self, dialect: str) -> list[Variant]:
        """One per distinct backend expression."""
        render = to_fts5 if dialect == "sqlite" else to_tsquery
        groups: dict[str, Variant] = {}
        for lang, match in sorted(self.matches.items()):
            if match is None:
                continue
            expression = render(match)
            if expression in groups:
                groups[expression].langs.append(lang)
            else:
                groups[expression] = Variant(expression, match, [lang])
        return list(groups.values())


async def analyse_search(db: Database, text_: str, locale: str | None) -> AnalysedSearch:
    clauses = parse(text_)
    if locale is not None:
        langs: Sequence[str] = [language_of(locale)]
    else:
        langs = [row[0] for row in await db.all(select(search_language_t.c.lang))]
    return AnalysedSearch(clauses, {lang: analyse(clauses, analyzer(lang)) for lang in langs})


def _score(points: Any, rank: Any) -> ColumnElement[float]:
    """Field points, then the backend's rank squashed into [0, 1), then recency."""
    relevance = points + rank / (rank + 1.0)
    score: ColumnElement[float] = cast(func.floor(relevance * RANK_SCALE), Float) + (
        sd.c.recency / RECENCY_SCALE
    )
    return score.label("score")


def _per_language(variants: list[Variant], every_lang: bool, value: Any) -> Any:
    """``value(variant)`` for the document's language."""
    if every_lang:
        return value(variants[0])
    return case(*[(sd.c.lang.in_(v.langs), value(v)) for v in variants], else_=literal_column("0"))


def _sqlite_points(match: Match) -> Any:
    total: Any = literal_column("0")
    for field, points in FIELD_POINTS.items():
        padded: Any = literal_column(f"(' ' || search_fts.{field} || ' ')")
        groups = [
            or_(*[func.instr(padded, needle) > 0 for needle in needles])
            for needles in field_needles(match)
        ]
        total = total + case((and_(*groups), points), else_=0)
    return total


def _fts5_expression(variants: list[Variant], every_lang: bool) -> str:
    if every_lang:
        return variants[0].expression
    parts = []
    for v in variants:
        names = " OR ".join(f'"{lang}"' for lang in v.langs)
        parts.append(f"({{lang}} : ({names}) AND ({v.expression}))")
    return " OR ".join(parts)


def _sqlite(
    variants: list[Variant], every_lang: bool, conds: list[ColumnElement[bool]], limit: int
) -> Subquery:
    # One statement: FTS5 walks its index newest first (rowid = article id), the LIMIT stops
    # it, and bm25 and the field points are computed only for the rows it returns.
    expression = _fts5_expression(variants, every_lang)
    points = _per_language(variants, every_lang, lambda v: _sqlite_points(v.match))
    return (
        select(sd.c.id, _score(points, -literal_column(BM25, Float)))
        .select_from(fts.join(sd, sd.c.id == fts.c.rowid))
        .where(text("search_fts MATCH :search_match").bindparams(search_match=expression))
        .where(*conds)
        .order_by(fts.c.rowid.desc())
        .limit(limit)
        .subquery("search")
    )


class _Params:
    """Distinct bind parameter names for the tsquery literals of one statement."""

    def __init__(self) -> None:
        self.count = 0

    def tsquery(self, value: str) -> Any:
        self.count += 1
        return cast(bindparam(f"search_q{self.count}", value, type_=String), TSQUERY)


def _postgres(
    variants: list[Variant],
    every_lang: bool,
    conds: list[ColumnElement[bool]],
    limit: int,
) -> Subquery:
    vector = literal_column("search_document.vector", TSVECTOR)
    params = _Params()
    matched = []
    for v in variants:
        found = vector.op("@@")(params.tsquery(v.expression))
        matched.append(found if every_lang else and_(sd.c.lang.in_(v.langs), found))

    def points(v: Variant) -> Any:
        total: Any = literal_column("0")
        for field, value in FIELD_POINTS.items():
            query = params.tsquery(to_field_tsquery(v.match, field))
            total = total + case((vector.op("@@")(query), value), else_=0)
        return total

    def rank(v: Variant) -> Any:
        return func.ts_rank(vector, params.tsquery(v.expression))

    score = _score(
        _per_language(variants, every_lang, points), _per_language(variants, every_lang, rank)
    )
    # One level: a common word walks the primary key backwards and stops at the LIMIT (the
    # score is computed for the rows it returns); a rare one takes the GIN index.
    return (
        select(sd.c.id, score)
        .where(or_(*matched), *conds)
        .order_by(sd.c.id.desc())
        .limit(limit)
        .subquery("search")
    )


def candidates(
    dialect: str, search: AnalysedSearch, conds: list[ColumnElement[bool]], limit: int
) -> Subquery:
    """(id, score) of at most ``limit`` newest matching documents that pass ``conds``
    (conditions on ``search_document``)."""
    variants = search.variants(dialect)
    if not variants:
        nothing = select(sd.c.id, literal_column("0.0", Float).label("score")).where(false())
        return nothing.subquery("search")
    every_lang = len(variants) == 1 and len(variants[0].langs) == len(search.matches)
    if dialect == "sqlite":
        return _sqlite(variants, every_lang, conds, limit)
    return _postgres(variants, every_lang, conds, limit)

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
from resolvers.search.analysis import analyzer, language_of
from resolvers.search.query import Clause, Match, analyse, parse
from resolvers.search.render import to_fts5, to_tsquery

sd = search_document_t
fts = table("search_fts", column("rowid", Integer))

# bm25 column weights: title, excerpt, names, body, unstemmed words, language.
BM25 = "bm25(search_fts, 10.0, 4.0, 2.0, 1.0, 0.5, 0.0)"
RANK_SCALE = 10_000
RECENCY_SCALE = 1e10


@dataclass(frozen=True, slots=True)
class AnalysedSearch:
    """What was typed, and per analyser language its analysed form (None: matches nothing)."""

    clauses: list[Clause]
    matches: dict[str, Match | None]

    def by_rendering(self, dialect: str) -> list[tuple[str, list[str]]]:
        """(backend expression, languages it applies to), one per distinct expression."""
        render = to_fts5 if dialect == "sqlite" else to_tsquery
        groups: dict[str, list[str]] = {}
        for lang, match in sorted(self.matches.items()):
            if match is not None:
                groups.setdefault(render(match), []).append(lang)
        return list(groups.items())


async def analyse_search(db: Database, text_: str, locale: str | None) -> AnalysedSearch:
    clauses = parse(text_)
    if locale is not None:
        langs: Sequence[str] = [language_of(locale)]
    else:
        langs = [row[0] for row in await db.all(select(search_language_t.c.lang))]
    return AnalysedSearch(clauses, {lang: analyse(clauses, analyzer(lang)) for lang in langs})


def _score(rank: Any) -> ColumnElement[float]:
    score: ColumnElement[float] = cast(func.floor(rank * RANK_SCALE), Float) + (
        sd.c.recency / RECENCY_SCALE
    )
    return score.label("score")


def _fts5_expression(groups: list[tuple[str, list[str]]], every_lang: bool) -> str:
    if every_lang:
        return groups[0][0]
    parts = []
    for expr, langs in groups:
        names = " OR ".join(f'"{lang}"' for lang in langs)
        parts.append(f"({{lang}} : ({names}) AND ({expr}))")
    return " OR ".join(parts)


def _sqlite(expression: str, conds: list[ColumnElement[bool]], limit: int) -> Subquery:
    # One statement: FTS5 walks its index newest first (rowid = article id), the LIMIT stops
    # it, and bm25 is computed only for the rows it returns.
    return (
        select(sd.c.id, _score(-literal_column(BM25, Float)))
        .select_from(fts.join(sd, sd.c.id == fts.c.rowid))
        .where(text("search_fts MATCH :search_match").bindparams(search_match=expression))
        .where(*conds)
        .order_by(fts.c.rowid.desc())
        .limit(limit)
        .subquery("search")
    )


def _postgres(
    groups: list[tuple[str, list[str]]],
    every_lang: bool,
    conds: list[ColumnElement[bool]],
    limit: int,
) -> Subquery:
    vector = literal_column("search_document.vector", TSVECTOR)
    queries = [
        (cast(bindparam(f"search_q{i}", expr, type_=String), TSQUERY), langs)
        for i, (expr, langs) in enumerate(groups)
    ]
    matched = [
        vector.op("@@")(q) if every_lang else and_(sd.c.lang.in_(langs), vector.op("@@")(q))
        for q, langs in queries
    ]
    ids = (
        select(sd.c.id)
        .where(or_(*matched), *conds)
        .order_by(sd.c.id.desc())
        .limit(limit)
        .subquery("candidate")
    )
    # Ranked after the LIMIT: ts_rank reads (and detoasts) only the candidates' vectors.
    if len(queries) == 1:
        rank: Any = func.ts_rank(vector, queries[0][0])
    else:
        rank = case(
            *[(sd.c.lang.in_(langs), func.ts_rank(vector, q)) for q, langs in queries],
            else_=0.0,
        )
    return select(sd.c.id, _score(rank)).join_from(ids, sd, sd.c.id == ids.c.id).subquery("search")


def candidates(
    dialect: str, search: AnalysedSearch, conds: list[ColumnElement[bool]], limit: int
) -> Subquery:
    """(id, score) of at most ``limit`` newest matching documents that pass ``conds``
    (conditions on ``search_document``)."""
    groups = search.by_rendering(dialect)
    if not groups:
        nothing = select(sd.c.id, literal_column("0.0", Float).label("score")).where(false())
        return nothing.subquery("search")
    every_lang = len(groups) == 1 and len(groups[0][1]) == len(search.matches)
    if dialect == "sqlite":
        return _sqlite(_fts5_expression(groups, every_lang), conds, limit)
    return _postgres(groups, every_lang, conds, limit)

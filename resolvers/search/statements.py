"""The bounded search statement, one per backend, both in three steps:

1. **Window**: the newest ``limit`` visible articles that have every searched word, phrases as
   their words in any order, exclusions ignored (``query.loosen``): a walk over the index,
   newest first, that stops at the limit whatever the search (FTS5 walks its doclists by rowid;
   PostgreSQL walks the primary key backwards or takes the GIN index).
2. **Hits**: the articles of the window that match exactly (phrases, exclusions): at most
   ``limit`` word-position checks, never a walk to the end of the index.
3. **Rank** only the hits: field points (the whole search occurs in the title 4, the excerpt
   2, the author/category/tag names 1), then recency: ``points * 10^4 + epoch / 10^10``; the
   same on both backends, and so is the order. No bm25: FTS5 computes its document
   frequencies by reading each searched word's whole posting list, on every search.

On FTS5 the exact check and the field points come from the index (FTS5 queries over the
window's rowid range), never from reading the stored columns of every hit.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    ColumnElement,
    Float,
    Integer,
    Select,
    String,
    and_,
    bindparam,
    case,
    cast,
    column,
    func,
    literal_column,
    or_,
    select,
    table,
    true,
    union_all,
)
from sqlalchemy.dialects.postgresql import TSQUERY, TSVECTOR
from sqlalchemy.sql import visitors

from resolvers.search.models import search_document_t
from resolvers.search.query import Match
from resolvers.search.render import to_field_tsquery, to_fts5, to_tsquery

sd = search_document_t
fts = table("search_fts", column("rowid", Integer))

POINTS_SCALE = 10_000
RECENCY_SCALE = 1e10
# Points for the fields in which the whole search occurs: a title match outranks any
# excerpt match, which outranks a body-only match, whatever the term frequencies.
FIELD_POINTS = {"title": 4, "excerpt": 2, "meta": 1}


@dataclass(frozen=True, slots=True)
class Variant:
    """One analysed search and its languages: the exact form, and the bag-of-words form that
    bounds the walk over the newest matches (``query.loosen``)."""

    match: Match
    loose: Match
    langs: list[str]


def _score(points: Any, recency: Any) -> ColumnElement[float]:
    """Field points first, then recency (the same on both backends, so is the order)."""
    score: ColumnElement[float] = cast(points * POINTS_SCALE, Float) + recency / RECENCY_SCALE
    return score.label("score")


def _result(
    bounds: Any, window: Any, found: ColumnElement[bool], ids: Any, scores: Any
) -> Select[Any]:
    """One row: ``examined``, and the ids and scores of the hits (the window rows that are
    ``found``) aggregated in the same order (null without hits). One row to fetch and
    decode, not up to ``limit``: at 1,000 hits the rows cost more CPU than the search."""
    return select(func.max(bounds.c.examined), ids, scores).select_from(
        bounds.outerjoin(window, found)
    )


def decode_hits(dialect: str, ids: Any, scores: Any) -> tuple[list[int], list[float]]:
    """The ids and scores of ``_result``'s row: text lists on SQLite, arrays on PostgreSQL."""
    if ids is None:
        return [], []
    if dialect == "sqlite":
        return list(map(int, ids.split(","))), list(map(float, scores.split(",")))
    return ids, scores


def _per_language(
    variants: list[Variant], every_lang: bool, lang: Any, value: Callable[[Variant], Any]
) -> Any:
    """``value(variant)`` for the document's language (0 for a language with none)."""
    if every_lang:
        return value(variants[0])
    return case(*[(lang.in_(v.langs), value(v)) for v in variants], else_=literal_column("0"))


# SQLite: FTS5 ----------------------------------------------------------------------------
# No FTS5 expression filters on the ``lang`` column: that makes FTS5 read position lists of a
# word found in every document. Languages are told apart in SQL (``search_document.lang``).


def _matches(expression: str) -> ColumnElement[bool]:
    return literal_column("search_fts").op("MATCH")(bindparam(None, expression, String))


def _in_field(field: str, match: Match) -> str:
    """Every required part within one column (nested FTS5 column filters intersect)."""
    return f"{{{field}}} : ({to_fts5(Match(match.required, ()))})"


def sqlite_search(
    variants: list[Variant], every_lang: bool, conds: list[ColumnElement[bool]], limit: int
) -> Select[Any]:
    # FTS5 walks its index newest first (rowid = article id) and the LIMIT stops it; with
    # several loose forms (languages), one walk each, merged newest first.
    walks: dict[str, list[str]] = {}
    for v in variants:
        walks.setdefault(to_fts5(v.loose), []).extend(v.langs)
    arms = []
    for expression, langs in walks.items():
        arm = (
            select(fts.c.rowid.label("id"), sd.c.lang, sd.c.recency)
            .select_from(fts.join(sd, sd.c.id == fts.c.rowid))
            .where(_matches(expression), *conds)
        )
        arms.append(arm if every_lang else arm.where(sd.c.lang.in_(langs)))
    newest: Any
    if len(arms) == 1:
        newest = arms[0].order_by(fts.c.rowid.desc())
    else:
        newest = union_all(*arms).order_by(literal_column("id").desc())
    window = newest.limit(limit).cte("search_window").prefix_with("MATERIALIZED")
    bounds = select(
        func.coalesce(func.min(window.c.id), 0).label("low"), func.count().label("examined")
    ).cte("search_bounds")
    low = select(bounds.c.low).scalar_subquery()

    def in_range(expression: str) -> ColumnElement[bool]:
        # The window's rowid range holds exactly the window's articles among those that
        # pass ``conds`` and have every word: an FTS5 query over that range (it seeks to its
        # start, ``rowid >=`` is an index constraint) checks only the window's articles.
        found: ColumnElement[bool] = window.c.id.in_(
            select(fts.c.rowid).where(_matches(expression), fts.c.rowid >= low)
        )
        return found

    def exact(v: Variant) -> Any:
        return true() if v.match == v.loose else in_range(to_fts5(v.match))

    found: Any = true()
    if any(v.match != v.loose for v in variants):
        found = _per_language(variants, every_lang, window.c.lang, exact)
    points: Any = literal_column("0")
    for field, value in FIELD_POINTS.items():

        def in_field(v: Variant, field: str = field, value: int = value) -> Any:
            return case((in_range(_in_field(field, v.match)), value), else_=0)

        points = points + _per_language(variants, every_lang, window.c.lang, in_field)
    # 17 significant digits: the text of a score reads back as exactly the same float.
    score = func.printf("%.17g", _score(points, window.c.recency))
    return _result(bounds, window, found, func.group_concat(window.c.id), func.group_concat(score))


# PostgreSQL: the stored tsvector -----------------------------------------------------------


# Every value of the PostgreSQL search statement is rendered into its text (quoted literals;
# the tokens are letters and digits, the quoting is ``render``'s and the dialect's): with a
# bound value the driver's prepared statement runs on a generic plan after five runs, planned
# without the value. Measured at 100,000 articles: a common word took 600+ ms with a generic
# plan (a bound tsquery: the GIN bitmap), a rare word 43 ms (a bound ``now`` and limit:
# ``published_at <= $1`` guessed at a third of the rows, so a BitmapAnd with the
# status/publication index reading 84,000 entries) or 890 ms (the primary key walked through
# 74,000 rows) instead of 3 ms with plans made for the values.


def _tsquery(value: str) -> Any:
    return cast(bindparam(None, value, String, literal_execute=True), TSQUERY)


def _inline(bind: Any) -> None:
    bind.literal_execute = True


def _with_values_inline(condition: ColumnElement[bool]) -> ColumnElement[bool]:
    """A copy of ``condition`` (visibility, filters) whose bound values are rendered inline."""
    inlined: ColumnElement[bool] = visitors.cloned_traverse(condition, {}, {"bindparam": _inline})
    return inlined


def postgres_search(
    variants: list[Variant], every_lang: bool, conds: list[ColumnElement[bool]], limit: int
) -> Select[Any]:
    vector = literal_column("search_document.vector", TSVECTOR)

    def matched(form: Callable[[Variant], Match]) -> ColumnElement[bool]:
        found = [vector.op("@@")(_tsquery(to_tsquery(form(v)))) for v in variants]
        if every_lang:
            return found[0]
        return or_(*[and_(sd.c.lang.in_(v.langs), f) for v, f in zip(variants, found, strict=True)])

    def points(v: Variant) -> Any:
        total: Any = literal_column("0")
        for field, value in FIELD_POINTS.items():
            query = _tsquery(to_field_tsquery(v.match, field))
            total = total + case((vector.op("@@")(query), value), else_=0)
        return total

    exact: Any = true()
    if any(v.match != v.loose for v in variants):
        exact = matched(lambda v: v.match)
    # Materialised: planned on its own (the primary key walked backwards for a common word,
    # the GIN index for a rare one); the exact check and the points are computed for the rows
    # it returns, from the row it has read (no second visit to the table).
    score = _score(_per_language(variants, every_lang, sd.c.lang, points), sd.c.recency)
    window = (
        select(sd.c.id, score, exact.label("exact"))
        .where(matched(lambda v: v.loose), *[_with_values_inline(c) for c in conds])
        .order_by(sd.c.id.desc())
        .limit(literal_column(str(int(limit))))
        .cte("search_window")
        .prefix_with("MATERIALIZED")
    )
    bounds = select(func.count().label("examined")).select_from(window).cte("search_bounds")

    def aggregate(value: Any) -> Any:
        # Without hits the outer join's one row has a null id: no array (null), not [null].
        return func.array_agg(value).filter(window.c.id.is_not(None))

    return _result(
        bounds, window, window.c.exact, aggregate(window.c.id), aggregate(window.c.score)
    )

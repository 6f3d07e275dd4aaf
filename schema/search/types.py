"""The `search` root field: ranked articles with marked words, a count and facets."""

from __future__ import annotations

import dataclasses
from typing import Annotated, Any

import strawberry

from resolvers.content import articles as article_queries
from resolvers.errors import UserInputError
from resolvers.search.analysis import analyzer, language_of
from resolvers.search.facets import Facets, search_facets
from resolvers.search.highlight import Highlighter, Marker
from resolvers.search.query import analyse
from resolvers.search.searching import AnalysedSearch, Hit
from resolvers.seo.loaders import prime_extras
from resolvers.site import plain_text
from schema.content.article import ArticleFilter, to_filter
from schema.content.locales import ArticlesLocaleArg, filter_in_locale
from schema.content.nodes import Article
from schema.context import Info
from schema.relay import After, Before, First, Last, PageInfo

MAX_SNIPPET = 1000


@strawberry.type(description="A search result's title and excerpt as HTML: text escaped, the "
                 "words that matched inside <mark>.")  # fmt: skip
class SearchHighlights:
    title: str = strawberry.field(description="The title, escaped, matches in <mark>.")
    excerpt: str | None = strawberry.field(
        description="The excerpt, escaped, matches in <mark> (null without an excerpt)."
    )


@strawberry.type(description="One article found by a search.")
class SearchResult:
    article: Article = strawberry.field(description="The article.")
    score: float = strawberry.field(
        description="Relevance: higher is better; only meaningful within one search."
    )
    highlights: SearchHighlights = strawberry.field(description="Title and excerpt, marked.")
    excerpt: strawberry.Private[str | None]
    body: strawberry.Private[str]
    highlighter: strawberry.Private[Highlighter]
    default_length: strawberry.Private[int]

    @strawberry.field(
        description="A fragment of the excerpt and body text around the first match, escaped, "
        "matches in <mark>, cut at words with … where cut."
    )
    def snippet(
        self,
        length: Annotated[
            int | None,
            strawberry.argument(
                description="Fragment length in characters (20-1000); default: the "
                "server's GATEWAY_SEARCH_SNIPPET_LENGTH."
            ),
        ] = None,
    ) -> str:
        size = self.default_length if length is None else length
        if not 20 <= size <= MAX_SNIPPET:
            raise UserInputError(f"`length` must be between 20 and {MAX_SNIPPET} (got {size}).")
        # The body's text only for the results whose snippet is asked for.
        text = " ".join(filter(None, [self.excerpt, plain_text(self.body)]))
        return self.highlighter.snippet(text, size)


@strawberry.type(description="How many results have one category, tag or author.")
class FacetCount:
    slug: str = strawberry.field(description="The value's slug (use it in `filter`).")
    name: str = strawberry.field(description="The value's display name.")
    count: int = strawberry.field(description="Results with this value.")


@strawberry.type(description="How many results were published in one year.")
class YearCount:
    year: int = strawberry.field(description="The year (UTC).")
    count: int = strawberry.field(description="Results published in it.")


@strawberry.type(description="Counts of the search's results per value, most frequent first "
                 "(at most 20 values each).")  # fmt: skip
class SearchFacets:
    categories: list[FacetCount] = strawberry.field(description="Per category.")
    tags: list[FacetCount] = strawberry.field(description="Per tag.")
    authors: list[FacetCount] = strawberry.field(description="Per author.")
    years: list[YearCount] = strawberry.field(description="Per publication year, newest first.")

    @classmethod
    def of(cls, facets: Facets) -> SearchFacets:
        def values(items: Any) -> list[FacetCount]:
            return [FacetCount(slug=v.slug, name=v.name, count=v.count) for v in items]

        return cls(
            categories=values(facets.categories),
            tags=values(facets.tags),
            authors=values(facets.authors),
            years=[YearCount(year=y, count=n) for y, n in facets.years],
        )


@strawberry.type(description="A search result with its cursor.")
class SearchResultEdge:
    cursor: str = strawberry.field(description="Opaque cursor for `after` / `before`.")
    node: SearchResult = strawberry.field(description="The result.")


@strawberry.type(description="One page of search results, best first.")
class SearchResultConnection:
    edges: list[SearchResultEdge] = strawberry.field(
        description="Results of this page with cursors."
    )
    nodes: list[SearchResult] = strawberry.field(description="Results of this page.")
    page_info: PageInfo = strawberry.field(description="Pagination state.")
    total_count: int = strawberry.field(
        description="Number of results. A search looks at most at the GATEWAY_SEARCH_CANDIDATES "
        "newest articles that contain all its words (see `totalCountIsExact`), so this is at "
        "most that."
    )
    total_count_is_exact: bool = strawberry.field(
        description="False when the search stopped at GATEWAY_SEARCH_CANDIDATES articles "
        "with all its words: older matches exist or may exist, `totalCount` and `facets` "
        "count only the results among those newest articles. See docs/search.md."
    )
    hit_ids: strawberry.Private[list[int]]

    @strawberry.field(description="Counts per category, tag, author and year of all results.")
    async def facets(self, info: Info) -> SearchFacets:
        return SearchFacets.of(await search_facets(info.context.db, self.hit_ids))


def _result(info: Info, row: Any, analysed: AnalysedSearch, hit: Hit) -> SearchResult:
    lang = language_of(row.locale)
    match = analysed.matches.get(lang) or analyse(analysed.clauses, analyzer(lang))
    highlighter = Highlighter(Marker.of(match), analyzer(lang))
    return SearchResult(
        article=Article.from_row(row, info),
        score=hit.score,
        highlights=SearchHighlights(
            title=highlighter.title(row.title),
            excerpt=highlighter.title(row.excerpt) if row.excerpt else None,
        ),
        excerpt=row.excerpt,
        body=row.body or "",
        highlighter=highlighter,
        default_length=info.context.snippet_length,
    )


@strawberry.type
class SearchQuery:
    @strawberry.field(
        description='Search published articles: words (all must match), "exact phrase", '
        "-exclude, a OR b, prefix*; stemmed per article language, case and accents ignored. "
        "Best match first (title, then excerpt, then body; newer first among equals). "
        "See docs/search.md."
    )
    async def search(
        self,
        info: Info,
        query: Annotated[str, strawberry.argument(description="What the reader typed.")],
        first: First = 10,
        after: After = None,
        last: Last = None,
        before: Before = None,
        filter: Annotated[  # the contract names it `filter`
            ArticleFilter | None,
            strawberry.argument(description="Only results matching all given conditions."),
        ] = None,
        locale: ArticlesLocaleArg = None,
    ) -> SearchResultConnection:
        if filter is not None and filter.search is not None:
            raise UserInputError("Pass the search text as `query`, not as `filter.search`.")
        ctx = info.context
        flt = dataclasses.replace(filter_in_locale(info, to_filter(filter), locale), search=query)
        analysed, found = await article_queries.search_hits(
            ctx.db, ctx.viewer, ctx.now, flt, ctx.search_gate
        )
        hits = found.hits
        page, _ = await article_queries.list_articles(
            ctx.db, ctx.viewer, ctx.now, flt, None, None, ctx.page(first, after, last, before),
            extras=frozenset({"body"}), tags=ctx.tags, hits=hits,
        )  # fmt: skip
        prime_extras(page.rows, ctx.loaders.body_by_article_id, ctx.loaders.seo_meta_by_entity)
        by_id = {h.id: h for h in hits}
        nodes = [_result(info, row, analysed, by_id[row.id]) for row in page.rows]
        return SearchResultConnection(
            edges=[
                SearchResultEdge(cursor=c, node=n) for c, n in zip(page.cursors, nodes, strict=True)
            ],
            nodes=nodes,
            page_info=PageInfo.from_page(page),
            total_count=len(hits),
            total_count_is_exact=found.complete,
            hit_ids=[h.id for h in hits],
        )

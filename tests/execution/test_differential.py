"""Compiled plans and graphql-core answer every query byte for byte the same.

Two apps share one seeded database, one with ``GATEWAY_COMPILED_EXECUTION`` on and one with it
off, with pinned clocks and the same request ids. Every query operation of the project (tests,
examples, README/docs) and queries that hypothesis-graphql generates from the schema run on both,
anonymous and signed in, on SQLite and PostgreSQL: status, body and caching headers must match.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from graphql import parse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis_graphql import queries
from sqlalchemy import select

from bench.operations import ARTICLE_QUERY, HOME_QUERY
from resolvers.demo.seed import seed_content
from resolvers.models import article_t, author_t
from schema import build_schema
from tests.auth_support import add_token, bearer, gid
from tests.execution_support import (
    Case,
    Samples,
    app_client,
    corpus_texts,
    query_operations,
    variables_for,
)
from tests.support import SERVER_TIMING_DB, add_article, add_author, add_seo, add_term, ago, ahead

# A generous execution timeout: on a loaded machine a 504 on one side is not a difference.
MODULE_SETTINGS = {
    "response_cache": False,
    "cost_report": True,
    "rate_limit_budget": 0,
    "execution_timeout": 120.0,
}
SCHEMA = build_schema()
GRAPHQL_SCHEMA = SCHEMA._schema


@pytest.fixture
async def samples(db: Any) -> Samples:
    await seed_content(db, authors=5, articles=40, seed=11)
    ada = await add_author(db, "Ada Differential")
    cat = await add_term(db, "category", "Diffs")
    tag = await add_term(db, "tag", "same")
    links = {"categories": [cat], "tags": [tag]}
    newest = await add_article(
        db, "Newest diff", authors=[ada], published_at=ago(minutes=1), **links
    )
    await add_seo(db, "article", newest, meta_title="Custom", robots_index=False)
    await add_article(db, "Draft diff", authors=[ada], status="draft", published_at=None, **links)
    await add_article(db, "Later diff", authors=[ada], published_at=ahead(days=2), **links)
    slug = await db.scalar(select(article_t.c.slug).where(article_t.c.id == newest))
    author_slug = await db.scalar(select(author_t.c.slug).where(author_t.c.id == ada))
    return Samples(
        article_slug=slug,
        author_slug=author_slug,
        category_slug="diffs",
        tag_slug="same",
        article_id=gid("Article", newest),
        author_id=gid("Author", ada),
        article_path=f"/articles/{slug}",
    )


@pytest.fixture
async def pair(
    settings: Any, samples: Samples
) -> AsyncIterator[tuple[httpx.AsyncClient, httpx.AsyncClient]]:
    now = datetime.now(UTC)
    compiled = settings.model_copy(update={"compiled_execution": True})
    plain = settings.model_copy(update={"compiled_execution": False})
    async with app_client(compiled, now) as a, app_client(plain, now) as b:
        yield a, b


async def run_both(
    pair: tuple[httpx.AsyncClient, httpx.AsyncClient],
    case: Case,
    headers: dict[str, str] | None,
    number: int,
) -> str:
    """Send ``case`` to both apps; assert identical answers; return the compiled app's path."""
    payload: dict[str, Any] = {"query": case.query}
    if case.variables is not None:
        payload["variables"] = case.variables
    if case.operation_name is not None:
        payload["operationName"] = case.operation_name
    answers = []
    for client in pair:
        request_headers = {"X-Request-ID": f"diff-{number}", **(headers or {})}
        answers.append(await client.post("/graphql", json=payload, headers=request_headers))
    compiled, plain = answers
    where = f"{case.source}: {case.query[:300]!r} {case.variables}"
    assert compiled.status_code == plain.status_code, where
    assert compiled.content == plain.content, where
    for header in ("cache-control", "surrogate-key", "etag"):  # caching and cache tags too
        assert compiled.headers.get(header) == plain.headers.get(header), (header, where)
    assert (
        'desc="graphql-core"' in plain.headers["server-timing"]
        or "execute" not in (plain.headers["server-timing"])
    )
    timing = compiled.headers["server-timing"]
    return "compiled" if "execute;" in timing and 'desc="compiled"' in timing else "graphql-core"


def corpus_cases(samples: Samples) -> list[Case]:
    seen: set[tuple[str, str | None]] = set()
    cases = []
    for where, text in corpus_texts():
        for name in query_operations(GRAPHQL_SCHEMA, text):
            if (text, name) in seen:
                continue
            seen.add((text, name))
            variables = variables_for(GRAPHQL_SCHEMA, parse(text), name, samples)
            if variables is not None:
                cases.append(Case(where, text, name, variables or None))
    return cases


async def test_every_shipped_and_tested_query_answers_the_same(pair, samples, db):
    editor = await add_token(db, "editor")
    cases = corpus_cases(samples)
    assert len(cases) > 100  # the corpus was found
    paths: Counter[str] = Counter()
    for number, case in enumerate(cases):
        for headers in (None, bearer(editor)):
            paths[await run_both(pair, case, headers, number)] += 1
    # Most of the corpus runs compiled (the rest: introspection, errors, unsupported fields).
    assert paths["compiled"] > paths["graphql-core"], paths


async def test_the_hot_pages_run_compiled_and_answer_the_same(pair, samples, db):
    editor = await add_token(db, "editor")
    home = Case("bench", HOME_QUERY, None)
    article = Case("bench", ARTICLE_QUERY, None, {"slug": samples.article_slug})
    for number, case in enumerate([home, article]):
        for headers in (None, bearer(editor)):
            assert await run_both(pair, case, headers, number) == "compiled"


def generated_queries(count: int) -> list[str]:
    """Queries hypothesis-graphql derives from the schema (deterministic for a schema)."""
    found: list[str] = []

    @given(queries(GRAPHQL_SCHEMA))
    @hypothesis_settings(
        max_examples=count,
        derandomize=True,
        database=None,
        deadline=None,
        suppress_health_check=list(HealthCheck),
    )
    def collect(query: Any) -> None:
        found.append(query if isinstance(query, str) else query.decode())

    collect()
    return list(dict.fromkeys(found))


async def test_generated_queries_answer_the_same(pair, db):
    editor = await add_token(db, "editor")
    generated = generated_queries(60)
    assert generated
    for number, query in enumerate(generated):
        for headers in (None, bearer(editor)):
            await run_both(pair, Case("hypothesis", query, None), headers, number)


@pytest.mark.parametrize("compiled", [True, False])
async def test_statements_stay_constant_in_page_size(settings, samples, compiled):
    query = HOME_QUERY.replace("first: 20", "first: $first").replace(
        "query HomePage {", "query HomePage($first: Int) {"
    )
    counts = []
    configured = settings.model_copy(update={"compiled_execution": compiled})
    async with app_client(configured, datetime.now(UTC)) as client:
        for first in (3, 20):
            response = await client.post(
                "/graphql", json={"query": query, "variables": {"first": first}}
            )
            nodes = response.json()["data"]["articles"]["nodes"]
            assert len(nodes) == first
            timing = response.headers["server-timing"]
            assert ('desc="compiled"' in timing) is compiled
            match = SERVER_TIMING_DB.search(timing)
            assert match is not None
            counts.append(int(match.group(1)))
    assert counts[0] == counts[1]


ARCHIVE_QUERY = """query($p: String!, $all: Boolean!) { route(path: $p, archivePages: $all) {
  __typename
  ... on ArchivePage { kind locale page totalPages path url category { slug name } tag { slug }
    author { slug name }
    articles { nodes { slug title path author { name } categories { slug } tags { slug }
                       seo { title canonicalUrl } }
      pageInfo { page perPage totalPages totalCount hasNextPage hasPreviousPage endCursor } }
    seo { title description canonicalUrl robots prevUrl nextUrl jsonLdScript
          openGraph { url locale } breadcrumbs { name url } feeds { url } } }
  ... on Site { name seo { prevUrl nextUrl } }
  ... on Category { slug seo { prevUrl nextUrl } }
  ... on Redirect { location statusCode }
  ... on NotFound { path statusCode } } }"""


async def test_archive_routes_answer_the_same(settings, samples, db):
    """Numbered and locale archive pages (route) on both paths, anonymous and signed in."""
    editor = await add_token(db, "editor")
    tuned = {"locales": ["de"], "archive_page_size": 3}
    now = datetime.now(UTC)
    compiled = settings.model_copy(update={"compiled_execution": True, **tuned})
    plain = settings.model_copy(update={"compiled_execution": False, **tuned})
    paths = [
        "/", "/page/2", "/page/1", "/page/0", "/page/x", "/page/999", "/de", "/de/page/2",
        "/fr", "/categories/diffs", "/categories/diffs/page/1", "/de/categories/diffs",
        "/tags/same/page/2", f"/authors/{samples.author_slug}/page/2", "/en/page/2",
    ]  # fmt: skip
    ran: Counter[str] = Counter()
    async with app_client(compiled, now) as a, app_client(plain, now) as b:
        for number, path in enumerate(paths):
            for everything in (False, True):
                case = Case("archives", ARCHIVE_QUERY, None, {"p": path, "all": everything})
                for headers in (None, bearer(editor)):
                    ran[await run_both((a, b), case, headers, number)] += 1
        for path in ("/page/2", "/de"):  # the corpus holds archive pages, not only misses
            body = (
                await a.post(
                    "/graphql",
                    json={"query": ARCHIVE_QUERY, "variables": {"p": path, "all": False}},
                )
            ).json()
            assert len(body["data"]["route"]["articles"]["nodes"]) == 3, body
    assert ran["compiled"] > 0, ran

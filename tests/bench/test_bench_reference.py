"""The benchmark's reference endpoint answers exactly what the gateway answers.

``make bench`` compares the gateway's throughput with ``bench/reference.py``; the ratio only means
something while both return the same JSON. These tests run both in-process over one seeded
database (no servers) and compare the bytes, including the SEO fallbacks the reference re-implements.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import orjson
import pytest
from sqlalchemy import func, select

from bench.operations import HOME_PAGE_SIZE, build_operations
from bench.reference import create_app as create_reference
from bench.reference_raw import create_app as create_raw_reference
from resolvers.access import ANONYMOUS, article_visible
from resolvers.db import now_utc
from resolvers.demo.seed import seed_content
from resolvers.models import article_author_t, article_t
from resolvers.site import cut_at_word, plain_text
from tests.live_server import lifespan
from tests.support import add_article, add_author, add_seo, add_term, ago, ahead

BODY = "<p>Plain <b>body</b> text &amp; more, " + "words " * 60 + "</p>"


@pytest.fixture(params=["sqlalchemy", "raw"])
async def reference(settings, request) -> AsyncIterator[httpx.AsyncClient]:
    """``bench/reference.py`` (SQLAlchemy Core text) and ``bench/reference_raw.py`` (driver)."""
    factory = create_reference if request.param == "sqlalchemy" else create_raw_reference
    app = factory(settings)
    async with lifespan(app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://reference") as c:
            yield c


@pytest.fixture
async def content(db) -> dict[str, Any]:
    """Seeded demo content, plus the newest articles hitting each SEO fallback."""
    await seed_content(db, authors=6, articles=60, seed=7)
    ada = await add_author(db, "Ada Bench", avatar_url=None)
    grace = await add_author(db, "Grace Bench", avatar_url="https://img.example.com/g.jpg")
    cat = await add_term(db, "category", "Benchmarks")
    tag = await add_term(db, "tag", "speed")
    links = {"categories": [cat], "tags": [tag]}
    await add_article(
        db, "No excerpt here", authors=[ada, grace], excerpt=None, body=BODY,
        published_at=ago(minutes=3), **links,
    )  # fmt: skip
    overridden = await add_article(
        db, "Overridden seo", authors=[grace], published_at=ago(minutes=4), **links
    )
    await add_seo(
        db, "article", overridden, meta_title="Custom title", meta_description="Custom text.",
        canonical_url="https://canonical.example.com/x", robots_index=False,
        robots_follow=False, robots_extra="noarchive",
    )  # fmt: skip
    hidden_meta = await add_article(
        db, "Meta without description", authors=[ada], excerpt="", body=BODY,
        published_at=ago(minutes=5), **links,
    )  # fmt: skip
    await add_seo(db, "article", hidden_meta, meta_title=None, robots_extra="nosnippet")
    # An excerpt that HTML-to-text would change: the gateway takes excerpts as plain text.
    await add_article(
        db, "Odd excerpt", authors=[grace], excerpt="Fish &amp; chips,  spaced <i>out</i> " * 9,
        published_at=ago(minutes=8), **links,
    )  # fmt: skip
    # Same slug in two locales: without a locale the site's default locale wins.
    for locale, author, minutes in (("de", ada, 6), ("en", grace, 7)):
        await add_article(
            db, "Twin", authors=[author], slug="twin", locale=locale,
            published_at=ago(minutes=minutes), **links,
        )  # fmt: skip
    await add_article(db, "Draft bench", authors=[ada], status="draft")
    await add_article(db, "Future bench", authors=[ada], published_at=ahead(days=1))
    return {}


async def both(client: httpx.AsyncClient, reference: httpx.AsyncClient, op: Any) -> Any:
    """Send the operation's exact request to both; assert byte-identical JSON and return it."""
    req = op.request
    gateway = await client.post(req.path, content=req.body, headers=req.headers)
    ref = await reference.post(req.path, content=req.body, headers=req.headers)
    assert gateway.status_code == ref.status_code == 200, (gateway.text, ref.text)
    assert orjson.loads(ref.content) == orjson.loads(gateway.content)
    assert ref.content == gateway.content  # the harness demands identical bytes too
    return orjson.loads(gateway.content)["data"]


async def test_home_page_matches_gateway(client, reference, content):
    data = await both(client, reference, build_operations("unused")["home"])
    nodes = data["articles"]["nodes"]
    assert len(nodes) == HOME_PAGE_SIZE
    by_title = {n["title"]: n for n in nodes}
    # The fallbacks were exercised, not just equal by being empty.
    assert by_title["No excerpt here"]["seo"]["description"] == cut_at_word(plain_text(BODY))
    assert by_title["No excerpt here"]["author"] == {
        "name": "Ada Bench",
        "slug": "ada-bench",
        "avatar": None,
    }
    assert by_title["Overridden seo"]["seo"] == {
        "title": "Custom title",
        "description": "Custom text.",
        "canonicalUrl": "https://canonical.example.com/x",
    }
    assert by_title["Meta without description"]["seo"]["title"] == (
        "Meta without description | Example News"
    )
    assert "Draft bench" not in by_title and "Future bench" not in by_title


async def picked_slug(db) -> str:
    """A seeded public article with several authors, as the harness picks one."""
    authors = (
        select(article_author_t.c.article_id)
        .group_by(article_author_t.c.article_id)
        .having(func.count() > 1)
    )
    row = await db.one_or_none(
        select(article_t.c.slug)
        .where(article_visible(ANONYMOUS, now_utc()), article_t.c.id.in_(authors))
        .order_by(article_t.c.published_at.desc())
        .limit(1)
    )
    return row.slug


@pytest.mark.parametrize(
    "slug",
    [
        "<seeded>",
        "no-excerpt-here",
        "overridden-seo",
        "meta-without-description",
        "twin",
        "odd-excerpt",
    ],
)
async def test_article_matches_gateway(client, reference, content, db, slug):
    if slug == "<seeded>":
        slug = await picked_slug(db)
    article = (await both(client, reference, build_operations(slug)["article"]))["article"]
    assert article is not None and article["slug"] == slug
    assert article["body"] and article["authors"] and article["categories"] and article["tags"]
    if slug == "overridden-seo":
        assert article["seo"]["robots"] == "noindex, nofollow, noarchive"
    if slug == "meta-without-description":
        assert article["seo"]["description"] == cut_at_word(plain_text(BODY))
        assert article["seo"]["robots"] == "index, follow, max-image-preview:large, nosnippet"
    if slug == "twin":
        assert article["authors"] == [{"name": "Grace Bench", "slug": "grace-bench"}]


@pytest.mark.parametrize("slug", ["draft-bench", "future-bench", "no-such-article"])
async def test_hidden_or_missing_article_is_null_in_both(client, reference, content, slug):
    data = await both(client, reference, build_operations(slug)["article"])
    assert data == {"article": None}


async def test_reference_refuses_other_documents(reference, content):
    response = await reference.post("/graphql", json={"query": "{ articles { nodes { id } } }"})
    assert response.status_code == 400
    assert response.json()["errors"][0]["extensions"]["code"] == "BAD_REQUEST"


async def _send(c: httpx.AsyncClient, req: Any) -> httpx.Response:
    return await c.request(req.method, req.path, content=req.body or None, headers=req.headers)


@pytest.mark.parametrize("name", ["home-cached", "home-apq-get", "home-304"])
async def test_cached_operations_match_gateway(client, reference, content, name):
    """The caching operations (issue 5): POST hits, persisted-query GETs, and the 304 path."""
    op = build_operations("unused")[name]
    for request in op.prime:
        assert (await _send(client, request)).status_code == 200
    gateway, ref = await _send(client, op.request), await _send(reference, op.request)
    assert gateway.status_code == ref.status_code == 200, (gateway.text, ref.text)
    assert gateway.content == ref.content
    assert 'desc="hit"' in gateway.headers["server-timing"]
    assert len(orjson.loads(gateway.content)["data"]["articles"]["nodes"]) == HOME_PAGE_SIZE
    if op.conditional:
        measured = op.with_etag(gateway.headers["etag"])
        assert (await _send(client, measured.request)).status_code == 304
        assert (await _send(reference, measured.request)).status_code == 200
        assert set(op.expected_status) == {200, 304}

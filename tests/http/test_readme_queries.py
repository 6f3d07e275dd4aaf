"""The queries README.md and docs/ show run as shown, under the default query limits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from sqlalchemy import select

from resolvers.models import author_t
from tests.auth_support import add_token, bearer, gid
from tests.support import add_article, add_author, add_seo, add_term, gql, ok

ROOT = Path(__file__).resolve().parents[2]
PAGES = [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]
BLOCKS = [b for page in PAGES for b in re.findall(r"```graphql\n(.*?)```", page.read_text(), re.S)]


def block(marker: str) -> str:
    found = [b for b in BLOCKS if marker in b]
    assert found, f"README.md and docs/ have no graphql block with {marker!r}"
    return found[0]


@pytest.fixture
async def content(db):
    author = await add_author(db, "Ada Lovelace")
    science = await add_term(db, "category", "Science")
    tag = await add_term(db, "tag", "python")
    article = await add_article(
        db, "The analytical engine", authors=[author], categories=[science], tags=[tag]
    )
    await add_seo(db, "article", article, meta_title="Engines")
    return article


@pytest.mark.parametrize(
    "path", ["/articles/the-analytical-engine", "/authors/ada-lovelace", "/", "/nowhere"]
)
async def test_page_query_from_the_head_section_runs_under_default_limits(client, content, path):
    data = ok(await gql(client, block("query Page("), {"path": path}))
    assert data["route"]["__typename"] in {"Article", "Author", "Site", "NotFound"}
    if path.startswith("/articles/"):
        assert data["route"]["seo"]["title"] == "Engines"
        assert data["route"]["seo"]["jsonLdScript"].startswith(("{", "["))


async def test_home_page_query_runs_under_default_limits(client, content):
    data = ok(await gql(client, block("query HomePage(")))
    assert data["articles"]["nodes"][0]["title"] == "The analytical engine"


async def test_tour_reads_newest_articles_and_routes_a_path(client, content):
    newest = ok(await gql(client, block("query Newest")))["articles"]
    assert newest["totalCount"] == 1
    [node] = newest["nodes"]
    assert node["path"] == "/articles/the-analytical-engine"
    assert node["seo"]["title"] == "Engines"
    route = ok(await gql(client, block("query Route("), {"path": node["path"]}))["route"]
    assert route["__typename"] == "Article" and route["title"] == "The analytical engine"


async def test_tour_draft_needs_a_token_and_stays_private(client, db, content):
    author = {"authorId": gid("Author", await author_id(db))}
    anonymous = await gql(client, block("mutation Draft"), author)
    assert anonymous.data is None or anonymous.data["createArticle"]["__typename"] != "ArticleSaved"
    token = await add_token(db, "editor", name="tour")
    saved = ok(await gql(client, block("mutation Draft"), author, headers=bearer(token)))[
        "createArticle"
    ]
    assert saved["__typename"] == "ArticleSaved"
    assert saved["article"]["status"] == "DRAFT"
    public = ok(await gql(client, block("query Newest")))["articles"]["nodes"]
    assert [n["title"] for n in public] == ["The analytical engine"]


async def author_id(db) -> int:
    return (await db.all(select(author_t.c.id)))[0].id

"""The queries the README shows run as shown, under the default query limits."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from tests.support import add_article, add_author, add_seo, add_term, gql, ok

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()
BLOCKS = re.findall(r"```graphql\n(.*?)```", README, re.S)


def block(marker: str) -> str:
    found = [b for b in BLOCKS if marker in b]
    assert found, f"README has no graphql block with {marker!r}"
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

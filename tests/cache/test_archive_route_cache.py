"""Cached archive pages from route(): a publish purges the archive's pages, NotFound
included (a page past the last appears once an article fills it)."""

from __future__ import annotations

import pytest

from tests.auth_support import add_token, bearer, gid
from tests.cache_support import backend_settings, cache_status, get
from tests.support import add_article, add_author, add_term, ago, gql, ok

MODULE_SETTINGS = {"archive_page_size": 1}
ROUTE = """query($p: String!) { route(path: $p) { __typename
  ... on ArchivePage { articles { nodes { slug } pageInfo { totalCount } } } } }"""
PUBLISH = """mutation($input: PublishArticleInput!) { publishArticle(input: $input) {
  __typename } }"""


@pytest.fixture
def settings_overrides(request: pytest.FixtureRequest):
    return backend_settings("memory", request)


async def test_publishing_purges_cached_archive_pages(client, db):
    ada = await add_author(db, "Ada Lovelace")
    science = await add_term(db, "category", "Science")
    links = {"authors": [ada], "categories": [science]}
    await add_article(db, "Engines", published_at=ago(hours=2), **links)
    await add_article(db, "Looms", published_at=ago(hours=3), **links)
    draft = await add_article(db, "Mills", status="draft", **links)
    editor = bearer(await add_token(db, "editor", name="desk"))

    second = await get(client, ROUTE, {"p": "/categories/science/page/2"})
    assert second.json()["data"]["route"]["articles"]["nodes"] == [{"slug": "looms"}]
    third = await get(client, ROUTE, {"p": "/categories/science/page/3"})
    assert third.json()["data"]["route"]["__typename"] == "NotFound"
    assert cache_status(await get(client, ROUTE, {"p": "/categories/science/page/2"})) == "hit"
    assert cache_status(await get(client, ROUTE, {"p": "/categories/science/page/3"})) == "hit"

    published = await gql(client, PUBLISH, {"input": {"id": gid("Article", draft)}}, headers=editor)
    assert ok(published)["publishArticle"]["__typename"] == "ArticleSaved"
    # Published now: the newest, so every page shifts by one.
    second = await get(client, ROUTE, {"p": "/categories/science/page/2"})
    assert second.json()["data"]["route"]["articles"]["nodes"] == [{"slug": "engines"}]
    third = await get(client, ROUTE, {"p": "/categories/science/page/3"})
    assert third.json()["data"]["route"]["articles"] == {
        "nodes": [{"slug": "looms"}],
        "pageInfo": {"totalCount": 3},
    }

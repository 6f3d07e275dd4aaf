"""Feeds and sitemaps: withdrawing or deleting a public article advances Last-Modified, so a
client revalidating with If-Modified-Since gets the new file, not a 304 that keeps the item."""

from __future__ import annotations

import pytest

from tests.auth_support import add_token, bearer, gid
from tests.support import add_article, add_author, ago, gql, ok

UNPUBLISH = """mutation($input: ArticleRefInput!) { unpublishArticle(input: $input) {
  __typename } }"""
DELETE = "mutation($input: ArticleRefInput!) { deleteArticle(input: $input) { __typename } }"


@pytest.fixture
async def content(db):
    # Everything dated in the past: Last-Modified has one-second resolution, and the
    # withdrawal below must be what moves it.
    ada = await add_author(db, "Ada", created_at=ago(hours=5), updated_at=ago(hours=5))
    old = await add_article(db, "Old piece", authors=[ada], published_at=ago(hours=3))
    new = await add_article(db, "New piece", authors=[ada], published_at=ago(hours=2))
    return {"old": old, "new": new, "editor": bearer(await add_token(db, "editor"))}


@pytest.mark.parametrize("path", ["/feed.xml", "/feed.atom", "/sitemap.xml"])
@pytest.mark.parametrize("mutation", [UNPUBLISH, DELETE])
async def test_withdrawal_moves_last_modified(client, content, path, mutation):
    first = await client.get(path)
    assert first.status_code == 200 and b"new-piece" in first.content
    since = {"If-Modified-Since": first.headers["last-modified"]}
    assert (await client.get(path, headers=since)).status_code == 304

    variables = {"input": {"id": gid("Article", content["new"])}}
    result = await gql(client, mutation, variables, headers=content["editor"])
    assert not next(iter(ok(result).values()))["__typename"].endswith("Error")

    again = await client.get(path, headers=since)
    assert again.status_code == 200
    assert b"new-piece" not in again.content and b"old-piece" in again.content
    assert (
        await client.get(path, headers={"If-Modified-Since": again.headers["last-modified"]})
    ).status_code == 304

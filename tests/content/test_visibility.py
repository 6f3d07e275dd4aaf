"""Drafts, scheduled and archived articles never reach anonymous viewers, on any path."""

from __future__ import annotations

import base64

import pytest

from tests.support import add_article_in_each_state, gql, ok


@pytest.fixture
async def content(db):
    return await add_article_in_each_state(db)


def gid(type_name: str, database_id: int) -> str:
    return base64.b64encode(f"{type_name}:{database_id}".encode()).decode()


async def test_single_lookups_hide_unpublished(client, content):
    for key in ("draft", "scheduled", "archived"):
        slug = f"{key}-zebra-story"
        data = ok(await gql(client, "query($s: String){ article(slug: $s) { id } }", {"s": slug}))
        assert data["article"] is None, key
        article_id = gid("Article", content[key])
        by_id = ok(await gql(client, "query($i: ID){ article(id: $i) { id } }", {"i": article_id}))
        assert by_id["article"] is None, key
        node = ok(await gql(client, "query($i: ID!){ node(id: $i) { id } }", {"i": article_id}))
        assert node["node"] is None, key
    public = ok(await gql(client, '{ article(slug: "public-zebra-story") { title status } }'))
    assert public["article"] == {"title": "Public zebra story", "status": "PUBLISHED"}


async def test_lists_counts_and_nested_connections_hide_unpublished(client, content):
    query = """{
      articles(first: 50) { totalCount nodes { title } }
      search: articles(filter: {search: "zebra"}) { totalCount nodes { title } }
      author(slug: "grace-hopper") { articles { totalCount nodes { title } } }
      category(slug: "science") { articles { totalCount nodes { title } } }
      tag(slug: "compilers") { articles { totalCount nodes { title } } }
    }"""
    data = ok(await gql(client, query))
    connections = [
        data["articles"],
        data["search"],
        data["author"]["articles"],
        data["category"]["articles"],
        data["tag"]["articles"],
    ]
    for connection in connections:
        assert connection == {"totalCount": 1, "nodes": [{"title": "Public zebra story"}]}, data

"""Out-of-range input is the client's mistake: BAD_USER_INPUT with a clear message, never a
masked INTERNAL_SERVER_ERROR (SQLite and PostgreSQL)."""

from __future__ import annotations

import base64

import pytest

from tests.support import add_article, add_author, gql

MODULE_SETTINGS = {"rate_limit_budget": 0}


def gid(type_name: str, raw: str) -> str:
    return base64.b64encode(f"{type_name}:{raw}".encode()).decode()


@pytest.fixture
async def content(db):
    ada = await add_author(db, "Ada")
    await add_article(db, "Engines", authors=[ada])


def assert_bad_input(result, *words: str) -> None:
    assert result.codes == ["BAD_USER_INPUT"], result.body
    message = result.body["errors"][0]["message"]
    for word in words:
        assert word in message, message


@pytest.mark.parametrize("raw", [str(2**63), str(2**64 + 5), "99999999999999999999999"])
async def test_huge_ids(client, content, raw):
    result = await gql(
        client, "query($id: ID!) { node(id: $id) { id } }", {"id": gid("Article", raw)}
    )
    assert_bad_input(result, "ID")
    result = await gql(
        client, "query($id: ID!) { article(id: $id) { title } }", {"id": gid("Article", raw)}
    )
    assert_bad_input(result, "ID")


@pytest.mark.parametrize("moment", ["0001-01-01T00:00:00+14:00", "9999-12-31T23:59:59-12:00"])
async def test_dates_beyond_the_calendar(client, content, moment):
    query = "query($d: DateTime!) { articles(filter: {publishedBefore: $d}) { nodes { slug } } }"
    assert_bad_input(await gql(client, query, {"d": moment}), "publishedBefore")
    query = "query($d: DateTime!) { sitemap(changedSince: $d) { totalCount } }"
    assert_bad_input(await gql(client, query, {"d": moment}), "changedSince")


async def test_page_size_beyond_a_32_bit_int(client, content):
    query = "query($n: Int!) { articles(first: $n) { nodes { slug } } }"
    result = await gql(client, query, {"n": 2**53})
    assert_bad_input(result)
    result = await gql(client, query, {"n": 101})
    assert_bad_input(result, "first")

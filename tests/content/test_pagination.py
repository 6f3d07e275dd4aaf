"""Keyset pagination: forward and backward, stable under equal timestamps, coded errors."""

from __future__ import annotations

import pytest

from tests.support import add_article, add_author, ago, gql, ok

PAGE = """query($first: Int, $after: String, $last: Int, $before: String, $order: ArticleOrder) {
  articles(first: $first, after: $after, last: $last, before: $before, orderBy: $order) {
    edges { cursor node { databaseId title } }
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor }
    totalCount
  }
}"""


@pytest.fixture
async def articles(db):
    author = await add_author(db, "Linus Torvalds")
    same_time = ago(days=2)
    ids = []
    # Seven articles share one timestamp: the id tie-breaker must keep pages stable.
    for i in range(7):
        ids.append(await add_article(db, f"Tie {i}", authors=[author], published_at=same_time))
    for i in range(5):
        ids.append(
            await add_article(db, f"Dated {i}", authors=[author], published_at=ago(hours=i + 1))
        )
    return ids


async def walk(client, variables, forward=True):
    seen, cursor, pages = [], None, 0
    while True:
        v = dict(variables)
        if forward:
            v["after"] = cursor
        else:
            v["before"] = cursor
        conn = ok(await gql(client, PAGE, v))["articles"]
        ids = [e["node"]["databaseId"] for e in conn["edges"]]
        seen = seen + ids if forward else ids + seen
        pages += 1
        info = conn["pageInfo"]
        more = info["hasNextPage"] if forward else info["hasPreviousPage"]
        if not more:
            return seen, pages
        cursor = info["endCursor"] if forward else info["startCursor"]
        assert pages < 50


async def test_forward_and_backward_walks_agree_without_gaps_or_duplicates(client, articles):
    forward, pages = await walk(client, {"first": 5})
    assert pages == 3
    assert sorted(forward) == sorted(articles)
    assert len(set(forward)) == len(forward)
    backward, _ = await walk(client, {"last": 5}, forward=False)
    assert backward == forward


async def test_newest_first_with_id_tiebreak(client, articles):
    conn = ok(await gql(client, PAGE, {"first": 100}))["articles"]
    titles = [e["node"]["title"] for e in conn["edges"]]
    assert titles[:5] == [f"Dated {i}" for i in range(5)]
    tie_ids = [e["node"]["databaseId"] for e in conn["edges"][5:]]
    assert tie_ids == sorted(tie_ids, reverse=True)
    assert conn["totalCount"] == 12
    assert conn["pageInfo"]["hasPreviousPage"] is False


async def test_order_by_title_both_directions(client, articles):
    asc = ok(await gql(client, PAGE, {"first": 3, "order": {"field": "TITLE"}}))["articles"]
    assert [e["node"]["title"] for e in asc["edges"]] == ["Dated 0", "Dated 1", "Dated 2"]
    desc_vars = {"first": 2, "order": {"field": "TITLE", "direction": "DESC"}}
    desc = ok(await gql(client, PAGE, desc_vars))["articles"]
    assert [e["node"]["title"] for e in desc["edges"]] == ["Tie 6", "Tie 5"]
    walked, _ = await walk(client, {"first": 4, "order": {"field": "TITLE"}})
    assert len(walked) == 12 and len(set(walked)) == 12


async def test_over_limit_first_is_a_coded_error(client, articles):
    result = await gql(client, PAGE, {"first": 101})
    assert result.codes == ["BAD_USER_INPUT"]
    assert "at most 100" in result.errors[0]["message"]
    assert result.data is None or result.data.get("articles") is None


@pytest.mark.parametrize(
    "cursor",
    ["not-a-cursor", "!!!", "eyJ4IjoxfQ", "WyJUSVRMRTpBU0MiLCJ4IiwxXQ"],
)
async def test_malformed_or_foreign_cursor_is_a_coded_error(client, articles, cursor):
    result = await gql(client, PAGE, {"first": 2, "after": cursor})
    assert result.codes == ["BAD_USER_INPUT"]
    assert "Invalid cursor" in result.errors[0]["message"]


async def test_negative_first_and_mixed_cursors_are_errors(client, articles):
    assert (await gql(client, PAGE, {"first": -1})).codes == ["BAD_USER_INPUT"]
    first = ok(await gql(client, PAGE, {"first": 2}))["articles"]["pageInfo"]["endCursor"]
    both = await gql(client, PAGE, {"first": 2, "after": first, "before": first})
    assert both.codes == ["BAD_USER_INPUT"]


async def test_authors_connection_pages_by_name(client, db):
    for name in ["Carol", "Alice", "Bob", "Dave"]:
        await add_author(db, name)
    query = """query($after: String) { authors(first: 2, after: $after) {
        nodes { name } pageInfo { hasNextPage endCursor } totalCount } }"""
    first = ok(await gql(client, query))["authors"]
    assert [n["name"] for n in first["nodes"]] == ["Alice", "Bob"]
    assert first["totalCount"] == 4
    second = ok(await gql(client, query, {"after": first["pageInfo"]["endCursor"]}))["authors"]
    assert [n["name"] for n in second["nodes"]] == ["Carol", "Dave"]
    assert second["pageInfo"]["hasNextPage"] is False


async def test_editors_page_through_drafts_without_gaps(client, db):
    from tests.auth_support import add_token, bearer

    author = await add_author(db, "Editor Subject")
    ids = [await add_article(db, f"Public {i}", authors=[author]) for i in range(3)]
    ids += [await add_article(db, f"Draft {i}", authors=[author], status="draft") for i in range(4)]
    headers = bearer(await add_token(db, "editor"))
    seen, cursor = [], None
    for _ in range(10):
        result = await gql(client, PAGE, {"first": 2, "after": cursor}, headers=headers)
        conn = ok(result)["articles"]
        seen += [e["node"]["databaseId"] for e in conn["edges"]]
        if not conn["pageInfo"]["hasNextPage"]:
            break
        cursor = conn["pageInfo"]["endCursor"]
    assert sorted(seen) == sorted(ids) and len(seen) == len(ids)
    nested = """query { author(slug: "editor-subject") { articles(first: 3) {
        totalCount pageInfo { hasNextPage endCursor } } } }"""
    first = ok(await gql(client, nested, headers=headers))["author"]["articles"]
    assert first["totalCount"] == 7 and first["pageInfo"]["hasNextPage"] is True


def test_a_page_encodes_its_cursors_only_when_asked_and_keeps_them_for_other_rows():
    """Cursors are encoded on first use (a list showing `nodes` only encodes none), the page
    info needs only the first and last, and the same page shown with other forms of its rows
    (translated ones) keeps the cursors of the rows it was read with."""
    from resolvers.pagination import Page

    encoded: list[int] = []

    def cursor_of(row: int) -> str:
        encoded.append(row)
        return f"c{row}"

    page = Page([1, 2, 3], True, False, cursor_of=cursor_of)
    assert encoded == []
    assert (page.cursor_at(0), page.cursor_at(-1)) == ("c1", "c3")
    assert encoded == [1, 3]
    assert page.cursors == ["c1", "c2", "c3"]
    shown = page.with_rows([10, 20, 30])
    assert shown.rows == [10, 20, 30]
    assert shown.cursors == ["c1", "c2", "c3"]
    assert (shown.has_next_page, shown.has_previous_page) == (True, False)
    assert Page([], False, False, cursor_of=cursor_of).cursor_at(0) is None
    with pytest.raises(TypeError):
        Page([1], False, False)

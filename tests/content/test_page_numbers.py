"""Archive pages by number: `articles(page:, perPage:)` with page totals, cursors still usable,
out-of-range and too deep pages refused with coded errors, the same on both backends."""

from __future__ import annotations

import pytest

from tests.support import add_article, add_author, ago, gql, ok

MODULE_SETTINGS = {"max_page_offset": 9}

PAGE = """query($page: Int, $per: Int, $q: String) {
  articles(page: $page, perPage: $per, filter: {search: $q}) {
    nodes { slug }
    pageInfo { page perPage totalPages totalCount hasNextPage hasPreviousPage endCursor } } }"""


@pytest.fixture
async def seven(db):
    author = await add_author(db, "Pager")
    for i in range(7):  # a1 is the newest
        await add_article(
            db, f"Pageable {i}", slug=f"a{i}", authors=[author], published_at=ago(days=i + 1)
        )


async def page(client, number, per=3, q=None):
    return await gql(client, PAGE, {"page": number, "per": per, "q": q})


async def test_numbered_pages_with_totals(client, seven):
    first = ok(await page(client, 1))["articles"]
    assert [n["slug"] for n in first["nodes"]] == ["a0", "a1", "a2"]
    assert first["pageInfo"] | {"endCursor": None} == {
        "page": 1, "perPage": 3, "totalPages": 3, "totalCount": 7,
        "hasNextPage": True, "hasPreviousPage": False, "endCursor": None,
    }  # fmt: skip
    last = ok(await page(client, 3))["articles"]
    assert [n["slug"] for n in last["nodes"]] == ["a6"]
    assert last["pageInfo"]["hasNextPage"] is False and last["pageInfo"]["hasPreviousPage"]
    # A numbered page's cursors continue with cursor pagination.
    after = first["pageInfo"]["endCursor"]
    more = ok(await gql(client, "query($a: String) { articles(first: 3, after: $a) "
                        "{ nodes { slug } } }", {"a": after}))  # fmt: skip
    assert [n["slug"] for n in more["articles"]["nodes"]] == ["a3", "a4", "a5"]


async def test_search_results_by_page_number(client, seven):
    second = ok(await page(client, 2, per=2, q="pageable"))["articles"]
    assert second["pageInfo"]["totalCount"] == 7 and second["pageInfo"]["totalPages"] == 4
    assert len(second["nodes"]) == 2


async def test_out_of_range_and_bad_page_arguments(client, seven):
    missing = await page(client, 4)
    assert missing.codes == ["NOT_FOUND"] and "no page 4" in missing.errors[0]["message"]
    deep = await page(client, 4, per=2)  # starts at row 6: allowed, and exists
    assert ok(deep)["articles"]["nodes"] == [{"slug": "a6"}]
    too_deep = await page(client, 6, per=2)  # starts at row 10 > GATEWAY_MAX_PAGE_OFFSET 9
    assert too_deep.codes == ["BAD_USER_INPUT"] and "cursors" in too_deep.errors[0]["message"]
    assert (await page(client, 0)).codes == ["BAD_USER_INPUT"]
    assert (await page(client, 1, per=101)).codes == ["BAD_USER_INPUT"]
    mixed = await gql(client, '{ articles(page: 1, after: "x") { totalCount } }')
    assert mixed.codes == ["BAD_USER_INPUT"]
    alone = await gql(client, "{ articles(perPage: 5) { totalCount } }")
    assert alone.codes == ["BAD_USER_INPUT"]


async def test_empty_list_has_one_empty_page(client, db):
    data = ok(await page(client, 1))["articles"]
    assert data["nodes"] == [] and data["pageInfo"]["totalPages"] == 1
    assert (await page(client, 2)).codes == ["NOT_FOUND"]

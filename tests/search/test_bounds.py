"""A search looks at most at the GATEWAY_SEARCH_CANDIDATES newest articles that have all its
words (phrases as words, exclusions ignored), and says when it stopped there: exclusions and
phrases of common words cost the same however many older articles have them."""

from __future__ import annotations

import pytest

from tests.support import add_article, add_author, gql, ok

MODULE_SETTINGS = {"search_candidates": 10}  # the smallest allowed

SEARCH = """query($q: String!) { search(query: $q, first: 20) {
  totalCount totalCountIsExact nodes { article { slug } } } }"""
LIST = """query($q: String!) { articles(first: 20, filter: {search: $q}) {
  totalCount nodes { slug } } }"""


@pytest.fixture
async def corpus(db):
    me = await add_author(db, "Bo Und")
    # Created in this order: the window of 10 is n0..n9 (the highest ids), all with "beta".
    await add_article(db, "Oldest", slug="oldest", authors=[me], body="<p>alpha gamma</p>")
    for i in range(10):
        body = "alpha beta" if i % 2 == 0 else "beta alpha"
        await add_article(db, f"N{i}", slug=f"n{i}", authors=[me], body=f"<p>{body}</p>")


EVEN = ["n0", "n2", "n4", "n6", "n8"]
ODD = ["n1", "n3", "n5", "n7", "n9"]


async def found(client, text):
    data = ok(await gql(client, SEARCH, {"q": text}))["search"]
    slugs = sorted(n["article"]["slug"] for n in data["nodes"])
    assert data["totalCount"] == len(slugs)
    return slugs, data["totalCountIsExact"]


async def test_common_words_stop_at_the_limit_and_say_so(client, corpus):
    assert await found(client, "alpha") == (sorted(EVEN + ODD), False)
    assert await found(client, "gamma") == (["oldest"], True)
    listed = ok(await gql(client, LIST, {"q": "alpha"}))["articles"]
    assert listed["totalCount"] == 10


async def test_exclusions_and_phrases_are_decided_within_the_window(client, corpus):
    # Every one of the 10 newest articles with "alpha" has "beta": the older match is not
    # looked for, and the count says it is not exact.
    assert await found(client, "alpha -beta") == ([], False)
    assert await found(client, '"alpha beta"') == (EVEN, False)
    assert await found(client, '"beta alpha"') == (ODD, False)
    # Fewer matches than the limit: the whole index was looked at.
    assert await found(client, "gamma -beta") == (["oldest"], True)


@pytest.mark.parametrize("settings_overrides", [{"search_candidates": 20}])
async def test_a_larger_limit_finds_the_older_matches(client, corpus):
    assert await found(client, "alpha -beta") == (["oldest"], True)
    assert await found(client, '"alpha beta"') == (EVEN, True)

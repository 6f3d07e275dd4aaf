"""Relevance on a hand-written English and German corpus: title before excerpt before body
(however often the body repeats the word), newer first among equals; RELEVANCE is the default
order of a search, and searches queue behind a per-process limit (SEARCH_BUSY)."""

from __future__ import annotations

import pytest

from tests.auth_support import serve
from tests.support import add_article, add_author, ago, gql, ok

MODULE_SETTINGS = {"search_max_concurrent": 1, "search_max_wait": 0.05}

SEARCH = """query($q: String!, $locale: String, $order: ArticleOrder) {
  articles(first: 20, filter: {search: $q, locale: $locale}, orderBy: $order) {
    nodes { slug } } }"""


@pytest.fixture
async def corpus(db):
    me = await add_author(db, "Rel Evance")

    async def add(slug, title, excerpt, body, locale="en", days=10):
        await add_article(
            db, title, slug=slug, authors=[me], excerpt=excerpt, body=f"<p>{body}</p>",
            locale=locale, published_at=ago(days=days),
        )  # fmt: skip

    await add("en-body", "River life", "Fish and birds.", "Otters " * 40, days=1)
    await add("en-excerpt", "River life too", "Otters hunt at dusk.", "Fish.", days=2)
    await add("en-title-old", "Otters of the north", "Cold rivers.", "Fish.", days=30)
    await add("en-title-new", "Otters of the north", "Cold rivers.", "Fish.", days=3)
    await add("en-none", "Beavers", "Dams.", "Wood and water.", days=1)
    await add("de-body", "Im Wald", "Ein Spaziergang.", "Bäume " * 30, "de", days=1)
    await add("de-excerpt", "Am Fluss", "Viele Bäume am Ufer.", "Wasser.", "de", days=2)
    await add("de-title", "Der Baum", "Ein Porträt.", "Holz.", "de", days=20)


async def ranked(client, text, locale=None, order=None):
    result = await gql(client, SEARCH, {"q": text, "locale": locale, "order": order})
    return [n["slug"] for n in ok(result)["articles"]["nodes"]]


async def test_title_beats_excerpt_beats_body_and_newer_wins_ties(client, corpus):
    assert await ranked(client, "otter") == [
        "en-title-new", "en-title-old", "en-excerpt", "en-body",
    ]  # fmt: skip
    assert await ranked(client, "otters", order={"field": "RELEVANCE"}) == await ranked(
        client, "otter"
    )


async def test_german_relevance_with_stemming_and_umlauts(client, corpus):
    assert await ranked(client, "Bäume", locale="de") == ["de-title", "de-excerpt", "de-body"]
    assert await ranked(client, "baum") == ["de-title", "de-excerpt", "de-body"]


async def test_other_orders_keep_the_search_result(client, corpus):
    newest = await ranked(client, "otter", order={"field": "PUBLISHED_AT"})
    assert newest == ["en-body", "en-excerpt", "en-title-new", "en-title-old"]


async def test_searches_queue_then_get_search_busy_while_reads_go_on(settings, corpus):
    async with serve(settings) as (app, client):
        async with app.state.search_gate.slot():  # the one search slot is taken
            busy = await gql(client, SEARCH, {"q": "otter", "locale": None, "order": None})
            assert busy.codes == ["SEARCH_BUSY"]
            assert "try again" in busy.errors[0]["message"]
            read = await gql(client, '{ article(slug: "en-body") { title } }')
            assert ok(read)["article"] == {"title": "River life"}
        assert await ranked(client, "beaver") == ["en-none"]

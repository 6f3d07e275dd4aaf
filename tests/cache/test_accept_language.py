"""Accept-Language over real HTTP: ignored (and absent from Vary and cache keys) by default;
with GATEWAY_LOCALE_FROM_ACCEPT_LANGUAGE it picks the locale, is in Vary, and the response
cache keeps one answer per negotiated locale."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from resolvers.content.locales.localized import negotiate
from resolvers.models import category_t
from tests.auth_support import add_token, bearer, gid
from tests.cache_support import backend_settings, cache_status, get
from tests.locale_support import SET, mutate
from tests.support import add_article, add_author, add_term

HOME = "query Home { articles(first: 10) { nodes { locale title categories { name } } } }"


@pytest.fixture(params=[False, True], ids=["header-ignored", "header-chooses"])
def from_header(request: pytest.FixtureRequest) -> bool:
    return bool(request.param)


@pytest.fixture
def settings_overrides(from_header: bool, request: pytest.FixtureRequest):
    return {
        **backend_settings("redis", request),
        "locales": ["de"],
        "locale_from_accept_language": from_header,
        "http_max_age": 30,
    }


@pytest.fixture
async def content(db):
    ada = await add_author(db, "Ada Lovelace")
    science = await add_term(db, "category", "Science")
    await add_article(db, "Quokkas", slug="quokkas", authors=[ada], categories=[science])
    await add_article(db, "Quokkas (de)", slug="quokkas", authors=[ada], categories=[science],
                      locale="de")  # fmt: skip


async def test_accept_language_and_the_response_cache(client, content, from_header):
    german = {"Accept-Language": "de-CH, de;q=0.9, en;q=0.5"}
    english = {"Accept-Language": "en-GB"}
    first = await get(client, HOME, headers=german)
    titles = {n["title"] for n in first.json()["data"]["articles"]["nodes"]}
    if not from_header:
        # never read: both locales listed, no Vary on it, one cache entry for all headers
        assert titles == {"Quokkas", "Quokkas (de)"}
        assert first.headers["vary"] == "Accept, Authorization"
        second = await get(client, HOME, headers=english)
        assert cache_status(second) == "hit" and second.content == first.content
        return
    assert titles == {"Quokkas (de)"}
    assert first.headers["vary"] == "Accept, Authorization, Accept-Language"
    assert cache_status(first) == "miss"
    other = await get(client, HOME, headers=english)
    assert cache_status(other) == "miss"  # another locale: another entry
    assert {n["title"] for n in other.json()["data"]["articles"]["nodes"]} == {"Quokkas"}
    # the same negotiated locale from a different header shares the entry
    again = await get(client, HOME, headers={"Accept-Language": "de"})
    assert cache_status(again) == "hit" and again.content == first.content
    assert again.headers["vary"] == "Accept, Authorization, Accept-Language"
    # an explicit locale wins over the header
    explicit = await get(client, '{ articles(locale: "en") { nodes { title } } }', headers=german)
    assert [n["title"] for n in explicit.json()["data"]["articles"]["nodes"]] == ["Quokkas"]


def test_negotiation_rules():
    served = ("en", "de", "de-at", "pt-br")
    assert negotiate("de-CH, en;q=0.8", served) == "de"
    assert negotiate("fr, en;q=0.1", served) == "en"
    assert negotiate("en;q=0.2, de-AT;q=0.9", served) == "de-at"
    assert negotiate("pt", served) == "pt-br"
    assert negotiate("fr, *;q=0.5", served) is None
    assert negotiate("de;q=0, en;q=x", served) is None
    assert negotiate("", served) is None and negotiate(None, served) is None


async def test_a_translation_write_purges_cached_answers(client, db, content):
    desk = bearer(await add_token(db, "editor", name="desk"))
    query = '{ category(slug: "science", locale: "de") { name path } }'
    before = await get(client, query)
    assert before.json()["data"]["category"] == {
        "name": "Science",
        "path": "/de/categories/science",
    }
    assert cache_status(await get(client, query)) == "hit"
    category = await db.scalar(select(category_t.c.id).where(category_t.c.slug == "science"))
    await mutate(client, desk, SET, {"id": gid("Category", category), "locale": "de",
                                     "name": "Wissenschaft"})  # fmt: skip
    after = await get(client, query)
    assert after.json()["data"]["category"] is None  # the own slug no longer names it in German
    found = await get(client, query.replace('"science"', '"wissenschaft"'))
    assert found.json()["data"]["category"]["name"] == "Wissenschaft"

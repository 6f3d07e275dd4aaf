"""Descriptions built from a body keep block boundaries and decode entities (meta, Open Graph,
Twitter, JSON-LD, feeds: one rule); og:locale is language_TERRITORY through a settings map."""

from __future__ import annotations

import feedparser
import pytest

from tests.support import add_article, add_author, gql, ok

MODULE_SETTINGS = {"max_query_depth": 10, "max_query_cost": 1_000_000, "rate_limit_budget": 0}
SEO = """query($s: String!, $l: String) { article(slug: $s, locale: $l) { seo {
  description openGraph { description locale } twitter { description }
  jsonLd { __typename ... on JsonLdArticle { description } } } } }"""
BODY = "<h2>Intro</h2><p>First.</p><ul><li>Alpha</li><li>Beta &amp; Gamma</li></ul>"
EXPECTED = "Intro First. Alpha Beta & Gamma"


async def seo(client, slug: str, locale: str | None = None) -> dict:
    data = ok(await gql(client, SEO, {"s": slug, "l": locale}))
    return data["article"]["seo"]


async def test_body_description_separates_blocks_everywhere(client, db):
    ada = await add_author(db, "Ada")
    await add_article(db, "Blocks", authors=[ada], body=BODY, excerpt=None)
    page = await seo(client, "blocks")
    assert page["description"] == EXPECTED
    assert page["openGraph"]["description"] == EXPECTED
    assert page["twitter"]["description"] == EXPECTED
    article_ld = next(n for n in page["jsonLd"] if n["__typename"] == "JsonLdArticle")
    assert article_ld["description"] == EXPECTED
    feed = feedparser.parse((await client.get("/feed.xml")).content)
    assert feed.entries[0].summary == EXPECTED


async def test_og_locale_is_language_and_territory(client, db):
    ada = await add_author(db, "Ada")
    await add_article(db, "Hello", authors=[ada], locale="en", translation_group="g1")
    await add_article(db, "Hallo", authors=[ada], locale="de", slug="hallo", translation_group="g1")
    await add_article(db, "Ola", authors=[ada], locale="pt-br", slug="ola")
    assert (await seo(client, "hello"))["openGraph"]["locale"] == "en_US"
    assert (await seo(client, "hallo", "de"))["openGraph"]["locale"] == "de_DE"
    assert (await seo(client, "ola", "pt-br"))["openGraph"]["locale"] == "pt_BR"


@pytest.mark.parametrize("settings_overrides", [{"seo_og_locales": {"en": "en_GB"}}])
async def test_og_locale_map_is_a_setting(client, db):
    ada = await add_author(db, "Ada")
    await add_article(db, "Hello", authors=[ada], locale="en")
    assert (await seo(client, "hello"))["openGraph"]["locale"] == "en_GB"

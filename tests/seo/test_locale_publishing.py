"""Sitemaps and feeds per locale: the sitemap index of a multi-locale site, each locale's
children with localized paths and hreflang alternates (articles, authors and terms), drafts
never listed; feeds per locale with their <language> and localized names."""

from __future__ import annotations

from pathlib import Path

import pytest
from lxml import etree

from tests.auth_support import add_token, bearer, gid
from tests.locale_support import SET, mutate
from tests.support import add_article, add_author, add_term, gql, ok

MODULE_SETTINGS = {"locales": ["de"]}
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9", "xhtml": "http://www.w3.org/1999/xhtml"}
SCHEMA = etree.XMLSchema(
    etree.parse(str(Path(__file__).resolve().parents[1] / "data" / "sitemap.xsd"))
)
BASE = "https://news.example.com"


def parse(response) -> etree._Element:
    assert response.status_code == 200, response.text
    doc = etree.fromstring(response.content)
    SCHEMA.assertValid(doc)
    return doc


@pytest.fixture
async def content(client, db):
    desk = bearer(await add_token(db, "editor", name="desk"))
    ada = await add_author(db, "Ada")
    science = await add_term(db, "category", "Science")
    drafts = await add_term(db, "category", "Drafts only")
    await mutate(client, desk, SET, {"id": gid("Category", science), "locale": "de",
                                     "name": "Wissenschaft"})  # fmt: skip
    await add_article(db, "Quokkas", slug="quokkas", authors=[ada], categories=[science],
                      translation_group="g1")  # fmt: skip
    await add_article(db, "Quokkas auf Deutsch", slug="quokkas-de", authors=[ada],
                      categories=[science], locale="de", translation_group="g1")  # fmt: skip
    await add_article(db, "Entwurf", slug="entwurf", authors=[ada], categories=[drafts],
                      locale="de", status="draft")  # fmt: skip


async def test_sitemap_index_per_locale(client, content):
    index = parse(await client.get("/sitemap.xml"))
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    children = index.xpath("//s:loc/text()", namespaces=NS)
    assert f"{BASE}/sitemaps/en/pages.xml" in children
    assert f"{BASE}/sitemaps/de/pages.xml" in children
    urls: dict[str, etree._Element] = {}
    for child in children:
        doc = parse(await client.get(child.removeprefix(BASE)))
        for url in doc.xpath("//s:url", namespaces=NS):
            urls[url.xpath("s:loc/text()", namespaces=NS)[0]] = url
    assert set(urls) == {
        f"{BASE}/",
        f"{BASE}/articles/quokkas",
        f"{BASE}/authors/ada",
        f"{BASE}/categories/science",
        f"{BASE}/de",
        f"{BASE}/de/articles/quokkas-de",
        f"{BASE}/de/authors/ada",
        f"{BASE}/de/categories/wissenschaft",
    }  # fmt: skip  (no draft, no category with drafts only, in either locale)
    alternates = {
        link.get("hreflang"): link.get("href")
        for link in urls[f"{BASE}/de/articles/quokkas-de"].xpath("xhtml:link", namespaces=NS)
    }
    assert alternates == {
        "de": f"{BASE}/de/articles/quokkas-de",
        "en": f"{BASE}/articles/quokkas",
        "x-default": f"{BASE}/articles/quokkas",
    }
    # Authors and terms link their translations as articles do; a page in a locale the
    # author/term has no translation in (Ada under /de) is no translation and links none.
    science = {
        "de": f"{BASE}/de/categories/wissenschaft",
        "en": f"{BASE}/categories/science",
        "x-default": f"{BASE}/categories/science",
    }
    for loc in (f"{BASE}/categories/science", f"{BASE}/de/categories/wissenschaft"):
        assert hreflang(urls[loc]) == science, loc
    assert hreflang(urls[f"{BASE}/authors/ada"]) == hreflang(urls[f"{BASE}/de/authors/ada"]) == {}
    # The locale home pages are one page in two languages.
    homes = {"en": f"{BASE}/", "de": f"{BASE}/de", "x-default": f"{BASE}/"}
    assert hreflang(urls[f"{BASE}/"]) == hreflang(urls[f"{BASE}/de"]) == homes
    assert (await client.get("/sitemaps/fr/pages.xml")).status_code == 404


def hreflang(url: etree._Element) -> dict[str, str]:
    return {
        link.get("hreflang"): link.get("href") for link in url.xpath("xhtml:link", namespaces=NS)
    }


async def test_sitemap_query_lists_term_alternates(client, content):
    q = """{ sitemap(first: 20, locale: "de") { nodes { loc alternates { hreflang url } } } }"""
    nodes = {n["loc"]: n for n in ok(await gql(client, q))["sitemap"]["nodes"]}
    got = nodes[f"{BASE}/de/categories/wissenschaft"]["alternates"]
    assert {a["hreflang"]: a["url"] for a in got} == {
        "de": f"{BASE}/de/categories/wissenschaft",
        "en": f"{BASE}/categories/science",
        "x-default": f"{BASE}/categories/science",
    }


async def test_sitemap_query_per_locale(client, content):
    q = """query($l: String) { sitemap(first: 20, locale: $l) { totalCount nodes { loc } } }"""
    de = ok(await gql(client, q, {"l": "de"}))["sitemap"]
    assert {n["loc"] for n in de["nodes"]} == {
        f"{BASE}/de", f"{BASE}/de/articles/quokkas-de", f"{BASE}/de/authors/ada",
        f"{BASE}/de/categories/wissenschaft",
    }  # fmt: skip
    assert de["totalCount"] == 4
    bad = await gql(client, q, {"l": "fr"})
    assert bad.errors[0]["extensions"]["code"] == "UNKNOWN_LOCALE"


async def test_feeds_per_locale(client, content):
    de = await client.get("/de/feed.xml")
    assert de.status_code == 200, de.text
    rss = etree.fromstring(de.content)
    assert rss.xpath("/rss/channel/language/text()") == ["de"]
    assert rss.xpath("//item/title/text()") == ["Quokkas auf Deutsch"]
    assert rss.xpath("//item/category/text()") == ["Wissenschaft"]
    en = etree.fromstring((await client.get("/en/feed.xml")).content)
    assert en.xpath("/rss/channel/language/text()") == ["en"]
    assert en.xpath("//item/title/text()") == ["Quokkas"]
    assert en.xpath("//item/category/text()") == ["Science"]
    term = await client.get("/de/categories/wissenschaft/feed.atom")
    assert term.status_code == 200, term.text
    atom = etree.fromstring(term.content)
    ns = {"a": "http://www.w3.org/2005/Atom"}
    assert atom.xpath("/a:feed/a:title/text()", namespaces=ns)[0].endswith("Wissenschaft")
    assert len(atom.xpath("//a:entry", namespaces=ns)) == 1
    assert (await client.get("/fr/feed.xml")).status_code == 404  # not a served locale
    drafts = await client.get("/de/categories/drafts-only/feed.xml")  # fallback slug, no drafts
    assert drafts.status_code == 200 and etree.fromstring(drafts.content).xpath("//item") == []


HOME_SEO = """query($p: String!) { route(path: $p) { __typename
  ... on Site { seo { alternates { hreflang url } } }
  ... on ArchivePage { seo { alternates { hreflang url } } } } }"""


async def test_locale_home_pages_link_each_other(client, content):
    homes = {"en": f"{BASE}/", "de": f"{BASE}/de", "x-default": f"{BASE}/"}
    for path in ("/", "/de"):
        route = ok(await gql(client, HOME_SEO, {"p": path}))["route"]
        assert {a["hreflang"]: a["url"] for a in route["seo"]["alternates"]} == homes, path

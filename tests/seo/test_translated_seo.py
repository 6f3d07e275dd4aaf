"""SEO of translated authors and terms: a page in a locale takes its title, description, social
cards and JSON-LD from the translation (never from the entity's default-language overrides),
its og:locale from the locale mapping, its canonical URL and feeds from the locale's paths, and
links its translations with hreflang, as articles do; articles name their authors and
categories in their own locale."""

from __future__ import annotations

import json

import pytest

from tests.auth_support import add_token, bearer, gid
from tests.locale_support import SET, mutate
from tests.support import add_article, add_author, add_seo, add_term, gql, ok

MODULE_SETTINGS = {"locales": ["de", "fr"], "seo_og_locales": {"de": "de_AT"}}
BASE = "https://news.example.com"
SEO = """seo { title description canonicalUrl robots
  openGraph { title description locale url type }
  twitter { title description }
  jsonLdScript breadcrumbs { name url } alternates { hreflang url } feeds { url } }"""
CATEGORY = (
    f"""query($s: String!, $l: String) {{ category(slug: $s, locale: $l) {{ name {SEO} }} }}"""
)
AUTHOR = f"""query($s: String!, $l: String) {{ author(slug: $s, locale: $l) {{ name {SEO} }} }}"""


@pytest.fixture
async def desk(db):
    return bearer(await add_token(db, "editor", name="desk"))


def graph(seo):
    return json.loads(seo["jsonLdScript"])["@graph"]


def links(seo):
    return {a["hreflang"]: a["url"] for a in seo["alternates"]}


async def test_a_translated_category_page_is_seo_complete_in_its_locale(client, db, desk):
    cat = await add_term(db, "category", "Science", description="Facts and findings.")
    # Overrides an editor wrote in English, for the English page.
    await add_seo(db, "category", cat, meta_title="All about science",
                  meta_description="Science news.", og_title="Science!",
                  og_description="Facts for sharing.", twitter_title="Science on X",
                  canonical_url=f"{BASE}/categories/science",
                  json_ld='{"@type": "Thing", "name": "Science"}')  # fmt: skip
    await mutate(client, desk, SET, {"id": gid("Category", cat), "locale": "de",
                                     "name": "Wissenschaft",
                                     "description": "Tatsachen und Befunde."})  # fmt: skip
    de = ok(await gql(client, CATEGORY, {"s": "wissenschaft", "l": "de"}))["category"]["seo"]
    url = f"{BASE}/de/categories/wissenschaft"
    assert de["title"] == "Wissenschaft | Example News"  # no English meta title
    assert de["description"] == "Tatsachen und Befunde."
    assert de["canonicalUrl"] == url
    assert de["openGraph"] == {
        "title": "Wissenschaft", "description": "Tatsachen und Befunde.", "locale": "de_AT",
        "url": url, "type": "website",
    }  # fmt: skip
    assert de["twitter"] == {"title": "Wissenschaft", "description": "Tatsachen und Befunde."}
    page = graph(de)[0]  # generated, not the English override
    assert page == {
        "@type": "CollectionPage", "name": "Wissenschaft", "url": url,
        "description": "Tatsachen und Befunde.", "inLanguage": "de",
    }  # fmt: skip
    assert de["breadcrumbs"] == [
        {"name": "Example News", "url": f"{BASE}/de"},
        {"name": "Wissenschaft", "url": url},
    ]
    assert {f["url"] for f in de["feeds"]} == {
        f"{BASE}/de/feed.xml", f"{BASE}/de/feed.atom", f"{url}/feed.xml", f"{url}/feed.atom",
    }  # fmt: skip
    hreflang = {"en": f"{BASE}/categories/science", "de": url,
                "x-default": f"{BASE}/categories/science"}  # fmt: skip
    assert links(de) == hreflang

    # The English page keeps its overrides and links the same translations.
    en = ok(await gql(client, CATEGORY, {"s": "science"}))["category"]["seo"]
    assert en["title"] == "All about science" and en["openGraph"]["title"] == "Science!"
    assert en["openGraph"]["locale"] == "en_US" and en["twitter"]["title"] == "Science on X"
    assert json.loads(en["jsonLdScript"]) == {"@type": "Thing", "name": "Science"}
    assert links(en) == hreflang

    # The translation's own SEO texts win over its name and description.
    await mutate(client, desk, SET, {"id": gid("Category", cat), "locale": "de",
                                     "metaTitle": "Alles über Wissenschaft",
                                     "metaDescription": "Forschung, kurz erklärt."})  # fmt: skip
    de = ok(await gql(client, CATEGORY, {"s": "wissenschaft", "l": "de"}))["category"]["seo"]
    assert de["title"] == "Alles über Wissenschaft"
    assert de["description"] == "Forschung, kurz erklärt."
    assert de["openGraph"]["title"] == de["twitter"]["title"] == "Alles über Wissenschaft"

    # French has no translation: the fallback page is no translation, it links none.
    fr = ok(await gql(client, CATEGORY, {"s": "science", "l": "fr"}))["category"]["seo"]
    assert fr["canonicalUrl"] == f"{BASE}/fr/categories/science" and fr["alternates"] == []
    assert fr["openGraph"]["locale"] == "fr_FR" and fr["title"] == "All about science"
    assert graph(fr)[0]["inLanguage"] == "fr"

    # A noindex category links no translations (as a noindex article does not).
    await add_seo(db, "tag", await add_term(db, "tag", "Hidden"), robots_index=False)
    hidden = await add_term(db, "category", "Hidden")
    await add_seo(db, "category", hidden, robots_index=False)
    await mutate(client, desk, SET, {"id": gid("Category", hidden), "locale": "de",
                                     "name": "Versteckt"})  # fmt: skip
    got = ok(await gql(client, CATEGORY, {"s": "versteckt", "l": "de"}))["category"]["seo"]
    assert "noindex" in got["robots"] and got["alternates"] == []


async def test_a_translated_author_page_and_articles_in_a_locale(client, db, desk):
    ada = await add_author(db, "Ada Lovelace", bio="<p>Mathematician.</p>", twitter="ada")
    cat = await add_term(db, "category", "Science")
    await mutate(client, desk, SET, {"id": gid("Author", ada), "locale": "de",
                                     "name": "Ada Lovelace", "slug": "ada",
                                     "description": "<p>Mathematikerin.</p>"})  # fmt: skip
    await mutate(client, desk, SET, {"id": gid("Category", cat), "locale": "de",
                                     "name": "Wissenschaft"})  # fmt: skip
    await mutate(client, desk, SET, {"id": gid("Author", ada), "locale": "fr",
                                     "name": "Ada Lovelace", "slug": "ada-fr"})  # fmt: skip
    de = ok(await gql(client, AUTHOR, {"s": "ada", "l": "de"}))["author"]["seo"]
    url = f"{BASE}/de/authors/ada"
    assert de["canonicalUrl"] == url and de["description"] == "Mathematikerin."
    assert de["openGraph"]["locale"] == "de_AT" and de["openGraph"]["type"] == "profile"
    person = graph(de)[0]
    assert person["@type"] == "Person" and person["url"] == url
    assert person["description"] == "Mathematikerin."
    assert links(de) == {
        "de": url, "en": f"{BASE}/authors/ada-lovelace", "fr": f"{BASE}/fr/authors/ada-fr",
        "x-default": f"{BASE}/authors/ada-lovelace",
    }  # fmt: skip
    assert f"{url}/feed.xml" in {f["url"] for f in de["feeds"]}

    # A German article names its author and category in German, at German paths.
    await add_article(db, "Rechenmaschinen", slug="rechenmaschinen", authors=[ada],
                      categories=[cat], locale="de")  # fmt: skip
    q = f"""{{ article(slug: "rechenmaschinen", locale: "de") {{ {SEO} }} }}"""
    seo = ok(await gql(client, q))["article"]["seo"]
    article = graph(seo)[0]
    assert article["author"][0]["url"] == url
    assert article["author"][0]["description"] == "Mathematikerin."
    assert article["articleSection"] == "Wissenschaft" and article["inLanguage"] == "de"
    assert seo["breadcrumbs"][:2] == [
        {"name": "Example News", "url": f"{BASE}/de"},
        {"name": "Wissenschaft", "url": f"{BASE}/de/categories/wissenschaft"},
    ]


async def test_route_resolves_translated_paths_with_the_same_seo(client, db, desk):
    cat = await add_term(db, "category", "Science")
    await mutate(client, desk, SET, {"id": gid("Category", cat), "locale": "de",
                                     "name": "Wissenschaft"})  # fmt: skip
    await add_article(db, "Quokkas", authors=[await add_author(db)], categories=[cat],
                      locale="de")  # fmt: skip
    q = """query($p: String!, $a: Boolean!) { route(path: $p, archivePages: $a) { __typename
      ... on ArchivePage { path category { name path } articles { nodes { title } }
        seo { canonicalUrl alternates { hreflang url } } }
      ... on Redirect { location statusCode } } }"""
    want = {"de": f"{BASE}/de/categories/wissenschaft", "en": f"{BASE}/categories/science",
            "x-default": f"{BASE}/categories/science"}  # fmt: skip
    for archive_pages in (False, True):
        got = ok(await gql(client, q, {"p": "/de/categories/wissenschaft", "a": archive_pages}))
        page = got["route"]
        assert page["__typename"] == "ArchivePage", page
        assert page["category"] == {"name": "Wissenschaft", "path": "/de/categories/wissenschaft"}
        assert page["articles"]["nodes"] == [{"title": "Quokkas"}]
        assert page["seo"]["canonicalUrl"] == want["de"] and links(page["seo"]) == want
    # The own slug under /de moved when the translation was made: a 301 to the translated one.
    old = ok(await gql(client, q, {"p": "/de/categories/science", "a": False}))["route"]
    assert old == {"__typename": "Redirect", "location": "/de/categories/wissenschaft",
                   "statusCode": 301}  # fmt: skip


async def test_translated_seo_statement_counts_are_constant(client, db, desk):
    author = await add_author(db, "Ada Lovelace")
    for i in range(100):
        cat = await add_term(db, "category", f"Cat {i:03d}")
        if i % 2 == 0:
            await mutate(client, desk, SET, {"id": gid("Category", cat), "locale": "de",
                                             "name": f"Kategorie {i:03d}"})  # fmt: skip
        await add_article(db, f"Artikel {i:03d}", authors=[author], categories=[cat],
                          locale="de")  # fmt: skip
    q = """query($n: Int) { categories(first: $n, locale: "de") { nodes {
      seo { title openGraph { locale } jsonLdScript alternates { url } feeds { url } } } } }"""
    counts = {}
    for n in (1, 20, 100):
        result = await gql(client, q, {"n": n})
        assert len(ok(result)["categories"]["nodes"]) == n
        counts[n] = result.statements
    assert counts[1] == counts[20] == counts[100], counts

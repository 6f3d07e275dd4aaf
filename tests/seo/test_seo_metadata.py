"""SEO metadata: every fallback rule, social cards, JSON-LD, breadcrumbs, hreflang alternates."""

from __future__ import annotations

import json

import pytest

from tests.seo_support import SEO
from tests.support import add_article, add_author, add_seo, add_term, ago, ahead, gql, ok

# These tests select every SEO field at once, including the typed JSON-LD tree
# (jsonLd > publisher > logo > url), which nests deeper and costs more than the default query
# limits allow (depth 6, cost 5000). Front ends render `jsonLdScript` instead; the limits
# themselves are tested in test_limits.py.
MODULE_SETTINGS = {"max_query_depth": 10, "max_query_cost": 1_000_000, "rate_limit_budget": 0}

ARTICLE = "query($s: String!, $l: String) { article(slug: $s, locale: $l) { seo {" + SEO + "} } }"


async def article_seo(client, slug: str, locale: str | None = None) -> dict:
    data = ok(await gql(client, ARTICLE, {"s": slug, "l": locale}))
    assert data["article"] is not None, slug
    return data["article"]["seo"]


@pytest.fixture
async def writer(db):
    return await add_author(
        db, "Jörg Müller", twitter="joerg", website="https://joerg.example", bio="<p>Writes.</p>"
    )


async def test_title_uses_template_and_explicit_title_wins(client, db, writer):
    await add_article(db, "Plain title", authors=[writer])
    explicit = await add_article(db, "Other title", authors=[writer])
    await add_seo(db, "article", explicit, meta_title="Handmade <title>")
    assert (await article_seo(client, "plain-title"))["title"] == "Plain title | Example News"
    assert (await article_seo(client, "other-title"))["title"] == "Handmade <title>"


@pytest.mark.parametrize("settings_overrides", [{"seo_title_template": "%s — News"}])
async def test_title_template_setting(client, db, writer):
    await add_article(db, "Templated", authors=[writer])
    assert (await article_seo(client, "templated"))["title"] == "Templated — News"


async def test_description_fallbacks(client, db, writer):
    long_body = "<p>" + " ".join(["Wörter &amp; <b>mehr</b> Text"] * 40) + "</p>"
    explicit = await add_article(db, "Explicit", authors=[writer], excerpt="The excerpt here.")
    await add_seo(db, "article", explicit, meta_description="Explicit description.")
    # excerpts are plain text (markup is dropped when they are written): used as they are
    await add_article(db, "Excerpt", authors=[writer], excerpt="Fish & chips < 5 €.")
    await add_article(db, "Long excerpt", authors=[writer], excerpt="Wort " * 60)
    await add_article(db, "Body", authors=[writer], excerpt=None, body=long_body)
    await add_article(db, "Empty", authors=[writer], excerpt="", body="")

    assert (await article_seo(client, "explicit"))["description"] == "Explicit description."
    assert (await article_seo(client, "excerpt"))["description"] == "Fish & chips < 5 €."
    long_cut = (await article_seo(client, "long-excerpt"))["description"]
    assert long_cut == ("Wort " * 31).strip() + "…" and len(long_cut) <= 160
    cut = (await article_seo(client, "body"))["description"]
    assert len(cut) <= 160 and cut.endswith("…")
    assert cut.startswith("Wörter & mehr Text Wörter & mehr")  # tags gone, entities decoded
    words = cut.removesuffix("…").split(" ")
    assert words[-1] in {"Wörter", "&", "mehr", "Text"}  # cut between words, not inside one
    assert (await article_seo(client, "empty"))["description"] is None


async def test_canonical_robots_and_noindex(client, db, writer):
    await add_article(db, "Indexed", authors=[writer])
    hidden = await add_article(db, "Hidden", authors=[writer])
    await add_seo(
        db,
        "article",
        hidden,
        canonical_url="https://elsewhere.example/original",
        robots_index=False,
        robots_follow=False,
        robots_extra="noarchive",
    )
    indexed = await article_seo(client, "indexed")
    assert indexed["canonicalUrl"] == "https://news.example.com/articles/indexed"
    assert indexed["robots"] == "index, follow, max-image-preview:large"
    assert (indexed["noindex"], indexed["nofollow"]) == (False, False)
    seo = await article_seo(client, "hidden")
    assert seo["canonicalUrl"] == "https://elsewhere.example/original"
    assert seo["robots"] == "noindex, nofollow, noarchive"
    assert (seo["noindex"], seo["nofollow"]) == (True, True)
    assert seo["openGraph"]["url"] == "https://elsewhere.example/original"


async def test_open_graph_and_twitter_fallbacks(client, db, writer):
    science = await add_term(db, "category", "Science")
    tag = await add_term(db, "tag", "Space")
    await add_article(
        db,
        "Moon landing",
        authors=[writer],
        categories=[science],
        tags=[tag],
        excerpt="A long enough excerpt about the moon landing and what came after it.",
        feature_image_url="https://cdn.example/moon.jpg",
        feature_image_alt="The moon",
        feature_image_width=1200,
        feature_image_height=630,
    )
    overridden = await add_article(db, "Overridden", authors=[writer])
    await add_seo(
        db,
        "article",
        overridden,
        meta_title="Meta title",
        og_title="OG title",
        og_description="OG description",
        og_image_url="https://cdn.example/og.png",
        twitter_title="Tweet title",
        twitter_description="Tweet description",
    )
    seo = await article_seo(client, "moon-landing")
    og = seo["openGraph"]
    assert og["title"] == "Moon landing"  # no template on social cards
    assert og["description"] == seo["description"]
    assert (og["type"], og["siteName"], og["locale"]) == ("article", "Example News", "en")
    assert og["url"] == "https://news.example.com/articles/moon-landing"
    assert og["image"] == {
        "url": "https://cdn.example/moon.jpg",
        "alt": "The moon",
        "width": 1200,
        "height": 630,
    }
    assert og["authors"] == ["https://news.example.com/authors/joerg-mueller"]
    assert (og["section"], og["tags"]) == ("Science", ["Space"])
    assert og["publishedTime"] is not None and og["modifiedTime"] is not None
    tw = seo["twitter"]
    assert tw["card"] == "summary_large_image"
    assert (tw["creator"], tw["site"]) == ("@joerg", None)
    assert (tw["title"], tw["description"]) == (og["title"], og["description"])
    assert tw["image"]["alt"] == "The moon"

    seo = await article_seo(client, "overridden")
    assert (seo["openGraph"]["title"], seo["openGraph"]["description"]) == (
        "OG title",
        "OG description",
    )
    assert seo["openGraph"]["image"] == {
        "url": "https://cdn.example/og.png",
        "alt": None,
        "width": None,
        "height": None,
    }
    assert (seo["twitter"]["title"], seo["twitter"]["description"]) == (
        "Tweet title",
        "Tweet description",
    )


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "twitter_site": "@examplenews",
            "seo_default_image_url": "https://cdn.example/default.png",
            "site_logo_url": "https://cdn.example/logo.png",
            "site_description": "News about examples.",
            "seo_article_type": "NewsArticle",
        }
    ],
)
async def test_site_settings_feed_the_cards(client, db, writer):
    await add_article(db, "No image", authors=[writer])
    seo = await article_seo(client, "no-image")
    assert seo["openGraph"]["image"]["url"] == "https://cdn.example/default.png"
    assert seo["twitter"]["site"] == "@examplenews"
    article = next(n for n in seo["jsonLd"] if n["__typename"] == "JsonLdArticle")
    assert article["type"] == "NewsArticle"
    assert article["publisher"]["logo"] == {"url": "https://cdn.example/logo.png"}
    home = ok(await gql(client, "{ site { name url description seo {" + SEO + "} } }"))["site"]
    assert home["description"] == "News about examples."
    assert home["seo"]["title"] == "Example News"
    assert home["seo"]["description"] == "News about examples."
    assert home["seo"]["canonicalUrl"] == "https://news.example.com/"
    assert home["seo"]["breadcrumbs"] == []
    types = [n["__typename"] for n in home["seo"]["jsonLd"]]
    assert types == ["JsonLdWebSite", "JsonLdOrganization"]
    assert home["seo"]["feeds"][0]["url"] == "https://news.example.com/feed.xml"


async def test_article_json_ld_and_script(client, db, writer):
    second = await add_author(db, "Ann Other")
    science = await add_term(db, "category", "Science")
    await add_article(
        db,
        "Schlüsselelement",
        authors=[writer, second],
        categories=[science],
        feature_image_url="https://cdn.example/key.jpg",
    )
    seo = await article_seo(client, "schluesselelement")
    article, crumbs = seo["jsonLd"]
    assert article["__typename"] == "JsonLdArticle" and article["type"] == "BlogPosting"
    assert article["headline"] == "Schlüsselelement"
    assert article["url"] == article["mainEntityOfPage"]
    assert article["url"] == "https://news.example.com/articles/schluesselelement"
    assert [a["name"] for a in article["author"]] == ["Jörg Müller", "Ann Other"]
    assert article["author"][0]["sameAs"] == ["https://joerg.example", "https://x.com/joerg"]
    assert article["images"][0]["url"] == "https://cdn.example/key.jpg"
    assert article["publisher"]["type"] == "Organization"
    assert article["articleSection"] == "Science"
    assert crumbs["type"] == "BreadcrumbList"
    assert [(i["position"], i["name"]) for i in crumbs["itemListElement"]] == [
        (1, "Example News"),
        (2, "Science"),
        (3, "Schlüsselelement"),
    ]
    assert seo["breadcrumbs"] == [
        {"name": "Example News", "url": "https://news.example.com/"},
        {"name": "Science", "url": "https://news.example.com/categories/science"},
        {"name": "Schlüsselelement", "url": article["url"]},
    ]
    script = json.loads(seo["jsonLdScript"])
    assert script["@context"] == "https://schema.org"
    graph = script["@graph"]
    assert graph[0]["@type"] == "BlogPosting"
    assert graph[0]["headline"] == "Schlüsselelement"
    assert [p["name"] for p in graph[0]["author"]] == ["Jörg Müller", "Ann Other"]
    assert graph[0]["author"][0]["@type"] == "Person"
    assert graph[0]["mainEntityOfPage"]["@id"] == article["url"]
    assert graph[1]["@type"] == "BreadcrumbList"
    assert "email" not in seo["jsonLdScript"] and "@example.com" not in seo["jsonLdScript"]


HOSTILE = "</script><script>alert(1)</script><!-- & \u2028 \u2029 -->"


async def test_json_ld_script_cannot_break_out(client, db, writer):
    hostile = await add_article(db, HOSTILE, slug="hostile", authors=[writer])
    await add_seo(db, "article", hostile, meta_description=HOSTILE)
    override = await add_article(db, "Override", authors=[writer])
    await add_seo(db, "article", override, json_ld=json.dumps({"@type": "Thing", "name": HOSTILE}))
    broken = await add_article(db, "Broken override", authors=[writer])
    await add_seo(db, "article", broken, json_ld="{not json")
    for slug in ("hostile", "override"):
        script = (await article_seo(client, slug))["jsonLdScript"]
        for dangerous in ("<", ">", "&", "\u2028", "\u2029"):
            assert dangerous not in script, (slug, dangerous)
        parsed = json.loads(script)  # still the same JSON after escaping
        text = json.dumps(parsed, ensure_ascii=False)
        assert "</script><script>alert(1)</script>" in text
    assert json.loads((await article_seo(client, "override"))["jsonLdScript"]) == {
        "@type": "Thing",
        "name": HOSTILE,
    }
    # an invalid override is not served; the generated graph is (and the audit reports it)
    graph = json.loads((await article_seo(client, "broken-override"))["jsonLdScript"])
    assert graph["@graph"][0]["headline"] == "Broken override"


async def test_author_category_and_tag_seo(client, db, writer):
    science = await add_term(db, "category", "Science", description="All about <science> & more.")
    tag = await add_term(db, "tag", "Space")
    await add_seo(db, "tag", tag, meta_title="Space news", meta_description="Tag description.")
    await add_seo(db, "author", writer, robots_index=False)
    await add_article(db, "Linked", authors=[writer], categories=[science], tags=[tag])
    query = (
        """{
      author(slug: "joerg-mueller") { seo {"""
        + SEO
        + """} }
      category(slug: "science") { seo {"""
        + SEO
        + """} }
      tag(slug: "space") { seo {"""
        + SEO
        + """} }
    }"""
    )
    data = ok(await gql(client, query))
    author = data["author"]["seo"]
    assert author["title"] == "Jörg Müller | Example News"
    assert author["description"] == "Writes."
    assert author["noindex"] is True and author["robots"].startswith("noindex, follow")
    assert author["openGraph"]["type"] == "profile"
    assert author["twitter"]["creator"] == "@joerg"
    assert [n["__typename"] for n in author["jsonLd"]] == ["JsonLdPerson", "JsonLdBreadcrumbList"]
    assert author["jsonLd"][0]["sameAs"] == ["https://joerg.example", "https://x.com/joerg"]
    assert author["feeds"][-1]["url"] == "https://news.example.com/authors/joerg-mueller/feed.atom"
    category = data["category"]["seo"]
    assert category["description"] == "All about <science> & more."
    assert category["canonicalUrl"] == "https://news.example.com/categories/science"
    assert category["jsonLd"][0] == {
        "__typename": "JsonLdWebPage",
        "type": "CollectionPage",
        "name": "Science",
        "url": "https://news.example.com/categories/science",
        "description": "All about <science> & more.",
    }
    tag_seo = data["tag"]["seo"]
    assert (tag_seo["title"], tag_seo["description"]) == ("Space news", "Tag description.")
    assert tag_seo["breadcrumbs"][-1] == {
        "name": "Space",
        "url": "https://news.example.com/tags/space",
    }


async def test_hreflang_alternates_and_translations(client, db, writer):
    group = {"translation_group": "launch"}
    await add_article(db, "Launch day", slug="launch", authors=[writer], **group)
    await add_article(db, "Starttag", slug="start", locale="de", authors=[writer], **group)
    await add_article(db, "Jour J", slug="jour", locale="fr", authors=[writer], **group)
    draft = await add_article(
        db, "Dia", slug="dia", locale="es", status="draft", authors=[writer], **group
    )
    noindex = await add_article(db, "Dag", slug="dag", locale="nl", authors=[writer], **group)
    await add_seo(db, "article", noindex, robots_index=False)
    await add_article(db, "Lonely", authors=[writer], translation_group="alone")
    assert draft and noindex

    expected = [
        {"hreflang": "de", "url": "https://news.example.com/de/articles/start"},
        {"hreflang": "en", "url": "https://news.example.com/articles/launch"},
        {"hreflang": "fr", "url": "https://news.example.com/fr/articles/jour"},
        {"hreflang": "x-default", "url": "https://news.example.com/articles/launch"},
    ]
    assert (await article_seo(client, "launch"))["alternates"] == expected
    assert (await article_seo(client, "start", "de"))["alternates"] == expected
    assert (await article_seo(client, "dag", "nl"))["alternates"] == []  # noindex page
    assert (await article_seo(client, "lonely"))["alternates"] == []
    data = ok(
        await gql(
            client,
            '{ article(slug: "launch") { translations { locale slug url } } }',
        )
    )
    # translations: every visible other-language version (noindex ones too, drafts not)
    assert data["article"]["translations"] == [
        {"locale": "de", "slug": "start", "url": "https://news.example.com/de/articles/start"},
        {"locale": "fr", "slug": "jour", "url": "https://news.example.com/fr/articles/jour"},
        {"locale": "nl", "slug": "dag", "url": "https://news.example.com/nl/articles/dag"},
    ]


async def test_x_default_without_default_locale_is_oldest(client, db, writer):
    group = {"translation_group": "g"}
    await add_article(db, "Erster", slug="erster", locale="de", authors=[writer], **group)
    await add_article(db, "Premier", slug="premier", locale="fr", authors=[writer], **group)
    alternates = (await article_seo(client, "premier", "fr"))["alternates"]
    assert alternates[-1] == {
        "hreflang": "x-default",
        "url": "https://news.example.com/de/articles/erster",
    }


@pytest.mark.parametrize("settings_overrides", [{"article_path": "/{category}/{slug}"}])
async def test_category_in_article_paths(client, db, writer):
    science = await add_term(db, "category", "Science")
    culture = await add_term(db, "category", "Culture")
    await add_article(db, "Two homes", authors=[writer], categories=[culture, science])
    await add_article(db, "No home", authors=[writer])
    data = ok(await gql(client, "{ articles { nodes { slug path url seo { canonicalUrl } } } }"))
    by_slug = {n["slug"]: n for n in data["articles"]["nodes"]}
    assert by_slug["two-homes"]["path"] == "/culture/two-homes"  # the primary (first) category
    assert by_slug["no-home"]["path"] == "/uncategorized/no-home"
    assert (
        by_slug["two-homes"]["seo"]["canonicalUrl"] == "https://news.example.com/culture/two-homes"
    )


async def test_umlauts_become_speaking_slugs(db):
    from resolvers.content.slugs import make_slug

    assert make_slug("Schlüsselelement") == "schluesselelement"
    assert make_slug("Größe & Übermaß") == "groesse-uebermass"
    assert make_slug("Ça va? Déjà vu!") == "ca-va-deja-vu"


async def test_non_public_content_is_noindex(db, writer):
    """Editors see drafts and scheduled articles; their SEO is always noindex."""
    from resolvers.content.articles import get_article
    from resolvers.seo.pages import ArticleSeo
    from resolvers.visibility import PUBLIC
    from tests.seo_support import EDITOR, SITE, editor_loaders

    await add_article(db, "A draft", authors=[writer], status="draft")
    await add_article(db, "Later", authors=[writer], published_at=ahead(days=2))
    await add_article(db, "Archived", authors=[writer], status="archived", published_at=ago(days=2))
    loaders = editor_loaders(db)
    for slug in ("a-draft", "later", "archived"):
        row = await get_article(db, EDITOR, loaders.now, slug=slug)
        assert row is not None
        page = ArticleSeo(SITE, loaders, row, PUBLIC.holds(row, loaders.now))
        robots = await page.robots()
        assert (robots.index, robots.directives) == (False, "noindex, follow"), slug
        assert (await page.open_graph()).published_time is None

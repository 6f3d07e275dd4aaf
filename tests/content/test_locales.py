"""Translated authors, categories and tags: writes with coded refusals, reads in a locale with
fallback, the locale cascading to nested fields, and constant statement counts."""

from __future__ import annotations

import pytest
from sqlalchemy import func, select

from resolvers.content.locales.translation_models import TRANSLATION_TABLES
from resolvers.models import redirect_t
from tests.auth_support import add_token, bearer, gid
from tests.locale_support import REMOVE, SET, mutate
from tests.support import add_article, add_author, add_term, ago, gql, ok

MODULE_SETTINGS = {"locales": ["de", "fr"], "max_query_cost": 20000}


@pytest.fixture
async def desk(db):
    return bearer(await add_token(db, "editor", name="desk"))


async def _count(db, kind):
    return await db.scalar(select(func.count()).select_from(TRANSLATION_TABLES[kind]))


async def test_set_read_and_remove_a_category_translation(client, db, desk):
    cat = await add_term(db, "category", "Science", description="Facts.")
    await add_term(db, "tag", "Quokka")
    author = await add_author(db, "Ada Lovelace", bio="<p>Mathematician.</p>")
    made = await mutate(client, desk, SET, {
        "id": gid("Category", cat), "locale": "de", "name": "Wissenschaft",
        "description": "Tatsachen.", "metaTitle": "Alles über Wissenschaft",
    })  # fmt: skip
    assert made["__typename"] == "TranslationSaved", made
    assert made["node"] == {
        "name": "Wissenschaft", "slug": "wissenschaft", "path": "/de/categories/wissenschaft",
        "description": "Tatsachen.",
    }  # fmt: skip
    assert "/de/categories/wissenschaft" in made["changedPaths"]
    by_author = await mutate(client, desk, SET, {
        "id": gid("Author", author), "locale": "de", "name": "Ada Lovelace",
        "slug": "ada", "description": "<p>Mathematikerin.</p>",
    })  # fmt: skip
    assert by_author["node"]["bio"] == "<p>Mathematikerin.</p>"

    q = """query($s: String!, $l: String) { category(slug: $s, locale: $l) {
      name slug path url description seo { title canonicalUrl openGraph { locale } } } }"""
    de = ok(await gql(client, q, {"s": "wissenschaft", "l": "de"}))["category"]
    assert de["name"] == "Wissenschaft" and de["url"].endswith("/de/categories/wissenschaft")
    assert de["seo"]["title"] == "Alles über Wissenschaft"  # the translation's SEO title
    assert de["seo"]["canonicalUrl"] == de["url"] and de["seo"]["openGraph"]["locale"] == "de_DE"
    # The base slug no longer names it in German; the default locale is untouched.
    assert ok(await gql(client, q, {"s": "science", "l": "de"}))["category"] is None
    en = ok(await gql(client, q, {"s": "science"}))["category"]
    assert en["name"] == "Science" and en["path"] == "/categories/science"
    assert en["seo"]["title"] != "Alles über Wissenschaft"
    assert ok(await gql(client, q, {"s": "science", "l": "en"}))["category"] == en
    # No French translation: the default locale's text, under the French path.
    fr = ok(await gql(client, q, {"s": "science", "l": "fr"}))["category"]
    assert fr["name"] == "Science" and fr["path"] == "/fr/categories/science"
    tq = '{ tag(slug: "quokka", locale: "de") { name path } }'
    assert ok(await gql(client, tq))["tag"] == {"name": "Quokka", "path": "/de/tags/quokka"}

    # Partial change: only the slug; the old localized path redirects.
    moved = await mutate(client, desk, SET, {"id": gid("Category", cat), "locale": "de",
                                             "slug": "forschung"})  # fmt: skip
    assert moved["node"]["name"] == "Wissenschaft" and moved["node"]["slug"] == "forschung"
    redirect = await db.one_or_none(
        select(redirect_t).where(redirect_t.c.from_path == "/de/categories/wissenschaft")
    )
    assert redirect is not None and redirect.to_path == "/de/categories/forschung"

    removed = await mutate(client, desk, REMOVE, {"id": gid("Category", cat), "locale": "de"})
    assert removed["node"] == {
        "name": "Science",
        "slug": "science",
        "path": "/de/categories/science",
    }
    assert await _count(db, "category") == 0
    gone = await mutate(client, desk, REMOVE, {"id": gid("Category", cat), "locale": "de"})
    assert gone["__typename"] == "NotFoundError"


async def test_bad_translations_are_refused_and_write_nothing(client, db, desk):
    cat = await add_term(db, "category", "Science")
    other = await add_term(db, "category", "Nature")
    await mutate(client, desk, SET, {"id": gid("Category", other), "locale": "de",
                                     "name": "Natur"})  # fmt: skip
    for input_, path, code in (
        ({"locale": "it", "name": "Scienza"}, ["input", "locale"], "UNKNOWN_LOCALE"),
        ({"locale": "en", "name": "Science!"}, ["input", "locale"], "DEFAULT_LOCALE"),
        ({"locale": "de", "name": "Forschung", "slug": "natur"}, ["input", "slug"], "SLUG_TAKEN"),
        # another category untranslated in French answers to its base slug there
        ({"locale": "fr", "name": "Nature", "slug": "nature"}, ["input", "slug"], "SLUG_TAKEN"),
        ({"locale": "de", "slug": "forschung"}, ["input", "name"], "REQUIRED"),
        ({"locale": "de", "name": "x" * 201}, ["input", "name"], "TOO_LONG"),
        (
            {"locale": "de", "name": "Wissen", "slug": "Not A Slug"},
            ["input", "slug"],
            "INVALID_SLUG",
        ),
    ):
        got = await mutate(client, desk, SET, {"id": gid("Category", cat), **input_})
        assert got["__typename"] == "ValidationError", (input_, got)
        assert {"path": path, "code": code} in got["fields"], (input_, got)
    assert await _count(db, "category") == 1  # only Natur
    bad_id = await mutate(client, desk, SET, {"id": gid("Article", 1), "locale": "de", "name": "x"})
    assert bad_id["fields"] == [{"path": ["input", "id"], "code": "INVALID_ID"}]
    missing = await mutate(client, desk, SET, {"id": gid("Tag", 999), "locale": "de", "name": "x"})
    assert missing["__typename"] == "NotFoundError"


async def test_only_editors_translate_terms(client, db):
    cat = await add_term(db, "category", "Science")
    author = await add_author(db, "Grace Hopper")
    writer = bearer(await add_token(db, "author", author_id=author))
    for headers in (None, writer):
        got = await mutate(client, headers, SET, {"id": gid("Category", cat), "locale": "de",
                                                  "name": "Wissenschaft"})  # fmt: skip
        assert got["__typename"] == "ForbiddenError", got
    # an author may translate their own profile, as they may edit it
    own = await mutate(client, writer, SET, {"id": gid("Author", author), "locale": "de",
                                             "name": "Grace Hopper"})  # fmt: skip
    assert own["__typename"] == "TranslationSaved", own
    assert await _count(db, "category") == 0


async def test_unknown_read_locale_is_a_coded_error(client, db):
    await add_term(db, "category", "Science")
    result = await gql(client, '{ categories(locale: "xx") { nodes { name } } }')
    assert result.errors[0]["extensions"]["code"] == "UNKNOWN_LOCALE"


async def test_articles_show_relations_in_their_locale(client, db, desk):
    cat = await add_term(db, "category", "Science")
    tag = await add_term(db, "tag", "Animals")
    author = await add_author(db, "Ada Lovelace")
    for kind, entity, name in (("Category", cat, "Wissenschaft"), ("Tag", tag, "Tiere")):
        await mutate(client, desk, SET, {"id": gid(kind, entity), "locale": "de", "name": name})
    await add_article(db, "Quokkas", slug="quokkas", authors=[author], categories=[cat],
                      tags=[tag], locale="en")  # fmt: skip
    await add_article(db, "Quokkas auf Deutsch", slug="quokkas", authors=[author],
                      categories=[cat], tags=[tag], locale="de")  # fmt: skip
    q = """{ articles(first: 10) { nodes { locale categories { name path } tags { name }
      author { name path } } } }"""
    nodes = {n["locale"]: n for n in ok(await gql(client, q))["articles"]["nodes"]}
    assert nodes["de"]["categories"] == [
        {"name": "Wissenschaft", "path": "/de/categories/wissenschaft"}
    ]
    assert nodes["de"]["tags"] == [{"name": "Tiere"}]
    assert nodes["de"]["author"] == {"name": "Ada Lovelace", "path": "/de/authors/ada-lovelace"}
    assert nodes["en"]["categories"] == [{"name": "Science", "path": "/categories/science"}]

    # The locale cascades: a category looked up in German lists its German articles.
    nested = """query($l: String) { category(slug: "wissenschaft", locale: "de") {
      articles(locale: $l) { totalCount nodes { title tags { name } } } } }"""
    de = ok(await gql(client, nested))["category"]["articles"]
    assert de["totalCount"] == 1 and de["nodes"][0]["tags"] == [{"name": "Tiere"}]
    both = ok(await gql(client, '{ category(slug: "science") { articles { totalCount } } }'))
    assert both["category"]["articles"]["totalCount"] == 2
    en = ok(await gql(client, nested, {"l": "en"}))
    assert en["category"]["articles"]["nodes"][0]["title"] == "Quokkas"


async def test_statement_counts_are_constant(client, db, desk):
    cats = [await add_term(db, "category", f"Cat {i:03d}") for i in range(100)]
    author = await add_author(db, "Ada Lovelace")
    for i, cat in enumerate(cats):
        if i % 2 == 0:
            await mutate(client, desk, SET, {"id": gid("Category", cat), "locale": "de",
                                             "name": f"Kategorie {i:03d}"})  # fmt: skip
        await add_article(db, f"Artikel {i:03d}", authors=[author], categories=[cat],
                          locale="de", published_at=ago(minutes=i + 1))  # fmt: skip
    lists = """query($n: Int) { categories(first: $n, locale: "de") { nodes { name path
      articles(first: 2) { nodes { title categories { name } } } } } }"""
    home = """query($n: Int) { articles(first: $n, filter: { locale: "de" }) { nodes {
      title categories { name path } author { name } } } }"""
    for query in (lists, home):
        counts = {}
        for n in (1, 20, 100):
            result = await gql(client, query, {"n": n})
            data = ok(result)
            nodes = next(iter(data.values()))["nodes"]
            assert len(nodes) == n
            counts[n] = result.statements
        assert counts[1] == counts[20] == counts[100], (query, counts)
    first = ok(await gql(client, home, {"n": 100}))["articles"]["nodes"]
    names = {c["name"] for a in first for c in a["categories"]}
    assert "Kategorie 000" in names and "Cat 001" in names  # translated, and fallback


async def test_lists_in_a_locale_sort_by_the_translated_name(client, db, desk):
    names = {"Zebra": "Äpfel", "Apple": "Zucker", "Banana": None, "Öl": "Öl", "eclair": None}
    ids = {}
    for name, german in names.items():
        ids[name] = await add_term(db, "tag", name)
        if german is not None:  # the write frame computes the translated name's sort key
            await mutate(client, desk, SET, {"id": gid("Tag", ids[name]), "locale": "de",
                                             "name": german})  # fmt: skip
    q = """query($l: String, $after: String) { tags(first: 2, after: $after, locale: $l) {
      nodes { name } pageInfo { endCursor hasNextPage } } }"""

    async def walk(locale):
        seen, after, cursors = [], None, []
        while True:
            page = ok(await gql(client, q, {"l": locale, "after": after}))["tags"]
            seen += [n["name"] for n in page["nodes"]]
            cursors.append(page["pageInfo"]["endCursor"])
            if not page["pageInfo"]["hasNextPage"]:
                return seen, cursors
            after = page["pageInfo"]["endCursor"]

    en, en_cursors = await walk(None)
    assert en == ["Apple", "Banana", "eclair", "Öl", "Zebra"]
    de, _ = await walk("de")  # translated names, and the own name where there is none
    assert de == ["Äpfel", "Banana", "eclair", "Öl", "Zucker"]
    assert (await walk("en"))[0] == en
    assert (await walk("fr"))[0] == en  # no French translations: the default names' order
    # A cursor belongs to its locale's order.
    bad = await gql(client, q, {"l": "de", "after": en_cursors[0]})
    assert bad.errors[0]["extensions"]["code"] == "BAD_USER_INPUT"
    # Renaming a translation (and removing one) moves it.
    await mutate(client, desk, SET, {"id": gid("Tag", ids["Apple"]), "locale": "de",
                                     "name": "Apfel"})  # fmt: skip
    await mutate(client, desk, REMOVE, {"id": gid("Tag", ids["Zebra"]), "locale": "de"})
    de, _ = await walk("de")
    assert de == ["Apfel", "Banana", "eclair", "Öl", "Zebra"]


async def test_a_list_reads_its_primary_authors_with_its_rows(client, db, desk):
    """`author` alone on a list: read in the list's own statement, in each article's locale
    (translation, else the base name), the first in byline order; `authors` beside it: the
    first of them, the same answer."""
    ada, bob = await add_author(db, "Ada Lovelace"), await add_author(db, "Bob Byline")
    await mutate(client, desk, SET, {"id": gid("Author", ada), "locale": "de",
                                     "name": "Ada auf Deutsch", "slug": "ada"})  # fmt: skip
    await add_article(db, "First", authors=[bob, ada], locale="en", published_at=ago(minutes=3))
    await add_article(db, "Zweiter", authors=[ada, bob], locale="de", published_at=ago(minutes=2))
    await add_article(db, "Dritter", authors=[bob], locale="de", published_at=ago(minutes=1))
    alone = "{ articles(first: 10) { nodes { title author { name path } } } }"
    beside = "{ articles(first: 10) { nodes { title author { name path } authors { slug } } } }"
    expected = [
        {"title": "Dritter", "author": {"name": "Bob Byline", "path": "/de/authors/bob-byline"}},
        {"title": "Zweiter", "author": {"name": "Ada auf Deutsch", "path": "/de/authors/ada"}},
        {"title": "First", "author": {"name": "Bob Byline", "path": "/authors/bob-byline"}},
    ]
    result = await gql(client, alone)
    assert ok(result)["articles"]["nodes"] == expected
    both = ok(await gql(client, beside))["articles"]["nodes"]
    assert [{k: n[k] for k in ("title", "author")} for n in both] == expected
    english = await gql(client, alone.replace("first: 10", 'first: 10, locale: "en"'))
    assert ok(english)["articles"]["nodes"] == expected[2:]
    assert english.statements == 1  # the list and its authors: one statement

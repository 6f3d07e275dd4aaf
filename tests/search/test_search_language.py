"""The search language over HTTP, on both backends: plain text only (never markup), stemming,
prefixes, phrases, exclusion, OR, folding of case and accents, stop words, names."""

from __future__ import annotations

import pytest

from tests.support import add_article, add_author, add_term, gql, ok

SEARCH = """query($q: String, $locale: String) {
  articles(first: 50, filter: {search: $q, locale: $locale}) { totalCount nodes { slug } } }"""

MARKUP = (
    '<p>Quokkas live on <a href="https://example.com/rottnest.png" rel="noopener">Rottnest'
    '</a> island.</p><h2>Habitat</h2><figure><img src="quokka.png" alt="smiling"/>'
    "<figcaption>Photo credit</figcaption></figure><p>end</p><p>start</p>"
)


@pytest.fixture
async def corpus(db):
    ada = await add_author(db, "Ada Lovelace")
    travel = await add_term(db, "category", "Travel")
    wildlife = await add_term(db, "tag", "Wildlife")
    await add_article(
        db, "Island life", slug="island", authors=[ada], body=MARKUP, excerpt="A small place.",
        categories=[travel], tags=[wildlife],
    )  # fmt: skip
    await add_article(
        db, "Marsupials of Australia", slug="marsupials", authors=[ada],
        body="<p>Kangaroos, wombats and other marsupials.</p>", excerpt="Pouches.",
    )  # fmt: skip
    await add_article(
        db, "The quick brown fox", slug="fox", authors=[ada],
        body="<p>A quick brown fox jumps. Brown and quick dogs sleep.</p>", excerpt="Foxes.",
    )  # fmt: skip
    await add_article(
        db, "Brown bread", slug="bread", authors=[ada],
        body="<p>The bread is brown and the crust is quick to bake.</p>", excerpt="Baking.",
    )  # fmt: skip
    await add_article(
        db, "Äpfel und Birnen", slug="aepfel", authors=[ada], locale="de",
        body="<p>Die Straße ist voller Häuser und Bäume.</p>", excerpt="Obst im Garten.",
    )  # fmt: skip
    await add_article(
        db, "Apfelkuchen", slug="apfelkuchen", authors=[ada], locale="de",
        body="<p>Ein Apfel, Zucker und Mehl.</p>", excerpt="Ein Rezept.",
    )  # fmt: skip


async def found(client, text, locale=None):
    data = ok(await gql(client, SEARCH, {"q": text, "locale": locale}))["articles"]
    slugs = sorted(n["slug"] for n in data["nodes"])
    assert data["totalCount"] == len(slugs)
    return slugs


@pytest.mark.parametrize(
    "text", ["p", "h2", "noopener", "figcaption", "png", "href", "https", "img", "alt", "src"]
)
async def test_markup_is_never_searchable(client, corpus, text):
    assert await found(client, text) == []


async def test_text_between_tags_is_searchable_word_by_word(client, corpus):
    assert await found(client, "Rottnest") == ["island"]
    assert await found(client, "habitat") == ["island"]
    assert await found(client, "photo credit") == ["island"]
    # Block boundaries separate words: "end" and "start" never glue into "endstart".
    assert await found(client, "endstart") == []
    assert await found(client, '"end start"') == ["island"]


async def test_stemming_finds_other_forms(client, corpus):
    assert await found(client, "marsupial") == ["marsupials"]
    assert await found(client, "marsupials") == ["marsupials"]
    assert await found(client, "quokka") == ["island"]  # the body says "Quokkas"
    assert await found(client, "jumping") == ["fox"]


async def test_prefix(client, corpus):
    assert await found(client, "quokk*") == ["island"]
    assert await found(client, "marsupial*") == ["marsupials"]  # its stem is shorter
    assert await found(client, "kangar*") == ["marsupials"]
    assert await found(client, "zzz*") == []


async def test_phrase_needs_adjacent_words_in_order(client, corpus):
    assert await found(client, "brown quick") == ["bread", "fox"]
    assert await found(client, '"quick brown"') == ["fox"]
    assert await found(client, '"brown quick"') == ["fox"]  # "Brown and quick": stop word
    assert await found(client, '"crust quick"') == ["bread"]
    assert await found(client, '"bread fox"') == []


async def test_exclusion_and_or(client, corpus):
    assert await found(client, "brown -fox") == ["bread"]
    assert await found(client, 'brown -"quick brown"') == ["bread"]
    assert await found(client, "quokka -marsupials") == ["island"]
    assert await found(client, "marsupials -kangaroo") == []
    assert await found(client, "quokka OR nothing") == ["island"]
    assert await found(client, "quokka OR wombat") == ["island", "marsupials"]
    assert await found(client, "brown quokka OR wombat") == []
    assert await found(client, "bread quokka OR brown") == ["bread"]
    assert await found(client, "-brown") == []  # only exclusions: nothing to look for


async def test_case_accents_and_german_stems(client, corpus):
    assert await found(client, "apfel") == ["aepfel", "apfelkuchen"]
    assert await found(client, "Äpfel") == ["aepfel", "apfelkuchen"]
    assert await found(client, "strasse") == ["aepfel"]
    assert await found(client, "STRASSE") == ["aepfel"]
    assert await found(client, "Straße") == ["aepfel"]
    assert await found(client, "haus") == ["aepfel"]  # Häuser
    assert await found(client, "apfel", locale="en") == []
    assert await found(client, "brown", locale="de") == []


async def test_stop_words_are_not_indexed_per_language(client, corpus):
    assert await found(client, "und") == []
    assert await found(client, "the") == []
    assert await found(client, "the fox") == ["fox"]
    assert await found(client, '"die strasse"') == ["aepfel"]


async def test_author_category_and_tag_names_are_searchable(client, corpus):
    assert await found(client, "lovelace", locale="en") == ["bread", "fox", "island", "marsupials"]
    assert await found(client, "travel") == ["island"]
    assert await found(client, "wildlife") == ["island"]


@pytest.mark.parametrize(
    "text", ['"', "*", "NEAR(", "a AND OR", "(((", "'; DROP TABLE article; --", "", "-", "OR"]
)
async def test_any_text_is_a_valid_search(client, corpus, text):
    result = await gql(client, SEARCH, {"q": text, "locale": None})
    assert not result.errors, result.errors


async def test_too_long_or_too_many_words_is_a_coded_error(client, corpus):
    long = await gql(client, SEARCH, {"q": "x" * 201, "locale": None})
    assert long.codes == ["BAD_USER_INPUT"] and "200 characters" in long.errors[0]["message"]
    many = await gql(client, SEARCH, {"q": " ".join(f"w{i}" for i in range(17)), "locale": None})
    assert many.codes == ["BAD_USER_INPUT"] and "16 words" in many.errors[0]["message"]


async def test_relevance_order_needs_a_search(client, corpus):
    result = await gql(client, "{ articles(orderBy: {field: RELEVANCE}) { totalCount } }")
    assert result.codes == ["BAD_USER_INPUT"]

"""What a results page needs: marked titles, excerpts and snippets (escaped HTML, adjustable
length), the total, facets per category, tag, author and year, and cursor pages."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.support import add_article, add_author, add_term, gql, ok

SEARCH = """query($q: String!, $after: String, $len: Int, $filter: ArticleFilter) {
  search(query: $q, first: 2, after: $after, filter: $filter) {
    totalCount
    pageInfo { hasNextPage endCursor }
    nodes { article { slug } highlights { title excerpt } snippet(length: $len) }
    facets { categories { slug name count } tags { slug count } authors { name count }
             years { year count } } } }"""


@pytest.fixture
async def corpus(db):
    ada = await add_author(db, "Ada Lovelace")
    bob = await add_author(db, "Bob <Builder>")
    zoo = await add_term(db, "category", "Zoo")
    wild = await add_term(db, "category", "Wild")
    cute = await add_term(db, "tag", "cute")
    filler = "Lorem ipsum dolor sit amet. " * 12
    await add_article(
        db, "Quokkas <b>&</b> friends", slug="q1", authors=[ada], categories=[zoo],
        tags=[cute], excerpt="Small marsupials & smiles.",
        body=f"<p>{filler}</p><p>Quokkas live on islands.</p>",
        published_at=datetime(2025, 5, 1, tzinfo=UTC),
    )  # fmt: skip
    await add_article(
        db, "Island life", slug="q2", authors=[bob], categories=[wild], tags=[cute],
        excerpt=None, body="<p>A quokka smiled at us.</p>",
        published_at=datetime(2026, 2, 1, tzinfo=UTC),
    )  # fmt: skip
    await add_article(
        db, "Rottnest", slug="q3", authors=[ada, bob], categories=[zoo],
        excerpt="Where quokkas are.", body="<p>Ferry rides.</p>",
        published_at=datetime(2026, 3, 1, tzinfo=UTC),
    )  # fmt: skip
    await add_article(db, "Unrelated", slug="x", authors=[ada], body="<p>Nothing here.</p>")


async def test_marked_escaped_highlights_and_snippets(client, corpus):
    data = ok(await gql(client, SEARCH, {"q": "quokka", "len": 40}))["search"]
    assert data["totalCount"] == 3
    first = data["nodes"][0]
    assert first["article"]["slug"] == "q1"  # the only title match ranks first
    assert first["highlights"] == {
        "title": "<mark>Quokkas</mark> &lt;b&gt;&amp;&lt;/b&gt; friends",
        "excerpt": "Small marsupials &amp; smiles.",
    }
    assert first["snippet"].startswith("…") and "<mark>Quokkas</mark> live on" in first["snippet"]
    assert len(first["snippet"].replace("<mark>", "").replace("</mark>", "")) <= 42
    longer = ok(await gql(client, SEARCH, {"q": "quokka", "len": 300}))["search"]["nodes"][0]
    assert len(longer["snippet"]) > len(first["snippet"])
    bad = await gql(client, SEARCH, {"q": "quokka", "len": 5})
    assert bad.codes == ["BAD_USER_INPUT"] and "between 20 and 1000" in bad.errors[0]["message"]


async def test_facets_count_all_results_not_just_the_page(client, corpus):
    facets = ok(await gql(client, SEARCH, {"q": "quokka"}))["search"]["facets"]
    assert facets["categories"] == [
        {"slug": "zoo", "name": "Zoo", "count": 2},
        {"slug": "wild", "name": "Wild", "count": 1},
    ]
    assert facets["tags"] == [{"slug": "cute", "count": 2}]
    assert facets["authors"] == [
        {"name": "Ada Lovelace", "count": 2},
        {"name": "Bob <Builder>", "count": 2},
    ]
    assert facets["years"] == [{"year": 2026, "count": 2}, {"year": 2025, "count": 1}]
    narrowed = ok(await gql(client, SEARCH, {"q": "quokka", "filter": {"categorySlug": "zoo"}}))
    assert narrowed["search"]["totalCount"] == 2
    assert narrowed["search"]["facets"]["categories"] == [
        {"slug": "zoo", "name": "Zoo", "count": 2}
    ]


async def test_cursor_pages_cover_every_result_once(client, corpus):
    seen, cursor = [], None
    while True:
        page = ok(await gql(client, SEARCH, {"q": "quokka", "after": cursor}))["search"]
        seen += [n["article"]["slug"] for n in page["nodes"]]
        if not page["pageInfo"]["hasNextPage"]:
            break
        cursor = page["pageInfo"]["endCursor"]
    assert sorted(seen) == ["q1", "q2", "q3"] and seen[0] == "q1"


async def test_search_text_belongs_in_query(client, corpus):
    result = await gql(client, SEARCH, {"q": "quokka", "filter": {"search": "x"}})
    assert result.codes == ["BAD_USER_INPUT"]
    empty = ok(await gql(client, SEARCH, {"q": "-quokka"}))["search"]
    assert empty["totalCount"] == 0 and empty["nodes"] == [] and empty["facets"]["years"] == []

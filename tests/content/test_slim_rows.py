"""Slim rows (schema/content/slim.py): a document that reads only the listed fields is answered
from hot statements that leave every other column NULL, with the same bytes and headers as
from full rows; any other document keeps the full rows."""

from __future__ import annotations

from typing import Any

import pytest
from graphql import OperationDefinitionNode, parse

import schema.content.slim as slim_module
from resolvers.content import hot_reads
from resolvers.hot.driver import HotStatement
from schema import build_schema
from schema.content.slim import slim_operation
from tests.support import add_article, add_author, add_seo, add_term, ago, gql, ok

SCHEMA = build_schema()._schema

HOME = """query Home { articles(first: 5) { totalCount nodes {
  id slug title excerpt publishedAt
  author { name slug avatar { url alt width height } }
  seo { title description canonicalUrl }
} } }"""

# Every field slim documents may select, through a fragment, an inline fragment and edges.
EVERYTHING = """query Everything($slug: String!) {
  __typename
  article(slug: $slug) { ...Page }
  articles(first: 3) {
    totalCount
    pageInfo { hasNextPage hasPreviousPage startCursor endCursor page perPage totalPages totalCount }
    edges { cursor node { __typename ... on Article { id databaseId slug path url } } }
    nodes { ...Page }
  }
}
fragment Page on Article {
  id databaseId slug title excerpt locale status publishedAt unpublishAt readingTimeMinutes
  path url body
  author { __typename id databaseId name slug path url avatar { url alt width height } }
  authors { id databaseId name slug path url avatar { url alt width height } }
  categories { id databaseId name slug path url }
  tags { id databaseId name slug path url }
  seo { title description canonicalUrl robots noindex nofollow }
}"""

ARTICLE = """query Article($slug: String!) { article(slug: $slug) {
  id slug title body authors { name slug } categories { name slug } tags { name slug }
  seo { title description canonicalUrl robots }
} }"""


def decide(document: str) -> bool:
    parsed = parse(document)
    operation = next(d for d in parsed.definitions if isinstance(d, OperationDefinitionNode))
    fragments = {
        d.name.value: d for d in parsed.definitions if not isinstance(d, OperationDefinitionNode)
    }
    return slim_operation(SCHEMA, operation, fragments)


@pytest.mark.parametrize("document", [HOME, EVERYTHING, ARTICLE])
def test_documents_of_listed_fields_are_slim(document):
    assert decide(document)


@pytest.mark.parametrize(
    "document",
    [
        "{ articles { nodes { title author { bio } } } }",  # a column slim rows leave out
        "{ articles { nodes { title authors { website } } } }",
        '{ article(slug: "x") { seo { openGraph { title } } } }',  # Open Graph overrides
        '{ article(slug: "x") { seo { jsonLdScript } } }',  # reads authors' full rows
        '{ article(slug: "x") { featureImage { url } updatedAt } }',
        '{ article(slug: "x") { categories { description } } }',
        "{ articles { nodes { title } } site { name } }",  # another root field
        '{ node(id: "QXJ0aWNsZTox") { ... on Article { title } } }',
        "{ articles { nodes { ... on Node { id } } } }",  # an interface fragment
        "{ articles { nodes { ...F } } } fragment F on Article { title translations { title } }",
        'mutation { deleteArticle(id: "QXJ0aWNsZTox") { __typename } }',
    ],
)
def test_any_other_field_keeps_the_full_rows(document):
    assert not decide(document)


@pytest.fixture
async def site(db):
    """Articles whose every column is filled: a column read from a slim row would show."""
    ada = await add_author(
        db, "Ada Lovelace", bio="<p>Analyst</p>", website="https://ada.example", twitter="ada",
        avatar_url="https://img.example/ada.png", avatar_alt="Ada", avatar_width=64,
        avatar_height=64,
    )  # fmt: skip
    grace = await add_author(db, "Grace Hopper", bio="<p>Admiral</p>")
    science = await add_term(db, "category", "Science", description="About science")
    tags = [await add_term(db, "tag", name, description=name) for name in ("maths", "ships")]
    slugs = []
    for i in range(4):
        article = await add_article(
            db, f"Story {i}", authors=[ada, grace] if i % 2 else [grace, ada],
            categories=[science], tags=tags[: 1 + i % 2], published_at=ago(hours=i + 1),
            excerpt=None if i == 1 else f"Excerpt {i}", reading_time_minutes=3 + i,
            feature_image_url="https://img.example/f.png", feature_image_alt="F",
        )  # fmt: skip
        if i != 2:
            await add_seo(
                db, "article", article, meta_title=f"Meta {i}" if i else None,
                meta_description="Described" if i == 3 else None, og_title="OG",
                twitter_title="TW", robots_index=i != 3,
            )  # fmt: skip
        slugs.append(f"story-{i}")
    return slugs


@pytest.fixture
def settings_overrides():
    return {"response_cache": False}  # every request runs the statements


@pytest.fixture
def statements_run(monkeypatch):
    """The names of the hot statements the requests run."""
    names: list[str] = []
    run = HotStatement.all

    async def recording(self: HotStatement, db: Any, **params: Any) -> Any:
        names.append(self.name)
        return await run(self, db, **params)

    monkeypatch.setattr(HotStatement, "all", recording)
    return names


@pytest.mark.parametrize("document", [HOME, EVERYTHING, ARTICLE])
async def test_slim_rows_answer_with_the_bytes_and_headers_of_full_rows(
    client, site, monkeypatch, statements_run, document
):
    variables = {"slug": site[1]} if "$slug" in document else None
    answers, ran = [], []
    for enabled in (False, True):
        monkeypatch.setattr(slim_module, "ENABLED", enabled)
        statements_run.clear()
        result = await gql(client, document, variables)
        assert ok(result)
        headers = {
            k: result.response.headers.get(k) for k in ("etag", "cache-tag", "cache-control")
        }
        answers.append((result.response.content, headers))
        ran.append(list(statements_run))
    assert answers[0] == answers[1]
    # the article statements (others, such as the next scheduled change, are read once)
    full, slim = ([n for n in names if n.startswith(("newest", "slug", "links"))] for names in ran)
    assert full and not any(name.endswith("-slim") for name in full)
    assert slim and all(name.endswith("-slim") for name in slim)

    def kinds(names: list[str]) -> set[str]:  # one article's links or a batch: as it falls
        return {n.removesuffix("-slim").replace("links-one", "links") for n in names}

    assert kinds(slim) == kinds(full)  # the same statements, slim
    assert "Analyst" not in result.response.text  # nothing asked for a biography


async def test_a_document_outside_the_list_reads_full_rows_in_the_same_request_shape(client, site):
    result = await gql(
        client,
        "query($slug: String!) { article(slug: $slug) { title authors { name bio website } } }",
        {"slug": site[1]},
    )
    authors = ok(result)["article"]["authors"]
    assert [a["bio"] for a in authors] == ["<p>Analyst</p>", "<p>Admiral</p>"]
    assert authors[0]["website"] == "https://ada.example"


async def test_slim_and_full_documents_in_turn_never_mix_rows(client, site):
    """A slim document, then a full one, then a slim one again: each gets its own rows."""
    full = "query($slug: String!) { article(slug: $slug) { authors { name bio } } }"
    slim = "query($slug: String!) { article(slug: $slug) { authors { name } } }"
    for _ in range(2):
        assert ok(await gql(client, slim, {"slug": site[1]}))["article"]["authors"][0] == {
            "name": "Ada Lovelace"
        }
        bios = ok(await gql(client, full, {"slug": site[1]}))["article"]["authors"]
        assert bios[0] == {"name": "Ada Lovelace", "bio": "<p>Analyst</p>"}


def test_slim_statements_read_fewer_columns_and_their_rows_have_them_all():
    extras = frozenset({"seo", "author"})
    full = hot_reads.NEWEST[(extras, True, False)]
    slim = hot_reads.NEWEST[(extras, True, True)]
    assert slim.shape is not None
    assert list(slim.shape(True).selected_columns.keys()) == list(
        full.builder(True).selected_columns.keys()
    )
    text = str(slim.builder(True))
    for left_out in ("bio", "og_title", "json_ld", "updated_by"):
        assert left_out not in text
    links = str(hot_reads.LINKS[(True, True)].builder(True))
    assert "author.bio" not in links and "author.name" in links and "avatar_url" in links

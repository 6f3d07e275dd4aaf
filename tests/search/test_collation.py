"""Titles sort as readers expect (Unicode collation: letters first, then accents, then case),
in the same order on SQLite and PostgreSQL, in both directions and across cursor pages."""

from __future__ import annotations

import pytest

from tests.auth_support import add_token, bearer, gid
from tests.support import add_article, add_author, add_term, gql, ok

TITLES = [
    "Zebra",
    "Banana",
    "apple",
    "Äpfel",
    "Öl",
    "ölig",
    "Éclair",
    "eclair",
    "Straße",
    "strasse",
]
EXPECTED = [
    "Äpfel",
    "apple",
    "Banana",
    "eclair",
    "Éclair",
    "Öl",
    "ölig",
    "strasse",
    "Straße",
    "Zebra",
]

LIST = """query($dir: OrderDirection, $after: String) {
  articles(first: 3, after: $after, orderBy: {field: TITLE, direction: $dir}) {
    nodes { title } pageInfo { hasNextPage endCursor } } }"""


@pytest.fixture
async def titles(db):
    author = await add_author(db, "Sorter")
    for i, title in enumerate(TITLES):
        await add_article(db, title, slug=f"t{i}", authors=[author])


async def all_pages(client, direction):
    seen, cursor = [], None
    while True:
        data = ok(await gql(client, LIST, {"dir": direction, "after": cursor}))["articles"]
        seen += [n["title"] for n in data["nodes"]]
        if not data["pageInfo"]["hasNextPage"]:
            return seen
        cursor = data["pageInfo"]["endCursor"]


async def test_titles_sort_by_collation_not_bytes(client, titles):
    assert await all_pages(client, "ASC") == EXPECTED
    assert await all_pages(client, "DESC") == EXPECTED[::-1]


async def test_a_retitled_article_moves(client, db, titles):
    editor = bearer(await add_token(db, "editor", name="desk"))
    document = """mutation($i: UpdateArticleInput!) { updateArticle(input: $i) {
      ... on ArticleSaved { article { title } } } }"""
    listing = ok(await gql(client, '{ article(slug: "t0") { id version } }'))["article"]
    changed = await gql(client, document, {"i": {
        "id": listing["id"], "expectedVersion": listing["version"], "title": "Ähre",
    }}, headers=editor)  # fmt: skip
    assert ok(changed)["updateArticle"]["article"]["title"] == "Ähre"
    assert (await all_pages(client, "ASC"))[:3] == ["Ähre", "Äpfel", "apple"]


NAMES = ["Zoo", "Banana", "apple", "Äpfel", "Öl", "eclair", "Éclair"]
NAMES_SORTED = ["Äpfel", "apple", "Banana", "eclair", "Éclair", "Öl", "Zoo"]


async def test_authors_categories_and_tags_sort_by_collation(client, db):
    for i, name in enumerate(NAMES):  # slugs of their own: "eclair" and "Éclair" collide
        await add_author(db, name, slug=f"a{i}")
        await add_term(db, "category", name, slug=f"c{i}")
        await add_term(db, "tag", name, slug=f"t{i}")
    for field in ("authors", "categories", "tags"):
        seen, cursor = [], None
        while True:
            query = f"""query($after: String) {{ {field}(first: 3, after: $after) {{
                nodes {{ name }} pageInfo {{ hasNextPage endCursor }} }} }}"""
            data = ok(await gql(client, query, {"after": cursor}))[field]
            seen += [n["name"] for n in data["nodes"]]
            if not data["pageInfo"]["hasNextPage"]:
                break
            cursor = data["pageInfo"]["endCursor"]
        assert seen == NAMES_SORTED, field


async def test_a_renamed_tag_moves(client, db):
    editor = bearer(await add_token(db, "editor", name="desk"))
    ids = [await add_term(db, "tag", name) for name in ("Beta", "Gamma")]
    document = """mutation($i: UpdateTermInput!) { updateTag(input: $i) {
      ... on TagSaved { tag { name } } } }"""
    renamed = await gql(client, document, {"i": {"id": gid("Tag", ids[1]), "name": "Ärger"}},
                        headers=editor)  # fmt: skip
    assert ok(renamed)["updateTag"]["tag"]["name"] == "Ärger"
    data = ok(await gql(client, "{ tags { nodes { name } } }"))["tags"]["nodes"]
    assert [n["name"] for n in data] == ["Ärger", "Beta"]

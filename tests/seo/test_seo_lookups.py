"""How SEO overrides and a route's article are read: one statement for overrides of every kind,
a seek on the unique index (not a scan of the table), and the route's article together with its
overrides in one row."""

from __future__ import annotations

import pytest
from sqlalchemy import event, text

from resolvers.hot.driver import _Compiled
from resolvers.seo.loaders import SEO_ENTITY_TYPES, SEO_META
from tests.auth_support import add_token, bearer
from tests.seo_support import editor_loaders
from tests.support import add_article, add_author, add_seo, add_term, gql, ok


async def test_overrides_of_every_kind_load_in_one_batch(db):
    authors = [await add_author(db, "Grace Hopper"), await add_author(db, "Ada Lovelace")]
    article = await add_article(db, "Nanoseconds", authors=authors[:1])
    bare = await add_article(db, "No overrides", authors=[])
    # an author whose id no overridden article has, and the reverse: a lookup that ignored
    # the kind would find the other table's override
    author = next(a for a in authors if a != article)
    category = await add_term(db, "category", "Compilers")
    tag = await add_term(db, "tag", "Navy")
    overridden = [("article", article), ("author", author), ("category", category), ("tag", tag)]
    for kind, entity_id in overridden:
        await add_seo(db, kind, entity_id, meta_title=f"{kind} title", robots_index=False)
    probes = [("article", bare), ("article", author), ("author", article)]
    assert not {("article", author), ("author", article)} & set(overridden)
    loaders = editor_loaders(db)
    statements: list[str] = []

    def count(_conn, _cursor, statement, *_args) -> None:
        statements.append(statement)

    event.listen(db.engine.sync_engine, "before_cursor_execute", count)
    try:
        rows = await loaders.seo_meta_by_entity.load_many([*overridden, *probes])
    finally:
        event.remove(db.engine.sync_engine, "before_cursor_execute", count)
    assert len(statements) == 1, statements
    found = [None if r is None else (r.entity_type, r.entity_id, r.meta_title) for r in rows]
    assert found == [(kind, i, f"{kind} title") for kind, i in overridden] + [None] * 3
    assert all(r.robots_index is False for r in rows[:4])  # booleans read as booleans


@pytest.mark.parametrize("backend", ["sqlite"])  # SQLite's planner scanned for row values
async def test_override_lookup_seeks_the_unique_index(db):
    compiled = _Compiled(SEO_META.builder(True), db.engine.dialect)
    ids = {kind: [1, 2] for kind in SEO_ENTITY_TYPES}
    async with db.engine.connect() as conn:
        plan = await conn.exec_driver_sql(
            "EXPLAIN QUERY PLAN " + compiled.sql, tuple(compiled.arguments(ids, True))
        )
        details = [row[-1] for row in plan]
    assert not any(d.startswith("SCAN seo_meta") for d in details), details
    assert sum("SEARCH seo_meta USING INDEX" in d for d in details) == len(SEO_ENTITY_TYPES)


ROUTE_SEO = """query($p: String!, $t: String) { route(path: $p, previewToken: $t) {
  __typename ... on Article { slug seo { title robots canonicalUrl } } } }"""
ROUTE_ONLY = """query($p: String!, $t: String) { route(path: $p, previewToken: $t) {
  __typename ... on Article { slug } } }"""


@pytest.mark.parametrize("viewer", ["anonymous", "editor", "preview"])
async def test_route_reads_the_article_with_its_overrides(client, db, viewer):
    article = await add_article(db, "Overridden page", slug="overridden-page", authors=[])
    await add_seo(db, "article", article, meta_title="Custom title", robots_index=False)
    headers, token = None, None
    if viewer != "anonymous":
        headers = bearer(await add_token(db, "editor"))
    if viewer == "preview":
        async with db.engine.begin() as conn:  # a draft: only the token shows it
            await conn.execute(text(f"UPDATE article SET status = 'draft' WHERE id = {article}"))
        ids = ok(await gql(client, "{ articles(first: 5) { nodes { id slug } } }", headers=headers))
        global_id = next(
            n["id"] for n in ids["articles"]["nodes"] if n["slug"] == "overridden-page"
        )
        token = await _preview_token_by_id(client, headers, global_id)
        headers = None  # the token alone opens the draft
    variables = {"p": "/articles/overridden-page", "t": token}
    with_seo = await gql(client, ROUTE_SEO, variables, headers=headers)
    assert ok(with_seo)["route"] == {
        "__typename": "Article",
        "slug": "overridden-page",
        "seo": {
            "title": "Custom title",
            "robots": "noindex, follow",
            "canonicalUrl": "https://news.example.com/articles/overridden-page",
        },
    }
    without = await gql(client, ROUTE_ONLY, variables, headers=headers)
    assert ok(without)["route"] == {"__typename": "Article", "slug": "overridden-page"}
    # the overrides come in the article's own row: no statement of their own
    assert with_seo.statements == without.statements


async def _preview_token_by_id(client, editor: dict[str, str], global_id: str) -> str:
    created = await gql(
        client,
        """mutation($input: CreatePreviewTokenInput!) { createPreviewToken(input: $input) {
          ... on PreviewTokenCreated { token } } }""",
        {"input": {"articleId": global_id, "expiresIn": 600}},
        headers=editor,
    )
    return str(ok(created)["createPreviewToken"]["token"])

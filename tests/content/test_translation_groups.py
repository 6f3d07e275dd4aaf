"""Joining a translation group needs the right to edit an article already in it: an author
cannot attach their draft to someone else's translations by guessing the group's key."""

from __future__ import annotations

from sqlalchemy import select

from resolvers.models import article_t
from tests.auth_support import add_token, bearer, gid
from tests.support import add_article, add_author, gql, ok

CREATE = """mutation ($input: CreateArticleInput!) { createArticle(input: $input) {
  __typename ... on ArticleSaved { article { databaseId } } ... on ForbiddenError { message } } }"""
UPDATE = """mutation ($input: UpdateArticleInput!) { updateArticle(input: $input) {
  __typename ... on ArticleSaved { article { databaseId } } ... on ForbiddenError { message } } }"""


async def groups(db) -> dict[int, str | None]:
    rows = await db.all(select(article_t.c.id, article_t.c.translation_group))
    return {r.id: r.translation_group for r in rows}


async def test_author_cannot_join_a_group_of_articles_they_may_not_edit(client, db) -> None:
    ada = await add_author(db, "Ada", slug="ada")
    eve = await add_author(db, "Eve", slug="eve")
    await add_article(db, "Hello", authors=[ada], slug="hello", translation_group="tg-11")
    eve_token = bearer(await add_token(db, "author", author_id=eve))
    refused = await gql(
        client, CREATE, {"input": {"title": "Hallo", "locale": "de", "translationGroup": "tg-11"}},
        headers=eve_token,
    )  # fmt: skip
    payload = ok(refused)["createArticle"]
    assert payload["__typename"] == "ForbiddenError"
    assert "translation group 'tg-11'" in payload["message"]
    before = await groups(db)
    assert len(before) == 1  # nothing was written

    own = ok(await gql(client, CREATE, {"input": {"title": "Hallo"}}, headers=eve_token))
    own_id = own["createArticle"]["article"]["databaseId"]
    moved = await gql(
        client, UPDATE,
        {"input": {"id": gid("Article", own_id), "expectedVersion": 1, "translationGroup": "tg-11"}},
        headers=eve_token,
    )  # fmt: skip
    assert ok(moved)["updateArticle"]["__typename"] == "ForbiddenError"
    assert (await groups(db))[own_id] is None


async def test_joining_is_allowed_with_edit_rights_or_for_a_new_group(client, db) -> None:
    eve = await add_author(db, "Eve", slug="eve")
    await add_article(
        db, "Own draft", authors=[eve], slug="draft", status="draft", translation_group="tg-eve"
    )
    eve_token = bearer(await add_token(db, "author", author_id=eve))
    for group in ("tg-eve", "tg-brand-new"):
        created = await gql(
            client, CREATE, {"input": {"title": f"In {group}", "translationGroup": group}},
            headers=eve_token,
        )  # fmt: skip
        assert ok(created)["createArticle"]["__typename"] == "ArticleSaved", group
    editor = bearer(await add_token(db, "editor"))
    ada = await add_author(db, "Ada", slug="ada")
    created = await gql(
        client, CREATE,
        {"input": {"title": "Editor's", "authorIds": [gid("Author", ada)], "translationGroup": "tg-eve"}},
        headers=editor,
    )  # fmt: skip
    assert ok(created)["createArticle"]["__typename"] == "ArticleSaved"
    assert sorted(g for g in (await groups(db)).values()) == [
        "tg-brand-new", "tg-eve", "tg-eve", "tg-eve",
    ]  # fmt: skip

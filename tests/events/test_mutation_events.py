"""Every content mutation writes its outbox event in its own transaction; a refused or failed
mutation writes none (both backends, real GraphQL mutations over HTTP)."""

from __future__ import annotations

from typing import Any

from sqlalchemy import select

from resolvers.events.models import outbox_event_t
from tests.auth_support import add_token, bearer, gid
from tests.support import add_author, ahead, gql, ok

ARTICLE = (
    "... on ArticleSaved { article { id databaseId version } } ... on MutationError { message }"
)


async def events(db) -> list[Any]:
    return list(await db.all(select(outbox_event_t).order_by(outbox_event_t.c.id)))


async def types(db) -> list[str]:
    return [e.type for e in await events(db)]


async def mutate(client, headers, field: str, input_: dict[str, Any], selection: str) -> Any:
    query = f"mutation ($input: {input_type(field)}!) {{ {field}(input: $input) {{ __typename {selection} }} }}"
    return ok(await gql(client, query, {"input": input_}, headers=headers))[field]


def input_type(field: str) -> str:
    return {
        "createArticle": "CreateArticleInput",
        "updateArticle": "UpdateArticleInput",
        "publishArticle": "PublishArticleInput",
        "unpublishArticle": "ArticleRefInput",
        "archiveArticle": "ArticleRefInput",
        "deleteArticle": "ArticleRefInput",
        "createAuthor": "CreateAuthorInput",
        "createCategory": "CreateTermInput",
        "createTag": "CreateTermInput",
        "createRedirect": "CreateRedirectInput",
    }[field]


async def test_article_lifecycle_events(client, db):
    editor = bearer(await add_token(db, "editor"))
    author = await add_author(db, "Ada")
    created = await mutate(
        client, editor, "createArticle",
        {"title": "Engines", "authorIds": [gid("Author", author)]}, ARTICLE,
    )  # fmt: skip
    article = created["article"]
    ref = {"id": article["id"]}
    await mutate(client, editor, "updateArticle",
                 {**ref, "expectedVersion": article["version"], "title": "Analytical engines"},
                 ARTICLE)  # fmt: skip
    await mutate(client, editor, "publishArticle", ref, ARTICLE)
    await mutate(client, editor, "unpublishArticle", ref, ARTICLE)
    await mutate(
        client, editor, "publishArticle", {**ref, "publishedAt": ahead(days=1).isoformat()}, ARTICLE
    )
    await mutate(client, editor, "archiveArticle", ref, ARTICLE)
    await mutate(client, editor, "deleteArticle", ref, "... on ArticleDeleted { deletedId }")
    assert await types(db) == [
        "article.created",
        "article.updated",
        "article.published",
        "article.unpublished",
        "article.scheduled",
        "article.published",  # due at the scheduled time (superseded: it was archived)
        "article.archived",
        "article.deleted",
    ]
    rows = await events(db)
    published = rows[2].payload
    assert published["public"] is True and published["wasPublic"] is False
    assert published["pathsAfter"] == ["/articles/engines"]
    assert published["related"] == [["author", author]]
    assert rows[3].payload["wasPublic"] is True and rows[3].payload["public"] is False
    assert rows[5].payload["scheduled"] is True and rows[5].dispatched_at is None
    deleted = rows[-1].payload
    assert deleted["slug"] == "engines" and deleted["pathsBefore"] == ["/articles/engines"]
    versions = [r.payload["version"] for r in rows if r.type != "article.published"]
    assert versions == sorted(versions)


async def test_other_content_events(client, db):
    editor = bearer(await add_token(db, "editor"))
    await mutate(client, editor, "createAuthor", {"name": "Grace"}, "")
    await mutate(client, editor, "createCategory", {"name": "Science"}, "")
    await mutate(client, editor, "createTag", {"name": "Compilers"}, "")
    await mutate(client, editor, "createRedirect", {"fromPath": "/old", "toPath": "/new"}, "")
    rows = await events(db)
    assert [r.type for r in rows] == [
        "author.created",
        "category.created",
        "tag.created",
        "redirect.created",
    ]
    assert rows[0].payload["slug"] == "grace" and rows[0].payload["pathsAfter"] == [
        "/authors/grace"
    ]


async def test_refused_and_conflicting_mutations_write_no_event(client, db):
    editor = bearer(await add_token(db, "editor"))
    author = await add_author(db, "Ada")
    refused = await mutate(client, editor, "createArticle",
                           {"title": "", "authorIds": [gid("Author", author)]}, ARTICLE)  # fmt: skip
    assert refused["__typename"] == "ValidationError"
    created = await mutate(client, editor, "createArticle",
                           {"title": "Kept", "authorIds": [gid("Author", author)]}, ARTICLE)  # fmt: skip
    conflict = await mutate(
        client, editor, "updateArticle",
        {"id": created["article"]["id"], "expectedVersion": 99, "title": "Lost"}, ARTICLE,
    )  # fmt: skip
    assert conflict["__typename"] == "ConflictError"
    anonymous = await mutate(
        client, None, "publishArticle", {"id": created["article"]["id"]}, ARTICLE
    )
    assert anonymous["__typename"] == "ForbiddenError"
    assert await types(db) == ["article.created"]

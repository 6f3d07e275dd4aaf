"""Soft delete: the trash hides an article everywhere, its public path answers 410, restoreArticle
brings it back with its redirects, and the worker purges it once its time is over."""

from __future__ import annotations

from datetime import timedelta

import pytest
from sqlalchemy import select, update

from gateway.events.worker import EventWorker
from resolvers.access import CLI
from resolvers.commands import CommandEnv
from resolvers.db import now_utc
from resolvers.models import article_t, redirect_t
from resolvers.revisions.models import article_trash_t, revision_t
from resolvers.revisions.trash import trash_article
from resolvers.site import Site
from tests.auth_support import add_token, bearer, gid
from tests.revisions_support import (
    CREATE,
    DELETE,
    RESTORE_ARTICLE,
    UPDATE,
    call,
    everything,
)
from tests.support import add_article, add_author, gql, ok

ROUTE = """query($p: String!) { route(path: $p) { __typename
  ... on Article { slug title } ... on Redirect { location statusCode } ... on Gone { statusCode }
} }"""
TRASH = """{ trashedArticles { slug deletedBy purgeAfter article { id title status } } }"""
LIST = "{ articles(first: 50) { nodes { slug } } }"


async def route(client, path, headers=None):
    return ok(await gql(client, ROUTE, {"p": path}, headers=headers))["route"]


@pytest.fixture
async def desk(db):
    ada = await add_author(db, "Ada Lovelace")
    return {"ada": ada, "editor": bearer(await add_token(db, "editor", name="desk"))}


async def test_delete_then_restore_brings_back_path_and_redirects(client, db, desk):
    ed = desk["editor"]
    article_id = await add_article(db, "Comets", authors=[desk["ada"]], slug="comets-old")
    ref = gid("Article", article_id)
    await call(client, UPDATE, {"id": ref, "expectedVersion": 1, "slug": "comets"}, ed)
    assert await route(client, "/articles/comets-old") == {
        "__typename": "Redirect", "location": "/articles/comets", "statusCode": 301,
    }  # fmt: skip
    deleted = await call(client, DELETE, {"id": ref, "expectedVersion": 2}, ed)
    assert deleted["__typename"] == "ArticleDeleted"
    for path in ("/articles/comets", "/articles/comets-old"):
        assert await route(client, path) == {"__typename": "Gone", "statusCode": 410}
        assert (await route(client, path, ed))["__typename"] == "Gone"
    for headers in (None, ed):  # gone from every listing and lookup, editors included
        listed = ok(await gql(client, LIST, headers=headers))["articles"]["nodes"]
        assert listed == []
        node = await gql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": ref},
                         headers=headers)  # fmt: skip
        assert ok(node)["node"] is None
    trash = ok(await gql(client, TRASH, headers=ed))["trashedArticles"]
    assert [(t["slug"], t["deletedBy"], t["article"]["title"]) for t in trash] == [
        ("comets", "token:desk", "Comets")
    ]
    assert (await gql(client, TRASH)).codes == ["FORBIDDEN"]
    # the path is free while the article waits in the trash
    reuse = await call(client, CREATE, {"title": "Comets", "slug": "comets",
                                        "authorIds": [gid("Author", desk["ada"])]}, ed)  # fmt: skip
    assert reuse["__typename"] == "ArticleSaved"
    blocked = await call(client, RESTORE_ARTICLE, {"id": ref}, ed)
    assert blocked["__typename"] == "ValidationError"
    assert blocked["fields"][0]["code"] == "SLUG_TAKEN"
    await call(client, DELETE, {"id": reuse["article"]["id"]}, ed)  # a draft: no 410
    restored = await call(client, RESTORE_ARTICLE, {"id": ref}, ed)
    assert restored["__typename"] == "ArticleSaved", restored
    assert restored["article"]["slug"] == "comets"
    assert restored["article"]["status"] == "PUBLISHED"
    assert (await route(client, "/articles/comets"))["__typename"] == "Article"
    assert await route(client, "/articles/comets-old") == {
        "__typename": "Redirect", "location": "/articles/comets", "statusCode": 301,
    }  # fmt: skip
    again = await call(client, RESTORE_ARTICLE, {"id": ref}, ed)
    assert again["__typename"] == "NotFoundError"  # not in the trash any more


async def test_only_those_who_may_delete_may_restore(client, db, desk):
    ed = desk["editor"]
    grace = await add_author(db, "Grace Hopper")
    grace_token = bearer(await add_token(db, "author", name="grace", author_id=grace))
    ref = gid("Article", await add_article(db, "Ada's", authors=[desk["ada"]], status="draft"))
    await call(client, DELETE, {"id": ref}, ed)
    before = await everything(db)
    for headers in (None, grace_token):
        refused = await call(client, RESTORE_ARTICLE, {"id": ref}, headers)
        assert refused["__typename"] == "ForbiddenError", refused
    stale = await call(client, RESTORE_ARTICLE, {"id": ref, "expectedVersion": 1}, ed)
    assert stale["__typename"] == "ConflictError" and stale["currentVersion"] == 2
    assert await everything(db) == before


async def test_worker_purges_the_trash_when_its_time_is_over(db, desk, settings):
    ed_id = await add_article(db, "Old news", authors=[desk["ada"]])
    keep_id = await add_article(db, "Recent news", authors=[desk["ada"]])
    env = CommandEnv(db=db, site=Site(trash_days=30), viewer=CLI, now=now_utc())
    await trash_article(env, ed_id, None)
    await trash_article(env, keep_id, None)
    async with db.engine.begin() as conn:  # the first one has waited its 30 days
        await conn.execute(
            update(article_trash_t)
            .where(article_trash_t.c.article_id == ed_id)
            .values(purge_after=now_utc() - timedelta(seconds=1))
        )
    await EventWorker(db, settings).housekeeping()
    left = [r.id for r in await db.all(select(article_t.c.id).order_by(article_t.c.id))]
    assert left == [keep_id]
    assert await db.all(select(revision_t.c.id).where(revision_t.c.entity_id == ed_id)) == []
    gone = await db.all(select(redirect_t.c.from_path, redirect_t.c.status_code))
    assert ("/articles/old-news", 410) in [tuple(r) for r in gone]  # its path stays Gone

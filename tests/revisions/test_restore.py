"""restoreArticleRevision: an earlier state becomes the next version, exactly as it was served,
through the same checks, redirects and cache purge as an update; conflicts keep their meaning."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import delete, select, text

from resolvers.models import article_t, author_t, redirect_t
from tests.auth_support import add_token, bearer, gid
from tests.revisions_support import (
    FULL_ARTICLE,
    PUBLISH,
    RESTORE_REVISION,
    REVISIONS,
    UPDATE,
    call,
    everything,
    without_bookkeeping,
)
from tests.support import add_article, add_author, add_term, ahead, gql, ok

MODULE_SETTINGS = {"cache_backend": "memory"}


@pytest.fixture
async def desk(db):
    ada = await add_author(db, "Ada Lovelace")
    grace = await add_author(db, "Grace Hopper")
    science = await add_term(db, "category", "Science")
    space = await add_term(db, "tag", "Space")
    editor = bearer(await add_token(db, "editor", name="desk"))
    return {"ada": ada, "grace": grace, "science": science, "space": space, "editor": editor}


async def revision_of(client, article, version, headers):
    seen = ok(await gql(client, REVISIONS, {"id": article, "first": 50}, headers=headers))
    return next(n["id"] for n in seen["article"]["revisions"]["nodes"] if n["version"] == version)


async def read(client, article, headers=None):
    return ok(await gql(client, FULL_ARTICLE, {"id": article}, headers=headers))["article"]


async def test_restore_reproduces_the_earlier_response_exactly(client, db, desk, backend):
    article_id = await add_article(db, "Orbits", authors=[desk["ada"]], status="draft")
    ref = gid("Article", article_id)
    ed = desk["editor"]
    shaped = await call(client, UPDATE, {
        "id": ref, "expectedVersion": 1, "slug": "orbits", "excerpt": "How orbits work.",
        "body": "<p>Kepler's <em>laws</em>.</p>", "authorIds": [gid("Author", desk["ada"]),
        gid("Author", desk["grace"])], "categoryIds": [gid("Category", desk["science"])],
        "tagIds": [gid("Tag", desk["space"])],
        "featureImage": {"url": "https://img.example.com/o.png", "alt": "An orbit",
                         "width": 1200, "height": 630},
        "seo": {"metaTitle": "Orbits, simply", "metaDescription": "Why planets go round.",
                "ogTitle": "Orbits!", "robotsFollow": False},
    }, ed)  # fmt: skip
    assert shaped["__typename"] == "ArticleSaved", shaped
    published = await call(client, PUBLISH, {
        "id": ref, "expectedVersion": 2, "unpublishAt": ahead(days=30).isoformat(),
    }, ed)  # fmt: skip
    assert published["article"]["status"] == "PUBLISHED"
    good = await read(client, ref)  # what an anonymous reader saw at version 3
    assert good["path"] == "/articles/orbits"
    changed = await call(client, UPDATE, {
        "id": ref, "expectedVersion": 3, "slug": "orbits-2", "title": "Orbits (draft)",
        "body": "<p>Oops.</p>", "authorIds": [gid("Author", desk["grace"])], "categoryIds": [],
        "tagIds": [], "featureImage": None, "unpublishAt": None,
        "seo": {"metaTitle": None, "ogTitle": None, "robotsFollow": True},
    }, ed)  # fmt: skip
    assert changed["article"]["version"] == 4
    assert (await read(client, gid("Article", article_id)))["slug"] == "orbits-2"
    restored = await call(client, RESTORE_REVISION, {
        "revisionId": await revision_of(client, ref, 3, ed), "expectedVersion": 4,
    }, ed)  # fmt: skip
    assert restored["__typename"] == "ArticleSaved", restored
    assert restored["article"]["version"] == 5  # a new version: history is not rewritten
    assert sorted(restored["changedPaths"]) == ["/articles/orbits", "/articles/orbits-2"]
    again = await read(client, ref)  # anonymous again: the cached v4 answer was purged
    assert without_bookkeeping(again) == without_bookkeeping(good)
    moved = await db.all(select(redirect_t.c.from_path, redirect_t.c.to_path))
    assert [tuple(r) for r in moved] == [("/articles/orbits-2", "/articles/orbits")]
    nodes = ok(await gql(client, REVISIONS, {"id": ref}, headers=ed))["article"]["revisions"]
    newest = nodes["nodes"][0]
    assert (newest["version"], newest["operation"]) == (5, "restoreArticleRevision")
    assert nodes["totalCount"] == 5


async def test_restore_refusals_are_clear_and_change_nothing(client, db, desk):
    ed = desk["editor"]
    article_id = await add_article(db, "Tides", authors=[desk["grace"]], status="draft")
    other = await add_article(db, "Other", authors=[desk["ada"]], slug="taken", status="draft")
    ref = gid("Article", article_id)
    await call(client, UPDATE, {"id": ref, "expectedVersion": 1, "slug": "taken-later"}, ed)
    await call(client, UPDATE, {"id": ref, "expectedVersion": 2, "slug": "tides-2"}, ed)
    v2 = await revision_of(client, ref, 2, ed)
    v1 = await revision_of(client, ref, 1, ed)
    # the slug of version 2 is taken by another article by now
    await call(client, UPDATE, {"id": gid("Article", other), "expectedVersion": 1,
                                "slug": "taken-later"}, ed)  # fmt: skip
    before = await everything(db)
    cases = [
        ({"revisionId": v2, "expectedVersion": 3}, "ValidationError", "SLUG_TAKEN"),
        ({"revisionId": v1, "expectedVersion": 2}, "ConflictError", None),
        ({"revisionId": gid("ArticleRevision", 999999), "expectedVersion": 3},
         "NotFoundError", None),
        ({"revisionId": gid("Article", article_id), "expectedVersion": 3},
         "ValidationError", "INVALID_ID"),
        ({"revisionId": "%%%", "expectedVersion": 3}, "ValidationError", "INVALID_ID"),
    ]  # fmt: skip
    for input_, typename, code in cases:
        payload = await call(client, RESTORE_REVISION, input_, ed)
        assert payload["__typename"] == typename, (input_, payload)
        if code:
            assert payload["fields"][0]["code"] == code, payload
    assert await everything(db) == before


async def test_restore_needs_the_links_to_exist(client, db, desk):
    ed = desk["editor"]
    gone = await add_author(db, "Gone Author")
    article_id = await add_article(db, "Byline", authors=[gone], status="draft")
    ref = gid("Article", article_id)
    await call(client, UPDATE, {"id": ref, "expectedVersion": 1,
                                "authorIds": [gid("Author", desk["ada"])]}, ed)  # fmt: skip
    first = await revision_of(client, ref, 1, ed)
    async with db.engine.begin() as conn:
        await conn.execute(delete(author_t).where(author_t.c.id == gone))
    before = await everything(db)
    payload = await call(client, RESTORE_REVISION, {"revisionId": first, "expectedVersion": 2}, ed)
    assert payload["__typename"] == "ValidationError"
    assert payload["fields"][0]["code"] == "NOT_FOUND"
    assert "author" in payload["fields"][0]["message"]
    assert await everything(db) == before


async def test_authors_restore_their_own_drafts_only(client, db, desk):
    ed = desk["editor"]
    ada = bearer(await add_token(db, "author", name="ada", author_id=desk["ada"]))
    mine = gid("Article", await add_article(db, "Mine", authors=[desk["ada"]], status="draft"))
    await call(client, UPDATE, {"id": mine, "expectedVersion": 1, "title": "Mine 2"}, ada)
    restored = await call(client, RESTORE_REVISION, {
        "revisionId": await revision_of(client, mine, 1, ada), "expectedVersion": 2,
    }, ada)  # fmt: skip
    assert restored["article"]["title"] == "Mine"
    # a draft revision of an article that is published now would unpublish it: editors only
    await call(client, PUBLISH, {"id": mine, "expectedVersion": 3}, ed)
    refused = await call(client, RESTORE_REVISION, {
        "revisionId": await revision_of(client, mine, 2, ed), "expectedVersion": 4,
    }, ada)  # fmt: skip
    assert refused["__typename"] == "ForbiddenError"
    anonymous = await call(client, RESTORE_REVISION, {
        "revisionId": await revision_of(client, mine, 2, ed), "expectedVersion": 4,
    }, None)  # fmt: skip
    assert anonymous["__typename"] == "ForbiddenError"


async def test_concurrent_restores_and_edits_one_winner(client, db, desk):
    ed = desk["editor"]
    article_id = await add_article(db, "Race", authors=[desk["ada"]])
    ref = gid("Article", article_id)
    await call(client, UPDATE, {"id": ref, "expectedVersion": 1, "title": "Race 2"}, ed)
    first = await revision_of(client, ref, 1, ed)
    results = await asyncio.gather(
        call(client, RESTORE_REVISION, {"revisionId": first, "expectedVersion": 2}, ed),
        call(client, UPDATE, {"id": ref, "expectedVersion": 2, "title": "Theirs"}, ed),
        call(client, RESTORE_REVISION, {"revisionId": first, "expectedVersion": 2}, ed),
    )
    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["ArticleSaved", "ConflictError", "ConflictError"], results
    winner = next(r for r in results if r["__typename"] == "ArticleSaved")
    stored = (await db.all(select(article_t.c.title, article_t.c.version)))[0]
    assert (stored.title, stored.version) == (winner["article"]["title"], 3)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_restore_waits_for_the_row_lock_and_then_conflicts(client, db, desk, backend):
    """A restore and an update both blocked on the row lock another transaction holds: once
    it lets go, exactly one of them wins (no lost update)."""
    ed = desk["editor"]
    article_id = await add_article(db, "Locked", authors=[desk["ada"]])
    ref = gid("Article", article_id)
    await call(client, UPDATE, {"id": ref, "expectedVersion": 1, "title": "Locked 2"}, ed)
    first = await revision_of(client, ref, 1, ed)
    async with db.engine.connect() as holder:
        transaction = await holder.begin()
        await holder.execute(
            select(article_t.c.id).where(article_t.c.id == article_id).with_for_update()
        )
        tasks = [
            asyncio.create_task(
                call(client, RESTORE_REVISION, {"revisionId": first, "expectedVersion": 2}, ed)
            ),
            asyncio.create_task(
                call(client, UPDATE, {"id": ref, "expectedVersion": 2, "title": "Other"}, ed)
            ),
        ]
        async with db.engine.connect() as watcher:
            for _ in range(1000):  # until both requests wait on the lock (bounded)
                waiting = await watcher.scalar(
                    text("SELECT count(*) FROM pg_stat_activity "
                         "WHERE datname = current_database() AND wait_event_type = 'Lock'")
                )  # fmt: skip
                await watcher.rollback()
                if waiting >= 2:
                    break
                await asyncio.sleep(0.01)
            assert waiting >= 2
        await transaction.rollback()
        results = await asyncio.gather(*tasks)
    assert sorted(r["__typename"] for r in results) == ["ArticleSaved", "ConflictError"]
    assert (await db.scalar(select(article_t.c.version))) == 3

"""No lost updates: concurrent updates with the same expectedVersion — exactly one wins, the
others get ConflictError, and the stored article is the winner's."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import select, text

from resolvers.models import article_t
from tests.auth_support import add_token, bearer, gid
from tests.support import add_article, add_author, gql, ok

UPDATE = """mutation($input: UpdateArticleInput!) { updateArticle(input: $input) {
  __typename ... on ArticleSaved { article { title version } }
  ... on ConflictError { currentVersion } } }"""


async def _update(client, headers, article_id, title, version=1):
    result = await gql(client, UPDATE, {"input": {
        "id": gid("Article", article_id), "expectedVersion": version, "title": title,
    }}, headers=headers)  # fmt: skip
    return ok(result)["updateArticle"]


async def test_concurrent_requests_one_winner(client, db):
    ada = await add_author(db, "Ada Lovelace")
    article_id = await add_article(db, "Original", authors=[ada])
    headers = bearer(await add_token(db, "editor"))
    titles = [f"Edit {i}" for i in range(8)]
    results = await asyncio.gather(*(_update(client, headers, article_id, t) for t in titles))
    winners = [r for r in results if r["__typename"] == "ArticleSaved"]
    losers = [r for r in results if r["__typename"] == "ConflictError"]
    assert len(winners) == 1 and len(losers) == 7, results
    assert all(r["currentVersion"] == 2 for r in losers)
    stored = (await db.all(select(article_t.c.title, article_t.c.version)))[0]
    assert (stored.title, stored.version) == (winners[0]["article"]["title"], 2)


@pytest.mark.parametrize("backend", ["postgres"], indirect=True)
async def test_writers_blocked_on_the_same_row_do_not_overwrite(client, db, backend):
    """Both requests are provably in flight at once: they wait on the row lock a third
    transaction holds (seen in pg_stat_activity) before it lets go."""
    ada = await add_author(db, "Ada Lovelace")
    article_id = await add_article(db, "Original", authors=[ada])
    headers = bearer(await add_token(db, "editor"))
    async with db.engine.connect() as holder:
        transaction = await holder.begin()
        await holder.execute(
            select(article_t.c.id).where(article_t.c.id == article_id).with_for_update()
        )
        requests = [
            asyncio.create_task(_update(client, headers, article_id, title))
            for title in ("Left", "Right")
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
            assert waiting >= 2, "the two updates never blocked on the row lock"
        await transaction.commit()
        results = await asyncio.gather(*requests)
    kinds = sorted(r["__typename"] for r in results)
    assert kinds == ["ArticleSaved", "ConflictError"], results
    winner = next(r for r in results if r["__typename"] == "ArticleSaved")
    stored = (await db.all(select(article_t.c.title, article_t.c.version)))[0]
    assert (stored.title, stored.version) == (winner["article"]["title"], 2)

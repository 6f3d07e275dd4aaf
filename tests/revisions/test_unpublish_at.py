"""unpublishAt: public until exactly then (no job: every read compares with its clock), cached
answers do not outlive it, and an event is due then (purges, webhooks, subscribers)."""

from __future__ import annotations

from datetime import datetime, timedelta

from sqlalchemy import select

from resolvers.cache_tags import TagCollector
from resolvers.content.articles import ARTICLE_COLUMNS
from resolvers.db import as_utc
from resolvers.events import deliveries
from resolvers.events.models import event_delivery_t, outbox_event_t
from resolvers.models import article_t
from resolvers.visibility import PUBLIC
from tests.auth_support import add_token, bearer, gid, serve
from tests.cache_support import get
from tests.revisions_support import PUBLISH, UPDATE, call, everything
from tests.support import add_article, add_author, ago, ahead, gql, ok

MODULE_SETTINGS = {"cache_backend": "memory"}
READ = """{ article(slug: "fleeting") { title status unpublishAt }
  articles { totalCount nodes { title } }
  author(slug: "ada-lovelace") { articles { totalCount } }
  route(path: "/articles/fleeting") { __typename } }"""


async def _read_at(app, client, moment, headers=None):
    app.state.clock = lambda: moment
    return ok(await gql(client, READ, headers=headers))


async def test_public_until_exactly_unpublish_at(settings, db):
    ada = await add_author(db, "Ada Lovelace")
    article = await add_article(db, "Fleeting", authors=[ada], status="draft")
    editor = bearer(await add_token(db, "editor"))
    ends = ahead(days=1).replace(microsecond=250_000)
    async with serve(settings) as (app, client):
        saved = await call(client, PUBLISH, {
            "id": gid("Article", article), "unpublishAt": ends.isoformat(),
        }, editor)  # fmt: skip
        assert saved["article"]["status"] == "PUBLISHED"
        assert datetime.fromisoformat(saved["article"]["unpublishAt"]) == ends
        before = await _read_at(app, client, ends - timedelta(microseconds=1))
        assert before["article"]["status"] == "PUBLISHED"
        assert before["articles"]["totalCount"] == 1
        assert before["author"]["articles"]["totalCount"] == 1
        assert before["route"]["__typename"] == "Article"
        exactly = await _read_at(app, client, ends)
        assert exactly["article"] is None
        assert exactly["articles"] == {"totalCount": 0, "nodes": []}
        assert exactly["author"]["articles"]["totalCount"] == 0
        assert exactly["route"]["__typename"] != "Article"
        as_editor = await _read_at(app, client, ends, editor)
        assert as_editor["article"]["status"] == "EXPIRED"


async def test_cached_answers_do_not_outlive_unpublish_at(client, db):
    ada = await add_author(db, "Ada Lovelace")
    article = await add_article(db, "Fleeting", authors=[ada], status="draft")
    editor = bearer(await add_token(db, "editor"))
    ends = datetime.now().astimezone() + timedelta(seconds=5)
    await call(client, PUBLISH, {"id": gid("Article", article), "unpublishAt": ends.isoformat()},
               editor)  # fmt: skip
    for query in ('{ article(slug: "fleeting") { title } }', "{ articles { nodes { slug } } }"):
        response = await get(client, query)
        assert "fleeting" in response.text.lower()
        control = response.headers["cache-control"]
        assert int(control.split("max-age=")[1].split(",")[0]) <= 5, control


async def test_the_end_of_publication_is_an_event_due_then(client, db):
    ada = await add_author(db, "Ada Lovelace")
    article = await add_article(db, "Fleeting", authors=[ada], status="draft")
    editor = bearer(await add_token(db, "editor"))
    ends = ahead(days=3)
    await call(client, PUBLISH, {"id": gid("Article", article), "unpublishAt": ends.isoformat()},
               editor)  # fmt: skip
    rows = await db.all(
        select(outbox_event_t.c.type, outbox_event_t.c.available_at, outbox_event_t.c.payload)
        .where(outbox_event_t.c.entity_type == "article")
        .order_by(outbox_event_t.c.id)
    )
    assert [r.type for r in rows] == ["article.published", "article.unpublished"]
    due = rows[1]
    assert as_utc(due.available_at) == ends
    assert due.payload["status"] == "expired" and due.payload["wasPublic"] is True
    assert due.payload["pathsBefore"] == ["/articles/fleeting"]


async def test_bad_unpublish_times_are_refused(client, db):
    ada = await add_author(db, "Ada Lovelace")
    published = await add_article(db, "Live", authors=[ada], published_at=ago(hours=2))
    draft = await add_article(db, "Draft", authors=[ada], status="draft")
    editor = bearer(await add_token(db, "editor"))
    before = await everything(db)
    cases = [
        (UPDATE, {"id": gid("Article", published), "expectedVersion": 1,
                  "unpublishAt": ago(hours=3).isoformat()}, "OUT_OF_RANGE"),
        (PUBLISH, {"id": gid("Article", draft), "publishedAt": ahead(days=2).isoformat(),
                   "unpublishAt": ahead(days=1).isoformat()}, "OUT_OF_RANGE"),
        (PUBLISH, {"id": gid("Article", draft), "unpublishAt": "2031-01-01T00:00:00"},
         "TIMEZONE_REQUIRED"),
    ]  # fmt: skip
    for document, input_, code in cases:
        payload = await call(client, document, input_, editor)
        assert payload["__typename"] == "ValidationError", payload
        assert [f["code"] for f in payload["fields"]] == [code]
        assert payload["fields"][0]["path"] == ["input", "unpublishAt"]
    assert await everything(db) == before


async def test_sql_and_python_forms_of_the_rule_agree_on_ends_and_the_trash(db):
    """The one public rule, extended: an end of publication, review and the trash."""
    ada = await add_author(db, "Ada Lovelace")
    now = datetime.now().astimezone()
    cases = {  # name: (values, public, state readers see)
        "ending-later": ({"unpublish_at": ahead(days=1)}, True, "published"),
        "ended": ({"unpublish_at": ago(minutes=1)}, False, "expired"),
        "in-review": ({"status": "in_review", "published_at": None}, False, "in_review"),
        "trashed": ({"deleted_at": ago(minutes=1)}, False, "published"),
    }
    ids = {}
    for name, (values, _, _) in cases.items():
        ids[await add_article(db, f"Case {name}", authors=[ada], **values)] = name
    by_sql = {r.id for r in await db.all(select(article_t.c.id).where(PUBLIC.sql(now)))}
    for row in await db.all(select(*ARTICLE_COLUMNS)):
        _, public, state = cases[ids[row.id]]
        assert PUBLIC.holds(row, now) is public, ids[row.id]
        assert (row.id in by_sql) is public, ids[row.id]
        assert PUBLIC.state(row.status, row.published_at, now, row.unpublish_at) == state
        tags = TagCollector()
        tags.articles([row], now)
        assert tags.private is not public
        assert tags.time_sensitive is (ids[row.id] == "ending-later")


async def test_the_end_event_is_dispatched_then_unless_superseded(client, db):
    ada = await add_author(db, "Ada Lovelace")
    editor = bearer(await add_token(db, "editor"))
    kept = await add_article(db, "Kept", authors=[ada], status="draft")
    changed = await add_article(db, "Moved", authors=[ada], status="draft")
    ends = ahead(days=3)
    for article in (kept, changed):
        await call(client, PUBLISH, {"id": gid("Article", article),
                                     "unpublishAt": ends.isoformat()}, editor)  # fmt: skip
    later = ahead(days=5)
    await call(client, UPDATE, {"id": gid("Article", changed), "expectedVersion": 2,
                                "unpublishAt": later.isoformat()}, editor)  # fmt: skip
    await deliveries.dispatch(db, ahead(minutes=1), limit=100, purge=True)  # the immediate ones
    due = await deliveries.dispatch(db, ends + timedelta(seconds=1), limit=100, purge=True)
    assert [(e.type, e.entity_id) for e in due] == [("article.unpublished", kept)]
    purges = await db.all(
        select(event_delivery_t.c.id).where(
            event_delivery_t.c.event_id == due[0].seq, event_delivery_t.c.queue == "purge"
        )
    )
    assert len(purges) == 1  # CDN paths are purged when it passes
    moved = await deliveries.dispatch(db, later + timedelta(seconds=1), limit=100, purge=True)
    assert [(e.type, e.entity_id) for e in moved] == [("article.unpublished", changed)]

"""Scheduling: a future publishedAt makes an article SCHEDULED; it turns public at exactly that
instant with no job to run (every read compares with the request's clock)."""

from __future__ import annotations

from datetime import datetime, timedelta

from tests.auth_support import add_token, bearer, gid, serve
from tests.support import add_article, add_author, ahead, gql, ok

PUBLISH = """mutation($input: PublishArticleInput!) { publishArticle(input: $input) {
  __typename ... on ArticleSaved { article { status publishedAt } } } }"""
READ = """{ article(slug: "tomorrow") { title status }
           articles { totalCount nodes { title } }
           author(slug: "ada-lovelace") { articles { totalCount } } }"""


async def test_scheduled_article_appears_exactly_when_due(settings, db):
    ada = await add_author(db, "Ada Lovelace")
    article = await add_article(db, "Tomorrow", authors=[ada], status="draft")
    editor = bearer(await add_token(db, "editor"))
    due = ahead(days=1).replace(microsecond=250_000)
    async with serve(settings) as (app, client):
        saved = ok(await gql(client, PUBLISH, {"input": {
            "id": gid("Article", article), "publishedAt": due.isoformat(),
        }}, headers=editor))["publishArticle"]  # fmt: skip
        assert saved["article"]["status"] == "SCHEDULED"
        assert datetime.fromisoformat(saved["article"]["publishedAt"]) == due

        before = await _read_at(app, client, due - timedelta(microseconds=1))
        assert before["article"] is None
        assert before["articles"] == {"totalCount": 0, "nodes": []}
        assert before["author"]["articles"]["totalCount"] == 0
        as_editor = await _read_at(app, client, due - timedelta(microseconds=1), editor)
        assert as_editor["article"]["status"] == "SCHEDULED"

        exactly = await _read_at(app, client, due)
        assert exactly["article"] == {"title": "Tomorrow", "status": "PUBLISHED"}
        assert exactly["articles"] == {"totalCount": 1, "nodes": [{"title": "Tomorrow"}]}
        assert exactly["author"]["articles"]["totalCount"] == 1


async def _read_at(app, client, moment, headers=None):
    app.state.clock = lambda: moment
    return ok(await gql(client, READ, headers=headers))

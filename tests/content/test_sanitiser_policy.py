"""The body sanitiser keeps language-* classes and media elements, allows embeds only from
allow-listed hosts, and reports everything it removed in the mutation's warnings."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from resolvers.models import article_t
from tests.auth_support import add_token, bearer, gid
from tests.support import add_author, gql, ok

MODULE_SETTINGS = {"rate_limit_budget": 0, "embed_hosts": ["www.youtube-nocookie.com"]}
CREATE = """mutation($input: CreateArticleInput!) { createArticle(input: $input) {
  __typename
  ... on ArticleSaved { article { body } warnings { path message code } }
  ... on ValidationError { fields { path message code } } } }"""
YOUTUBE = '<iframe src="https://www.youtube-nocookie.com/embed/abc" width="560" height="315" allowfullscreen></iframe>'


@pytest.fixture
async def editor(db):
    ada = await add_author(db, "Ada")
    return {"ada": ada, "headers": bearer(await add_token(db, "editor"))}


async def create(client, editor, body: str) -> dict:
    given = {"title": "Media", "body": body, "authorIds": [gid("Author", editor["ada"])]}
    return ok(await gql(client, CREATE, {"input": given}, headers=editor["headers"]))[
        "createArticle"
    ]


async def test_code_languages_media_and_allowed_embeds_survive(client, editor):
    body = (
        '<pre><code class="language-python">print(1)</code></pre>'
        '<video src="https://cdn.example/a.mp4" poster="https://cdn.example/a.jpg" controls '
        'width="640"><source src="https://cdn.example/a.webm" type="video/webm"></video>'
        '<audio controls><source src="https://cdn.example/a.mp3" type="audio/mpeg"></audio>'
        + YOUTUBE
    )
    saved = await create(client, editor, body)
    assert saved["__typename"] == "ArticleSaved", saved
    stored = saved["article"]["body"]
    assert '<code class="language-python">' in stored
    assert '<video src="https://cdn.example/a.mp4"' in stored and "controls" in stored
    assert '<source src="https://cdn.example/a.webm" type="video/webm">' in stored
    assert "<audio controls" in stored
    assert 'src="https://www.youtube-nocookie.com/embed/abc"' in stored
    assert saved["warnings"] == []


async def test_everything_dropped_is_reported(client, editor):
    body = (
        '<p style="color:red" class="lead">Hi<!-- note --></p>'
        '<pre><code class="language-js evil">x</code></pre><blink>old</blink>'
        '<video src="https://cdn.example/a.mp4" onplay="x()"></video>'
    )
    saved = await create(client, editor, body.replace(' onplay="x()"', ""))
    assert saved["__typename"] == "ArticleSaved", saved
    messages = " | ".join(w["message"] for w in saved["warnings"])
    assert {w["code"] for w in saved["warnings"]} == {"MARKUP_REMOVED"}
    assert all(w["path"] == ["input", "body"] for w in saved["warnings"])
    for expected in ("`style` attribute removed from <p>", "class `lead`", "class `evil`",
                     "<blink> element removed", "HTML comments removed"):  # fmt: skip
        assert expected in messages, messages
    assert '<code class="language-js">' in saved["article"]["body"]


async def test_embeds_from_other_hosts_are_refused(client, editor, db):
    body = '<iframe src="https://evil.example/embed"></iframe>'
    saved = await create(client, editor, body)
    assert saved["__typename"] == "ValidationError"
    assert saved["fields"][0]["code"] == "UNSAFE_HTML"
    assert "GATEWAY_EMBED_HOSTS" in saved["fields"][0]["message"]
    assert (await db.all(select(article_t.c.id))) == []

"""Preview tokens: signed, expiring, and scoped to exactly one article."""

from __future__ import annotations

from datetime import datetime, timedelta

import pytest

from resolvers.auth.preview import PreviewTokens
from tests.auth_support import add_token, bearer, gid, serve
from tests.support import add_article, add_author, ago, gql, ok

SECRET = "p" * 40
CREATE = """mutation($input: CreatePreviewTokenInput!) { createPreviewToken(input: $input) {
  __typename
  ... on PreviewTokenCreated { token expiresAt articleId }
  ... on ValidationError { fields { path code } }
  ... on NotFoundError { id }
  ... on MutationError { message }
} }"""
READ = """query($slug: String, $id: ID, $token: String) {
  article(slug: $slug, id: $id, previewToken: $token) { title status body }
}"""


@pytest.fixture
def settings_overrides():
    return {"preview_secret": SECRET, "preview_max_seconds": 3600}


@pytest.fixture
async def drafts(db):
    ada = await add_author(db, "Ada Lovelace")
    return {
        "one": await add_article(
            db, "Draft one", authors=[ada], status="draft", body="<p>Secret one</p>"
        ),
        "two": await add_article(db, "Draft two", authors=[ada], status="draft"),
        "public": await add_article(db, "Public", authors=[ada]),
        "editor": bearer(await add_token(db, "editor")),
    }


async def issue(client, drafts, article_id, expires_in=600):
    result = ok(await gql(client, CREATE, {"input": {
        "articleId": gid("Article", article_id), "expiresIn": expires_in,
    }}, headers=drafts["editor"]))["createPreviewToken"]  # fmt: skip
    return result


async def test_preview_token_shows_exactly_one_draft(client, drafts):
    created = await issue(client, drafts, drafts["one"])
    assert created["__typename"] == "PreviewTokenCreated"
    assert created["articleId"] == gid("Article", drafts["one"])
    token = created["token"]

    shown = await gql(client, READ, {"slug": "draft-one", "token": token})  # no Authorization
    assert ok(shown)["article"] == {"title": "Draft one", "status": "DRAFT",
                                    "body": "<p>Secret one</p>"}  # fmt: skip
    assert shown.response.headers["cache-control"] == "private, no-store"
    by_id = ok(await gql(client, READ, {"id": gid("Article", drafts["one"]), "token": token}))
    assert by_id["article"]["title"] == "Draft one"

    other = ok(await gql(client, READ, {"slug": "draft-two", "token": token}))
    assert other["article"] is None  # the token opens one article, no other
    public = ok(await gql(client, READ, {"slug": "public", "token": token}))
    assert public["article"]["title"] == "Public"
    without = ok(await gql(client, READ, {"slug": "draft-one"}))
    assert without["article"] is None
    lists = ok(await gql(client, "{ articles { nodes { title } } }"))
    assert lists["articles"]["nodes"] == [{"title": "Public"}]


async def test_forged_foreign_and_expired_tokens(client, drafts):
    for token, message in (
        (PreviewTokens("x" * 40, 3600).issue(drafts["one"], ago(seconds=-600)), "Invalid"),
        ("not-a-token", "Invalid"),
        (PreviewTokens(SECRET, 3600).issue(drafts["one"], ago(seconds=1)), "expired"),
    ):
        result = await gql(client, READ, {"slug": "draft-one", "token": token})
        assert result.codes == ["UNAUTHENTICATED"], result.body
        assert message in result.errors[0]["message"]
        assert result.data == {"article": None}
        assert result.response.headers["cache-control"] == "private, no-store"


async def test_token_expires_exactly_at_its_time(settings, db, drafts):
    async with serve(settings) as (app, client):
        created = await issue(client, drafts, drafts["one"], expires_in=120)
        expires_at = datetime.fromisoformat(created["expiresAt"])
        for offset, visible in ((-1, True), (0, False), (1, False)):
            moment = expires_at.replace(microsecond=0) + timedelta(seconds=offset)
            app.state.clock = lambda moment=moment: moment
            result = await gql(client, READ, {"slug": "draft-one", "token": created["token"]})
            if visible:
                assert ok(result)["article"]["title"] == "Draft one", offset
            else:
                assert result.codes == ["UNAUTHENTICATED"], (offset, result.body)


async def test_preview_token_input_errors(client, drafts):
    for expires_in in (0, 3601):
        bad = await issue(client, drafts, drafts["one"], expires_in=expires_in)
        assert bad["__typename"] == "ValidationError"
        assert bad["fields"] == [{"path": ["input", "expiresIn"], "code": "OUT_OF_RANGE"}]
    missing = await issue(client, drafts, 987654)
    assert missing["__typename"] == "NotFoundError" and missing["id"] == gid("Article", 987654)
    anonymous = ok(
        await gql(client, CREATE, {"input": {"articleId": gid("Article", drafts["one"])}})
    )
    assert anonymous["createPreviewToken"]["__typename"] == "ForbiddenError"

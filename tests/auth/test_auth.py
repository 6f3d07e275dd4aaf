"""API tokens end to end: the CLI, the bearer header, revocation, expiry, and what a bad
credential gets (401 UNAUTHENTICATED — never a silent anonymous answer)."""

from __future__ import annotations

import asyncio

import pytest
from sqlalchemy import update

from resolvers.models import api_token_t
from tests.auth_support import add_token, bearer, gid, rows, run_cli
from tests.support import add_article, add_author, ago, gql, ok

DRAFTS = "{ articles(first: 10) { nodes { title } } viewer { role name } }"


@pytest.fixture
async def content(db):
    ada = await add_author(db, "Ada Lovelace")
    await add_article(db, "Public story", authors=[ada])
    await add_article(db, "Secret draft", authors=[ada], status="draft")
    return ada


def titles(data):
    return sorted(n["title"] for n in data["articles"]["nodes"])


async def test_cli_token_lifecycle(client, db, database_url, content):
    code, out, err = await asyncio.to_thread(
        run_cli, database_url, "token", "create", "--name", "ci-importer", "--role", "editor"
    )
    assert code == 0, err
    secret = out.strip()
    assert secret.startswith("cgw_") and len(secret) >= 40 and "\n" not in secret
    assert "shown only now" in err
    [stored] = await rows(db, api_token_t)
    assert stored.token_hash != secret and secret not in str(tuple(stored))  # only a hash
    assert stored.prefix == secret[:10]

    data = ok(await gql(client, DRAFTS, headers=bearer(secret)))
    assert titles(data) == ["Public story", "Secret draft"]
    assert data["viewer"] == {"role": "EDITOR", "name": "token:ci-importer"}

    code, out, _ = await asyncio.to_thread(run_cli, database_url, "token", "list")
    assert code == 0 and "ci-importer" in out and "editor" in out and "active" in out
    assert secret not in out

    code, out, err = await asyncio.to_thread(
        run_cli, database_url, "token", "revoke", "ci-importer"
    )
    assert code == 0, err
    revoked = await gql(client, DRAFTS, headers=bearer(secret))
    assert revoked.response.status_code == 401
    assert revoked.codes == ["UNAUTHENTICATED"] and "revoked" in revoked.errors[0]["message"]
    assert "data" not in revoked.body
    code, out, _ = await asyncio.to_thread(run_cli, database_url, "token", "list")
    assert "revoked" in out

    code, _, err = await asyncio.to_thread(run_cli, database_url, "token", "revoke", "ci-importer")
    assert code == 2 and "No active API token" in err


async def test_cli_refuses_bad_token_requests(database_url, db, content):
    for args, message in (
        (["--name", "x", "--role", "wizard"], "role must be one of"),
        (["--name", "x", "--role", "author"], "names its author"),
        (["--name", "x", "--role", "author", "--author", "nobody"], "No such author"),
        (["--name", " ", "--role", "editor"], "must not be empty"),
    ):
        code, _, err = await asyncio.to_thread(run_cli, database_url, "token", "create", *args)
        assert code == 2 and message in err, (args, err)
    assert await rows(db, api_token_t) == []
    code, _, err = await asyncio.to_thread(
        run_cli, database_url, "token", "create", "--name", "ada", "--role", "author",
        "--author", "ada-lovelace", "--expires-in-days", "30",
    )  # fmt: skip
    assert code == 0, err
    [stored] = await rows(db, api_token_t)
    assert stored.author_id == content and stored.expires_at is not None


@pytest.mark.parametrize(
    "header",
    [
        "Bearer cgw_not-a-real-token",
        "Bearer eyJhbGciOiJIUzI1NiJ9.e30.abc",  # a JWT while JWTs are not configured
        "Bearer ",
        "Basic dXNlcjpwYXNz",
        "cgw_without_scheme",
    ],
)
async def test_bad_credentials_are_401_never_anonymous(client, content, header):
    result = await gql(client, DRAFTS, headers={"Authorization": header})
    assert result.response.status_code == 401
    assert result.codes == ["UNAUTHENTICATED"]
    assert "data" not in result.body
    assert result.response.headers["www-authenticate"].startswith("Bearer")
    assert result.response.headers["cache-control"] == "private, no-store"


async def test_expired_token(client, db, content):
    secret = await add_token(db, "editor", name="temp")
    assert ok(await gql(client, DRAFTS, headers=bearer(secret)))["viewer"]["role"] == "EDITOR"
    async with db.engine.begin() as conn:
        await conn.execute(update(api_token_t).values(expires_at=ago(seconds=1)))
    expired = await gql(client, DRAFTS, headers=bearer(secret))
    assert expired.response.status_code == 401 and "expired" in expired.errors[0]["message"]


async def test_signed_in_responses_are_private(client, db, content):
    anonymous = await gql(client, DRAFTS)
    assert titles(ok(anonymous)) == ["Public story"]
    assert "private" not in anonymous.response.headers.get("cache-control", "")
    assert "Authorization" in anonymous.response.headers["vary"]
    secret = await add_token(db, "author", author_id=content)
    signed_in = await gql(client, DRAFTS, headers=bearer(secret))
    assert signed_in.response.headers["cache-control"] == "private, no-store"
    assert titles(ok(signed_in)) == ["Public story", "Secret draft"]  # Ada's own draft


async def test_admin_issues_and_revokes_tokens_over_graphql(client, db, content):
    admin = bearer(await add_token(db, "admin", name="root"))
    create = """mutation($input: CreateApiTokenInput!) { createApiToken(input: $input) {
      __typename ... on ApiTokenCreated { token apiToken { name role prefix expiresAt authorId } }
      ... on ValidationError { fields { path code } } } }"""
    made = ok(await gql(client, create, {"input": {
        "name": "ada-laptop", "role": "AUTHOR", "authorId": gid("Author", content),
        "expiresIn": 3600,
    }}, headers=admin))["createApiToken"]  # fmt: skip
    assert made["__typename"] == "ApiTokenCreated", made
    assert made["apiToken"]["role"] == "AUTHOR" and made["apiToken"]["expiresAt"] is not None
    assert made["token"].startswith(made["apiToken"]["prefix"])
    viewer = ok(await gql(client, DRAFTS, headers=bearer(made["token"])))["viewer"]
    assert viewer == {"role": "AUTHOR", "name": "token:ada-laptop"}
    duplicate = ok(await gql(client, create, {"input": {"name": "ada-laptop", "role": "EDITOR"}},
                             headers=admin))["createApiToken"]  # fmt: skip
    assert duplicate["fields"] == [{"path": ["input", "name"], "code": "DUPLICATE"}]
    revoke = """mutation($input: RevokeApiTokenInput!) { revokeApiToken(input: $input) {
      __typename ... on ApiTokenRevoked { apiToken { name } } } }"""
    gone = ok(await gql(client, revoke, {"input": {"name": "ada-laptop"}}, headers=admin))
    assert gone["revokeApiToken"] == {
        "__typename": "ApiTokenRevoked", "apiToken": {"name": "ada-laptop"}
    }  # fmt: skip
    assert (await gql(client, DRAFTS, headers=bearer(made["token"]))).response.status_code == 401


async def test_a_token_costs_one_statement(client, db, content):
    """Authentication is one indexed lookup per request, nothing per field."""
    query = "{ articles(first: 10) { nodes { title author { name } tags { name } } } }"
    anonymous = await gql(client, query)
    secret = await add_token(db, "editor")
    signed_in = await gql(client, query, headers=bearer(secret))
    ok(anonymous), ok(signed_in)
    assert signed_in.statements == anonymous.statements + 1

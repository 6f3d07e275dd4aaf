"""A refused write reports every problem at once (field errors and unknown referenced ids),
naming fields as the API does; nothing is written."""

from __future__ import annotations

from sqlalchemy import func, select

from resolvers.models import article_t, author_t
from tests.auth_support import add_token, bearer, gid
from tests.support import add_author, gql, ok

CREATE = """mutation($input: CreateArticleInput!) { createArticle(input: $input) {
  __typename ... on ValidationError { message fields { path message code } } } }"""
CREATE_AUTHOR = """mutation($input: CreateAuthorInput!) { createAuthor(input: $input) {
  __typename ... on ValidationError { fields { path code } } } }"""


async def test_field_errors_and_unknown_ids_in_one_answer(client, db):
    await add_author(db, "Ada")
    editor = bearer(await add_token(db, "editor"))
    given = {
        "title": "",
        "slug": "Not a slug!",
        "authorIds": [gid("Author", 999)],
        "seo": {"metaDescription": "x" * 600},
    }
    result = await gql(client, CREATE, {"input": given}, headers=editor)
    payload = ok(result)["createArticle"]
    assert payload["__typename"] == "ValidationError"
    found = {(tuple(f["path"]), f["code"]) for f in payload["fields"]}
    assert {p for p, _ in found} >= {
        ("input", "title"),
        ("input", "slug"),
        ("input", "authorIds", "0"),
        ("input", "seo", "metaDescription"),
    }
    assert (("input", "authorIds", "0"), "NOT_FOUND") in found
    messages = " ".join(f["message"] for f in payload["fields"]) + payload["message"]
    assert "`metaDescription`" in messages
    assert "meta_description" not in messages
    assert await db.scalar(select(func.count()).select_from(article_t)) == 0


async def test_author_slug_taken_with_other_field_errors(client, db):
    await add_author(db, "Ada", slug="ada")
    admin = bearer(await add_token(db, "admin"))
    given = {"name": "", "slug": "ada", "website": "not a url"}
    payload = ok(await gql(client, CREATE_AUTHOR, {"input": given}, headers=admin))["createAuthor"]
    assert payload["__typename"] == "ValidationError"
    codes = {f["code"] for f in payload["fields"]}
    assert "SLUG_TAKEN" in codes and len(payload["fields"]) >= 3, payload
    assert await db.scalar(select(func.count()).select_from(author_t)) == 1

"""The GraphQL endpoint over HTTP: GET and POST, media types, Server-Timing, GraphiQL."""

from __future__ import annotations

import re

import pytest

from tests.support import add_article, add_author, gql, ok


@pytest.fixture
async def one_article(db):
    author = await add_author(db, "Barbara Liskov")
    return await add_article(db, "Substitution", authors=[author])


async def test_get_and_post_return_the_same_data(client, one_article):
    query = "{ articles { nodes { title author { name } } } }"
    post = ok(await gql(client, query))
    get = ok(await gql(client, query, method="GET"))
    assert (
        post
        == get
        == {
            "articles": {"nodes": [{"title": "Substitution", "author": {"name": "Barbara Liskov"}}]}
        }
    )


async def test_server_timing_reports_db_and_total(client, one_article):
    result = await gql(client, "{ articles { nodes { title } } }")
    header = result.response.headers["server-timing"]
    assert re.fullmatch(
        r'parse;dur=[\d.]+, validate;dur=[\d.]+, execute;dur=[\d.]+;desc="compiled", '
        r'cache;dur=[\d.]+;desc="miss", db;dur=[\d.]+;desc="1 statements", total;dur=[\d.]+',
        header,
    ), header
    assert result.response.headers["x-request-id"]


@pytest.mark.parametrize("settings_overrides", [{"server_timing": False}])
async def test_server_timing_can_be_turned_off(client, one_article):
    result = await gql(client, "{ articles { totalCount } }")
    assert "server-timing" not in result.response.headers


async def test_mutation_over_get_is_405(client):
    response = await client.get(
        "/graphql", params={"query": "mutation { x }"}, headers={"graphql-preflight": "1"}
    )
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"


async def test_graphql_response_media_type_and_status(client):
    headers = {"accept": "application/graphql-response+json"}
    bad = await client.post("/graphql", json={"query": "{ nope }"}, headers=headers)
    assert bad.status_code == 400
    assert bad.headers["content-type"].startswith("application/graphql-response+json")
    assert bad.json()["errors"][0]["extensions"]["code"] == "GRAPHQL_VALIDATION_FAILED"
    legacy = await client.post("/graphql", json={"query": "{ nope }"})
    assert legacy.status_code == 200
    assert legacy.headers["content-type"].startswith("application/json")


@pytest.mark.parametrize(
    ("body", "content_type", "status"),
    [
        (b"{not json", "application/json", 400),
        (b'{"variables": {}}', "application/json", 400),
        (b'{"query": "{ articles { totalCount } }", "variables": [1]}', "application/json", 400),
        (b"query=1", "application/x-www-form-urlencoded", 415),
    ],
)
async def test_malformed_requests_get_clear_errors(client, body, content_type, status):
    response = await client.post("/graphql", content=body, headers={"content-type": content_type})
    assert response.status_code == status
    assert response.json()["errors"][0]["message"]


async def test_syntax_error_is_coded(client):
    result = await gql(client, "{ articles { ")
    assert result.codes == ["GRAPHQL_PARSE_FAILED"]


async def test_graphiql_for_browsers_with_an_example_query(client):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 200
    assert "graphiql" in response.text.lower()
    assert "query HomePage" in response.text


@pytest.mark.parametrize("settings_overrides", [{"env": "production"}])
async def test_graphiql_is_off_in_production_by_default(client):
    response = await client.get("/graphql", headers={"accept": "text/html"})
    assert response.status_code == 404


async def test_unexpected_errors_are_masked(client, db, one_article):
    # Break the data behind the API for real: an article without any author row.
    from sqlalchemy import delete

    from resolvers.models import article_author_t

    async with db.engine.begin() as conn:
        await conn.execute(delete(article_author_t))
    result = await gql(client, "{ articles { nodes { title author { name } } } }")
    assert result.codes == ["INTERNAL_SERVER_ERROR"]
    message = result.errors[0]["message"]
    assert "request id" in message and "IndexError" not in message
    assert result.errors[0]["extensions"]["requestId"] == result.response.headers["x-request-id"]

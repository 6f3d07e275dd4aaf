"""Error hygiene (#6): expected errors keep message and code; anything unexpected is masked with a
request id and logged with its traceback; no SQL, stack or file path reaches a client; search
input typed by users never breaks the full-text syntax."""

from __future__ import annotations

import logging
import re

import pytest
from httpx import ASGITransport, AsyncClient
from sqlalchemy import text

from gateway.app import create_app
from resolvers.db import Database, make_engine
from tests.live_server import lifespan
from tests.support import add_article, add_author, add_term, gql, ok

LEAKS = re.compile(
    r"\bSELECT\b|\bFROM\b|(?i:sqlalchemy|asyncpg|aiosqlite|sqlite3|traceback|File \"|\.py\b|"
    r"/work/|no such table|does not exist|\[SQL)"
)


@pytest.fixture
async def broken_app(isolated_database_url, settings):
    """The real app on a database of its own whose `tag` table was dropped under it."""
    database = Database(make_engine(isolated_database_url))
    try:
        author = await add_author(database, "Alan Turing")
        tag = await add_term(database, "tag", "machines")
        await add_article(database, "Computing Machinery", authors=[author], tags=[tag])
        app = create_app(settings.model_copy(update={"database_url": isolated_database_url}))
        async with lifespan(app) as manager:
            async with database.engine.begin() as conn:
                # every table that references `tag` goes first (PostgreSQL refuses otherwise)
                await conn.execute(text("DROP TABLE article_tag"))
                await conn.execute(text("DROP TABLE tag_translation"))
                await conn.execute(text("DROP TABLE tag"))
            transport = ASGITransport(app=manager.app)
            async with AsyncClient(transport=transport, base_url="http://t") as client:
                yield client
    finally:
        await database.dispose()


async def test_a_real_internal_failure_is_masked_and_logged(broken_app, caplog):
    caplog.set_level(logging.ERROR, logger="gateway.graphql")
    result = await gql(
        broken_app,
        "{ articles { nodes { title tags { name } } } tags { nodes { name } } }",
        headers={"x-request-id": "req-hygiene-1"},
    )
    assert result.response.status_code == 200
    assert result.codes and set(result.codes) == {"INTERNAL_SERVER_ERROR"}
    for error in result.errors:
        assert error["message"] == "Internal server error (request id req-hygiene-1)."
        assert error["extensions"] == {
            "code": "INTERNAL_SERVER_ERROR",
            "requestId": "req-hygiene-1",
        }
        assert set(error) <= {"message", "path", "extensions", "locations"}
    assert not LEAKS.search(result.response.text), result.response.text
    # The server log has the whole story under the same request id.
    logged = [r for r in caplog.records if "req-hygiene-1" in r.getMessage()]
    assert logged and all(r.exc_info for r in logged)
    assert any("tag" in str(r.exc_info[1]).lower() for r in logged)


async def test_other_fields_still_answer_next_to_a_masked_error(broken_app):
    result = await gql(
        broken_app, '{ articles { nodes { title } } tag(slug: "machines") { name } }'
    )
    assert result.data == {"articles": {"nodes": [{"title": "Computing Machinery"}]}, "tag": None}
    assert result.codes == ["INTERNAL_SERVER_ERROR"]


@pytest.mark.parametrize(
    ("query", "variables", "code", "needle"),
    [
        ("{ articles(first: 101) { totalCount } }", None, "BAD_USER_INPUT", "at most 100"),
        ('{ articles(after: "garbage") { totalCount } }', None, "BAD_USER_INPUT", "Invalid cursor"),
        ('{ article(id: "QXV0aG9yOjE=") { title } }', None, "BAD_USER_INPUT", "does not identify"),
        (
            "query($d: DateTime) { articles(filter: {publishedAfter: $d}) { totalCount } }",
            {"d": "yesterday"},
            "BAD_USER_INPUT",
            "$d",
        ),
        ("{ articles { nodes { nope } } }", None, "GRAPHQL_VALIDATION_FAILED", "nope"),
        ("{ articles { ", None, "GRAPHQL_PARSE_FAILED", "Syntax Error"),
    ],
)
async def test_expected_errors_keep_message_and_code(client, query, variables, code, needle):
    result = await gql(client, query, variables)
    assert result.codes == [code], result.body
    assert needle in result.errors[0]["message"]
    assert not LEAKS.search(result.response.text), result.response.text


SEARCHES = [
    '"',
    '""',
    '"unbalanced',
    "*",
    "zeb*",
    "NEAR(",
    "NEAR(a b)",
    "AND",
    "OR",
    "NOT",
    "zebra AND",
    "AND zebra",
    "-zebra",
    "zebra -",
    "(",
    ")",
    "(zebra",
    "title:zebra",
    ":",
    "^",
    "{}",
    "\\",
    "'",
    "' OR 1=1 --",
    "%_",
    "zebra & | ! <->",
    "  ",
    "",
    "ünïcödé 🦓",
    "a" * 200,
]


@pytest.fixture
async def zebra(db):
    author = await add_author(db, "Zoe Zebra")
    await add_article(db, "Zebra crossing", authors=[author], body="<p>Stripes and zebras.</p>")


@pytest.mark.parametrize("search", SEARCHES)
async def test_search_syntax_typed_by_users_gets_results_or_a_clean_error(client, zebra, search):
    query = "query($s: String) { articles(filter: {search: $s}) { totalCount nodes { title } } }"
    result = await gql(client, query, {"s": search})
    assert result.response.status_code == 200
    assert "INTERNAL_SERVER_ERROR" not in result.codes, result.body
    assert not result.errors, result.body
    if search in ("zebra AND", "AND zebra", "(zebra", "zebra -"):
        assert result.data["articles"]["totalCount"] == 1, search


async def test_overlong_search_is_a_clean_error(client, zebra):
    query = "query($s: String) { articles(filter: {search: $s}) { totalCount } }"
    result = await gql(client, query, {"s": "a" * 201})
    assert result.codes == ["BAD_USER_INPUT"]


async def test_sql_looking_input_is_just_data(client, zebra, db):
    slug = "x' OR '1'='1"
    data = ok(await gql(client, "query($s: String!) { author(slug: $s) { name } }", {"s": slug}))
    assert data == {"author": None}
    # The table is intact: the quote was bound as a parameter, never spliced into SQL.
    assert ok(await gql(client, "{ authors { totalCount } }")) == {"authors": {"totalCount": 1}}

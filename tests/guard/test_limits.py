"""Query limits (#6): each over-limit document is refused with its code before any SQL runs."""

from __future__ import annotations

import asyncio
import time

import pytest
from graphql import get_introspection_query

from tests.support import add_article, add_author, gql, ok

GRAPHQL_RESPONSE = {"accept": "application/graphql-response+json"}


@pytest.fixture
async def content(db):
    author = await add_author(db, "Ada Lovelace")
    for i in range(3):
        await add_article(db, f"Engine notes {i}", authors=[author])


def refused(result, code: str) -> dict:
    """A request error: no data, the code, and not one SQL statement run."""
    assert "data" not in result.body, result.body
    assert result.codes == [code], result.body
    assert result.statements == 0
    return result.errors[0]


# --- depth, counted as graphql-armor counts (root field = 1, leaf counted) -------------------

DEPTH_6 = "{ articles { nodes { author { articles { nodes { title } } } } } }"
DEPTH_7 = "{ articles { nodes { author { articles { nodes { author { name } } } } } } }"


async def test_depth_six_passes_and_seven_is_refused(client, content):
    ok(await gql(client, DEPTH_6))
    error = refused(await gql(client, DEPTH_7), "QUERY_TOO_DEEP")
    assert error["extensions"]["depth"] == 7
    assert error["extensions"]["limit"] == 6
    assert "depth 7" in error["message"]


async def test_depth_counts_fields_through_fragments_by_default(client, content):
    # armor's flattenFragments: fragments add no level; their fields are counted where they land.
    spread = (
        "{ articles { nodes { ...A } } } "
        "fragment A on Article { author { articles { nodes { ... on Article { title } } } } }"
    )
    ok(await gql(client, spread))  # articles, nodes, author, articles, nodes, title: 6
    deeper = (
        "{ articles { nodes { ...A } } } "
        "fragment A on Article { author { articles { nodes { ... on Article { author { name } } } } } }"
    )
    assert refused(await gql(client, deeper), "QUERY_TOO_DEEP")["extensions"]["depth"] == 7


@pytest.mark.parametrize("settings_overrides", [{"depth_flatten_fragments": False}])
async def test_depth_counts_through_fragments_as_armor_does(client, content):
    # A named spread adds two levels (the spread and the fragment), an inline fragment one.
    spread = "{ articles { nodes { ...A } } } fragment A on Article { author { name } }"
    ok(await gql(client, spread))  # 1 articles, 2 nodes, 3 spread, 4 fragment, 5 author, 6 name
    deeper = "{ articles { nodes { ...A } } } fragment A on Article { author { articles { totalCount } } }"
    assert refused(await gql(client, deeper), "QUERY_TOO_DEEP")["extensions"]["depth"] == 7
    inline = "{ articles { nodes { ... on Article { author { articles { totalCount } } } } } }"
    ok(await gql(client, inline))  # 1, 2, 3 inline, 4 author, 5 articles, 6 totalCount


async def test_fragment_cycles_and_unknown_fragments_are_clean_errors(client):
    cycle = (
        "{ articles { nodes { ...A } } } fragment A on Article { author { articles { nodes "
        "{ ...B } } } } fragment B on Article { ...A }"
    )
    result = await gql(client, cycle)
    assert "GRAPHQL_VALIDATION_FAILED" in result.codes and result.statements == 0
    unknown = await gql(client, "{ articles { nodes { ...Missing } } }")
    assert unknown.codes == ["GRAPHQL_VALIDATION_FAILED"]
    assert "Missing" in unknown.errors[0]["message"]


@pytest.mark.parametrize("settings_overrides", [{"max_query_depth": 3}])
async def test_depth_limit_is_a_setting(client, content):
    ok(await gql(client, "{ articles { nodes { title } } }"))
    refused(await gql(client, "{ articles { nodes { author { name } } } }"), "QUERY_TOO_DEEP")


# --- aliases ---------------------------------------------------------------------------------


def aliased(n: int, field: str = "title") -> str:
    return "{ articles { nodes { " + " ".join(f"a{i}: {field}" for i in range(n)) + " } } }"


async def test_fifteen_aliases_pass_sixteen_are_refused(client, content):
    ok(await gql(client, aliased(15)))
    error = refused(await gql(client, aliased(16)), "TOO_MANY_ALIASES")
    assert error["extensions"] == {"code": "TOO_MANY_ALIASES", "aliases": 16, "limit": 15}


async def test_typename_aliases_are_free(client, content):
    ok(await gql(client, aliased(40, "__typename")))


async def test_aliases_count_through_every_spread_of_a_fragment(client, content):
    eight = " ".join(f"t{i}: title" for i in range(8))
    query = (
        "{ articles { nodes { ...F } } first: articles(first: 1) { nodes { ...F } } } "
        f"fragment F on Article {{ {eight} }}"
    )
    # 8 + 8 through the fragment + the `first:` alias = 17.
    assert refused(await gql(client, query), "TOO_MANY_ALIASES")["extensions"]["aliases"] == 17


# --- tokens and document length -------------------------------------------------------------


def typenames(n: int) -> str:
    return "{ " + " ".join(["__typename"] * n) + " }"


def tokens(n: int) -> str:
    """A valid document of exactly ``n`` tokens (n even, 402 <= n <= 1000)."""
    # ({ }) + 100 x (articles { totalCount }) = 402 tokens; __typename fills up the rest.
    return "{ " + " ".join(["articles { totalCount }"] * 100 + ["__typename"] * (n - 402)) + " }"


async def test_thousand_tokens_pass_and_more_are_refused(client, content):
    assert ok(await gql(client, tokens(1000)))["__typename"] == "Query"
    error = refused(await gql(client, tokens(1000) + " query B { __typename }"), "TOO_MANY_TOKENS")
    assert error["extensions"]["limit"] == 1000


@pytest.mark.parametrize(
    "settings_overrides", [{"max_document_length": 20_000_000, "max_body_bytes": 20_000_000}]
)
async def test_token_limit_stops_the_parser_early(client):
    # 1.5 million tokens: refused at token 1001, long before a full parse would finish (that
    # takes seconds of CPU). Measured in this process's CPU time, not wall-clock time: on a
    # shared CI machine the wall clock also counts the other processes' turns.
    document = typenames(1_500_000)
    cpu = time.process_time()
    result = await gql(client, document)
    cpu = time.process_time() - cpu
    refused(result, "TOO_MANY_TOKENS")
    assert cpu < 1.0, cpu


async def test_comments_count_toward_length_not_tokens(client):
    padded = "{ __typename }\n" + "# padding\n" * 1400  # ~14 000 characters, 3 tokens
    assert ok(await gql(client, padded)) == {"__typename": "Query"}
    too_long = "{ __typename }\n" + "#" * 15_000
    error = refused(await gql(client, too_long), "QUERY_TOO_LARGE")
    assert error["extensions"] == {
        "code": "QUERY_TOO_LARGE",
        "length": len(too_long),
        "limit": 15000,
    }


# --- directives ------------------------------------------------------------------------------


def directives(n: int) -> str:
    return "{ " + " ".join(["__typename @include(if: true)"] * n) + " }"


async def test_fifty_directives_pass_fifty_one_are_refused(client):
    ok(await gql(client, directives(50)))
    error = refused(await gql(client, directives(51)), "TOO_MANY_DIRECTIVES")
    assert error["extensions"]["directives"] == 51


# --- cost ------------------------------------------------------------------------------------

NESTED = """query($n: Int, $m: Int) { articles(first: $n) { nodes { title
  author { articles(first: $m) { nodes { title } } } } } }"""


def nested_cost(n: int, m: int) -> int:
    inner = m * (2 + (2 + 1))  # articles(first: m) { nodes { title } }
    return n * (2 + (2 + 1 + (2 + inner)))


async def test_cost_is_reported_when_asked(client, content):
    result = await gql(client, NESTED, {"n": 5, "m": 5}, headers={"x-graphql-cost": "1"})
    ok(result)
    assert result.body["extensions"] == {"cost": {"requested": nested_cost(5, 5), "limit": 5000}}
    plain = await gql(client, NESTED, {"n": 5, "m": 5})
    assert "extensions" not in plain.body


async def test_variables_cannot_hide_a_large_page(client, content):
    assert nested_cost(100, 100) > 5000 > nested_cost(20, 20)
    ok(await gql(client, NESTED, {"n": 20, "m": 20}))
    error = refused(await gql(client, NESTED, {"n": 100, "m": 100}), "QUERY_TOO_COMPLEX")
    assert error["extensions"]["cost"] == {"requested": nested_cost(100, 100), "limit": 5000}


async def test_default_page_size_counts_when_first_is_absent_or_null(client, content):
    headers = {"x-graphql-cost": "1"}
    absent = await gql(client, "{ articles { nodes { title } } }", headers=headers)
    assert absent.body["extensions"]["cost"]["requested"] == 10 * (2 + 3)
    null = await gql(client, "{ articles(first: null) { nodes { title } } }", headers=headers)
    assert null.body["extensions"]["cost"]["requested"] == 10 * (2 + 3)
    last = await gql(client, "{ articles(last: 4) { nodes { title } } }", headers=headers)
    assert last.body["extensions"]["cost"]["requested"] == 10 * (2 + 3)  # max(first=10, last=4)


@pytest.mark.parametrize("settings_overrides", [{"cost_report": True, "max_query_cost": 60}])
async def test_cost_limit_and_report_are_settings(client, content):
    result = await gql(client, "{ articles(first: 12) { nodes { title } } }")
    assert ok(result)["articles"]["nodes"]
    assert result.body["extensions"] == {"cost": {"requested": 60, "limit": 60}}
    refused(await gql(client, "{ articles(first: 13) { nodes { title } } }"), "QUERY_TOO_COMPLEX")


async def test_introspection_query_of_graphiql_passes_every_limit(client):
    every_option = get_introspection_query(
        descriptions=True,
        specified_by_url=True,
        directive_is_repeatable=True,
        schema_description=True,
        input_value_deprecation=True,
        one_of=True,
    )
    for query in (get_introspection_query(), every_option):
        result = await gql(client, query, headers={"x-graphql-cost": "1", **GRAPHQL_RESPONSE})
        assert result.response.status_code == 200
        assert not result.errors
        assert result.data["__schema"]["queryType"]["name"] == "Query"
        assert result.body["extensions"]["cost"]["requested"] == 0


# --- page size, body size, timeout, batching ---------------------------------------------


async def test_page_size_over_100_is_bad_user_input(client, content):
    result = await gql(client, "{ articles(first: 101) { nodes { title } } }")
    assert result.codes == ["BAD_USER_INPUT"]
    assert "at most 100" in result.errors[0]["message"]


async def test_body_over_100_kb_is_413(client):
    big = {"query": "{ __typename }", "variables": {"pad": "x" * 102_400}}
    response = await client.post("/graphql", json=big)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"


async def test_chunked_body_over_the_limit_is_413(client):
    async def chunks():
        yield b'{"query": "{ __typename }", "variables": {"pad": "'
        for _ in range(30):
            yield b"x" * 4096
        yield b'"}}'

    response = await client.post(
        "/graphql", content=chunks(), headers={"content-type": "application/json"}
    )
    assert "content-length" not in response.request.headers
    assert response.status_code == 413


async def test_body_just_under_the_limit_is_served(client):
    body = {"query": "{ __typename }", "variables": {"pad": "x" * 100_000}}
    assert ok(await gql(client, body["query"], body["variables"])) == {"__typename": "Query"}


# The limit stops an operation where it waits: here on its reads, which SQLite's inline reads
# (answered at once on the event loop's thread, resolvers/sqlite_reader.py) would not do.
WAITS_ON_THE_DATABASE = {"execution_timeout": 0.000001, "db_sqlite_inline_reads": False}


@pytest.mark.parametrize("settings_overrides", [WAITS_ON_THE_DATABASE])
async def test_execution_over_the_time_limit_is_a_timeout(client, content):
    result = await gql(client, "{ articles { nodes { title } } }", headers=GRAPHQL_RESPONSE)
    assert result.response.status_code == 504
    assert result.codes == ["TIMEOUT"]
    assert "data" not in result.body


async def test_batched_requests_are_refused_by_default(client):
    response = await client.post("/graphql", json=[{"query": "{ __typename }"}] * 2)
    assert response.status_code == 400
    error = response.json()["errors"][0]
    assert error["extensions"]["code"] == "BATCHING_NOT_SUPPORTED"
    assert "one operation per request" in error["message"]


@pytest.mark.parametrize("settings_overrides", [{"max_batch_operations": 2}])
async def test_batching_can_be_turned_on_with_a_maximum(client, content):
    pair = [{"query": "{ __typename }"}, {"query": "{ articles { totalCount } }"}]
    response = await client.post("/graphql", json=pair)
    assert response.status_code == 200
    assert response.json() == [
        {"data": {"__typename": "Query"}},
        {"data": {"articles": {"totalCount": 3}}},
    ]
    too_many = await client.post("/graphql", json=[{"query": "{ __typename }"}] * 3)
    assert too_many.status_code == 400
    assert "1 to 2 operations" in too_many.json()["errors"][0]["message"]


async def test_nul_characters_in_text_input_are_bad_user_input(client, content):
    query = "query($s: String) { articles(filter: {search: $s}) { totalCount } }"
    # The document's literals are checked once per parsed document; its variables every time.
    clean = await gql(client, query, {"s": "zebra"})
    assert clean.codes == [] and clean.statements > 0, clean.body
    search = await gql(client, query, {"s": "zebra\x00"})
    literal = await gql(client, '{ article(slug: "a\\u0000b") { title } }')
    again = await gql(client, '{ article(slug: "a\\u0000b") { title } }')
    for result in (search, literal, again):
        assert result.codes == ["BAD_USER_INPUT"], result.body
        assert result.statements == 0


async def test_a_slow_client_does_not_block_other_requests(client, content):
    body_may_finish = asyncio.Event()

    async def slow_body():
        yield b'{"query": "{ articles '
        await body_may_finish.wait()  # the client stalls mid-upload
        yield b'{ totalCount } }"}'

    slow = asyncio.create_task(
        client.post("/graphql", content=slow_body(), headers={"content-type": "application/json"})
    )
    for _ in range(3):
        assert ok(await gql(client, "{ articles { totalCount } }")) == {
            "articles": {"totalCount": 3}
        }
    assert not slow.done()
    body_may_finish.set()
    assert (await slow).json() == {"data": {"articles": {"totalCount": 3}}}


async def test_requests_with_credentials_may_send_long_articles(client):
    body = {"query": "{ __typename }", "variables": {"pad": "x" * 300_000}}
    headers = {"authorization": "Bearer cgw_not-a-real-token"}
    response = await client.post("/graphql", json=body, headers=headers)
    assert response.status_code == 401  # read in full, then refused for the made-up token
    body["variables"]["pad"] = "x" * 1_100_000
    response = await client.post("/graphql", json=body, headers=headers)
    assert response.status_code == 413

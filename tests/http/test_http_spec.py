"""GraphQL over HTTP (graphql/graphql-over-http, the 2025 draft): a test per MUST and SHOULD.

`GRJ` is application/graphql-response+json; `JSON` is application/json (the legacy type).
"""

from __future__ import annotations

import orjson
import pytest

from tests.support import add_article, add_author

GRJ = "application/graphql-response+json"
JSON = "application/json"
PREFLIGHT = {"graphql-preflight": "1"}
QUERY = "{ articles { totalCount } }"


@pytest.fixture
async def content(db):
    author = await add_author(db, "Édith Piaf")
    await add_article(db, "Non, je ne regrette rien", authors=[author])


async def post(client, body, *, accept: str | None = JSON, content_type: str = JSON):
    raw = body if isinstance(body, bytes) else orjson.dumps(body)
    request = client.build_request(
        "POST", "/graphql", content=raw, headers={"content-type": content_type}
    )
    if accept is None:
        del request.headers["accept"]  # httpx sends Accept: */* unless told otherwise
    else:
        request.headers["accept"] = accept
    return await client.send(request)


def media(response) -> str:
    return response.headers["content-type"].split(";")[0].strip()


# --- Media types and Accept ----------------------------------------------------------------


@pytest.mark.parametrize("accept", [GRJ, JSON])
async def test_post_is_accepted_and_the_media_type_matches_accept(client, content, accept):
    # MUST accept POST; MUST accept application/json; SHOULD support GRJ; match Content-Type.
    response = await post(client, {"query": QUERY}, accept=accept)
    assert response.status_code == 200
    assert media(response) == accept
    assert response.json() == {"data": {"articles": {"totalCount": 1}}}


async def test_responses_declare_utf8(client, content):
    # MUST indicate the media type; SHOULD indicate the encoding; body is UTF-8.
    response = await post(client, {"query": '{ author(slug: "edith-piaf") { name } }'})
    assert response.headers["content-type"] == "application/json; charset=utf-8"
    assert "Édith".encode() in response.content


async def test_missing_accept_means_graphql_response_json(client):
    # Since 2025-01-01: no Accept header SHOULD be treated as Accept: GRJ.
    response = await post(client, {"query": "{ nope }"}, accept=None)
    assert media(response) == GRJ
    assert response.status_code == 400


async def test_wildcard_accept_gets_legacy_json(client):
    response = await post(client, {"query": "{ nope }"}, accept="*/*")
    assert media(response) == JSON
    assert response.status_code == 200


async def test_highest_priority_acceptable_type_wins(client):
    # MUST respect Accept and use the highest-priority supported type.
    both = f"{GRJ};q=0.5, {JSON}"
    assert media(await post(client, {"query": "{ __typename }"}, accept=both)) == JSON
    recommended = f"{GRJ}; charset=utf-8, {JSON}; charset=utf-8"
    assert media(await post(client, {"query": "{ __typename }"}, accept=recommended)) == GRJ
    weird = f"text/html, {GRJ};q=0.1"
    assert media(await post(client, {"query": "{ __typename }"}, accept=weird)) == GRJ


@pytest.mark.parametrize(
    "accept", ["text/html", "application/xml", f"{JSON}; charset=latin-1", f"{GRJ};q=0"]
)
async def test_nothing_acceptable_is_406(client, accept):
    # RECOMMENDED: 406 when no supported media type is acceptable.
    response = await post(client, {"query": "{ __typename }"}, accept=accept)
    assert response.status_code == 406
    assert response.json()["errors"][0]["extensions"]["code"] == "NOT_ACCEPTABLE"


# --- Request encoding --------------------------------------------------------------------------


async def test_json_without_charset_is_read_as_utf8(client, content):
    raw = b'{"query": "{ author(slug: \\"edith-piaf\\") { name } }"}'
    response = await post(client, raw, content_type="application/json")
    assert response.json() == {"data": {"author": {"name": "Édith Piaf"}}}


@pytest.mark.parametrize("content_type", ["application/json; charset=utf-16", "text/plain", ""])
async def test_other_encodings_and_media_types_are_415(client, content_type):
    # MUST support UTF-8 JSON; SHOULD refuse a POST without Content-Type with a 4xx.
    headers = {"content-type": content_type, **PREFLIGHT} if content_type else PREFLIGHT
    response = await client.post(
        "/graphql", content=b'{"query": "{ __typename }"}', headers=headers
    )
    assert response.status_code == 415
    assert response.json()["errors"][0]["message"]


async def test_invalid_utf8_body_is_400(client):
    response = await post(client, b'{"query": "{ __typename \xff }"}')
    assert response.status_code == 400


# --- Well-formed GraphQL-over-HTTP requests --------------------------------------------------

NOT_WELL_FORMED = [
    b"NONSENSE",
    b'{"query":',
    b"",
    b'{"qeury": "{ __typename }"}',
    b'{"query": null}',
    b'{"query": {"a": 1}}',
    b'{"query": 7}',
    b'{"query": true}',
    b'{"query": ["{ __typename }"]}',
    b'{"query": "{ __typename }", "operationName": {"a": 1}}',
    b'{"query": "{ __typename }", "operationName": 7}',
    b'{"query": "{ __typename }", "operationName": false}',
    b'{"query": "{ __typename }", "operationName": ["A"]}',
    b'{"query": "{ __typename }", "variables": "{}"}',
    b'{"query": "{ __typename }", "variables": 7}',
    b'{"query": "{ __typename }", "variables": true}',
    b'{"query": "{ __typename }", "variables": [7]}',
    b'{"query": "{ __typename }", "extensions": "x"}',
    b'{"query": "{ __typename }", "extensions": 7}',
    b'{"query": "{ __typename }", "extensions": false}',
    b'{"query": "{ __typename }", "extensions": [1]}',
    b'"{ __typename }"',
]


@pytest.mark.parametrize("accept", [GRJ, JSON])
@pytest.mark.parametrize("body", NOT_WELL_FORMED)
async def test_requests_that_are_not_well_formed_are_400(client, body, accept):
    # SHOULD 400 for JSON parse failures and invalid parameters, with either media type.
    response = await post(client, body, accept=accept)
    assert response.status_code == 400
    payload = response.json()
    assert "data" not in payload
    assert payload["errors"][0]["message"]


@pytest.mark.parametrize("accept", [GRJ, JSON])
async def test_null_optional_parameters_and_map_parameters_are_allowed(client, accept):
    body = {"query": "{ __typename }", "operationName": None, "variables": None, "extensions": None}
    assert (await post(client, body, accept=accept)).json() == {"data": {"__typename": "Query"}}
    body = {"query": "query Q { __typename }", "variables": {}, "extensions": {"x": 1}}
    assert (await post(client, body, accept=accept)).json() == {"data": {"__typename": "Query"}}


# --- Status codes per media type ---------------------------------------------------------------

REQUEST_ERRORS = [
    ({"query": "{"}, "GRAPHQL_PARSE_FAILED"),
    ({"query": "{ nope }"}, "GRAPHQL_VALIDATION_FAILED"),
    ({"query": "query A { __typename } query B { __typename }"}, None),  # which operation?
    ({"query": "query A { __typename }", "operationName": "Z"}, None),  # no such operation
    ({"query": "query($n: Int!) { articles(first: $n) { totalCount } }"}, "BAD_USER_INPUT"),
    (
        {"query": "query($n: Int) { articles(first: $n) { totalCount } }", "variables": {"n": "x"}},
        "BAD_USER_INPUT",
    ),
]


@pytest.mark.parametrize(("body", "code"), REQUEST_ERRORS)
async def test_request_errors_are_400_without_data_for_graphql_response_json(client, body, code):
    # GRJ: a response without {data} MUST be 4xx/5xx; parse, validation, operation and
    # variable-coercion failures SHOULD be 400 and are not executed.
    response = await post(client, body, accept=GRJ)
    assert response.status_code == 400
    payload = response.json()
    assert "data" not in payload
    if code:
        assert payload["errors"][0]["extensions"]["code"] == code
    assert "statements" in response.headers["server-timing"]
    assert 'desc="0 statements"' in response.headers["server-timing"]


@pytest.mark.parametrize(("body", "code"), REQUEST_ERRORS)
async def test_request_errors_are_200_for_legacy_json(client, body, code):
    # application/json: SHOULD use 200 for every well-formed request.
    response = await post(client, body, accept=JSON)
    assert response.status_code == 200
    assert "data" not in response.json()


@pytest.mark.parametrize("accept", [GRJ, JSON])
async def test_field_errors_are_200_with_data(client, content, accept):
    # Execution ran: data present (here null: the non-null root field failed) and 200.
    response = await post(
        client, {"query": "{ articles(first: 101) { totalCount } }"}, accept=accept
    )
    assert response.status_code == 200
    payload = response.json()
    assert payload["data"] is None
    assert payload["errors"][0]["path"] == ["articles"]
    partial = await post(
        client, {"query": '{ __typename article(id: "bm9wZQ==") { title } }'}, accept=accept
    )
    assert partial.status_code == 200
    assert partial.json()["data"] == {"__typename": "Query", "article": None}


# --- GET ---------------------------------------------------------------------------------------


async def test_get_queries_with_url_encoded_parameters(client, content):
    params = {
        "query": "query Q($n: Int) { articles(first: $n) { totalCount } }",
        "variables": '{"n": 5}',
        "extensions": "{}",
        "operationName": "Q",
    }
    response = await client.get("/graphql", params=params, headers={"accept": GRJ, **PREFLIGHT})
    assert response.status_code == 200
    assert response.json() == {"data": {"articles": {"totalCount": 1}}}


async def test_get_empty_operation_name_is_no_operation_name(client):
    params = {"query": "{ __typename }", "operationName": ""}
    response = await client.get("/graphql", params=params, headers=PREFLIGHT)
    assert response.json() == {"data": {"__typename": "Query"}}


@pytest.mark.parametrize("variables", ["[1]", "7", '"x"', "{not json"])
async def test_get_variables_must_be_a_json_object(client, variables):
    params = {"query": "{ __typename }", "variables": variables}
    response = await client.get("/graphql", params=params, headers=PREFLIGHT)
    assert response.status_code == 400


@pytest.mark.parametrize("accept", [GRJ, JSON])
async def test_mutation_over_get_is_405_with_allow_post(client, accept):
    # MUST respond 405 and not execute a mutation sent with GET.
    params = {"query": "mutation { __typename }"}
    response = await client.get("/graphql", params=params, headers={"accept": accept, **PREFLIGHT})
    assert response.status_code == 405
    assert response.headers["allow"] == "POST"
    assert response.json()["errors"][0]["extensions"]["code"] == "METHOD_NOT_ALLOWED"
    named = {"query": "query A { __typename } mutation B { __typename }", "operationName": "B"}
    response = await client.get("/graphql", params=named, headers=PREFLIGHT)
    assert response.status_code == 405


async def test_get_without_query_is_400(client):
    response = await client.get("/graphql", headers={"accept": JSON, **PREFLIGHT})
    assert response.status_code == 400


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH"])
async def test_other_methods_are_405_with_allow(client, method):
    response = await client.request(method, "/graphql", content=b"{}")
    assert response.status_code == 405
    assert "POST" in response.headers["allow"] and "GET" in response.headers["allow"]

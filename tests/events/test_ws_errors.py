"""Over WebSocket (graphql-transport-ws), a document that fails before execution (syntax,
validation, limits) gets an ``error`` message with the same coded errors as over HTTP."""

from __future__ import annotations

from typing import Any

import pytest

from gateway.app import create_app
from tests.event_support import FAST_EVENTS, GqlWs, served

MODULE_SETTINGS = {**FAST_EVENTS, "max_query_depth": 3, "max_aliases": 2}

# (subscription over WebSocket, the same problem as a query over HTTP, the code)
CASES = {
    "syntax": (
        "subscription { contentChanged { type ",
        "query { articles { nodes { slug ",
        "GRAPHQL_PARSE_FAILED",
    ),
    "validation": (
        "subscription { contentChanged { nope } }",
        "query { articles { nope } }",
        "GRAPHQL_VALIDATION_FAILED",
    ),
    "depth": (
        "subscription { contentChanged { entity { ... on Article { tags { name } } } } }",
        "query { articles { nodes { tags { name } } } }",
        "QUERY_TOO_DEEP",
    ),
    "aliases": (
        "subscription { contentChanged { a: type b: type c: type } }",
        "query { articles { nodes { a: slug b: slug c: slug } } }",
        "TOO_MANY_ALIASES",
    ),
}


@pytest.mark.parametrize("case", list(CASES))
async def test_pre_execution_errors_are_coded_error_messages(client, settings, case: str) -> None:
    query, as_query, code = CASES[case]
    http = await client.post("/graphql", json={"query": as_query})
    http_codes = [e["extensions"]["code"] for e in http.json()["errors"]]
    assert http_codes == [code], http.json()
    app = create_app(settings)
    async with served(app) as url, GqlWs.connect(url) as ws:
        op = await ws.subscribe(query)
        message: dict[str, Any] = await ws.next(op)
        assert message["type"] == "error", message
        assert [e["extensions"]["code"] for e in message["payload"]] == [code]
        # The connection stays usable.
        again = await ws.subscribe("subscription { contentChanged { type } }")
        await ws.send({"id": again, "type": "complete"})

"""The params step: the operation(s) of a GET query string or a POST JSON body."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import orjson
from starlette.requests import Request

from gateway.http.rules import HttpError

BadRequest = HttpError  # the HTTP request itself is malformed (before any GraphQL work)


@dataclass
class GraphQLParams:
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None = None  # e.g. persistedQuery (automatic persisted queries)
    document_id: str | None = None  # a trusted document's id


def _json_param(raw: Any, name: str, encoded: bool) -> dict[str, Any] | None:
    """``variables``/``extensions``: a map (a JSON-encoded one in a GET's query string)."""
    if raw is None or (encoded and raw == ""):
        return None
    if encoded and isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise BadRequest(f"`{name}` is not valid JSON.") from None
    if raw is not None and not isinstance(raw, dict):
        raise BadRequest(f"`{name}` must be a JSON object.")
    return raw


def _batch(source: list[Any], max_batch: int) -> list[GraphQLParams]:
    if max_batch == 0:
        raise BadRequest(
            "Batched operations (a JSON array of requests) are not supported: "
            "send one operation per request.",
            code="BATCHING_NOT_SUPPORTED",
        )
    if not source or len(source) > max_batch:
        raise BadRequest(f"A batch holds 1 to {max_batch} operations (got {len(source)}).")
    if not all(isinstance(item, dict) for item in source):
        raise BadRequest("Every operation of a batch must be a JSON object.")
    return [params_from(item) for item in source]


async def read_params(request: Request, max_batch: int = 0) -> GraphQLParams | list[GraphQLParams]:
    """The request's operation, or up to ``max_batch`` of them from a JSON array (batching)."""
    if request.method == "GET":
        return params_from(dict(request.query_params), encoded=True)
    try:
        source = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise BadRequest("The request body is not valid JSON.") from None
    if isinstance(source, list):
        return _batch(source, max_batch)
    if not isinstance(source, dict):
        raise BadRequest("The request body must be a JSON object.")
    return params_from(source)


def params_from(source: dict[str, Any], encoded: bool = False) -> GraphQLParams:
    query = source.get("query")
    if query is not None and not isinstance(query, str):
        raise BadRequest("`query` must be a string.")
    operation_name = source.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("`operationName` must be a string.")
    extensions = _json_param(source.get("extensions"), "extensions", encoded)
    # `documentId` (GraphQL over HTTP persisted documents) or Relay's `doc_id`.
    document_id = source.get("documentId", source.get("doc_id"))
    if document_id is not None and (not isinstance(document_id, str) or not document_id):
        raise BadRequest("`documentId` must be a non-empty string.")
    persisted = extensions is not None and "persistedQuery" in extensions
    if not query and not document_id and not persisted:
        raise BadRequest("Missing `query`: send a GraphQL document.")
    return GraphQLParams(
        query or None,
        _json_param(source.get("variables"), "variables", encoded),
        operation_name or None,  # "" means no operation name (GraphQL over HTTP)
        extensions,
        document_id,
    )

"""Error payloads of the endpoint, and how a GraphQL error is shown to clients: a code on
every error, masked internals, database faults as retryable codes."""

from __future__ import annotations

import logging
import re
from typing import Any

from graphql import GraphQLError, GraphQLSyntaxError

from gateway.http.faults import UNAVAILABLE, database_fault
from resolvers.errors import GatewayError

log = logging.getLogger("gateway.graphql")
SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")


def error_payload(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


def error_code(error: GraphQLError) -> str:
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable "):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


def _fault(fault: str, request_id: str) -> dict[str, Any]:
    return {
        "message": "The database is unavailable; retry shortly."
        if fault == UNAVAILABLE
        else "A database statement took too long and was cancelled.",
        "extensions": {"code": fault, "requestId": request_id},
    }


def _internal(error: GraphQLError, request_id: str) -> dict[str, Any]:
    log.error(
        "unexpected error in %s (request %s)",
        ".".join(map(str, error.path or ["<operation>"])),
        request_id,
        exc_info=error.original_error,
    )
    formatted: dict[str, Any] = {
        "message": f"Internal server error (request id {request_id}).",
        "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
    }
    if error.path is not None:
        formatted["path"] = error.path
    return formatted


def format_error(error: GraphQLError, request_id: str, production: bool) -> dict[str, Any]:
    """The error as the response shows it; ``production`` drops "Did you mean ...?" hints for
    unknown fields, arguments, types and enum values."""
    original = error.original_error
    formatted: dict[str, Any] = dict(error.formatted)
    if production:
        formatted["message"] = SUGGESTION.sub("", formatted["message"])
    fault = database_fault(original)
    if isinstance(original, GatewayError):
        formatted.setdefault("extensions", {})["code"] = original.code
    elif original is None:
        # Limit errors carry their own code; other request errors get the generic one.
        formatted.setdefault("extensions", {}).setdefault("code", error_code(error))
    elif fault is not None:
        log.warning("database fault %s (request %s): %r", fault, request_id, original)
        formatted = _fault(fault, request_id)
    elif error.path is None and (error.nodes or error.message.startswith("Variable '$")):
        # Raised while coercing variables or arguments: the client's input was wrong.
        formatted.setdefault("extensions", {})["code"] = "BAD_USER_INPUT"
    else:
        formatted = _internal(error, request_id)
    return formatted

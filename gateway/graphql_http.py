"""The GraphQL HTTP endpoint: GET and POST, JSON in and out, coded errors, Server-Timing.

Execution goes through ``strawberry.Schema.execute`` with parse and validation cached across
requests (``ParserCache``/``ValidationCache`` share module-level LRUs).
"""

from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from gateway.auth import Authenticator, preview_tokens
from gateway.caching import CacheLayer
from gateway.config import Settings
from gateway.graphiql import graphiql_page
from gateway.persisted import PersistedQueryError
from resolvers.db import Database, track_queries
from resolvers.errors import GatewayError, Unauthenticated
from resolvers.loaders import Loaders
from resolvers.site import Site
from schema import Context

log = logging.getLogger("gateway.graphql")

GRAPHQL_RESPONSE = "application/graphql-response+json"
PRIVATE = "private, no-store"
JSON = "application/json"
NO_STORE = {"Cache-Control": "no-store"}


class BadRequest(Exception):
    """The HTTP request itself is malformed (before any GraphQL work)."""

    def __init__(self, message: str, status: int = 400, headers: dict[str, str] | None = None):
        super().__init__(message)
        self.status = status
        self.headers = headers or {}


@dataclass
class GraphQLParams:
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None = None  # e.g. persistedQuery (issue 5)
    document_id: str | None = None  # a trusted document's id (issue 5)


def _json_param(raw: Any, name: str) -> dict[str, Any] | None:
    if raw is None or raw == "":
        return None
    if isinstance(raw, str):
        try:
            raw = orjson.loads(raw)
        except orjson.JSONDecodeError:
            raise BadRequest(f"`{name}` is not valid JSON.") from None
    if raw is not None and not isinstance(raw, dict):
        raise BadRequest(f"`{name}` must be a JSON object.")
    return raw


async def read_params(request: Request) -> GraphQLParams:
    if request.method == "GET":
        source: dict[str, Any] = dict(request.query_params)
    else:
        content_type = request.headers.get("content-type", "").split(";")[0].strip().lower()
        if content_type != JSON:
            raise BadRequest(
                "Send GraphQL requests with Content-Type: application/json.", status=415
            )
        try:
            source = orjson.loads(await request.body())
        except orjson.JSONDecodeError:
            raise BadRequest("The request body is not valid JSON.") from None
        if not isinstance(source, dict):
            raise BadRequest("The request body must be a JSON object.")
    query = source.get("query")
    if query is not None and not isinstance(query, str):
        raise BadRequest("`query` must be a string.")
    operation_name = source.get("operationName")
    if operation_name is not None and not isinstance(operation_name, str):
        raise BadRequest("`operationName` must be a string.")
    extensions = _json_param(source.get("extensions"), "extensions")
    # `documentId` (GraphQL over HTTP persisted documents) or Relay's `doc_id`.
    document_id = source.get("documentId", source.get("doc_id"))
    if document_id is not None and (not isinstance(document_id, str) or not document_id):
        raise BadRequest("`documentId` must be a non-empty string.")
    if not query and not document_id and not (extensions and "persistedQuery" in extensions):
        raise BadRequest("Missing `query`: send a GraphQL document.")
    return GraphQLParams(
        query or None,
        _json_param(source.get("variables"), "variables"),
        operation_name,
        extensions,
        document_id,
    )


def wants_graphql_response(request: Request) -> bool:
    return GRAPHQL_RESPONSE in request.headers.get("accept", "")


def error_code(error: GraphQLError) -> str:
    if isinstance(error, GraphQLSyntaxError):
        return "GRAPHQL_PARSE_FAILED"
    if error.message.startswith("Variable "):
        return "BAD_USER_INPUT"
    return "GRAPHQL_VALIDATION_FAILED"


class GraphQLEndpoint:
    """Serves GraphiQL to browsers and GraphQL to everyone else."""

    def __init__(self, schema: strawberry.Schema, settings: Settings, site: Site) -> None:
        self.schema = schema
        self.settings = settings
        self.site = site
        self.auth = Authenticator(settings)
        self.preview = preview_tokens(settings)

    def format_error(self, error: GraphQLError, request_id: str) -> dict[str, Any]:
        original = error.original_error
        formatted: dict[str, Any] = dict(error.formatted)
        if isinstance(original, GatewayError):
            formatted.setdefault("extensions", {})["code"] = original.code
        elif original is None:
            formatted.setdefault("extensions", {})["code"] = error_code(error)
        elif error.path is None:
            # Raised while coercing variables or arguments: the client's input was wrong.
            formatted.setdefault("extensions", {})["code"] = "BAD_USER_INPUT"
        else:
            log.error(
                "unexpected error in %s (request %s)",
                ".".join(map(str, error.path)),
                request_id,
                exc_info=original,
            )
            formatted = {
                "message": f"Internal server error (request id {request_id}).",
                "path": error.path,
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
            }
        return formatted

    async def handle(self, request: Request) -> Response:
        started = time.perf_counter()
        request_id = request.headers.get("x-request-id") or uuid.uuid4().hex
        if (
            request.method == "GET"
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        ):
            if not self.settings.graphiql_enabled:
                return Response("GraphiQL is disabled.", status_code=404)
            return HTMLResponse(graphiql_page(self.site))
        media = GRAPHQL_RESPONSE if wants_graphql_response(request) else JSON
        db: Database = request.app.state.db
        cache: CacheLayer = request.app.state.cache
        try:
            params = await read_params(request)
            plan = await cache.begin(
                request,
                db,
                params.query,
                params.variables,
                params.operation_name,
                params.extensions,
                params.document_id,
                media,
                started,
            )
        except BadRequest as exc:
            body = {"errors": [{"message": str(exc), "extensions": {"code": "BAD_REQUEST"}}]}
            return Response(orjson.dumps(body), exc.status, exc.headers, media_type=media)
        except PersistedQueryError as exc:
            body = {"errors": [{"message": str(exc), "extensions": {"code": exc.code}}]}
            status = 400 if media == GRAPHQL_RESPONSE else exc.status
            return Response(orjson.dumps(body), status, NO_STORE, media_type=media)
        if isinstance(plan, Response):
            plan.headers["X-Request-ID"] = request_id
            return plan  # answered from the response cache: no parsing, no SQL

        stats = track_queries()
        clock = getattr(request.app.state, "clock", None)  # tests may pin the request clock
        now = clock() if clock is not None else datetime.now(UTC)
        try:
            viewer = await self.auth.viewer(request, db, now)
        except Unauthenticated as exc:
            body = {"errors": [{"message": str(exc), "extensions": {"code": exc.code}}]}
            headers = {
                "WWW-Authenticate": 'Bearer error="invalid_token"',
                "Cache-Control": PRIVATE,
                "X-Request-ID": request_id,
            }
            return Response(orjson.dumps(body), 401, headers, media_type=media)
        context = Context(
            request=request,
            db=db,
            site=self.site,
            viewer=viewer,
            now=now,
            loaders=Loaders(db, viewer, now, plan.tags),
            default_page_size=self.settings.default_page_size,
            max_page_size=self.settings.max_page_size,
            hooks=request.app.state.change_hooks,
            preview=self.preview,
            tags=plan.tags,
        )
        allowed = (
            {OperationType.QUERY}
            if request.method == "GET"
            else {OperationType.QUERY, OperationType.MUTATION}
        )
        try:
            result = await self.schema.execute(
                plan.query,
                variable_values=params.variables,
                context_value=context,
                operation_name=params.operation_name,
                allowed_operation_types=allowed,
            )
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:  # issue 8
                message = "Subscriptions run over WebSocket (graphql-transport-ws) at /graphql."
                body = {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}
                return Response(orjson.dumps(body), 400, media_type=media)
            body = {
                "errors": [
                    {
                        "message": "Only queries can be sent with GET; use POST for mutations.",
                        "extensions": {"code": "METHOD_NOT_ALLOWED"},
                    }
                ]
            }
            return Response(orjson.dumps(body), 405, {"Allow": "POST"}, media_type=media)
        except MissingQueryError:
            body = {
                "errors": [{"message": "Missing `query`.", "extensions": {"code": "BAD_REQUEST"}}]
            }
            return Response(orjson.dumps(body), 400, media_type=media)

        payload: dict[str, Any] = {}
        if result.errors:
            payload["errors"] = [self.format_error(e, request_id) for e in result.errors]
        if result.data is not None or not result.errors:
            payload["data"] = result.data
        status = 200
        if media == GRAPHQL_RESPONSE and "data" not in payload:
            status = 400  # the request failed before execution (GraphQL over HTTP spec)
        # The answer depends on the credentials: a shared cache must key on them (issue 4).
        headers = {"X-Request-ID": request_id, "Vary": "Authorization"}
        if context.private or not viewer.is_anonymous:
            headers["Cache-Control"] = PRIVATE  # previews and signed-in answers: no shared cache
        if self.settings.server_timing:
            total_ms = (time.perf_counter() - started) * 1000
            headers["Server-Timing"] = (
                f'db;dur={stats.seconds * 1000:.2f};desc="{stats.statements} statements", '
                f"total;dur={total_ms:.2f}"
            )
        return await cache.finish(
            plan,
            request,
            db,
            viewer.is_anonymous and not context.private,
            now,
            payload,
            orjson.dumps(payload),
            status,
            headers,
            media,
        )

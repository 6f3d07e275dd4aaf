"""The GraphQL HTTP endpoint: GET and POST, JSON in and out, coded errors, Server-Timing.

Execution goes through ``strawberry.Schema.execute`` with parse and validation cached across
requests (``gateway.guard.limits`` parses with the size limits into an LRU; ``ValidationCache``).
Hardening: HTTP rules (``gateway.http.rules``), rate-limit budget, execution timeout,
database faults as 503/504, and the GraphQL-over-HTTP status codes per media type.
"""

from __future__ import annotations

import asyncio
import logging
import re
import time
from contextlib import AbstractContextManager, nullcontext
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import orjson
import strawberry
from graphql import GraphQLError, GraphQLSyntaxError
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response
from strawberry.exceptions import MissingQueryError
from strawberry.schema.exceptions import CannotGetOperationTypeError, InvalidOperationTypeError
from strawberry.types.graphql import OperationType

from gateway.auth import Authenticator, preview_tokens
from gateway.cache.http_headers import NO_STORE, PRIVATE
from gateway.cache.persisted import PersistedQueryError
from gateway.cache.responses import CacheLayer, Plan
from gateway.config.settings import Settings
from gateway.guard.ratelimit import ClientBudget, ClientIdentifier, RateLimiter
from gateway.http.faults import TIMEOUT, UNAVAILABLE, database_fault
from gateway.http.graphiql import graphiql_page
from gateway.http.request_context import (
    note_errors,
    query_stats_of,
    record_of,
    request_id_of,
    server_timing,
)
from gateway.http.rules import (
    GRAPHQL_RESPONSE,
    JSON,
    BodyTooLarge,
    HttpError,
    check_csrf,
    check_post_content_type,
    negotiate,
)
from resolvers.access import Viewer
from resolvers.db import Database
from resolvers.errors import GatewayError, Unauthenticated
from resolvers.site import Site
from schema import Context
from schema.execution.entry import execute
from schema.loaders import RequestLoaders

log = logging.getLogger("gateway.graphql")


def timed(request: Request, phase: str) -> AbstractContextManager[None]:
    """Time a phase into the request record (Server-Timing, metrics), when there is one."""
    record = record_of(request)
    return record.timed(phase) if record is not None else nullcontext()


BadRequest = HttpError  # the HTTP request itself is malformed (before any GraphQL work)
SUGGESTION = re.compile(r"\s*Did you mean [^?]*\?")
COST_HEADER = "x-graphql-cost"


@dataclass
class GraphQLParams:
    query: str | None
    variables: dict[str, Any] | None
    operation_name: str | None
    extensions: dict[str, Any] | None = None  # e.g. persistedQuery (APQ)
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


async def read_params(request: Request, max_batch: int = 0) -> GraphQLParams | list[GraphQLParams]:
    """The request's operation, or up to ``max_batch`` of them from a JSON array (batching)."""
    if request.method == "GET":
        return params_from(dict(request.query_params), encoded=True)
    try:
        source = orjson.loads(await request.body())
    except orjson.JSONDecodeError:
        raise BadRequest("The request body is not valid JSON.") from None
    if isinstance(source, list):
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


def error_payload(message: str, code: str, **extensions: Any) -> dict[str, Any]:
    return {"errors": [{"message": message, "extensions": {"code": code, **extensions}}]}


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
        self.identify = ClientIdentifier(settings.trusted_proxies)

    def format_error(self, error: GraphQLError, request_id: str) -> dict[str, Any]:
        original = error.original_error
        formatted: dict[str, Any] = dict(error.formatted)
        if self.settings.env == "production":
            # No "Did you mean ...?" hints for unknown fields, arguments, types or enum values.
            formatted["message"] = SUGGESTION.sub("", formatted["message"])
        fault = database_fault(original)
        if isinstance(original, GatewayError):
            formatted.setdefault("extensions", {})["code"] = original.code
        elif original is None:
            # Limit errors carry their own code; other request errors get the generic one.
            formatted.setdefault("extensions", {}).setdefault("code", error_code(error))
        elif fault is not None:
            log.warning("database fault %s (request %s): %r", fault, request_id, original)
            formatted = {
                "message": "The database is unavailable; retry shortly."
                if fault == UNAVAILABLE
                else "A database statement took too long and was cancelled.",
                "extensions": {"code": fault, "requestId": request_id},
            }
        elif error.path is None and (error.nodes or error.message.startswith("Variable '$")):
            # Raised while coercing variables or arguments: the client's input was wrong.
            formatted.setdefault("extensions", {})["code"] = "BAD_USER_INPUT"
        else:
            log.error(
                "unexpected error in %s (request %s)",
                ".".join(map(str, error.path or ["<operation>"])),
                request_id,
                exc_info=original,
            )
            formatted = {
                "message": f"Internal server error (request id {request_id}).",
                "extensions": {"code": "INTERNAL_SERVER_ERROR", "requestId": request_id},
            }
            if error.path is not None:
                formatted["path"] = error.path
        return formatted

    def budget(self, request: Request) -> ClientBudget | None:
        limiter: RateLimiter | None = getattr(request.app.state, "rate_limiter", None)
        if limiter is None or not limiter.enabled:
            return None
        return ClientBudget(limiter, f"ip:{self.identify.ip(request)}")

    async def handle(self, request: Request) -> Response:
        try:
            return await self._handle(request)
        finally:
            # A leading cache miss lets the identical requests waiting on it go (single flight).
            await request.app.state.cache.release(request)

    async def _handle(self, request: Request) -> Response:
        started = time.perf_counter()
        request_id = request_id_of(request)  # set by RequestMiddleware, which also echoes it
        if (
            request.method == "GET"
            and "query" not in request.query_params
            and "text/html" in request.headers.get("accept", "")
        ):
            if not self.settings.graphiql_enabled:
                return Response("GraphiQL is disabled.", status_code=404)
            return HTMLResponse(graphiql_page(self.site))
        # The answer depends on the credentials: a shared cache must key on them.
        # (X-Request-ID is added by RequestMiddleware.)
        headers = {"Vary": "Authorization"}
        media = JSON
        stats = query_stats_of(request)
        try:
            media = negotiate(request)
            if request.method not in ("GET", "POST"):
                raise HttpError("Use GET or POST.", 405, {"Allow": "GET, POST"}, "BAD_REQUEST")
            if request.method == "POST":
                check_post_content_type(request)  # 415 for anything but JSON
            if self.settings.csrf_prevention:
                check_csrf(request)
            parsed = await read_params(request, self.settings.max_batch_operations)
            operations = parsed if isinstance(parsed, list) else [parsed]
            # Persisted queries resolve, and a single public query is looked up in the
            # response cache; a hit is answered now: no rate-limit charge, parsing or SQL.
            cache: CacheLayer = request.app.state.cache
            plans: list[Plan] = []
            for op in operations:
                with timed(request, "cache") if self.settings.response_cache else nullcontext():
                    plan = await cache.begin(
                        request,
                        request.app.state.db,
                        op.query,
                        op.variables,
                        op.operation_name,
                        op.extensions,
                        op.document_id,
                        media,
                        lookup=not isinstance(parsed, list),
                    )
                if isinstance(plan, Response):
                    return self.cached(plan, request, request_id, started, stats)
                plans.append(plan)
            record = record_of(request)
            if record is not None and not isinstance(parsed, list):
                record.cache = plans[0].status
            budget = self.budget(request)
            request.state.budget = budget
            # 1 unit (from the IP's bucket) before any other work, so floods of broken documents
            # or made-up tokens are refused cheaply.
            if budget is not None and not await budget.charge_request():
                headers.update(budget.headers())
                body = {"errors": [budget.error().formatted]}
                return self.respond(body, 429, headers, media, started, stats, request)
            clock = getattr(request.app.state, "clock", None)  # tests may pin the request clock
            now = clock() if clock is not None else datetime.now(UTC)
            try:
                viewer = await self.auth.viewer(request, request.app.state.db, now)
            except Unauthenticated as exc:
                headers.update(
                    {"WWW-Authenticate": 'Bearer error="invalid_token"', "Cache-Control": PRIVATE}
                )
                body = error_payload(str(exc), exc.code)
                return self.respond(body, 401, headers, media, started, stats, request)
            if budget is not None and not viewer.is_anonymous:
                budget.switch_to(self.identify(request))  # a verified token has its own budget
            results = [
                await self.run_one(request, op, plan, media, request_id, viewer, now)
                for op, plan in zip(operations, plans, strict=True)
            ]
        except PersistedQueryError as exc:
            status = 400 if media == GRAPHQL_RESPONSE else exc.status
            headers["Cache-Control"] = NO_STORE  # a CDN must not keep "not found" for a hash
            body = error_payload(str(exc), exc.code)
            return self.respond(body, status, headers, media, started, stats, request)
        except HttpError as exc:
            body = error_payload(str(exc), exc.code)
            return self.respond(
                body, exc.status, {**headers, **exc.headers}, media, started, stats, request
            )
        except BodyTooLarge:
            raise  # answered with 413 by the BodySizeLimit middleware
        except Exception as exc:
            if database_fault(exc) == UNAVAILABLE:  # e.g. the token lookup could not run
                log.warning("database unavailable (request %s): %r", request_id, exc)
                body = error_payload(
                    "The database is unavailable; retry shortly.", UNAVAILABLE, requestId=request_id
                )
                headers["Retry-After"] = "1"
                return self.respond(body, 503, headers, media, started, stats, request)
            log.exception("unexpected error handling request %s", request_id)
            body = error_payload(
                f"Internal server error (request id {request_id}).",
                "INTERNAL_SERVER_ERROR",
                requestId=request_id,
            )
            return self.respond(body, 500, headers, media, started, stats, request)
        if budget is not None:
            headers.update(budget.headers())
        payload: dict[str, Any] | list[dict[str, Any]]
        if not isinstance(parsed, list):
            payload, status, extra = results[0]
            headers.update(extra)
            # Caching headers, ETag/304, storing a public answer, APQ registration.
            with timed(request, "cache") if self.settings.response_cache else nullcontext():
                status, encoded = await cache.finish(
                    plans[0], request, request.app.state.db, now, payload, orjson.dumps(payload),
                    status, headers,
                )  # fmt: skip
            return self.respond(payload, status, headers, media, started, stats, request, encoded)
        # A batch: one array of complete GraphQL responses, never cached.
        payload = [r[0] for r in results]
        status = max(r[1] for r in results) if all(r[1] != 200 for r in results) else 200
        headers["Cache-Control"] = PRIVATE if not viewer.is_anonymous else NO_STORE
        return self.respond(payload, status, headers, media, started, stats, request)

    def cached(
        self, response: Response, request: Request, request_id: str, started: float, stats: Any
    ) -> Response:
        """A response-cache hit (or its 304), with the request's id and timing headers."""
        response.headers["X-Request-ID"] = request_id
        record = record_of(request)
        if record is not None:
            record.cache = "hit"
        if self.settings.server_timing:
            total = time.perf_counter() - started
            response.headers["Server-Timing"] = server_timing(record, stats, total)
        return response

    def respond(
        self,
        payload: Any,
        status: int,
        headers: dict[str, str],
        media: str,
        started: float,
        stats: Any,
        request: Request,
        body: bytes | None = None,
    ) -> Response:
        for item in payload if isinstance(payload, list) else [payload]:
            if isinstance(item, dict) and item.get("errors"):
                note_errors(request, item["errors"])  # error codes for the access log
        if self.settings.server_timing:
            total = time.perf_counter() - started
            headers["Server-Timing"] = server_timing(record_of(request), stats, total)
        if body is None:
            body = orjson.dumps(payload)
        return Response(body, status, headers, media_type=f"{media}; charset=utf-8")

    async def run_one(
        self,
        request: Request,
        params: GraphQLParams,
        plan: Plan,
        media: str,
        request_id: str,
        viewer: Viewer,
        now: datetime,
    ) -> tuple[dict[str, Any], int, dict[str, str]]:
        """One operation: (GraphQL response, HTTP status, extra headers)."""
        db: Database = request.app.state.db
        context = Context(
            request=request,
            db=db,
            site=self.site,
            viewer=viewer,
            now=now,
            loaders=RequestLoaders(db, viewer, now, plan.tags),
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
        request.state.query_cost = None
        timeout = self.settings.execution_timeout
        try:
            async with asyncio.timeout(timeout):
                result, path = await execute(
                    self.schema,
                    plan.query,
                    context=context,
                    variables=params.variables,
                    operation_name=params.operation_name,
                    allowed=allowed,
                    compiled=self.settings.compiled_execution,
                )
            record = record_of(request)
            if record is not None and "execute" in record.phases:
                record.execution = path
        except TimeoutError:
            log.warning("request %s stopped after %s s", request_id, timeout)
            message = f"The request took longer than {timeout:g} s and was stopped."
            return error_payload(message, TIMEOUT, requestId=request_id), 504, {}
        except InvalidOperationTypeError as exc:
            if exc.operation_type is OperationType.SUBSCRIPTION:  # only over WebSocket
                message = "Subscriptions run over WebSocket (graphql-transport-ws) at /graphql."
                return error_payload(message, "BAD_REQUEST"), 400, {}
            message = "Only queries can be sent with GET; use POST for mutations."
            return error_payload(message, "METHOD_NOT_ALLOWED"), 405, {"Allow": "POST"}
        except MissingQueryError:
            return error_payload("Missing `query`.", "BAD_REQUEST"), 400, {}
        except CannotGetOperationTypeError as exc:
            message = (
                f"The document has no operation named {exc.operation_name!r}."
                if exc.operation_name
                else "The document has no single operation to run: pass `operationName`."
            )
            status = 400 if media == GRAPHQL_RESPONSE else 200
            return error_payload(message, "OPERATION_RESOLUTION_FAILURE"), status, {}

        finally:
            # Only an anonymous, non-preview answer may be shared: any other answer is viewer-specific.
            plan.shareable = viewer.is_anonymous and not context.private
        budget: ClientBudget | None = request.state.budget
        if budget is not None and budget.denied:
            return {"errors": [budget.error().formatted]}, 429, {}
        payload: dict[str, Any] = {}
        if result.errors:
            errors = [self.format_error(e, request_id) for e in result.errors]
            codes = {e.get("extensions", {}).get("code") for e in errors}
            for fault, status in ((UNAVAILABLE, 503), (TIMEOUT, 504)):
                if fault in codes:
                    # The database failed: no partial answer, a status clients and balancers
                    # know to retry.
                    fault_error = next(e for e in errors if e["extensions"]["code"] == fault)
                    extra = {"Retry-After": "1"} if status == 503 else {}
                    return {"errors": [fault_error]}, status, extra
            payload["errors"] = errors
        # "data" is present once execution started (field errors have a path); a request that
        # failed before (parse, validation, limits, variables) has only "errors".
        executed = result.data is not None or any(e.path for e in result.errors or ())
        if executed or not result.errors:
            payload["data"] = result.data
        cost = request.state.query_cost
        if cost is not None and (
            self.settings.cost_report
            or request.headers.get(COST_HEADER, "").strip().lower() in ("1", "true", "yes")
        ):
            payload["extensions"] = {
                "cost": {"requested": cost, "limit": self.settings.max_query_cost}
            }
        status = 200
        if media == GRAPHQL_RESPONSE and "data" not in payload:
            status = 400  # the request failed before execution (GraphQL over HTTP spec)
        extra = {}
        if context.private or not viewer.is_anonymous:
            extra["Cache-Control"] = PRIVATE  # previews and signed-in answers: no shared cache
        return payload, status, extra

"""The GraphQL HTTP endpoint: GET and POST, JSON in and out, coded errors, Server-Timing.

``handle`` runs the steps in order, each a short method that gets what it needs and returns
what it found: negotiate -> params -> lookup (persisted query, response cache) -> budget ->
viewer -> execute (each operation) -> finish. A refusal anywhere becomes one coded error
response (``refuse``). Hardening: HTTP rules (``gateway.http.rules``), the rate-limit budget,
the execution timeout, database faults as 503/504, and the GraphQL-over-HTTP status codes per
media type.
"""

from __future__ import annotations

import logging
from datetime import UTC, datetime

import strawberry
from starlette.requests import Request
from starlette.responses import HTMLResponse, Response

from gateway.auth import Authenticator
from gateway.cache.http_headers import NO_STORE, PRIVATE
from gateway.cache.persisted import PersistedQueryError
from gateway.cache.responses import Plan
from gateway.config.settings import Settings
from gateway.guard.ratelimit import ClientBudget, ClientIdentifier
from gateway.http.faults import TIMEOUT, UNAVAILABLE, database_fault
from gateway.http.graphiql import graphiql_page
from gateway.http.graphql.caching import lookup, store
from gateway.http.graphql.client import client_budget, sign_in
from gateway.http.graphql.errors import error_payload
from gateway.http.graphql.exchange import Exchange
from gateway.http.graphql.execute import Operation, Outcome, run_operation
from gateway.http.graphql.negotiate import negotiate_request
from gateway.http.graphql.outcome import Shaping, shape
from gateway.http.graphql.params import GraphQLParams, read_params
from gateway.http.graphql.respond import answer_hit, respond
from gateway.http.request_context import note_persisted_query_miss
from gateway.http.rules import (
    GRAPHQL_RESPONSE,
    BodyTooLarge,
    HttpError,
)
from resolvers.access import Viewer
from resolvers.content.locales.localized import accepted_locale
from resolvers.errors import Unauthenticated
from resolvers.site import Site
from schema.context import ContextFactory, Metering

log = logging.getLogger("gateway.graphql")
COST_HEADER = "x-graphql-cost"


def wants_graphiql(request: Request) -> bool:
    return (
        request.method == "GET"
        and "query" not in request.query_params
        and "text/html" in request.headers.get("accept", "")
    )


class GraphQLEndpoint:
    """Serves GraphiQL to browsers and GraphQL to everyone else."""

    def __init__(self, schema: strawberry.Schema, settings: Settings, site: Site) -> None:
        self.schema = schema
        self.settings = settings
        self.site = site
        self.auth = Authenticator(settings)
        self.identify = ClientIdentifier(settings.trusted_proxies)

    async def handle(self, request: Request) -> Response:
        ex = Exchange.begin(request)
        if wants_graphiql(request):
            if not self.settings.graphiql_enabled:
                return Response("GraphiQL is disabled.", status_code=404)
            return HTMLResponse(graphiql_page(self.site))
        try:
            return await self.pipeline(ex)
        except BodyTooLarge:
            raise  # answered with 413 by the BodySizeLimit middleware
        except Exception as exc:
            return self.refuse(ex, exc)
        finally:
            # A leading cache miss lets the identical requests waiting on it go (single flight).
            await ex.request.app.state.cache.release(ex.flights)

    async def pipeline(self, ex: Exchange) -> Response:
        state = ex.request.app.state
        timed = self.settings.response_cache
        if self.site.locale_from_accept_language:  # the answer depends on the header
            ex.headers["Vary"] += ", Accept-Language"
        negotiate_request(ex, self.settings.csrf_prevention)
        parsed = await read_params(ex.request, self.settings.max_batch_operations)
        batch = isinstance(parsed, list)
        operations = parsed if isinstance(parsed, list) else [parsed]
        plans = await lookup(ex, state.cache, state.db, operations, batch=batch, timed=timed)
        if isinstance(plans, Response):
            return answer_hit(ex, plans, timing=self.settings.server_timing)
        budget = client_budget(getattr(state, "rate_limiter", None), self.identify, ex.request)
        now = self.clock(ex.request)
        try:
            viewer = await sign_in(self.auth, self.identify, ex.request, state.db, now, budget)
        except Unauthenticated:
            # A made-up or expired token pays from its IP's bucket (a flood of them is refused
            # cheaply); it never gets a budget of its own.
            if budget is not None and not await budget.charge_request():
                return self.limited(ex, budget)
            raise
        # 1 unit before any other work: a verified token's from its own bucket only (anonymous
        # traffic from a shared IP cannot lock its holder out), anyone else's from the IP's.
        if budget is not None and not await budget.charge_request():
            return self.limited(ex, budget)
        outcomes = [
            await self.execute(ex, op, plan, viewer, now, budget)
            for op, plan in zip(operations, plans, strict=True)
        ]
        if budget is not None:
            ex.headers.update(budget.headers())
        if batch:
            return self.finish_batch(ex, outcomes, viewer)
        status, encoded = await store(
            ex, state.cache, state.db, outcomes[0], plans[0], now, timed=timed
        )
        return self.respond(ex, outcomes[0].payload, status, body=encoded)

    # -- steps --------------------------------------------------------------------------------

    def limited(self, ex: Exchange, budget: ClientBudget) -> Response:
        refusal = {"errors": [budget.error().formatted]}
        return self.respond(ex, refusal, 429, extra=budget.headers())

    def clock(self, request: Request) -> datetime:
        clock = getattr(request.app.state, "clock", None)  # tests may pin the request clock
        return clock() if clock is not None else datetime.now(UTC)

    async def execute(
        self,
        ex: Exchange,
        params: GraphQLParams,
        plan: Plan,
        viewer: Viewer,
        now: datetime,
        budget: ClientBudget | None,
    ) -> Outcome:
        """One operation, in a context from the app's one factory."""
        contexts: ContextFactory = ex.request.app.state.contexts
        context = contexts(
            ex.request, viewer, now, tags=plan.tags, metering=Metering(budget),
            locale=accepted_locale(self.site, ex.request.headers.get("accept-language")),
        )  # fmt: skip
        context.compiled_execution = self.settings.compiled_execution
        operation = Operation(
            plan.query, params.variables, params.operation_name,
            Operation.allowed_for(ex.request.method),
        )  # fmt: skip
        result = await run_operation(
            self.schema, operation, context, time_limit=self.settings.execution_timeout,
            media=ex.media, request_id=ex.request_id,
        )  # fmt: skip
        # Only an anonymous, non-preview answer may be shared.
        plan.shareable = viewer.is_anonymous and not context.private
        if isinstance(result, Outcome):
            return result
        return shape(result, context, budget, self.shaping(ex))

    def shaping(self, ex: Exchange) -> Shaping:
        asked = ex.request.headers.get(COST_HEADER, "").strip().lower() in ("1", "true", "yes")
        return Shaping(
            media=ex.media,
            request_id=ex.request_id,
            production=self.settings.env == "production",
            report_cost=self.settings.cost_report or asked,
            max_cost=self.settings.max_query_cost,
        )

    def finish_batch(self, ex: Exchange, outcomes: list[Outcome], viewer: Viewer) -> Response:
        """One array of complete GraphQL responses, never cached."""
        payload = [o.payload for o in outcomes]
        statuses = [o.status for o in outcomes]
        status = max(statuses) if all(s != 200 for s in statuses) else 200
        ex.headers["Cache-Control"] = PRIVATE if not viewer.is_anonymous else NO_STORE
        return self.respond(ex, payload, status)

    # -- refusals -----------------------------------------------------------------------------

    def respond(
        self,
        ex: Exchange,
        payload: object,
        status: int,
        extra: dict[str, str] | None = None,
        body: bytes | None = None,
    ) -> Response:
        timing = self.settings.server_timing
        return respond(ex, payload, status, timing=timing, extra=extra, body=body)

    def refuse(self, ex: Exchange, exc: Exception) -> Response:
        """Any step's refusal (or failure) as one coded error response."""
        if isinstance(exc, Unauthenticated):
            extra = {"WWW-Authenticate": 'Bearer error="invalid_token"', "Cache-Control": PRIVATE}
            return self.respond(ex, error_payload(str(exc), exc.code), 401, extra)
        if isinstance(exc, PersistedQueryError):
            if exc.code == "PERSISTED_QUERY_NOT_FOUND":
                note_persisted_query_miss(ex.request)
            status = 400 if ex.media == GRAPHQL_RESPONSE else exc.status
            extra = {"Cache-Control": NO_STORE}  # a CDN must not keep "not found" for a hash
            return self.respond(ex, error_payload(str(exc), exc.code), status, extra)
        if isinstance(exc, HttpError):
            return self.respond(ex, error_payload(str(exc), exc.code), exc.status, exc.headers)
        fault = database_fault(exc)
        if fault == UNAVAILABLE:  # the token lookup, or storing the answer, could not run
            log.warning("database unavailable (request %s): %r", ex.request_id, exc)
            message = "The database is unavailable; retry shortly."
            body = error_payload(message, UNAVAILABLE, requestId=ex.request_id)
            return self.respond(ex, body, 503, {"Retry-After": "1", "Cache-Control": NO_STORE})
        if fault == TIMEOUT:
            log.warning("database statement timed out (request %s): %r", ex.request_id, exc)
            message = "A database statement took too long and was cancelled."
            body = error_payload(message, TIMEOUT, requestId=ex.request_id)
            return self.respond(ex, body, 504, {"Cache-Control": NO_STORE})
        log.error("unexpected error handling request %s", ex.request_id, exc_info=exc)
        message = f"Internal server error (request id {ex.request_id})."
        body = error_payload(message, "INTERNAL_SERVER_ERROR", requestId=ex.request_id)
        return self.respond(ex, body, 500)

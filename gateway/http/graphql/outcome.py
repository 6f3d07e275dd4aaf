"""From graphql-core's result to one operation's HTTP outcome: error codes, database faults as
503/504 without partial data, the cost report, the spec's status codes, private answers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from strawberry.types import ExecutionResult

from gateway.cache.http_headers import PRIVATE
from gateway.guard.ratelimit import ClientBudget
from gateway.http.faults import TIMEOUT, UNAVAILABLE
from gateway.http.graphql.errors import format_error
from gateway.http.graphql.execute import Outcome
from gateway.http.rules import GRAPHQL_RESPONSE
from schema.context import Context


@dataclass(frozen=True)
class Shaping:
    """How results are shown, from the settings and the request."""

    media: str
    request_id: str
    production: bool
    report_cost: bool  # GATEWAY_COST_REPORT, or the client asked (x-graphql-cost)
    max_cost: int


def _fault(errors: list[dict[str, Any]]) -> Outcome | None:
    """The database failed: no partial answer, a status clients and balancers know to retry."""
    codes = {e.get("extensions", {}).get("code") for e in errors}
    for fault, status in ((UNAVAILABLE, 503), (TIMEOUT, 504)):
        if fault in codes:
            error = next(e for e in errors if e["extensions"]["code"] == fault)
            return Outcome(
                {"errors": [error]}, status, {"Retry-After": "1"} if status == 503 else {}
            )
    return None


def shape(
    result: ExecutionResult, context: Context, budget: ClientBudget | None, how: Shaping
) -> Outcome:
    if budget is not None and budget.denied:
        return Outcome({"errors": [budget.error().formatted]}, 429, {})
    payload: dict[str, Any] = {}
    if result.errors:
        errors = [format_error(e, how.request_id, how.production) for e in result.errors]
        fault = _fault(errors)
        if fault is not None:
            return fault
        payload["errors"] = errors
    # "data" is present once execution started (field errors have a path); a request that
    # failed before (parse, validation, limits, variables) has only "errors".
    executed = result.data is not None or any(e.path for e in result.errors or ())
    if executed or not result.errors:
        payload["data"] = result.data
    cost = context.metering.cost
    if cost is not None and how.report_cost:
        payload["extensions"] = {"cost": {"requested": cost, "limit": how.max_cost}}
    status = 200
    if how.media == GRAPHQL_RESPONSE and "data" not in payload:
        status = 400  # the request failed before execution (GraphQL over HTTP spec)
    extra = {}
    if context.private or not context.viewer.is_anonymous:
        extra["Cache-Control"] = PRIVATE  # previews and signed-in answers: no shared cache
    return Outcome(payload, status, extra)

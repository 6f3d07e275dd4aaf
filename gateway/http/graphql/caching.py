"""The lookup and finish steps: persisted queries and the response cache around execution."""

from __future__ import annotations

from datetime import datetime

import orjson
from starlette.responses import Response

from gateway.cache.responses import CacheLayer, Plan
from gateway.http.graphql.exchange import Exchange
from gateway.http.graphql.execute import Outcome
from gateway.http.graphql.params import GraphQLParams
from gateway.http.request_context import note_cache
from resolvers.db import Database


async def lookup(
    ex: Exchange,
    cache: CacheLayer,
    db: Database,
    operations: list[GraphQLParams],
    *,
    batch: bool,
    timed: bool,
) -> list[Plan] | Response:
    """Persisted queries resolve, and a single public query is looked up in the response
    cache; a hit is answered now: no rate-limit charge, parsing or SQL."""
    plans: list[Plan] = []
    for op in operations:
        with ex.timed("cache", timed):
            plan = await cache.begin(
                ex.request, db, op.query, op.variables, op.operation_name, op.extensions,
                op.document_id, ex.media, lookup=not batch,
            )  # fmt: skip
        if isinstance(plan, Response):
            return plan
        if plan.flight is not None:
            ex.flights.append(plan.flight)
        plans.append(plan)
    if not batch:
        note_cache(ex.request, plans[0].status)  # the access log's verdict; counts misses
    return plans


async def store(
    ex: Exchange,
    cache: CacheLayer,
    db: Database,
    outcome: Outcome,
    plan: Plan,
    now: datetime,
    *,
    timed: bool,
) -> tuple[int, bytes]:
    """Caching headers (into ``ex.headers``), ETag/304, storing a public answer, APQ
    registration; returns the status and body to send."""
    ex.headers.update(outcome.headers or {})
    with ex.timed("cache", timed):
        return await cache.finish(
            plan, ex.request, db, now, outcome.payload, orjson.dumps(outcome.payload),
            outcome.status, ex.headers,
        )  # fmt: skip

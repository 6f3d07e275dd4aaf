"""The budget and viewer steps: how much the client may spend, and who it is."""

from __future__ import annotations

from datetime import datetime

from starlette.requests import Request

from gateway.auth import Authenticator
from gateway.guard.ratelimit import ClientBudget, ClientIdentifier, RateLimiter
from resolvers.access import Viewer
from resolvers.db import Database


def client_budget(
    limiter: RateLimiter | None, identify: ClientIdentifier, request: Request
) -> ClientBudget | None:
    """The budget of the client's IP, or None when rate limits are off."""
    if limiter is None or not limiter.enabled:
        return None
    return ClientBudget(limiter, f"ip:{identify.ip(request)}")


async def sign_in(
    auth: Authenticator,
    identify: ClientIdentifier,
    request: Request,
    db: Database,
    now: datetime,
    budget: ClientBudget | None,
) -> Viewer:
    """The viewer the credentials name (``Unauthenticated`` for bad ones); a verified token
    spends from its own budget from here on."""
    viewer = await auth.viewer(request, db, now)
    if budget is not None and not viewer.is_anonymous:
        budget.switch_to(identify(request))
    return viewer

"""Rate limits: a token bucket per client, in query-cost units.

A client is its verified API token (the SHA-256 of the ``Authorization: Bearer`` value, never
the token itself) or else its IP address; ``X-Forwarded-For`` is read only when the direct peer is a
configured trusted proxy. A bucket holds ``budget`` units and refills completely in ``window``
seconds. Every request takes 1 unit before any other work (so a flood of broken documents is
refused cheaply) and its cost, just before execution, from its client's bucket. A request with a
verified token pays from the token's bucket only (anonymous traffic from a shared IP cannot lock
an editor out); one with a made-up or expired token pays its 1 unit from its IP's bucket.

With Redis configured, buckets live in Redis and one Lua script reads, refills and takes
atomically, using Redis's clock, so every instance shares one budget. When Redis cannot be
reached the limiter keeps serving with in-process buckets, warns once per interval, and tries
Redis again after ``redis_retry_interval`` seconds.

Hook for the response cache: a cache hit should cost (almost) nothing. Serve hits before
``ClientBudget.charge_query`` runs (it runs inside execution), so a hit pays the 1 unit that
``charge_request`` takes and no more.
"""

from __future__ import annotations

import hashlib
import ipaddress
import logging
import math
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

from graphql import GraphQLError

from gateway.config.redis import redis_client

if TYPE_CHECKING:
    from redis.asyncio import Redis
    from starlette.requests import Request

    from gateway.config.settings import Settings

log = logging.getLogger("gateway.guard.ratelimit")

TAKE_SCRIPT = """
local capacity = tonumber(ARGV[1])
local rate = tonumber(ARGV[2])
local units = tonumber(ARGV[3])
local clock = redis.call('TIME')
local now = tonumber(clock[1]) + tonumber(clock[2]) / 1000000
local state = redis.call('HMGET', KEYS[1], 'tokens', 'ts')
local tokens = tonumber(state[1])
local ts = tonumber(state[2])
if tokens == nil or ts == nil then
  tokens = capacity
  ts = now
end
if now > ts then
  tokens = math.min(capacity, tokens + (now - ts) * rate)
end
local allowed = 0
if tokens >= units then
  tokens = tokens - units
  allowed = 1
end
redis.call('HSET', KEYS[1], 'tokens', tostring(tokens), 'ts', tostring(now))
redis.call('PEXPIRE', KEYS[1], ARGV[4])
return {allowed, tostring(tokens)}
"""


@dataclass(frozen=True, slots=True)
class Decision:
    allowed: bool
    limit: int
    remaining: float  # units left after this decision
    rate: float  # units refilled per second
    requested: int

    @property
    def retry_after(self) -> int:
        if self.allowed:
            return 0
        return max(1, math.ceil((self.requested - self.remaining) / self.rate))

    @property
    def reset(self) -> int:
        """Seconds until the bucket is full again."""
        return math.ceil(max(0.0, self.limit - self.remaining) / self.rate)

    def headers(self) -> dict[str, str]:
        headers = {
            "RateLimit-Limit": str(self.limit),
            "RateLimit-Remaining": str(max(0, math.floor(self.remaining))),
            "RateLimit-Reset": str(self.reset),
            "RateLimit-Policy": f"{self.limit};w={round(self.limit / self.rate)}",
        }
        if not self.allowed:
            headers["Retry-After"] = str(self.retry_after)
        return headers


class LocalBuckets:
    """In-process buckets (one budget per instance)."""

    MAX_KEYS = 100_000

    def __init__(self, budget: int, window: float) -> None:
        self.budget = budget
        self.rate = budget / window
        self.window = window
        self.buckets: dict[str, tuple[float, float]] = {}

    def take(self, key: str, units: int) -> Decision:
        now = time.monotonic()
        tokens, stamp = self.buckets.get(key, (float(self.budget), now))
        tokens = min(float(self.budget), tokens + (now - stamp) * self.rate)
        allowed = tokens >= units
        if allowed:
            tokens -= units
        if len(self.buckets) >= self.MAX_KEYS and key not in self.buckets:
            self._forget_full(now)
        self.buckets[key] = (tokens, now)
        return Decision(allowed, self.budget, tokens, self.rate, units)

    def _forget_full(self, now: float) -> None:
        # A bucket untouched for a whole window is full again: forgetting it changes nothing.
        for key in [k for k, (_, t) in self.buckets.items() if now - t >= self.window]:
            del self.buckets[key]


class RateLimiter:
    """Takes units from a client's bucket: in Redis when configured and reachable."""

    def __init__(self, settings: Settings, redis: Redis | None = None) -> None:
        self.budget = settings.rate_limit_budget
        self.window = settings.rate_limit_window
        self.rate = self.budget / self.window
        self.prefix = settings.rate_limit_key_prefix
        self.local = LocalBuckets(self.budget, self.window)
        self.redis = redis
        self.retry_interval = settings.redis_retry_interval
        self.warning_interval = settings.redis_warning_interval
        self._redis_down_until = 0.0
        self._last_warning = -math.inf
        self._redis_failed = False
        self._script = redis.register_script(TAKE_SCRIPT) if redis is not None else None

    @property
    def enabled(self) -> bool:
        return self.budget > 0

    async def take(self, identity: str, units: int) -> Decision:
        if self._script is not None and time.monotonic() >= self._redis_down_until:
            try:
                allowed, remaining = await self._script(
                    keys=[self.prefix + identity],
                    args=[self.budget, self.rate, units, math.ceil(self.window * 1000)],
                )
            except Exception as exc:  # any Redis failure: serve on with local buckets
                self._redis_unavailable(exc)
            else:
                if self._redis_failed:
                    self._redis_failed = False
                    log.warning("Redis is reachable again; rate limits are shared again.")
                return Decision(bool(allowed), self.budget, float(remaining), self.rate, units)
        return self.local.take(identity, units)

    def _redis_unavailable(self, exc: Exception) -> None:
        now = time.monotonic()
        self._redis_failed = True
        self._redis_down_until = now + self.retry_interval
        if now - self._last_warning >= self.warning_interval:
            self._last_warning = now
            log.warning(
                "Redis is unreachable (%s: %s); rate limits are per instance until it returns.",
                type(exc).__name__,
                str(exc).splitlines()[0] if str(exc) else "",
            )

    async def aclose(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()


class ClientBudget:
    """One request's view of its client's bucket."""

    def __init__(self, limiter: RateLimiter, identity: str) -> None:
        self.limiter = limiter
        self.identity = identity
        self.decision: Decision | None = None
        self.prepaid = 0

    def switch_to(self, identity: str) -> None:
        """Charge the query to another bucket (a verified API token's) from now on."""
        if identity != self.identity:
            self.identity = identity
            self.prepaid = 0

    @property
    def denied(self) -> bool:
        return self.decision is not None and not self.decision.allowed

    async def charge_request(self) -> bool:
        self.decision = await self.limiter.take(self.identity, 1)
        self.prepaid = 1 if self.decision.allowed else 0
        return self.decision.allowed

    async def charge_query(self, cost: int) -> bool:
        """The query's cost, less what this bucket was already paid for the request."""
        units = cost - self.prepaid
        self.prepaid = 0  # a batch pays its first operation's unit only once
        if units > 0:
            self.decision = await self.limiter.take(self.identity, units)
        return self.decision is None or self.decision.allowed

    def error(self) -> GraphQLError:
        decision = self.decision
        assert decision is not None
        return GraphQLError(
            f"Rate limit exceeded: {decision.requested} more cost units needed, "
            f"{max(0, math.floor(decision.remaining))} left of {decision.limit} per "
            f"{self.limiter.window:g} s. Retry in {decision.retry_after} s.",
            extensions={"code": "RATE_LIMITED", "retryAfter": decision.retry_after},
        )

    def headers(self) -> dict[str, str]:
        return self.decision.headers() if self.decision is not None else {}


def _networks(values: list[str]) -> list[Any]:
    return [ipaddress.ip_network(v, strict=False) for v in values]


class ClientIdentifier:
    """Who a request counts against: its token, else its (proxy-aware) IP address."""

    def __init__(self, trusted_proxies: list[str]) -> None:
        self.proxies = _networks(trusted_proxies)

    def _trusted(self, address: str) -> bool:
        try:
            ip = ipaddress.ip_address(address)
        except ValueError:
            return False
        return any(ip in net for net in self.proxies)

    def ip(self, request: Request) -> str:
        peer = request.client.host if request.client else "unknown"
        if not self._trusted(peer):
            return peer
        hops = [
            hop.strip()
            for value in request.headers.getlist("x-forwarded-for")
            for hop in value.split(",")
            if hop.strip()
        ]
        # Read right to left: each trusted proxy appended the address it saw; the first
        # address no trusted proxy owns is the client (anything left of it is client-made).
        for hop in reversed(hops):
            if not self._trusted(hop):
                return hop
        return hops[0] if hops else peer

    def __call__(self, request: Request) -> str:
        """The token's bucket; call it only once the token is verified (made-up tokens would
        otherwise each get a fresh budget). Before that, requests count against ``ip``."""
        scheme, _, token = request.headers.get("authorization", "").partition(" ")
        if scheme.lower() == "bearer" and token.strip():
            digest = hashlib.sha256(token.strip().encode()).hexdigest()[:32]
            return f"token:{digest}"
        return f"ip:{self.ip(request)}"


def build_rate_limiter(settings: Settings) -> RateLimiter:
    redis = None
    if settings.redis_url and settings.rate_limit_budget > 0:
        # Short timeouts and no retries: with Redis unreachable a request must not stall, it
        # falls back to the local buckets at once (for redis_retry_interval seconds).
        redis = redis_client(
            settings.redis_url,
            connect_timeout=settings.redis_connect_timeout,
            timeout=settings.redis_timeout,
        )
    return RateLimiter(settings, redis)

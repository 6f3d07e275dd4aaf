"""Liveness (/healthz: the process answers) and readiness (/readyz: its dependencies answer).

A load balancer or orchestrator routes traffic only to ready instances; each check has its own
timeout so a hung dependency makes the instance unready instead of hanging the probe.
"""

from __future__ import annotations

import asyncio
import os
import time
from collections.abc import Awaitable, Callable
from typing import Any

from sqlalchemy import text
from sqlalchemy.engine import make_url
from starlette.requests import Request
from starlette.responses import JSONResponse, Response

from gateway.config.redis import redis_client
from gateway.config.settings import Settings
from gateway.ops.logs import get_logger, redact_text
from gateway.ops.schema_version import schema_problem
from resolvers.db import Database

log = get_logger("gateway.ops.health")
NO_STORE = {"Cache-Control": "no-store"}


class NotReady(Exception):
    """A dependency answered, but not the way a ready gateway needs."""


def _reason(exc: BaseException) -> str:
    if isinstance(exc, TimeoutError):
        return "timed out"
    message = str(exc).strip().splitlines()[0] if str(exc).strip() else ""
    return redact_text(f"{type(exc).__name__}: {message}" if message else type(exc).__name__)


async def check_database(db: Database, url: str) -> dict[str, Any]:
    """The schema is there and answers. For SQLite the file must also still be at its path:
    pooled connections keep a moved or deleted file open, new ones would create an empty one."""
    if db.is_sqlite:
        path = make_url(url).database
        if path and path != ":memory:" and not await asyncio.to_thread(os.path.isfile, path):
            raise NotReady(f"database file {path} is missing")
    problem = await schema_problem(db)
    if problem is not None:
        raise NotReady(problem)
    revision = await db.scalar(text("SELECT version_num FROM alembic_version"))
    return {"revision": revision}


class Readiness:
    """The checks behind /readyz. Owns the Redis client it pings (opened in the lifespan)."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.redis: Any = None

    async def open(self) -> None:
        if self.settings.redis_url:
            # The one Redis client rule (no retries of its own), with the readiness deadline.
            timeout = self.settings.readiness_timeout
            self.redis = redis_client(
                self.settings.redis_url, connect_timeout=timeout, timeout=timeout
            )

    async def close(self) -> None:
        if self.redis is not None:
            await self.redis.aclose()
            self.redis = None

    async def _redis(self) -> dict[str, Any]:
        await self.redis.ping()
        return {}

    async def run(self, db: Database) -> tuple[bool, dict[str, Any]]:
        """Ready unless a required check failed. Redis is optional: without it the instance
        still serves (uncached, per-instance rate limits), so a failed Redis check reports
        ``degraded`` and leaves the instance in rotation."""
        checks: dict[str, Callable[[], Awaitable[dict[str, Any]]]] = {
            "database": lambda: check_database(db, self.settings.database_url)
        }
        if self.redis is not None:
            checks["redis"] = self._redis
        results = await asyncio.gather(*(self._timed(n, c) for n, c in checks.items()))
        report = dict(zip(checks, results, strict=True))
        if "redis" in report and report["redis"]["status"] == "fail":
            report["redis"]["status"] = "degraded"
        return all(r["status"] != "fail" for r in results), report

    async def _timed(
        self, name: str, check: Callable[[], Awaitable[dict[str, Any]]]
    ) -> dict[str, Any]:
        started = time.perf_counter()
        try:
            async with asyncio.timeout(self.settings.readiness_timeout):
                details = await check()
        except Exception as exc:
            reason = _reason(exc)
            if name != "redis":  # a Redis outage is reported by the components that use it
                log.warning("readiness check failed", check=name, reason=reason)
            return {"status": "fail", "error": reason, "duration_ms": _ms(started)}
        return {"status": "ok", "duration_ms": _ms(started), **details}

    async def endpoint(self, request: Request) -> Response:
        ready, checks = await self.run(request.app.state.db)
        body = {"status": "ready" if ready else "unready", "checks": checks}
        return JSONResponse(body, status_code=200 if ready else 503, headers=NO_STORE)


def _ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 2)

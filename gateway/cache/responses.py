"""The only cross-request cache: responses and persisted documents.

Per request, the GraphQL endpoint calls ``begin`` before any GraphQL work and ``finish`` after
execution. ``begin`` resolves persisted queries and, for a public query, looks the response up
by key — a hit is answered from stored bytes without parsing, validating or touching the
database. ``finish`` adds the HTTP caching headers, answers ``304`` to a matching
``If-None-Match``, stores public answers with the tags the resolvers recorded, registers APQ
documents, and runs invalidations for the writes the request made.

Only public answers are cached: a GET or POST query, no ``Authorization`` header, an anonymous
viewer, no errors, and nothing the resolvers flagged private (previews, non-public rows).
"""

from __future__ import annotations

import asyncio
import contextvars
import hashlib
import logging
import time
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import orjson
from starlette.requests import Request
from starlette.responses import Response

from gateway.cache import http_headers as http_cache
from gateway.cache.backends import CacheBackend, CachedResponse, RedisBackend
from gateway.cache.coherence import PurgeSync, within
from gateway.cache.documents import DocumentInfo, describe
from gateway.cache.persisted import PersistedQueries
from gateway.cache.single_flight import SingleFlight
from gateway.config.redis import OutageNotice
from gateway.config.settings import Settings
from gateway.http.request_context import record_of
from resolvers.cache_tags import TagCollector, next_scheduled_publish
from resolvers.content.locales.localized import accepted_locale
from resolvers.db import Database
from resolvers.media.urls import negotiate_extension
from resolvers.site import Site

log = logging.getLogger("gateway.cache")

NEXT_SCHEDULED_SECONDS = 5.0  # how long one instance reuses "when is the next publication"
UNCACHEABLE_CODES = {"GRAPHQL_PARSE_FAILED", "GRAPHQL_VALIDATION_FAILED"}


@dataclass(slots=True)
class Plan:
    """What ``begin`` decided for one request."""

    query: str
    operation_type: str | None
    public: bool
    key: str | None = None
    seq: int = 0
    register: str | None = None
    tags: TagCollector = field(default_factory=TagCollector)
    status: str = "bypass"  # the Server-Timing cache description: hit | miss | bypass | none
    shareable: bool = False  # set after execution: anonymous viewer, no preview token
    flight: str | None = None  # the single-flight key this request leads (released after store)


# Request headers that change the answer: credentials (viewer-specific), and the cost report a client
# asks for (`extensions.cost`). Such requests are answered fresh and never stored.
PERSONAL_HEADERS = ("authorization", "x-graphql-cost")


def _fresh(entry: CachedResponse | None, request: Request) -> bool:
    """Stored, and not past a scheduled publication that went public after it was stored."""
    return entry is not None and (entry.not_after is None or entry.not_after > _clock(request))


def _has_credentials(request: Request) -> bool:
    return any(name in request.headers for name in PERSONAL_HEADERS)


def _clock(request: Request) -> float:
    """Epoch now, by the request clock tests may pin (``app.state.clock``)."""
    clock = getattr(request.app.state, "clock", None)
    return clock().timestamp() if clock is not None else time.time()


class CacheLayer:
    def __init__(
        self, settings: Settings, site: Site, schema_fingerprint: str, metrics: Any = None
    ) -> None:
        self.settings = settings
        self.metrics = metrics  # gateway.ops.metrics.Metrics: evictions and purges
        self.site = site
        self.fingerprint = schema_fingerprint
        self.backend: CacheBackend | None = None
        self.sync: PurgeSync | None = None
        self.persisted = PersistedQueries(
            settings.persisted_queries, settings.persisted_query_ttl, settings.max_tokens
        )
        self._next: tuple[float | None, float, int] | None = None  # (epoch, computed, seq)
        self.outage = OutageNotice(
            log, "response cache", "serving uncached", settings.redis_warning_interval
        )
        self._local_seq = 0
        self.flight: SingleFlight | None = None
        self._pending: set[asyncio.Task[int]] = set()

    async def start(self, backend: CacheBackend, db: Database) -> None:
        self.backend = backend
        self.sync = PurgeSync(backend, db, on_removed=self._count_evictions)
        await self.sync.start()
        if self.settings.single_flight_wait > 0:
            redis = backend.client if isinstance(backend, RedisBackend) else None
            prefix = backend.prefix if isinstance(backend, RedisBackend) else ""
            self.flight = SingleFlight(self.settings.single_flight_wait, redis, prefix)

    async def release(self, keys: list[str]) -> None:
        """End the single flights a request led (after its answer was stored, or on failure)."""
        if self.flight is not None:
            for key in keys:
                await self.flight.release(key)
        keys.clear()

    def _count_evictions(self, count: int) -> None:
        if self.metrics is not None and count > 0:
            self.metrics.response_cache_evictions.inc(count)

    async def stop(self) -> None:
        if self._pending:
            await asyncio.gather(*self._pending, return_exceptions=True)
        if self.sync is not None:
            await self.sync.stop()
        if self.backend is not None:
            await self.backend.close()

    # -- keys ---------------------------------------------------------------------------------

    def key(
        self,
        info: DocumentInfo,
        variables: dict[str, Any] | None,
        operation: str | None,
        image_format: str | None = None,
        locale: str | None = None,
    ) -> str:
        """``image_format``: what the request's Accept header makes ``format: AUTO`` pick
        (``resolvers.media.urls.negotiate_extension``); answers differ by it."""
        raw = b"\x00".join(
            (
                self.fingerprint.encode(),
                (image_format or "").encode(),
                info.normalized_hash.encode(),
                (operation or "").encode(),
                orjson.dumps(variables or {}, option=orjson.OPT_SORT_KEYS),
                b"anonymous",  # viewer scope: only anonymous answers are ever cached
                # the Accept-Language locale (only when the setting lets it choose one)
                (locale or "").encode(),
            )
        )
        return hashlib.sha256(raw).hexdigest()

    # -- request flow -------------------------------------------------------------------------

    async def begin(
        self,
        request: Request,
        db: Database,
        query: str | None,
        variables: dict[str, Any] | None,
        operation_name: str | None,
        extensions: dict[str, Any] | None,
        document_id: str | None,
        media: str,
        lookup: bool = True,
    ) -> Plan | Response:
        """Resolve a persisted query and, for a public query (``lookup``: not part of a
        batch), answer from the cache when it can."""
        resolved = await self.persisted.resolve(db, self.backend, query, extensions, document_id)
        # Documents over the size limits are refused by execution: never worth normalising.
        text = resolved.query
        oversized = len(text) > self.settings.max_document_length
        info = None if oversized else describe(text, self.settings.max_tokens)
        operation_type = info.operation_type(operation_name) if info is not None else None
        public = operation_type == "query" and not _has_credentials(request)
        plan = Plan(resolved.query, operation_type, public, register=resolved.register)
        if not self.settings.response_cache:
            plan.status = "none"  # no response cache looked at the request (Server-Timing)
        if (
            not lookup
            or not public
            or info is None
            or self.backend is None
            or not self.settings.response_cache
        ):
            return plan
        plan.key = self._request_key(request, info, variables, operation_name)
        try:
            async with within(self.backend):
                entry, plan.seq = await self.backend.lookup(plan.key)
        except Exception as exc:  # a cache outage must not take reads down: run uncached
            self.outage.failed(exc)
            plan.key = None
            return plan
        self.outage.recovered()
        plan.status = "miss"
        if _fresh(entry, request):
            entry = await self._confirmed(plan)
        if not _fresh(entry, request) and plan.key is not None:
            # A miss (or an answer a pending purge just dropped): one identical request runs.
            entry = await self._after_flight(plan, request)
            if _fresh(entry, request):
                entry = await self._confirmed(plan)
        if entry is None or not _fresh(entry, request):
            return plan
        record = record_of(request)
        if record is not None:  # the access log names the operation a hit answered
            record.operation_name = operation_name or info.operation_name()
            record.operation_type = operation_type
        return self._hit(request, entry, media)

    def _request_key(
        self,
        request: Request,
        info: DocumentInfo,
        variables: dict[str, Any] | None,
        operation_name: str | None,
    ) -> str:
        """The key of this request's answer: what the request headers may change in it (the
        image format ``AUTO`` picks, the negotiated locale) is part of it."""
        return self.key(
            info,
            variables,
            operation_name,
            negotiate_extension(request.headers.get("accept")),
            accepted_locale(self.site, request.headers.get("accept-language")),
        )

    async def _confirmed(self, plan: Plan) -> CachedResponse | None:
        """The answer as the cache holds it once every purge committed so far is applied
        (the shared check), looked up again after that check: an answer looked up before it
        may have been purged meanwhile, by this check or by a concurrent one. None: answer
        fresh; when the check itself failed, keep nothing either."""
        try:
            if self.sync is not None:
                await self.sync.verify()
            if self.backend is not None and plan.key is not None:
                async with within(self.backend):
                    entry, plan.seq = await self.backend.lookup(plan.key)
                return entry
        except Exception as exc:  # cannot tell whether it is current: answer fresh, keep nothing
            log.warning("response cache check failed; serving uncached: %r", exc)
        plan.key = None
        return None

    async def _after_flight(self, plan: Plan, request: Request) -> CachedResponse | None:
        """Single flight: the first miss of a key leads (it executes, and its request releases
        the key once the answer is stored); identical requests wait for that stored answer.

        A leader whose answer was not stored (a write purged the key while it ran, so the
        answer may predate the write) leaves its waiters without one: they line up again, and
        one of them leads the next execution, after that write, instead of all of them running
        the query at once (a write a second made every waiter of the home page run it)."""
        if self.flight is None or plan.key is None or self.backend is None:
            return None
        deadline = time.monotonic() + self.flight.wait_seconds
        while True:
            led = await self.flight.lead(plan.key, deadline - time.monotonic())
            if led:
                plan.flight = plan.key  # the request releases it once its answer is stored
            # A leader looks once more too: the previous leader may have stored the answer and
            # let go between this request's miss and its turn.
            try:
                async with within(self.backend):
                    entry, plan.seq = await self.backend.lookup(plan.key)
            except Exception as exc:
                self.outage.failed(exc)
                return None
            if led and _fresh(entry, request):
                plan.flight = None
                await self.flight.release(plan.key)
            if led or _fresh(entry, request) or time.monotonic() >= deadline:
                return entry  # (a miss past the deadline runs the query itself)

    def _hit(self, request: Request, entry: CachedResponse, media: str) -> Response:
        headers = self._public_headers(
            request,
            entry.etag,
            entry.tags,
            entry.not_after - time.time() if entry.not_after else None,
        )
        if request.method == "GET" and http_cache.etag_matches(
            request.headers.get("if-none-match"), entry.etag
        ):
            return Response(status_code=304, headers=headers)
        return Response(entry.body, 200, headers, media_type=f"{media}; charset=utf-8")

    def _public_headers(
        self, request: Request, etag: str, tags: Iterable[str], cap: float | None
    ) -> dict[str, str]:
        s = self.settings
        tag_list = list(tags)
        headers = {
            "ETag": etag,
            "Vary": http_cache.vary(self.site.locale_from_accept_language),
            "Surrogate-Key": " ".join(tag_list),
            "Cache-Tag": ",".join(tag_list),
        }
        if request.method == "GET":
            headers["Cache-Control"] = http_cache.public_cache_control(
                s.http_max_age, s.http_s_maxage, s.http_stale_while_revalidate, cap
            )
        else:
            headers["Cache-Control"] = http_cache.NO_STORE  # POST answers are never reused
        return headers

    async def finish(
        self,
        plan: Plan,
        request: Request,
        db: Database,
        now: datetime,
        payload: dict[str, Any],
        body: bytes,
        status: int,
        headers: dict[str, str],
    ) -> tuple[int, bytes]:
        """Set the caching headers (in ``headers``), store a public answer, register an APQ
        document; returns the status and body to send (``304`` and nothing on a match).

        Shared only when ``plan.shareable`` (anonymous, no preview: set by execution) and the
        resolvers did not flag the answer private (``plan.tags.private``)."""
        codes = {e.get("extensions", {}).get("code") for e in payload.get("errors", ())}
        if plan.register is not None and not codes & UNCACHEABLE_CODES and "data" in payload:
            await self._register(plan.register, plan.query)
        private = not plan.public or not plan.shareable or plan.tags.private
        if private or payload.get("errors"):
            headers["Cache-Control"] = http_cache.PRIVATE if private else http_cache.NO_STORE
            return status, body
        tags = http_cache.bounded_tags(plan.tags.tags, self.settings.surrogate_key_max_length)
        etag = http_cache.strong_etag(body)
        not_after = await self._not_after(db, now, plan) if plan.tags.time_sensitive else None
        # The lifetime runs from now (the answer is stored now), not from the request's start
        # (``now``; the later of both when a test pins the request clock ahead).
        cap = not_after - max(now.timestamp(), time.time()) if not_after is not None else None
        headers.update(self._public_headers(request, etag, tags, cap))
        if plan.key is not None and self.backend is not None:
            ttl = (
                float(self.settings.cache_ttl) if cap is None else min(self.settings.cache_ttl, cap)
            )
            if ttl >= 1:
                entry = CachedResponse(body, etag, tags, not_after)
                evicted = getattr(self.backend, "evictions", 0)
                try:
                    async with within(self.backend):
                        await self.backend.store(plan.key, entry, ttl, tags, plan.seq)
                except Exception as exc:
                    self.outage.failed(exc)
                self._count_evictions(getattr(self.backend, "evictions", 0) - evicted)
        if request.method == "GET" and http_cache.etag_matches(
            request.headers.get("if-none-match"), etag
        ):
            return 304, b""
        return status, body

    async def _register(self, digest: str, text: str) -> None:
        try:
            await self.persisted.register(self.backend, digest, text)
        except Exception:
            log.exception("storing persisted query %s failed", digest)

    async def _not_after(self, db: Database, now: datetime, plan: Plan) -> float | None:
        """Epoch of the next scheduled publication, reused for a few seconds as long as no
        write happened anywhere (the invalidation sequence is unchanged)."""
        seq = plan.seq if plan.key is not None else self._local_seq
        cached = self._next
        stamp = now.timestamp()
        if (
            cached is not None
            and cached[2] == seq
            and time.monotonic() - cached[1] < NEXT_SCHEDULED_SECONDS
            and (cached[0] is None or cached[0] > stamp)
        ):
            return cached[0]
        # Bookkeeping shared by every request of the next seconds, not this request's own SQL:
        # run outside its statement count (Server-Timing `db`), which stays the resolvers' cost.
        when = await asyncio.create_task(
            next_scheduled_publish(db, now), context=contextvars.Context()
        )
        value = when.timestamp() if when is not None else None
        self._next = (value, time.monotonic(), seq)
        return value

    # -- invalidation -------------------------------------------------------------------------

    async def after_commit(self, changes: Iterable[Any]) -> None:
        """The write commands' after-commit hook (``resolvers.changes.ChangeHooks``): apply the
        purge the write recorded in its transaction (``resolvers.cache.purges``), here and
        (with Redis) for every instance, before the write is acknowledged. When the backend
        cannot be reached the purge stays on record: no hit is served around it, and it is
        applied once the backend answers. CDNs are purged by the events outbox
        (``gateway/events/purge.py``)."""
        self._next = None
        self._local_seq += 1
        if self.sync is None:
            return
        try:
            await self.sync.apply()
        except Exception as exc:
            log.warning("cache purge deferred (it is on record and will be retried): %r", exc)

    async def invalidate(self, tags: set[str]) -> int:
        """Purge every cached answer carrying one of ``tags`` now, here and (with Redis) on
        every instance: for purges heard from the event stream (another process's writes)."""
        if not tags:
            return 0
        self._next = None
        self._local_seq += 1
        removed = 0
        if self.backend is not None:
            try:
                removed = await self.backend.invalidate(tags)
            except Exception:
                log.exception("cache invalidation failed for %s", sorted(tags))
        return removed

    def invalidate_soon(self, tags: set[str]) -> None:
        """``invalidate`` from code that cannot wait (an event listener); ``stop`` awaits it."""
        task = asyncio.create_task(self.invalidate(tags))
        self._pending.add(task)
        task.add_done_callback(self._pending.discard)

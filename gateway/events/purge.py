"""Cache and CDN purges driven by the event stream, off the request path.

A purge hook is ``async def hook(keys: list[str], paths: list[str]) -> None``; raising makes the
worker retry the purge with backoff like a webhook delivery (purges are at-least-once and in
order per entity). Configure one of:

- ``GATEWAY_EVENTS_PURGE_URL``: the generic HTTP purge. ``POST`` sends
  ``{"surrogateKeys": [...], "paths": [...]}`` plus a ``Surrogate-Key``
  header (a relay, a frontend's revalidation endpoint); ``PURGE`` sends only the
  ``Surrogate-Key`` header (Varnish with xkey, Fastly-style surrogate keys).
- ``GATEWAY_EVENTS_PURGE_HOOK=module:attribute``: ``attribute(settings)`` returns a hook.

The purge URL is operator configuration, not user input, so it may point at a private address
(a Varnish next to the gateway) without ``GATEWAY_WEBHOOK_ALLOW_PRIVATE_TARGETS``.
"""

from __future__ import annotations

import importlib
from collections.abc import Awaitable, Callable
from typing import Any

import httpx

from gateway.cache.responses import CacheLayer
from gateway.config.settings import Settings
from gateway.events.pubsub import EventHub
from resolvers.cache_tags import tags_for_write
from resolvers.events.deliveries import Event

PurgeHook = Callable[[list[str], list[str]], Awaitable[None]]


class PurgeFailed(Exception):
    """The purge endpoint did not confirm; the worker retries."""


def surrogate_keys(event: Event) -> list[str]:
    """The keys a cached response about this entity carries (the same tags the response cache
    purges for the write): the entity, its slug, its type's lists and fallback, its paths, and
    the lists nested under the entities it is (or was) linked to."""
    return sorted(event_tags(event.entity_type, event.entity_id, event.payload))


def event_tags(entity_type: str, entity_id: int, payload: dict[str, Any]) -> set[str]:
    """The cache tags an event's write made wrong, from the event's payload."""
    slugs = [payload["slug"]] if payload.get("slug") else []
    related = [(str(k), int(i)) for k, i in payload.get("related") or ()]
    paths = _paths(payload)
    return tags_for_write(entity_type, entity_id, slugs=slugs, paths=paths, related=related)


def purge_paths(event: Event) -> list[str]:
    return _paths(event.payload)


def _paths(payload: dict[str, Any]) -> list[str]:
    """The paths an entity had before and has after the write (CDN purge by URL)."""
    return sorted({*(payload.get("pathsBefore") or ()), *(payload.get("pathsAfter") or ())})


def purge_on_events(hub: EventHub, cache: CacheLayer) -> None:
    """Every event this process hears of (its own worker's, or any instance's through Redis)
    drops the cached answers it made wrong here: writes made elsewhere (another instance, the
    CLI) reach an in-process response cache once a worker dispatches their events."""

    def listen(message: dict[str, Any]) -> None:
        tags = event_tags(message["entityType"], int(message["entityId"]), message["data"])
        cache.invalidate_soon(tags)

    hub.on_message(listen)


def http_purge(url: str, method: str, timeout: float) -> PurgeHook:
    async def purge(keys: list[str], paths: list[str]) -> None:
        headers = {"surrogate-key": " ".join(keys)}
        async with httpx.AsyncClient(timeout=timeout) as client:
            if method == "PURGE":
                response = await client.request("PURGE", url, headers=headers)
            else:
                body = {"surrogateKeys": keys, "paths": paths}
                response = await client.post(url, json=body, headers=headers)
        if not response.is_success:
            raise PurgeFailed(f"HTTP {response.status_code} from {url}")

    return purge


def purge_hook_from_settings(settings: Settings) -> PurgeHook | None:
    if settings.events_purge_hook:
        module, _, attribute = settings.events_purge_hook.partition(":")
        factory: Any = getattr(importlib.import_module(module), attribute)
        hook: PurgeHook | None = factory(settings)
        return hook
    if settings.events_purge_url:
        return http_purge(
            settings.events_purge_url, settings.events_purge_method, settings.webhook_timeout
        )
    return None

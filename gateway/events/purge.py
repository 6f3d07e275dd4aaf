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

from gateway.config.settings import Settings
from resolvers.cache_tags import tags_for_write
from resolvers.events.deliveries import Event

PurgeHook = Callable[[list[str], list[str]], Awaitable[None]]


class PurgeFailed(Exception):
    """The purge endpoint did not confirm; the worker retries."""


def surrogate_keys(event: Event) -> list[str]:
    """The keys a cached response about this entity carries (the same tags the response cache
    purges for the write): the entity, its slug, its type's lists and fallback, its paths, and
    the lists nested under the entities it is (or was) linked to."""
    payload = event.payload
    slugs = [payload["slug"]] if payload.get("slug") else []
    related = [(str(k), int(i)) for k, i in payload.get("related") or ()]
    return sorted(
        tags_for_write(
            event.entity_type,
            event.entity_id,
            slugs=slugs,
            paths=purge_paths(event),
            related=related,
        )
    )


def purge_paths(event: Event) -> list[str]:
    payload = event.payload
    return sorted({*(payload.get("pathsBefore") or ()), *(payload.get("pathsAfter") or ())})


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
        return factory(settings)  # type: ignore[no-any-return]
    if settings.events_purge_url:
        return http_purge(
            settings.events_purge_url, settings.events_purge_method, settings.webhook_timeout
        )
    return None

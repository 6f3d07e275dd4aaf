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
from resolvers.cache_tags import ENTITY_KINDS, PARENT_KINDS, path_tag, slug_tag
from resolvers.events.deliveries import Event

PurgeHook = Callable[[list[str], list[str]], Awaitable[None]]


class PurgeFailed(Exception):
    """The purge endpoint did not confirm; the worker retries."""


def surrogate_keys(event: Event) -> list[str]:
    """The keys a cached response about this entity carries: the entity, its slug, its type's
    lists, and the lists nested under the entities it is (or was) linked to."""
    kind, payload = event.entity_type, event.payload
    # skipped:<kind> stands for every entity of the kind in a response whose tag header would
    # have been too long (issue 5, gateway/http_cache.bounded_tags): every write of it purges.
    keys = {f"{kind}:{event.entity_id}", f"list:{kind}", f"skipped:{kind}"}
    if payload.get("slug"):
        keys.add(slug_tag(kind, payload["slug"]))
    paths = purge_paths(event)
    keys.update(path_tag(p) for p in paths)  # route(path:) answers (issue 5)
    if paths:
        keys.add("skipped:path")
    for parent_kind, parent_id in payload.get("related") or ():
        keys.add(f"{parent_kind}:{parent_id}")
        keys.add(f"list:{kind}:{parent_kind}:{parent_id}")
    return sorted(keys)


def _import_keys(payload: dict[str, Any]) -> list[str]:
    """An import's summary: every list of every kind, and each entity and path the event names
    (at most ``MAX_SUMMARY_KEYS`` of each, see ``resolvers/imports/run.py``; ``truncated`` says
    that more changed, whose cached single-entity answers then live out their max-age)."""
    keys = {"skipped:path"} if payload.get("pathsAfter") else set()
    for kind in ENTITY_KINDS:
        keys.update({f"list:{kind}", f"skipped:{kind}"})
    keys.update(path_tag(p) for p in payload.get("pathsAfter") or ())
    for entity, entity_id in payload.get("related") or ():
        keys.add(f"{entity}:{entity_id}")
        if entity in PARENT_KINDS:
            keys.add(f"list:article:{entity}:{entity_id}")
    return sorted(keys)


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

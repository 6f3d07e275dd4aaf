"""Shutdown drain: requests on keep-alive connections that are already open are answered.

hypercorn, told to stop, closes idle keep-alive connections at once; a request a client sent on
one of them at that moment (a write, maybe) is dropped without an answer, and its client cannot
know whether it was applied. ``content-gateway serve`` runs its workers through
``draining_worker`` instead: when the stop comes, a worker first *drains* for
``keep_alive_timeout`` (+ a margin): it keeps serving, and every response carries
``Connection: close`` (``DrainMiddleware``), so each connection is closed by the server right
after an answer, and idle ones by hypercorn's own keep-alive timer, before the worker stops
reading. Only then does hypercorn's usual graceful stop begin (in-flight requests finish, up to
``graceful_timeout``).

The drain flag is per process: it is set by the worker's shutdown trigger and read by the
middleware of the app that worker serves.
"""

from __future__ import annotations

import asyncio
import gc
from functools import partial
from typing import Any

from gateway.ops.transport import CoalescingEventLoop

DRAIN_MARGIN = 0.5


class _DrainState:
    draining = False


STATE = _DrainState()


class DrainMiddleware:
    """While the worker drains, every HTTP response says ``Connection: close``."""

    def __init__(self, app: Any) -> None:
        self.app = app

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return

        async def closing_send(message: Any) -> None:
            if message["type"] == "http.response.start" and STATE.draining:
                headers = [
                    (k, v) for k, v in message.get("headers", []) if k.lower() != b"connection"
                ]
                message = {**message, "headers": [*headers, (b"connection", b"close")]}
            await send(message)

        await self.app(scope, receive, closing_send)


# Young-generation size before a collection (CPython's default is 700 allocations). Each
# collection traverses what the requests in flight hold, whatever the threshold: fewer
# collections, less work (served home page at 16 clients: 10,000 -> 50,000 took its worker CPU
# per request down by about 5%; the garbage waiting for a collection is a few MB at most).
GC_YOUNG_THRESHOLD = 50_000


def settle_heap() -> None:
    """Exclude what start-up built (modules, the schema, compiled statements: most of the heap,
    and none of it garbage) from the cyclic garbage collector, and collect the young generation
    less often. Under load the collector otherwise re-scans that heap again and again: 48% of
    the samples of a worker serving the uncached home page (py-spy, native frames). Objects
    stay freed by reference counting as usual; request garbage is still collected."""
    gc.collect()
    gc.freeze()
    _, middle, old = gc.get_threshold()
    gc.set_threshold(GC_YOUNG_THRESHOLD, middle, old)


def draining_worker(
    config: Any, sockets: Any = None, shutdown_event: Any = None, *, coalesce_writes: bool = False
) -> None:
    """hypercorn's asyncio worker, with a drain before its graceful stop; ``coalesce_writes``:
    on ``CoalescingEventLoop`` (``gateway.ops.transport``)."""
    from hypercorn.asyncio.run import _run, worker_serve
    from hypercorn.utils import check_multiprocess_shutdown_event, load_application

    app = load_application(config.application_path, config.wsgi_max_body_size)
    settle_heap()

    async def stop_after_drain() -> None:
        if shutdown_event is not None:
            await check_multiprocess_shutdown_event(shutdown_event, asyncio.sleep)
        else:  # pragma: no cover - hypercorn always passes the event to its workers
            await asyncio.Event().wait()
        STATE.draining = True
        await asyncio.sleep(config.keep_alive_timeout + DRAIN_MARGIN)

    _run(
        partial(worker_serve, app, config, sockets=sockets),
        debug=config.debug,
        shutdown_trigger=stop_after_drain,
        loop_factory=CoalescingEventLoop if coalesce_writes else None,
    )


def run_draining(config: Any) -> int:
    """``hypercorn.run.run`` with ``draining_worker`` as the worker (it picks the worker from
    ``hypercorn.asyncio.run`` by name each time it starts)."""
    import hypercorn.asyncio.run as asyncio_run
    from hypercorn.run import run

    original = asyncio_run.asyncio_worker
    asyncio_run.asyncio_worker = draining_worker
    try:
        return run(config)
    finally:
        asyncio_run.asyncio_worker = original

"""Background tasks owned by the app's lifespan: started after the database is reachable,
cancelled and awaited at shutdown before the pools close, so none outlives its resources."""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable

from gateway.ops.logs import get_logger

log = get_logger("gateway.ops.lifecycle")


class BackgroundTasks:
    """Named long-running tasks. Each should treat ``CancelledError`` as "stop now"."""

    def __init__(self) -> None:
        self.tasks: dict[str, asyncio.Task[None]] = {}

    def start(self, name: str, run: Callable[[], Awaitable[None]]) -> None:
        if name in self.tasks and not self.tasks[name].done():
            raise RuntimeError(f"background task {name!r} is already running")

        async def guarded() -> None:
            try:
                await run()
            except asyncio.CancelledError:
                raise
            except Exception:
                # A crashed helper task must not take the worker down; it is logged loudly.
                log.exception("background task failed", task=name)

        self.tasks[name] = asyncio.create_task(guarded(), name=f"gateway:{name}")

    async def stop(self, grace: float = 5.0) -> None:
        running = [t for t in self.tasks.values() if not t.done()]
        for task in running:
            task.cancel()
        if running:
            _, pending = await asyncio.wait(running, timeout=grace)
            for task in pending:
                log.warning("background task did not stop in time", task=task.get_name())
        for task in self.tasks.values():
            if task.done() and not task.cancelled():
                task.exception()  # retrieved, so asyncio does not warn about it
        log.debug("background tasks stopped", tasks=sorted(self.tasks))


async def every(seconds: float, action: Callable[[], object]) -> None:
    """Run ``action`` now and then every ``seconds`` until cancelled."""
    while True:
        action()
        await asyncio.sleep(seconds)

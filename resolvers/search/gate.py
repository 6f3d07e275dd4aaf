"""The per-process limit on concurrent searches: searches queue among themselves for a bounded
time and are then refused (``SEARCH_BUSY``), so a burst of expensive searches cannot take the
database connections and CPU that article and route reads need."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from resolvers.errors import GatewayError


class SearchBusy(GatewayError):
    code = "SEARCH_BUSY"


@dataclass
class SearchGate:
    """Shared by every request of one process (``app.state.search_gate``)."""

    max_concurrent: int = 4
    max_wait: float = 2.0
    # How many matches (newest first) a search ranks at most: the cost of ranking, counting
    # and facets never grows with the size of the site.
    candidates: int = 1000
    _slots: asyncio.Semaphore | None = field(default=None, init=False, repr=False)

    @asynccontextmanager
    async def slot(self) -> AsyncIterator[None]:
        if self._slots is None:
            # Made on first use, inside the running loop.
            self._slots = asyncio.Semaphore(self.max_concurrent)
        try:
            async with asyncio.timeout(self.max_wait):
                await self._slots.acquire()
        except TimeoutError:
            raise SearchBusy(
                "Search is busy right now; try again in a moment. Other pages are unaffected."
            ) from None
        try:
            yield
        finally:
            self._slots.release()

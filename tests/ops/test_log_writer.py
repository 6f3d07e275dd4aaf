"""Log lines are written by a background thread: a blocked stderr never stalls requests, and
every line queued before a drain (shutdown) reaches the stream."""

from __future__ import annotations

import sys
import threading
from typing import Any

import httpx
import pytest

from gateway.ops.logs import drain_logs


class BlockedStream:
    """A stderr whose writes wait until released (a pipe nobody reads)."""

    def __init__(self) -> None:
        self.release = threading.Event()
        self.writing = threading.Event()
        self.text: list[str] = []

    def write(self, text: str) -> int:
        self.writing.set()
        self.release.wait(timeout=30)
        self.text.append(text)
        return len(text)

    def flush(self) -> None:
        pass


@pytest.fixture
def settings_overrides() -> dict[str, Any]:
    return {"env": "production", "response_cache": False}


async def test_requests_complete_while_stderr_is_blocked_and_no_line_is_lost(
    client: httpx.AsyncClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    drain_logs()
    stream = BlockedStream()
    monkeypatch.setattr(sys, "stderr", stream)
    ids = [f"blocked-{n}" for n in range(20)]
    for request_id in ids:
        response = await client.get("/healthz", headers={"X-Request-ID": request_id})
        assert response.status_code == 200  # answered although no log line could be written
    assert stream.writing.wait(timeout=10)  # the writer thread is stuck in a write...
    assert not stream.text  # ...and nothing has been written
    stream.release.set()
    drain_logs()
    written = "".join(stream.text)
    assert all(f'"request_id":"{request_id}"' in written for request_id in ids)

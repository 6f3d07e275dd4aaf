"""Socket writes coalesced per event-loop step: one ``send`` per response instead of two.

hypercorn writes a response as it gets it from the app: the status line and headers when the
app sends ``http.response.start``, the body when it sends ``http.response.body``. asyncio's
socket transport sends each ``write`` at once (a ``send`` system call, and on a local or
loopback connection the TCP work of both ends), so every small response cost two sends and
two segments.

``CoalescingTransport`` holds what is written during one step of the event loop and sends it
with one ``write`` of asyncio's own transport when the loop gets to it (``call_soon``: after the
task that wrote has yielded, before the loop waits for I/O again), so the headers and a body
written in the same step leave together. Nothing waits longer than the rest of the current
step. What asyncio's transport does on its own is unchanged: flow control (more than
``HOLD_LIMIT`` bytes held are written at once, so the write buffer's high-water mark and
``drain`` behave as before), errors, ``close``, ``write_eof`` and ``loop.sendfile`` (each sends
what is held first), a write after ``close`` (asyncio's to handle), ``abort`` (drops what is
held, as it drops asyncio's buffer). ``CoalescingEventLoop`` makes its plain (not TLS) socket
transports this way; the ``serve`` command's workers run on it (``GATEWAY_COALESCE_WRITES``).
"""

from __future__ import annotations

import asyncio
from asyncio import selector_events
from typing import Any

HOLD_LIMIT = 64 * 1024  # asyncio's default high-water mark for a transport's write buffer


class CoalescingTransport(selector_events._SelectorSocketTransport):  # type: ignore[name-defined, misc]  # asyncio's socket transport (not in its stubs)
    """asyncio's socket transport, holding small writes until the loop's next step."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self._held = bytearray()
        self._release_handle: asyncio.Handle | None = None

    def write(self, data: bytes | bytearray | memoryview) -> None:
        if (
            not isinstance(data, (bytes, bytearray, memoryview))
            or self._eof
            or self._closing  # after close(): asyncio's to send or drop, as ever
            or self._conn_lost
            or self._buffer  # asyncio is already waiting for the socket: append behind it
            or len(data) + len(self._held) > HOLD_LIMIT
        ):
            self._release()
            super().write(data)  # its checks, errors and flow control, as ever
            return
        if not data:
            return
        self._held += data
        if self._release_handle is None:
            self._release_handle = self._loop.call_soon(self._release)

    def writelines(self, list_of_data: Any) -> None:
        for data in list_of_data:
            self.write(data)

    def _release(self) -> None:
        handle, self._release_handle = self._release_handle, None
        if handle is not None:
            handle.cancel()  # a no-op when this is that callback running
        if self._held:
            data = bytes(self._held)
            self._held.clear()
            super().write(data)

    def _make_empty_waiter(self) -> Any:
        """``loop.sendfile`` waits for the buffer to empty, then sends on the socket itself:
        what is held goes first."""
        self._release()
        return super()._make_empty_waiter()

    def get_write_buffer_size(self) -> int:
        return super().get_write_buffer_size() + len(self._held)

    def write_eof(self) -> None:
        self._release()
        super().write_eof()

    def close(self) -> None:
        self._release()
        super().close()

    def abort(self) -> None:
        self._held.clear()
        self._release()  # nothing left to send: only cancels the pending release
        super().abort()


class CoalescingEventLoop(asyncio.SelectorEventLoop):  # type: ignore[misc, valid-type]  # the platform's selector loop
    """The selector event loop, with ``CoalescingTransport`` for plain socket connections."""

    def _make_socket_transport(
        self,
        sock: Any,
        protocol: Any,
        waiter: Any = None,
        *,
        extra: Any = None,
        server: Any = None,
    ) -> CoalescingTransport:
        return CoalescingTransport(self, sock, protocol, waiter, extra, server)

"""``CoalescingTransport``: what is written in one step of the event loop leaves in one send;
everything asyncio's transport promises (order, close, EOF, abort, flow control) still holds.

Real sockets (a connected pair) on a real ``CoalescingEventLoop``; the gateway's end counts
the sends it makes."""

from __future__ import annotations

import asyncio
import socket
from collections.abc import Iterator
from typing import Any

import pytest

from gateway.ops.transport import HOLD_LIMIT, CoalescingEventLoop, CoalescingTransport


class CountingSocket(socket.socket):
    """A real socket that counts its ``send`` calls."""

    sends = 0

    def send(self, data: Any, *flags: Any) -> int:
        self.sends += 1
        return super().send(data, *flags)


class Peer(asyncio.Protocol):
    def __init__(self) -> None:
        self.paused = 0
        self.resumed = 0
        self.writable = asyncio.Event()
        self.lost: asyncio.Future[Exception | None] = asyncio.get_running_loop().create_future()

    def pause_writing(self) -> None:
        self.paused += 1

    def resume_writing(self) -> None:
        self.resumed += 1
        self.writable.set()

    def connection_lost(self, exc: Exception | None) -> None:
        if not self.lost.done():
            self.lost.set_result(exc)


@pytest.fixture
def loop() -> Iterator[asyncio.AbstractEventLoop]:
    loop = CoalescingEventLoop()
    yield loop
    loop.close()


def run(loop: asyncio.AbstractEventLoop, test: Any) -> Any:
    return loop.run_until_complete(test())


async def connected() -> tuple[CoalescingTransport, Peer, CountingSocket, socket.socket]:
    ours, theirs = socket.socketpair()
    counting = CountingSocket(ours.family, ours.type, fileno=ours.detach())
    peer = Peer()
    transport, _ = await asyncio.get_running_loop().connect_accepted_socket(lambda: peer, counting)
    assert isinstance(transport, CoalescingTransport)
    theirs.settimeout(5)
    return transport, peer, counting, theirs  # type: ignore[return-value]  # made by our loop


def received(sock: socket.socket) -> bytes:
    """Everything until the gateway's end closes."""
    chunks = []
    while chunk := sock.recv(1 << 20):
        chunks.append(chunk)
    return b"".join(chunks)


@pytest.fixture
def pair(loop: asyncio.AbstractEventLoop) -> Iterator[Any]:
    made = run(loop, connected)
    yield made
    made[0].abort()
    made[3].close()
    run(loop, lambda: asyncio.sleep(0.01))  # the transport's own close callbacks run


def test_writes_in_one_step_leave_in_one_send(loop, pair):
    transport, _, counting, theirs = pair

    async def step() -> None:
        transport.write(b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\n")
        transport.write(memoryview(b"hello"))
        assert counting.sends == 0  # held until the loop's next step
        assert transport.get_write_buffer_size() == 43
        await asyncio.sleep(0)
        assert counting.sends == 1
        assert transport.get_write_buffer_size() == 0
        transport.close()

    run(loop, step)
    assert received(theirs) == b"HTTP/1.1 200 OK\r\ncontent-length: 5\r\n\r\nhello"


def test_writes_in_separate_steps_each_leave_in_order(loop, pair):
    transport, _, counting, theirs = pair

    async def steps() -> None:
        for part in (b"one ", b"two ", b"three"):
            transport.write(part)
            await asyncio.sleep(0)
        assert counting.sends == 3
        transport.close()

    run(loop, steps)
    assert received(theirs) == b"one two three"


def test_close_and_write_eof_send_what_is_held_first(loop, pair):
    transport, _, counting, theirs = pair

    async def step() -> None:
        transport.write(b"last words")
        transport.write_eof()
        assert counting.sends == 1

    run(loop, step)
    assert received(theirs) == b"last words"  # then EOF
    with pytest.raises(RuntimeError):
        transport.write(b"after EOF")  # asyncio's own refusal


def test_a_write_after_close_is_treated_as_asyncio_treats_it():
    """What was written before ``close`` goes out; a write after it is dropped without an
    error: the same bytes reach the peer as from asyncio's own transport."""

    def through(loop: asyncio.AbstractEventLoop) -> bytes:
        async def step() -> socket.socket:
            ours, theirs = socket.socketpair()
            peer = Peer()
            transport, _ = await asyncio.get_running_loop().connect_accepted_socket(
                lambda: peer, ours
            )
            transport.write(b"held ")
            transport.close()
            transport.write(b"and after close")
            assert await asyncio.wait_for(peer.lost, 5) is None
            theirs.settimeout(5)
            return theirs

        try:
            theirs = loop.run_until_complete(step())
            with theirs:
                return received(theirs)
        finally:
            loop.close()

    assert through(CoalescingEventLoop()) == through(asyncio.SelectorEventLoop()) == b"held "


def test_sendfile_sends_what_is_held_first(loop, pair, tmp_path):
    transport, _, _, theirs = pair
    path = tmp_path / "body.bin"
    path.write_bytes(b"file body")

    async def step() -> None:
        transport.write(b"headers, ")
        with path.open("rb") as file:
            await asyncio.get_running_loop().sendfile(transport, file)
        transport.close()

    run(loop, step)
    assert received(theirs) == b"headers, file body"


def test_close_sends_what_is_held(loop, pair):
    transport, peer, _, theirs = pair

    async def step() -> None:
        transport.write(b"goodbye")
        transport.close()
        assert await asyncio.wait_for(peer.lost, 5) is None

    run(loop, step)
    assert received(theirs) == b"goodbye"


def test_abort_drops_what_is_held(loop, pair):
    transport, peer, counting, theirs = pair

    async def step() -> None:
        transport.write(b"never sent")
        transport.abort()
        await asyncio.sleep(0)
        assert counting.sends == 0
        await asyncio.wait_for(peer.lost, 5)

    run(loop, step)
    assert received(theirs) == b""


def test_a_large_write_goes_at_once_and_flow_control_holds(loop, pair):
    """More than ``HOLD_LIMIT`` is not held: asyncio's transport takes it at once, and with
    nobody reading, its buffer passes the high-water mark and pauses the protocol, as
    without coalescing; once the peer reads everything, writing resumes."""
    transport, peer, counting, theirs = pair
    big = bytes(range(256)) * (16 * HOLD_LIMIT // 256)

    async def step() -> None:
        transport.write(b"head ")
        transport.write(big)  # releases the held head first: order is kept
        assert counting.sends >= 1
        assert peer.paused == 1  # the socket's buffer could not take it all
        reader = asyncio.get_running_loop().run_in_executor(None, received, theirs)
        await asyncio.wait_for(peer.writable.wait(), 10)
        assert peer.resumed == 1
        transport.close()
        assert await asyncio.wait_for(reader, 10) == b"head " + big

    run(loop, step)


def test_writing_after_the_peer_left_is_silent(loop, pair):
    transport, peer, _, theirs = pair

    async def step() -> None:
        theirs.close()
        transport.write(b"x" * 100)
        await asyncio.sleep(0)  # the send fails: the transport closes itself
        await asyncio.wait_for(peer.lost, 5)
        transport.write(b"more")  # counted by asyncio, not raised
        await asyncio.sleep(0)

    run(loop, step)


def test_a_stream_server_on_the_loop_answers_whole(loop):
    """asyncio's streams (what hypercorn's worker runs on), both ends on the loop: a response
    written as headers then body, each followed by ``drain`` as hypercorn does, reaches the
    client whole."""

    async def serve() -> bytes:
        async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
            await reader.readuntil(b"\r\n\r\n")
            writer.write(b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\n")
            await writer.drain()
            writer.write(b"ok")
            await writer.drain()
            writer.close()

        server = await asyncio.start_server(handle, "127.0.0.1", 0)
        port = server.sockets[0].getsockname()[1]
        reader, writer = await asyncio.open_connection("127.0.0.1", port)
        writer.write(b"GET / HTTP/1.1\r\nhost: x\r\n\r\n")
        body = await asyncio.wait_for(reader.read(), 5)
        writer.close()
        server.close()
        await server.wait_closed()
        return body

    assert run(loop, serve) == (
        b"HTTP/1.1 200 OK\r\ncontent-length: 2\r\nconnection: close\r\n\r\nok"
    )

"""The S3 back end against a real S3-compatible server (moto's server mode, over HTTP): what
it stores, what it reads back, and how it fails when the bucket or the server is not there."""

from __future__ import annotations

import hashlib
import os
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import httpx
import pytest

from resolvers.media.s3 import IMMUTABLE, MediaStorageError, S3Storage
from resolvers.media.storage import MediaStorage
from tests.s3_support import (
    SECRET_ACCESS_KEY,
    MotoServer,
    moto_server_fixture,  # noqa: F401  # the session fixture, used by name
)
from tests.tcp_proxy import TcpProxy

JPEG = b"\xff\xd8\xff\xe0" + bytes(range(256)) * 64 + b"\xff\xd9"


async def failing_get(store: S3Storage, key: str) -> tuple[str, float]:
    """The message of the ``MediaStorageError`` that ``get`` raises, and the seconds it took."""
    started = time.monotonic()
    with pytest.raises(MediaStorageError) as caught:
        await store.get(key)
    return str(caught.value), time.monotonic() - started


@pytest.fixture
async def storage(moto_server: MotoServer) -> AsyncIterator[S3Storage]:
    store = moto_server.storage(moto_server.new_bucket())
    yield store
    store.close()


async def test_round_trip(storage: S3Storage) -> None:
    contract: MediaStorage = storage  # the back end fits the contract (mypy checks this line)
    key = "originals/abc.jpg"
    assert await contract.exists(key) is False
    assert await contract.get(key) is None

    await contract.put(key, JPEG, "image/jpeg")
    assert await contract.exists(key) is True
    assert await contract.get(key) == JPEG

    await contract.delete(key)
    assert await contract.exists(key) is False
    assert await contract.get(key) is None
    await contract.delete(key)  # deleting what is gone is fine


async def test_binary_integrity_of_a_large_object(storage: S3Storage) -> None:
    data = os.urandom(3 * 1024 * 1024) + bytes(range(256))
    await storage.put("originals/big.bin", data, "application/octet-stream")
    back = await storage.get("originals/big.bin")
    assert back is not None
    assert len(back) == len(data)
    assert hashlib.sha256(back).hexdigest() == hashlib.sha256(data).hexdigest()


async def test_content_type_and_cache_control_are_stored(
    moto_server: MotoServer, storage: S3Storage
) -> None:
    await storage.put("originals/a.webp", b"RIFF\x00\x00\x00\x00WEBP", "image/webp")
    client = moto_server.client()
    try:
        head = client.head_object(Bucket=storage.bucket, Key="originals/a.webp")
    finally:
        client.close()
    assert head["ContentType"] == "image/webp"
    assert head["CacheControl"] == IMMUTABLE == "public, max-age=31536000, immutable"


async def test_an_overwrite_replaces_the_object(storage: S3Storage) -> None:
    await storage.put("k.png", b"first", "image/png")
    await storage.put("k.png", b"second", "image/png")
    assert await storage.get("k.png") == b"second"


async def test_prefixes_isolate_sites_sharing_a_bucket(moto_server: MotoServer) -> None:
    bucket = moto_server.new_bucket()
    site_a = moto_server.storage(bucket, "site-a")
    site_b = moto_server.storage(bucket, "/site-b/")
    bare = moto_server.storage(bucket)
    try:
        await site_a.put("originals/x.jpg", b"A", "image/jpeg")
        assert await site_b.exists("originals/x.jpg") is False
        assert await site_b.get("originals/x.jpg") is None
        assert await bare.get("originals/x.jpg") is None
        await site_b.put("originals/x.jpg", b"B", "image/jpeg")
        await site_b.delete("originals/x.jpg")
        assert await site_a.get("originals/x.jpg") == b"A"  # b's delete stayed in b

        client = moto_server.client()
        try:
            listing = client.list_objects_v2(Bucket=bucket)
        finally:
            client.close()
        assert [item["Key"] for item in listing.get("Contents", [])] == ["site-a/originals/x.jpg"]
        assert await bare.get("site-a/originals/x.jpg") == b"A"
    finally:
        for store in (site_a, site_b, bare):
            store.close()


@pytest.mark.parametrize("key", ["", "/abs.jpg", "a/../b.jpg", "a//b.jpg", "./a.jpg", "a/."])
async def test_keys_that_could_escape_the_prefix_are_refused(storage: S3Storage, key: str) -> None:
    with pytest.raises(ValueError, match="invalid storage key"):
        await storage.put(key, b"x", "image/png")
    with pytest.raises(ValueError, match="invalid storage key"):
        await storage.get(key)


@pytest.mark.parametrize("prefix", ["a/../b", "a//b", "./a", ".."])
def test_prefixes_that_servers_could_rewrite_are_refused(prefix: str) -> None:
    with pytest.raises(ValueError, match="invalid storage key or prefix"):
        S3Storage("http://127.0.0.1:9", "b", "us-east-1", None, None, prefix)


async def test_a_missing_bucket_is_a_clear_error(moto_server: MotoServer) -> None:
    store = moto_server.storage("no-such-bucket-here")
    try:
        calls: list[tuple[str, Callable[[], Awaitable[object]]]] = [
            ("put", lambda: store.put("a.jpg", b"x", "image/jpeg")),
            ("get", lambda: store.get("a.jpg")),
            ("exists", lambda: store.exists("a.jpg")),
            ("delete", lambda: store.delete("a.jpg")),
        ]
        for operation, call in calls:
            with pytest.raises(MediaStorageError) as caught:
                await call()
            message = str(caught.value)
            assert caught.value.operation == operation
            assert caught.value.key == "a.jpg"
            assert message.startswith(f"S3 {operation} of 'a.jpg' failed: bucket ")
            assert "'no-such-bucket-here'" in message and "does not exist" in message
            assert SECRET_ACCESS_KEY not in message
        with pytest.raises(MediaStorageError, match="does not exist"):
            await store.check()
    finally:
        store.close()


async def test_check_passes_on_an_existing_bucket(storage: S3Storage) -> None:
    await storage.check()


async def test_presigned_url_serves_the_original(storage: S3Storage) -> None:
    await storage.put("originals/p.png", b"\x89PNG\r\n\x1a\nbytes", "image/png")
    url = await storage.presigned_url("originals/p.png", expires=300)
    assert SECRET_ACCESS_KEY not in url
    assert "X-Amz-Expires=300" in url and "X-Amz-Signature=" in url
    async with httpx.AsyncClient(timeout=5) as http:
        response = await http.get(url)
    assert response.status_code == 200
    assert response.content == b"\x89PNG\r\n\x1a\nbytes"
    assert response.headers["content-type"] == "image/png"
    assert response.headers["cache-control"] == IMMUTABLE
    with pytest.raises(ValueError, match="expires"):
        await storage.presigned_url("originals/p.png", expires=8 * 24 * 3600)


def test_virtual_addressing_puts_the_bucket_in_the_host() -> None:
    # Signing sends no request, so an endpoint that does not exist is fine here.
    endpoint = "https://s3.example.test"
    virtual = S3Storage(endpoint, "photos", "eu-west-1", "id", "secret", "m", "virtual")
    path = S3Storage(endpoint, "photos", "eu-west-1", "id", "secret", "m", "path")
    try:
        assert virtual._client.generate_presigned_url(
            "get_object", Params={"Bucket": "photos", "Key": "m/a.jpg"}
        ).startswith("https://photos.s3.example.test/m/a.jpg?")
        assert path._client.generate_presigned_url(
            "get_object", Params={"Bucket": "photos", "Key": "m/a.jpg"}
        ).startswith("https://s3.example.test/photos/m/a.jpg?")
    finally:
        virtual.close()
        path.close()


def test_repr_names_the_bucket_but_no_credential(storage: S3Storage) -> None:
    text = repr(storage)
    assert storage.bucket in text and "127.0.0.1" in text
    assert SECRET_ACCESS_KEY not in text


async def test_a_stopped_server_fails_fast(tmp_path_factory: pytest.TempPathFactory) -> None:
    server = MotoServer(tmp_path_factory.mktemp("moto-stopped")).start()
    try:
        bucket = server.new_bucket()
        store = server.storage(bucket, timeout=1.0, max_attempts=2)
        await store.put("a.jpg", b"x", "image/jpeg")  # it worked while the server was up
    finally:
        server.stop()
    try:
        message, elapsed = await failing_get(store, "a.jpg")
    finally:
        store.close()
    # Refused at once, retried once (max_attempts=2): well within attempts x timeout (2 s).
    assert elapsed < 3, f"took {elapsed:.1f}s"
    assert message.startswith("S3 get of 'a.jpg' failed: EndpointConnectionError")
    assert SECRET_ACCESS_KEY not in message


async def test_a_stalled_server_times_out(moto_server: MotoServer) -> None:
    """The server accepts the connection and then says nothing: the read timeout ends it."""
    proxy = await TcpProxy("127.0.0.1", moto_server.port).start()
    store = moto_server.storage(
        moto_server.new_bucket(), url=f"http://127.0.0.1:{proxy.port}", timeout=1.0
    )
    try:
        await store.put("a.jpg", b"x", "image/jpeg")
        proxy.pause()
        message, elapsed = await failing_get(store, "a.jpg")
    finally:
        store.close()
        await proxy.close()
    # Two attempts of one 1 s read timeout each, plus a backoff <= 1 s between them.
    assert 2.0 <= elapsed < 6, f"took {elapsed:.1f}s"
    assert "ReadTimeoutError" in message
    assert proxy.stalled.is_set()  # the request did reach the (silent) server

"""Renditions: immutable URLs, the allow-list, one render for N concurrent requests, the
bounded LRU disk cache, and signed imgproxy URLs."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import Any

import pytest

from resolvers.media.renditions import DiskCache
from tests.auth_support import add_token, serve
from tests.media_support import decode, image_bytes, uploaded


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"media_root": tmp_path / "media", "media_rendition_widths": [320, 640]}


@pytest.fixture
async def content_hash(client, db) -> str:
    token = await add_token(db, "editor")
    return str((await uploaded(client, token, image_bytes(1000, 500)))["contentHash"])


@pytest.mark.parametrize(
    ("name", "status", "code"),
    [
        ("w500-fcontain.jpg", 400, "MEDIA_SIZE_NOT_ALLOWED"),
        ("w320-h500-fcover.jpg", 400, "MEDIA_SIZE_NOT_ALLOWED"),
        ("w0320-fcontain.jpg", 400, "MEDIA_BAD_RENDITION"),
        ("w320-fcover.jpg", 400, "MEDIA_BAD_RENDITION"),
        ("w320-fcontain.tiff", 400, "MEDIA_BAD_RENDITION"),
        ("w320-h320-fcover-c50x50.jpg", 200, None),
        ("w320-fcontain.jpg", 200, None),
    ],
)
async def test_only_allowed_canonical_renditions(client, content_hash, name, status, code):
    response = await client.get(f"/media/r/{content_hash}/{name}")
    assert response.status_code == status, response.text
    if code is not None:
        assert response.json()["errors"][0]["extensions"]["code"] == code
    else:
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"


async def test_unknown_hash_is_404(client):
    response = await client.get(f"/media/r/{'a' * 64}/w320-fcontain.jpg")
    assert response.status_code == 404


async def test_concurrent_requests_share_one_render(settings, db):
    async with serve(settings) as (application, client):
        token = await add_token(db, "editor")
        content_hash = (await uploaded(client, token, image_bytes(1000, 500)))["contentHash"]
        renderer = application.state.media.renderer
        url = f"/media/r/{content_hash}/w640-fcontain.webp"
        responses = await asyncio.gather(*(client.get(url) for _ in range(8)))
        assert {r.status_code for r in responses} == {200}
        assert len({r.content for r in responses}) == 1
        assert decode(responses[0].content).size == (640, 320)
        assert renderer.renders == 1
        await client.get(url)  # from the disk cache
        assert renderer.renders == 1


async def test_never_enlarged(client, db):
    token = await add_token(db, "editor")
    small = await uploaded(client, token, image_bytes(400, 200))
    response = await client.get(f"/media/r/{small['contentHash']}/w640-fcontain.png")
    assert decode(response.content).size == (400, 200)


def test_disk_cache_evicts_the_least_recently_used(tmp_path: Path):
    cache = DiskCache(tmp_path, max_bytes=250)
    cache.put("a/1", b"x" * 100)
    cache.put("a/2", b"y" * 100)
    assert cache.get("a/1") == b"x" * 100  # 1 is now more recent than 2
    cache.put("a/3", b"z" * 100)  # 300 > 250: the least recently used (2) goes
    assert sorted(p.name for p in (tmp_path / "a").iterdir()) == ["1", "3"]
    assert cache.get("a/2") is None
    assert cache.total == 200
    reopened = DiskCache(tmp_path, max_bytes=250)  # a restart finds the files and their sizes
    assert reopened.total == 200 and set(reopened.sizes) == {"a/1", "a/3"}

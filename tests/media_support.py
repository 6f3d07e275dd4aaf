"""Helpers of the media tests: images made with Pillow (no binary fixtures), uploads over HTTP,
and what is stored (rows and files)."""

from __future__ import annotations

import io
import struct
import zlib
from pathlib import Path
from typing import Any

import httpx
from PIL import Image
from sqlalchemy import func, select

from resolvers.db import Database
from resolvers.media.models import media_asset_t


def image_bytes(
    width: int = 800,
    height: int = 600,
    fmt: str = "JPEG",
    color: tuple[int, int, int] = (200, 40, 40),
) -> bytes:
    """A real image: a coloured field with a contrasting band (so resizes are not trivial)."""
    image = Image.new("RGB", (width, height), color)
    for x in range(0, width, 7):
        image.putpixel((x, height // 2), (20, 20, 220))
    out = io.BytesIO()
    image.save(out, format=fmt)
    return out.getvalue()


def jpeg_with_exif(width: int = 400, height: int = 200) -> bytes:
    """A JPEG whose EXIF says 'rotate 90°' (orientation 6) and names a camera."""
    exif = Image.Exif()
    exif[0x0112] = 6
    exif[0x010F] = "SecretCam"
    out = io.BytesIO()
    Image.new("RGB", (width, height), (10, 120, 10)).save(out, "JPEG", exif=exif.tobytes())
    return out.getvalue()


def png_bomb(width: int = 100_000, height: int = 100_000) -> bytes:
    """A small PNG whose header claims ``width`` x ``height`` pixels: a decompression bomb."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        body = kind + data
        return struct.pack(">I", len(data)) + body + struct.pack(">I", zlib.crc32(body))

    header = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    rows = zlib.compress(b"\x00" * 1024)
    return (
        b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", header) + chunk(b"IDAT", rows) + chunk(b"IEND", b"")
    )


SVG_WITH_SCRIPT = (
    b'<?xml version="1.0"?><svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>'
)


async def upload(
    client: httpx.AsyncClient,
    data: bytes,
    *,
    token: str | None,
    filename: str = "photo.jpg",
    content_type: str = "image/jpeg",
    alt: str | None = None,
) -> httpx.Response:
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    fields = {"alt": alt} if alt is not None else None
    return await client.post(
        "/media",
        files={"file": (filename, data, content_type)},
        data=fields,
        headers=headers,
    )


async def asset_count(db: Database) -> int:
    return int(await db.scalar(select(func.count()).select_from(media_asset_t)) or 0)


def stored_files(root: Path) -> list[Path]:
    """Originals in the local storage (temporary files included: none may be left)."""
    store = root / "originals-store"
    return sorted(p for p in store.rglob("*") if p.is_file()) if store.exists() else []


def decode(data: bytes) -> Any:
    image = Image.open(io.BytesIO(data))
    image.load()
    return image


async def uploaded(client: httpx.AsyncClient, token: str, data: bytes, **kw: Any) -> dict[str, Any]:
    """Upload and return the asset JSON (asserting it was accepted)."""
    response = await upload(client, data, token=token, **kw)
    assert response.status_code in (200, 201), response.text
    return dict(response.json()["asset"])


def local_path(url: str) -> str:
    """A URL the app built, as a path for the test client."""
    return url.removeprefix("http://testserver")


async def add_asset_row(db: Database, filename: str = "row.jpg", **values: Any) -> int:
    """An asset row without a stored file (for tests of reads that never fetch the file)."""
    from datetime import UTC, datetime
    from hashlib import sha256

    from sqlalchemy import insert

    now = datetime.now(UTC)
    row = {
        "content_hash": sha256(filename.encode()).hexdigest(),
        "storage_key": f"originals/{filename}",
        "filename": filename,
        "mime_type": "image/jpeg",
        "byte_size": 1000,
        "width": 1600,
        "height": 900,
        "focal_x": 0.5,
        "focal_y": 0.5,
        "dominant_color": "#336699",
        "blur_placeholder": "data:image/webp;base64,AAAA",
        "created_at": now,
        "updated_at": now,
        **values,
    }
    async with db.engine.begin() as conn:
        result = await conn.execute(
            insert(media_asset_t).values(**row).returning(media_asset_t.c.id)
        )
        return int(result.scalar_one())

"""POST /media: sniffed, checked, stripped of metadata, stored once; bad uploads refused with a
coded error and nothing stored (no row, no file)."""

from __future__ import annotations

import hashlib
from pathlib import Path
from typing import Any

import pytest

from tests.auth_support import add_token
from tests.media_support import (
    SVG_WITH_SCRIPT,
    asset_count,
    decode,
    image_bytes,
    jpeg_with_exif,
    png_bomb,
    stored_files,
    upload,
)
from tests.support import add_author


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"media_root": tmp_path / "media", "media_max_bytes": 300_000}


async def test_upload_stores_the_asset_once(client, db, settings):
    token = await add_token(db, "author", author_id=await add_author(db))
    data = image_bytes(800, 600)
    response = await upload(
        client, data, token=token, filename="../../etc/x.jpg", alt=" A red field "
    )
    assert response.status_code == 201, response.text
    asset = response.json()["asset"]
    assert asset["width"] == 800 and asset["height"] == 600
    assert asset["mimeType"] == "image/jpeg"
    assert asset["filename"] == "x.jpg"
    assert asset["altText"] == "A red field"
    assert asset["contentHash"] == hashlib.sha256(data).hexdigest()
    assert asset["dominantColor"].startswith("#") and len(asset["dominantColor"]) == 7
    assert asset["placeholder"].startswith("data:image/webp;base64,")
    again = await upload(client, data, token=token)
    assert again.status_code == 200
    assert again.json() == {"asset": asset, "created": False}
    assert await asset_count(db) == 1
    assert len(stored_files(settings.media_root)) == 1
    original = await client.get(asset["url"].removeprefix("http://testserver"))
    assert original.status_code == 200
    assert original.headers["cache-control"] == "public, max-age=31536000, immutable"
    assert decode(original.content).size == (800, 600)


async def test_exif_is_stripped_and_orientation_applied(client, db):
    token = await add_token(db, "editor")
    response = await upload(client, jpeg_with_exif(400, 200), token=token)
    assert response.status_code == 201, response.text
    asset = response.json()["asset"]
    assert (asset["width"], asset["height"]) == (200, 400)  # rotated upright
    stored = await client.get(asset["url"].removeprefix("http://testserver"))
    image = decode(stored.content)
    assert image.size == (200, 400)
    assert dict(image.getexif()) == {}
    assert b"SecretCam" not in stored.content


@pytest.mark.parametrize(
    ("data", "status", "code"),
    [
        (b"%PDF-1.4 not an image", 415, "MEDIA_TYPE_NOT_ALLOWED"),
        (SVG_WITH_SCRIPT, 415, "MEDIA_SVG_REFUSED"),
        (png_bomb(), 422, "MEDIA_TOO_MANY_PIXELS"),
        (image_bytes(800, 600)[:2000], 422, "MEDIA_UNREADABLE"),
        (b"", 422, "MEDIA_UNREADABLE"),
    ],
    ids=["wrong-type", "svg-script", "bomb", "truncated", "empty"],
)
async def test_bad_uploads_are_refused_and_nothing_is_stored(
    client, db, settings, data, status, code
):
    token = await add_token(db, "editor")
    # The name and the declared type lie: the content decides.
    response = await upload(client, data, token=token, filename="x.png", content_type="image/png")
    assert response.status_code == status, response.text
    assert response.json()["errors"][0]["extensions"]["code"] == code
    assert await asset_count(db) == 0
    assert stored_files(settings.media_root) == []


async def test_too_large_is_413(client, db, settings):
    token = await add_token(db, "editor")
    noisy = bytes(range(256)) * 1300  # 332,800 bytes: over media_max_bytes
    response = await upload(client, noisy, token=token)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "MEDIA_TOO_LARGE"
    huge = b"x" * 1_200_000  # past the body limit too: refused before it is read
    response = await upload(client, huge, token=token)
    assert response.status_code == 413
    assert response.json()["errors"][0]["extensions"]["code"] == "PAYLOAD_TOO_LARGE"
    assert await asset_count(db) == 0
    assert stored_files(settings.media_root) == []


async def test_upload_needs_a_token(client, db):
    response = await upload(client, image_bytes(), token=None)
    assert response.status_code == 401
    assert response.json()["errors"][0]["extensions"]["code"] == "UNAUTHENTICATED"
    response = await upload(client, image_bytes(), token="cg_not-a-real-token")
    assert response.status_code == 401
    assert await asset_count(db) == 0


async def test_form_without_file(client, db):
    token = await add_token(db, "editor")
    response = await client.post(
        "/media", data={"alt": "x"}, headers={"Authorization": f"Bearer {token}"}
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["extensions"]["code"] == "MEDIA_NO_FILE"


async def test_unknown_original_is_404(client):
    response = await client.get(f"/media/{'0' * 64}.jpg")
    assert response.status_code == 404

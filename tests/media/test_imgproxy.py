"""imgproxy as the renderer: the gateway only builds signed URLs (imgproxy's documented
signature: URL-safe Base64 of HMAC-SHA256 over salt + path, keyed with the hex-decoded key)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from resolvers.media.urls import Imgproxy, RenditionSpec
from tests.auth_support import add_token
from tests.media_support import image_bytes, uploaded
from tests.support import gql, ok

# imgproxy's documented example key and salt; the expected signature was computed for this path
# with `openssl dgst -sha256 -mac HMAC -macopt hexkey:<key>` over the salt bytes and the path.
KEY = "943b421c9eb07c830af81030552c86009268de4e532ba2ee2eab8247c6da0881"
SALT = "520f986b998545b4785e0defbc4f3c1203f22de2374a3d53cb7a7fe9fea309c5"
PATH = "/rs:fill:300:400:0/g:sm/aHR0cDovL2V4YW1w/bGUuY29tL2ltYWdl/cy9jdXJpb3NpdHku/anBn.png"


def test_imgproxy_signature_matches_a_known_vector():
    imgproxy = Imgproxy("https://img.example.com", bytes.fromhex(KEY), bytes.fromhex(SALT))
    assert imgproxy.sign(PATH) == "90UxdwGRAI2bpLSHKkZculJau5ahfxfS0h3fMuQAf40"


def test_imgproxy_url_layout():
    imgproxy = Imgproxy("https://img.example.com/", bytes.fromhex(KEY), bytes.fromhex(SALT))
    url = imgproxy.url(
        "https://gw.example.com/media/ab.jpg", RenditionSpec(640, 320, "cover", "webp", (25, 75))
    )
    prefix = "https://img.example.com/"
    assert url.startswith(prefix)
    signature, _, path = url.removeprefix(prefix).partition("/")
    assert (
        path
        == "rs:fill:640:320:0/g:fp:0.25:0.75/aHR0cHM6Ly9ndy5leGFtcGxlLmNvbS9tZWRpYS9hYi5qcGc.webp"
    )
    assert signature == imgproxy.sign("/" + path)


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {
        "media_root": tmp_path / "media",
        "media_rendition_widths": [320, 640],
        "media_renderer": "imgproxy",
        "media_imgproxy_url": "https://img.example.com",
        "media_imgproxy_key": KEY,
        "media_imgproxy_salt": SALT,
    }


async def test_graphql_builds_imgproxy_urls(client, db):
    token = await add_token(db, "editor")
    asset = await uploaded(client, token, image_bytes(800, 400))
    query = "query Q($id: ID!) { mediaAsset(id: $id) { url(width: 320) srcSet } }"
    data = ok(await gql(client, query, {"id": asset["id"]}))["mediaAsset"]
    assert data["url"].startswith("https://img.example.com/")
    assert "/rs:fit:320:0:0/" in data["url"]
    assert data["srcSet"].count("https://img.example.com/") == 2  # 320 and 640

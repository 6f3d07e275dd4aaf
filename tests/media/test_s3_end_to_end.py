"""Upload -> srcSet -> rendition with originals in an S3-compatible bucket (moto's server over
HTTP), on SQLite and PostgreSQL: the same path as with the local folder, and nothing written to
the local originals store."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.auth_support import add_token, bearer, gid
from tests.media_support import decode, image_bytes, local_path, stored_files, uploaded
from tests.s3_support import (
    ACCESS_KEY_ID,
    REGION,
    SECRET_ACCESS_KEY,
    MotoServer,
    moto_server_fixture,  # noqa: F401  # the session fixture, used by name
)
from tests.support import add_article, add_author, gql, ok

SET_IMAGE = """
mutation SetImage($input: UpdateArticleInput!) {
  updateArticle(input: $input) { __typename }
}
"""
QUERY = """
query($slug: String!) {
  article(slug: $slug) { featureImage { width height srcSet(format: WEBP) asset { id } } }
}
"""


@pytest.fixture
def bucket(moto_server: MotoServer) -> str:
    return moto_server.new_bucket()


@pytest.fixture
def settings_overrides(tmp_path: Path, moto_server: MotoServer, bucket: str) -> dict[str, Any]:
    return {
        "media_root": tmp_path / "media",
        "media_rendition_widths": [320, 640],
        "media_storage": "s3",
        "media_s3_endpoint_url": moto_server.url,
        "media_s3_bucket": bucket,
        "media_s3_region": REGION,
        "media_s3_access_key_id": ACCESS_KEY_ID,
        "media_s3_secret_access_key": SECRET_ACCESS_KEY,
        "media_s3_prefix": "site-a/",
    }


async def test_upload_srcset_rendition_through_s3(client, db, moto_server, bucket, tmp_path):
    token = await add_token(db, "editor")
    asset = await uploaded(client, token, image_bytes(800, 600), alt="In a bucket")

    s3 = moto_server.client()
    try:
        keys = [o["Key"] for o in s3.list_objects_v2(Bucket=bucket).get("Contents", [])]
    finally:
        s3.close()
    assert len(keys) == 1 and keys[0].startswith("site-a/"), keys
    assert stored_files(tmp_path / "media") == []  # nothing in the local originals store

    author = await add_author(db)
    article_id = await add_article(db, "Bucket image", authors=[author])
    saved = await gql(
        client,
        SET_IMAGE,
        {"input": {"id": gid("Article", article_id), "expectedVersion": 1,
                   "featureImage": {"assetId": asset["id"]}}},
        headers=bearer(token),
    )  # fmt: skip
    assert ok(saved)["updateArticle"]["__typename"] == "ArticleSaved", saved.body

    image = ok(await gql(client, QUERY, {"slug": "bucket-image"}))["article"]["featureImage"]
    assert (image["width"], image["height"]) == (800, 600)
    assert image["asset"]["id"] == asset["id"]
    entries = image["srcSet"].split(", ")
    assert [e.split(" ")[1] for e in entries] == ["320w", "640w"]
    for entry, width in zip(entries, (320, 640), strict=True):
        response = await client.get(local_path(entry.split(" ")[0]))
        assert response.status_code == 200, response.text
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        rendition = decode(response.content)
        assert (rendition.format, rendition.size) == ("WEBP", (width, width * 3 // 4))

    original = await client.get(local_path(asset["url"]))
    assert original.status_code == 200
    assert decode(original.content).size == (800, 600)

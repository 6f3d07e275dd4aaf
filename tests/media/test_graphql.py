"""The media library in GraphQL: end to end (upload -> srcSet -> rendition), asset references
from articles, authors and terms, editing, deleting (refused while used unless forced), the
AUTO format, and batching."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.auth_support import add_token, bearer
from tests.media_support import decode, image_bytes, local_path, stored_files, uploaded
from tests.support import add_article, add_author, add_term, gql, ok

ARTICLE_IMAGE = """
query ArticleImage($slug: String!) {
  article(slug: $slug) {
    featureImage {
      url alt width height sizes placeholder dominantColor
      webp: srcSet(format: WEBP)
      small: url(width: 320, format: JPEG)
      crop: url(width: 320, height: 320, fit: COVER)
      asset { id databaseId filename mimeType focalPoint { x y } }
    }
  }
}
"""
SET_IMAGE = """
mutation SetImage($input: UpdateArticleInput!) {
  updateArticle(input: $input) {
    __typename
    ... on ArticleSaved { article { featureImage { alt width } } }
    ... on ValidationError { fields { path code } }
  }
}
"""


@pytest.fixture
def settings_overrides(tmp_path: Path) -> dict[str, Any]:
    return {"media_root": tmp_path / "media", "media_rendition_widths": [320, 640, 1024]}


async def _article_with_asset(db: Any, client: Any, token: str, width: int = 800) -> tuple:
    asset = await uploaded(client, token, image_bytes(width, 600), alt="Asset alt")
    author = await add_author(db)
    article_id = await add_article(db, "With image", authors=[author])
    result = await gql(
        client,
        SET_IMAGE,
        {"input": {"id": _gid("Article", article_id), "expectedVersion": 1,
                   "featureImage": {"assetId": asset["id"]}}},
        headers=bearer(token),
    )  # fmt: skip
    assert ok(result)["updateArticle"]["__typename"] == "ArticleSaved", result.body
    return asset, article_id


def _gid(type_name: str, database_id: int) -> str:
    from tests.auth_support import gid

    return gid(type_name, database_id)


async def test_upload_query_srcset_fetch_rendition(client, db):
    token = await add_token(db, "editor")
    asset, _ = await _article_with_asset(db, client, token)
    image = ok(await gql(client, ARTICLE_IMAGE, {"slug": "with-image"}))["article"]["featureImage"]
    assert image["alt"] == "Asset alt"
    assert (image["width"], image["height"]) == (800, 600)
    assert image["sizes"] == "(max-width: 800px) 100vw, 800px"
    assert image["placeholder"].startswith("data:image/webp;base64,")
    assert image["asset"]["id"] == asset["id"]
    assert image["url"] == asset["url"]
    h = asset["contentHash"]
    # 1024 is above the original's 800 px: not listed.
    assert image["webp"] == (
        f"http://testserver/media/r/{h}/w320-fcontain.webp 320w, "
        f"http://testserver/media/r/{h}/w640-fcontain.webp 640w"
    )
    for entry, width in zip(image["webp"].split(", "), (320, 640), strict=True):
        response = await client.get(local_path(entry.split(" ")[0]))
        assert response.status_code == 200
        assert response.headers["content-type"] == "image/webp"
        assert response.headers["cache-control"] == "public, max-age=31536000, immutable"
        rendition = decode(response.content)
        assert rendition.format == "WEBP"
        assert rendition.size == (width, round(600 * width / 800))
    crop = decode((await client.get(local_path(image["crop"]))).content)
    assert crop.size == (320, 320)
    small = decode((await client.get(local_path(image["small"]))).content)
    assert (small.format, small.size) == ("JPEG", (320, 240))


async def test_sizes_outside_the_allow_list_are_refused(client, db):
    token = await add_token(db, "editor")
    await _article_with_asset(db, client, token)
    query = '{ article(slug: "with-image") { featureImage { url(width: 500) } } }'
    result = await gql(client, query)
    assert result.codes == ["MEDIA_SIZE_NOT_ALLOWED"]
    query = '{ article(slug: "with-image") { featureImage { srcSet(widths: [320, 333]) } } }'
    assert (await gql(client, query)).codes == ["MEDIA_SIZE_NOT_ALLOWED"]


async def test_format_auto_follows_accept_and_keys_the_cache(client, db):
    token = await add_token(db, "editor")
    asset, _ = await _article_with_asset(db, client, token)
    query = '{ article(slug: "with-image") { featureImage { url(width: 320, format: AUTO) } } }'
    answers = {}
    for accept in ("image/avif,image/webp,*/*", "image/webp,*/*", "application/json"):
        for _ in range(2):  # the second answer may come from the response cache
            result = await gql(client, query, headers={"Accept": accept})
            answers.setdefault(accept, set()).add(ok(result)["article"]["featureImage"]["url"])
    h = asset["contentHash"]
    assert answers == {
        "image/avif,image/webp,*/*": {f"http://testserver/media/r/{h}/w320-fcontain.avif"},
        "image/webp,*/*": {f"http://testserver/media/r/{h}/w320-fcontain.webp"},
        "application/json": {f"http://testserver/media/r/{h}/w320-fcontain.jpg"},
    }
    avif = await client.get(local_path(next(iter(answers["image/avif,image/webp,*/*"]))))
    assert decode(avif.content).size == (320, 240)


async def test_update_asset_changes_what_pages_show(client, db):
    token = await add_token(db, "editor")
    asset, _ = await _article_with_asset(db, client, token)
    query = '{ article(slug: "with-image") { featureImage { alt crop: url(width: 320, height: 320) } } }'
    before = ok(await gql(client, query))["article"]["featureImage"]
    mutation = """
    mutation Edit($input: UpdateMediaAssetInput!) {
      updateMediaAsset(input: $input) {
        __typename
        ... on MediaAssetSaved { asset { altText caption credit focalPoint { x y } updatedBy } }
        ... on ValidationError { fields { path code } }
      }
    }"""
    edit = {"id": asset["id"], "altText": "New alt", "caption": "Cap", "credit": "Ada",
            "focalPoint": {"x": 0.25, "y": 0.75}}  # fmt: skip
    saved = ok(await gql(client, mutation, {"input": edit}, headers=bearer(token)))
    assert saved["updateMediaAsset"]["asset"] == {
        "altText": "New alt", "caption": "Cap", "credit": "Ada",
        "focalPoint": {"x": 0.25, "y": 0.75}, "updatedBy": saved["updateMediaAsset"]["asset"]["updatedBy"],
    }  # fmt: skip
    after = ok(await gql(client, query))["article"]["featureImage"]
    assert after["alt"] == "New alt"  # the cached answer was purged
    assert after["crop"] != before["crop"] and after["crop"].endswith("-c25x75.jpg")
    bad = {"id": asset["id"], "focalPoint": {"x": 1.5, "y": 0}}
    refused = ok(await gql(client, mutation, {"input": bad}, headers=bearer(token)))
    assert refused["updateMediaAsset"]["__typename"] == "ValidationError"
    anonymous = ok(await gql(client, mutation, {"input": edit}))
    assert anonymous["updateMediaAsset"]["__typename"] == "ForbiddenError"


DELETE = """
mutation Delete($id: ID!, $force: Boolean!) {
  deleteMediaAsset(id: $id, force: $force) {
    __typename
    ... on MediaInUseError { usages { entityType id } }
    ... on MediaAssetDeleted { deletedId clearedUsages { entityType id } }
  }
}
"""


async def test_delete_is_refused_while_used_unless_forced(client, db, settings):
    token = await add_token(db, "editor")
    asset, article_id = await _article_with_asset(db, client, token)
    category = await add_term(db, "category", "Pictures")
    term = (
        """mutation T($input: UpdateTermInput!) { updateCategory(input: $input) { __typename } }"""
    )
    result = await gql(
        client, term, {"input": {"id": _gid("Category", category), "imageAssetId": asset["id"]}},
        headers=bearer(token),
    )  # fmt: skip
    assert ok(result)["updateCategory"]["__typename"] == "CategorySaved"
    usages = [
        {"entityType": "Article", "id": _gid("Article", article_id)},
        {"entityType": "Category", "id": _gid("Category", category)},
    ]
    refused = ok(
        await gql(client, DELETE, {"id": asset["id"], "force": False}, headers=bearer(token))
    )
    assert refused["deleteMediaAsset"] == {"__typename": "MediaInUseError", "usages": usages}
    assert len(stored_files(settings.media_root)) == 1
    author_token = await add_token(db, "author", author_id=await add_author(db, "Other"))
    forbidden = ok(
        await gql(client, DELETE, {"id": asset["id"], "force": True}, headers=bearer(author_token))
    )
    assert forbidden["deleteMediaAsset"]["__typename"] == "ForbiddenError"
    forced = ok(
        await gql(client, DELETE, {"id": asset["id"], "force": True}, headers=bearer(token))
    )
    assert forced["deleteMediaAsset"] == {
        "__typename": "MediaAssetDeleted", "deletedId": asset["id"], "clearedUsages": usages,
    }  # fmt: skip
    assert stored_files(settings.media_root) == []
    image = ok(await gql(client, '{ article(slug: "with-image") { featureImage { url } } }'))
    assert image["article"]["featureImage"] is None
    gone = await client.get(local_path(asset["url"]))
    assert gone.status_code == 404


async def test_unknown_asset_reference_is_a_validation_error(client, db):
    token = await add_token(db, "editor")
    author = await add_author(db)
    article_id = await add_article(db, "No image", authors=[author])
    variables = {"input": {"id": _gid("Article", article_id), "expectedVersion": 1,
                           "featureImage": {"assetId": _gid("MediaAsset", 999)}}}  # fmt: skip
    result = ok(await gql(client, SET_IMAGE, variables, headers=bearer(token)))
    assert result["updateArticle"] == {
        "__typename": "ValidationError",
        "fields": [{"path": ["input", "featureImage", "assetId"], "code": "NOT_FOUND"}],
    }


async def test_author_avatar_and_external_images_keep_working(client, db):
    token = await add_token(db, "editor")
    asset = await uploaded(client, token, image_bytes(640, 640, "PNG"))
    author = await add_author(db, "Pic Author", avatar_url="https://cdn.example.com/a.jpg",
                           avatar_width=100, avatar_height=100)  # fmt: skip
    query = """query A($slug: String!) { author(slug: $slug) { avatar {
        url alt width srcSet placeholder asset { id } small: url(width: 320) } } }"""
    external = ok(await gql(client, query, {"slug": "pic-author"}))["author"]["avatar"]
    assert external == {
        "url": "https://cdn.example.com/a.jpg", "alt": None, "width": 100, "srcSet": None,
        "placeholder": None, "asset": None, "small": "https://cdn.example.com/a.jpg",
    }  # fmt: skip
    mutation = """mutation U($input: UpdateAuthorInput!) { updateAuthor(input: $input) {
        __typename ... on ValidationError { fields { path code } } } }"""
    variables = {"input": {"id": _gid("Author", author), "expectedVersion": 1,
                           "avatar": {"assetId": asset["id"], "alt": "Portrait"}}}  # fmt: skip
    assert ok(await gql(client, mutation, variables, headers=bearer(token)))["updateAuthor"] == {
        "__typename": "AuthorSaved"
    }
    avatar = ok(await gql(client, query, {"slug": "pic-author"}))["author"]["avatar"]
    assert avatar["alt"] == "Portrait" and avatar["width"] == 640
    assert avatar["asset"] == {"id": asset["id"]}
    assert avatar["small"].endswith("/w320-fcontain.png")


async def test_media_assets_connection_is_for_editors(client, db):
    editor = await add_token(db, "editor")
    for width in (320, 400, 480):
        await uploaded(client, editor, image_bytes(width, 200))
    query = "{ mediaAssets(first: 2) { totalCount nodes { width } pageInfo { hasNextPage } } }"
    page = ok(await gql(client, query, headers=bearer(editor)))["mediaAssets"]
    assert page == {"totalCount": 3, "nodes": [{"width": 480}, {"width": 400}],
                    "pageInfo": {"hasNextPage": True}}  # fmt: skip
    assert (await gql(client, query)).codes == ["FORBIDDEN"]


async def test_media_asset_by_id_and_node(client, db):
    editor = await add_token(db, "editor")
    asset = await uploaded(client, editor, image_bytes(320, 200))
    query = """query Q($id: ID!) { mediaAsset(id: $id) { databaseId width url }
        node(id: $id) { ... on MediaAsset { contentHash } } }"""
    data = ok(await gql(client, query, {"id": asset["id"]}))
    assert data["mediaAsset"] == {
        "databaseId": asset["databaseId"],
        "width": 320,
        "url": asset["url"],
    }
    assert data["node"] == {"contentHash": asset["contentHash"]}

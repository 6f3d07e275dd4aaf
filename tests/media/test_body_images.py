"""Library images in bodies: ``<img data-asset-id>`` survives the sanitiser and is completed
on output (src, srcset, width/height, sizes, lazy loading, alt) with one asset load per
response; unknown assets keep their own src or are dropped; feeds show the same markup."""

from __future__ import annotations

import re

import pytest

from tests.auth_support import add_token, bearer, gid
from tests.media_support import add_asset_row
from tests.support import add_article, add_author, ago, gql, ok

MODULE_SETTINGS = {"rate_limit_budget": 0, "feed_full_content": True}
CREATE = """mutation($input: CreateArticleInput!) { createArticle(input: $input) {
  __typename
  ... on ArticleSaved { article { slug body } warnings { path message code } }
  ... on ValidationError { fields { path message code } } } }"""
BODY = "query($slug: String!) { article(slug: $slug) { body } }"
BODIES = "query($n: Int) { articles(first: $n) { nodes { title body } } }"


def img_tags(body: str) -> list[str]:
    return re.findall(r"<img\b[^>]*>", body)


def attrs(tag: str) -> dict[str, str]:
    return dict(re.findall(r'([\w-]+)="([^"]*)"', tag))


async def test_asset_image_is_kept_and_completed_on_output(client, db):
    asset = await add_asset_row(db, "kite.jpg", alt_text="A red kite", width=1600, height=900)
    token = await add_token(db, "editor")
    ada = await add_author(db, "Ada")
    body = (
        f'<p>Look:</p><img data-asset-id="{asset}" srcset="javascript:x 1x">'
        f'<img data-asset-id="{asset}" alt="Own words" width="800" loading="eager">'
        '<img src="https://elsewhere.example/a.png" width="10" height="20" sizes="10px" '
        'srcset="https://elsewhere.example/a2.png 2x" decoding="async" loading="lazy">'
    )
    given = {"title": "Kites", "body": body, "authorIds": [gid("Author", ada)]}
    saved = ok(await gql(client, CREATE, {"input": given}, headers=bearer(token)))["createArticle"]
    assert saved["__typename"] == "ArticleSaved", saved
    # The unsafe srcset is dropped (and reported); everything else is kept.
    assert [w["code"] for w in saved["warnings"]] == ["MARKUP_REMOVED"]
    assert "srcset" in saved["warnings"][0]["message"]

    read = await gql(client, BODY, {"slug": saved["article"]["slug"]}, headers=bearer(token))
    out = ok(read)["article"]["body"]
    first, second, external = (attrs(t) for t in img_tags(out))
    assert first["data-asset-id"] == str(asset)
    assert first["src"].endswith("/w1600-fcontain.jpg")
    assert first["srcset"].split(", ")[0].endswith("/w320-fcontain.jpg 320w")
    assert first["srcset"].split(", ")[-1].endswith("/w1600-fcontain.jpg 1600w")
    assert "1920w" not in first["srcset"]  # no rendition wider than the asset
    assert (first["width"], first["height"]) == ("1600", "900")
    assert first["sizes"] == "(max-width: 1600px) 100vw, 1600px"
    assert (first["loading"], first["decoding"], first["alt"]) == ("lazy", "async", "A red kite")
    # The body's own alt, display width and loading win; the height follows the aspect ratio.
    assert (second["alt"], second["width"], second["height"]) == ("Own words", "800", "450")
    assert (second["loading"], second["sizes"]) == ("eager", "(max-width: 800px) 100vw, 800px")
    # An external image keeps every responsive attribute it was written with.
    assert external == {
        "src": "https://elsewhere.example/a.png", "width": "10", "height": "20", "sizes": "10px",
        "srcset": "https://elsewhere.example/a2.png 2x", "decoding": "async", "loading": "lazy",
    }  # fmt: skip


async def test_unknown_asset_keeps_its_src_or_is_dropped(client, db):
    ada = await add_author(db, "Ada")
    body = (
        '<p>a</p><img data-asset-id="999999" src="https://elsewhere.example/kept.jpg" alt="k">'
        '<p>b</p><img data-asset-id="999998" alt="gone"><p>c</p>'
    )
    await add_article(db, "Missing", authors=[ada], slug="missing", body=body)
    out = ok(await gql(client, BODY, {"slug": "missing"}))["article"]["body"]
    assert out == (
        '<p>a</p><img data-asset-id="999999" src="https://elsewhere.example/kept.jpg" alt="k">'
        "<p>b</p><p>c</p>"
    )


async def test_small_asset_uses_its_original(client, db):
    asset = await add_asset_row(db, "tiny.png", mime_type="image/png", width=200, height=100)
    ada = await add_author(db, "Ada")
    await add_article(db, "Tiny", authors=[ada], slug="tiny", body=f'<img data-asset-id="{asset}">')
    out = ok(await gql(client, BODY, {"slug": "tiny"}))["article"]["body"]
    (tag,) = (attrs(t) for t in img_tags(out))
    assert tag["src"].endswith(".png") and "/media/r/" not in tag["src"]
    assert tag["srcset"] == f"{tag['src']} 200w"
    assert tag["alt"] == ""  # the asset has no alt text: an empty one, never a missing one


async def test_one_asset_load_per_response_for_1_or_20_articles(client, db):
    ada = await add_author(db, "Ada")
    for i in range(20):
        assets = [await add_asset_row(db, f"body-{i}-{k}.jpg") for k in range(3)]
        body = "".join(f'<p>{k}</p><img data-asset-id="{a}">' for k, a in enumerate(assets))
        await add_article(db, f"Gallery {i:02d}", authors=[ada], published_at=ago(minutes=i + 1),
                          body=body)  # fmt: skip
    counts = {}
    for n in (1, 20):
        result = await gql(client, BODIES, {"n": n})
        nodes = ok(result)["articles"]["nodes"]
        assert len(nodes) == n
        assert all(len(img_tags(node["body"])) == 3 for node in nodes)
        assert all("srcset=" in tag for node in nodes for tag in img_tags(node["body"]))
        counts[n] = result.statements
    assert counts[1] == counts[20], counts
    plain = await gql(client, "query($n: Int) { articles(first: $n) { nodes { title } } }",
                      {"n": 20})  # fmt: skip
    assert counts[20] == plain.statements + 1  # bodies come with the rows; ONE asset load


@pytest.mark.parametrize("fmt", ["xml", "atom"])
async def test_full_content_feeds_complete_asset_images(client, db, fmt):
    asset = await add_asset_row(db, "feed.jpg", alt_text="In the feed")
    ada = await add_author(db, "Ada")
    await add_article(db, "Fed", authors=[ada], body=f'<p>x</p><img data-asset-id="{asset}">')
    response = await client.get(f"/feed.{fmt}")
    assert response.status_code == 200
    text = response.text
    assert "w1600-fcontain.jpg 1600w" in text and "In the feed" in text
    assert 'loading="lazy"' in text or "loading=&quot;lazy&quot;" in text


async def test_an_asset_used_in_a_body_is_in_use(client, db):
    token = await add_token(db, "editor")
    ada = await add_author(db, "Ada")
    asset = await add_asset_row(db, "used.jpg")
    other = await add_asset_row(db, "unused.jpg")  # named by no body: deleted at once
    body = f'<p>x</p><img data-asset-id="{asset}">'
    article = await add_article(db, "Uses", authors=[ada], slug="uses", body=body,
                                feature_image_asset_id=asset)  # fmt: skip
    delete = """mutation($id: ID!, $force: Boolean!) { deleteMediaAsset(id: $id, force: $force) {
      __typename ... on MediaInUseError { usages { entityType id } }
      ... on MediaAssetDeleted { clearedUsages { entityType id } } } }"""
    usages = [{"entityType": "Article", "id": gid("Article", article)}]  # listed once
    for ident, force, expected in (
        (other, False, {"__typename": "MediaAssetDeleted", "clearedUsages": []}),
        (asset, False, {"__typename": "MediaInUseError", "usages": usages}),
        (asset, True, {"__typename": "MediaAssetDeleted", "clearedUsages": usages}),
    ):
        variables = {"id": gid("MediaAsset", ident), "force": force}
        answer = ok(await gql(client, delete, variables, headers=bearer(token)))
        assert answer["deleteMediaAsset"] == expected, ident
    out = ok(await gql(client, BODY, {"slug": "uses"}))["article"]["body"]
    assert out == "<p>x</p>"  # the image of the deleted asset had no src of its own

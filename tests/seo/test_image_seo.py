"""Library images in SEO: social cards and JSON-LD use the rendition nearest 1200 px with its
real size (URL images still work), the audit reports missing alt text and dimensions, and the
sitemap lists feature and body images as ``image:image``."""

from __future__ import annotations

import json

from lxml import etree

from tests.media_support import add_asset_row
from tests.seo_support import SEO
from tests.support import add_article, add_author, gql, ok

MODULE_SETTINGS = {"max_query_depth": 10, "max_query_cost": 1_000_000, "rate_limit_budget": 0}
ARTICLE = "query($s: String!) { article(slug: $s) { seo {" + SEO + "} } }"
AUTHOR = """query($s: String!) { author(slug: $s) { seo {
  openGraph { image { url alt width height } } twitter { image { url alt } } jsonLdScript } } }"""
AUDIT = "query($s: String!) { article(slug: $s) { seoAudit { code message } } }"
NS = {"s": "http://www.sitemaps.org/schemas/sitemap/0.9",
      "image": "http://www.google.com/schemas/sitemap-image/1.1"}  # fmt: skip
EXCERPT = "A description that is comfortably between fifty and one hundred sixty chars."


async def test_cards_and_json_ld_use_a_1200px_rendition_with_its_size(client, db):
    lead = await add_asset_row(db, "lead.jpg", alt_text="The lead", width=2000, height=1000)
    face = await add_asset_row(db, "face.jpg", alt_text="Ada's face", width=800, height=800)
    ada = await add_author(db, "Ada", avatar_asset_id=face)
    await add_article(db, "Pictured", authors=[ada], feature_image_asset_id=lead)
    seo = ok(await gql(client, ARTICLE, {"s": "pictured"}))["article"]["seo"]
    image = seo["openGraph"]["image"]
    # 1200 is one of the default widths; the height as the renderer makes it.
    assert image["url"].endswith("/w1200-fcontain.jpg") and image["url"].startswith("http")
    assert (image["width"], image["height"], image["alt"]) == (1200, 600, "The lead")
    assert seo["twitter"]["image"] == {"url": image["url"], "alt": "The lead"}
    article = next(n for n in seo["jsonLd"] if n["__typename"] == "JsonLdArticle")
    assert article["images"] == [
        {"url": image["url"], "width": 1200, "height": 600, "caption": "The lead"}
    ]
    # The author's avatar is smaller than 1200: its largest rendition (768), real size.
    script = json.loads(seo["jsonLdScript"])
    graph = script["@graph"] if isinstance(script, dict) and "@graph" in script else script
    text = json.dumps(graph)
    assert "/w768-fcontain.jpg" in text

    author = ok(await gql(client, AUTHOR, {"s": "ada"}))["author"]["seo"]
    avatar = author["openGraph"]["image"]
    assert avatar["url"].endswith("/w768-fcontain.jpg")
    assert (avatar["width"], avatar["height"], avatar["alt"]) == (768, 768, "Ada's face")
    assert avatar["url"] in author["jsonLdScript"]


async def test_url_images_and_small_assets(client, db):
    tiny = await add_asset_row(db, "tiny.png", mime_type="image/png", width=300, height=200)
    ada = await add_author(db, "Ada")
    await add_article(db, "Tiny", authors=[ada], feature_image_asset_id=tiny)
    await add_article(db, "Linked", authors=[ada], feature_image_url="https://cdn.example/a.jpg",
                      feature_image_width=1200, feature_image_height=630)  # fmt: skip
    tiny_og = ok(await gql(client, ARTICLE, {"s": "tiny"}))["article"]["seo"]["openGraph"]
    assert tiny_og["image"]["url"].endswith(".png") and "/media/r/" not in tiny_og["image"]["url"]
    assert (tiny_og["image"]["width"], tiny_og["image"]["height"]) == (300, 200)
    linked = ok(await gql(client, ARTICLE, {"s": "linked"}))["article"]["seo"]["openGraph"]
    assert linked["image"] == {
        "url": "https://cdn.example/a.jpg", "alt": None, "width": 1200, "height": 630
    }  # fmt: skip


async def test_audit_reports_alt_text_and_dimensions(client, db):
    described = await add_asset_row(db, "described.jpg", alt_text="Described")
    bare = await add_asset_row(db, "bare.jpg")
    ada = await add_author(db, "Ada")

    async def audit(title: str, **values) -> list[tuple[str, str]]:
        article = await add_article(db, title, authors=[ada], excerpt=EXCERPT + title, **values)
        data = ok(await gql(client, AUDIT, {"s": title.lower().replace(" ", "-")}))
        assert data["article"] is not None, article
        return [(f["code"], f["message"]) for f in data["article"]["seoAudit"]]

    assert await audit("Fine", feature_image_asset_id=described, body=(
        f'<img data-asset-id="{described}"><img data-asset-id="{bare}" alt="Own">'
        '<img src="https://x.example/a.png" alt="A" width="10" height="10">'
    )) == []  # fmt: skip
    assert await audit("Bare lead", feature_image_asset_id=bare) == [
        ("IMAGE_ALT_MISSING", "The feature image has no alternative text.")
    ]
    assert [c for c, _ in await audit("Unsized lead", feature_image_url="https://x.example/b.png",
                                      feature_image_alt="B")] == ["IMAGE_DIMENSIONS_MISSING"]  # fmt: skip
    found = await audit("Body problems", body=(
        f'<img data-asset-id="{bare}"><img src="https://x.example/c.png" alt="">'
        '<img src="https://x.example/d.png" alt="D" width="10">'
    ))  # fmt: skip
    assert found == [
        ("BODY_IMAGE_ALT_MISSING", "2 image(s) in the body have no alternative text."),
        (
            "IMAGE_DIMENSIONS_MISSING",
            "2 image(s) in the body have no width and height: use library images "
            "(data-asset-id) or give both.",
        ),
    ]


async def test_sitemap_lists_feature_and_body_images(client, db):
    lead = await add_asset_row(db, "s-lead.jpg", alt_text="Lead", width=2000, height=1000)
    inline = await add_asset_row(db, "s-inline.jpg", width=1000, height=500)
    ada = await add_author(db, "Ada")
    body = (
        f'<img data-asset-id="{inline}"><img data-asset-id="{lead}">'
        '<img data-asset-id="999999" src="https://x.example/gone.png">'
    )
    await add_article(db, "Mapped", authors=[ada], feature_image_asset_id=lead, body=body)
    await add_article(db, "Plain", authors=[ada], feature_image_url="https://cdn.example/p.jpg")
    response = await client.get("/sitemap.xml")
    assert response.status_code == 200
    assert b'xmlns:image="http://www.google.com/schemas/sitemap-image/1.1"' in response.content
    doc = etree.fromstring(response.content)

    def images(slug: str) -> list[str]:
        (url,) = doc.xpath(f"s:url[s:loc[contains(., '/{slug}')]]", namespaces=NS)
        return [str(u) for u in url.xpath("image:image/image:loc/text()", namespaces=NS)]

    mapped = images("mapped")
    assert len(mapped) == 2  # the lead once (feature image and body), the inline image
    assert mapped[0].startswith("http://") and mapped[0].endswith("/w1920-fcontain.jpg")
    assert mapped[1].endswith("/w768-fcontain.jpg")  # the largest allowed width up to 1000
    assert images("plain") == ["https://cdn.example/p.jpg"]

    query = "{ sitemap(first: 20) { nodes { loc images { url } } } }"
    nodes = ok(await gql(client, query))["sitemap"]["nodes"]
    (node,) = [n for n in nodes if n["loc"].endswith("/mapped")]
    assert [i["url"] for i in node["images"]] == mapped

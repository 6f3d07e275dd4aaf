"""The body image rewriter on its own: parsing, escaping, display sizes, the reference text."""

from __future__ import annotations

from types import SimpleNamespace

from resolvers.content.sanitize import sanitize_html
from resolvers.media.html import asset_ids, body_reference, expand_bodies, expand_images
from resolvers.media.urls import DEFAULT_WIDTHS, MediaUrls

URLS = MediaUrls("https://cdn.example", DEFAULT_WIDTHS)


def asset(ident: int = 7, **values: object) -> SimpleNamespace:
    row = {"id": ident, "content_hash": "a" * 64, "mime_type": "image/jpeg", "width": 1000,
           "height": 500, "alt_text": 'Say "hi" <b>&</b>', "focal_x": 0.5, "focal_y": 0.5}  # fmt: skip
    return SimpleNamespace(**{**row, **values})


def test_asset_ids_come_from_img_tags_only_in_order():
    body = (
        '<p data-asset-id="1">x</p><IMG alt="a" data-asset-id="3"><img data-asset-id="2">'
        '<img data-asset-id="3"><img data-asset-id="0"><img data-asset-id="x1">'
    )
    assert asset_ids(body) == [3, 2]
    assert asset_ids(None) == [] and asset_ids("<p>no images</p>") == []


def test_alt_text_is_escaped_and_the_bodys_own_survives_as_written():
    stored = sanitize_html('<img data-asset-id="7"><img data-asset-id="7" alt="Ours &amp; &quot;">')
    out = expand_images(stored, {7: asset()}, URLS)
    assert 'alt="Say &quot;hi&quot; &lt;b&gt;&amp;&lt;/b&gt;"' in out
    assert 'alt="Ours &amp; &quot;"' in out
    assert sanitize_html(out) == out  # the completed markup passes the sanitiser unchanged


def test_display_height_follows_the_aspect_ratio():
    out = expand_images('<img data-asset-id="7" height="100">', {7: asset()}, URLS)
    assert 'width="200" height="100"' in out and 'sizes="(max-width: 200px) 100vw, 200px"' in out
    assert 'src="https://cdn.example/media/r/' + "a" * 64 + '/w768-fcontain.jpg"' in out


def test_a_reference_names_one_asset_exactly():
    body = sanitize_html('<img data-asset-id="10"><img data-asset-id="1">')
    assert body.count(body_reference(1)) == 1 and body.count(body_reference(10)) == 1
    assert body_reference(1) not in sanitize_html('<img data-asset-id="12">')


def test_a_quoted_angle_bracket_does_not_end_the_tag():
    out = expand_images('<img data-asset-id="7" title="a > b"><p>after</p>', {7: asset()}, URLS)
    assert out.startswith('<img data-asset-id="7" title="a > b" src=') and out.endswith(
        'alt="Say &quot;hi&quot; &lt;b&gt;&amp;&lt;/b&gt;"><p>after</p>'
    )


async def test_bodies_without_assets_load_nothing_and_never_ask_for_urls():
    asked: list[str] = []

    async def load(ids: list[int]) -> list[object]:
        asked.append(f"load {ids}")
        return [asset(i) for i in ids]

    def urls() -> MediaUrls:
        asked.append("urls")
        return URLS

    plain = ["<p>no images</p>", ""]
    assert await expand_bodies(plain, load, urls) == plain
    assert asked == []  # a request's URL builder reads its base URL: not for these

    out = await expand_bodies(['<img data-asset-id="7">', "<p>x</p>"], load, urls)
    assert asked == ["load [7]", "urls"]  # one load, the URLs once, for all the bodies
    assert 'src="https://cdn.example/media/r/' in out[0] and out[1] == "<p>x</p>"
    # A ready MediaUrls is used as it is.
    assert await expand_bodies(['<img data-asset-id="7">'], load, URLS) == out[:1]

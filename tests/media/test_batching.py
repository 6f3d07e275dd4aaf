"""N+1 guard for images of the media library: one statement loads every asset of a page."""

from __future__ import annotations

from tests.media_support import add_asset_row
from tests.support import add_article, add_author, ago, gql, ok

LIST = """query($n: Int) { articles(first: $n) { nodes {
  featureImage { url alt width height placeholder srcSet(format: WEBP) small: url(width: 320) }
  author { avatar { url width } }
} } }"""


async def test_asset_images_statement_count_is_constant(client, db):
    authors = []
    for i in range(20):
        avatar = await add_asset_row(db, f"avatar-{i}.jpg")
        authors.append(await add_author(db, f"Painter {i:02d}", avatar_asset_id=avatar))
    for i in range(20):
        asset = await add_asset_row(db, f"lead-{i}.jpg", alt_text=f"Lead {i}")
        await add_article(
            db, f"Pictured {i:02d}", authors=[authors[i]], published_at=ago(minutes=i + 1),
            feature_image_asset_id=asset,
        )  # fmt: skip
    counts = {}
    for n in (1, 20):
        result = await gql(client, LIST, {"n": n})
        nodes = ok(result)["articles"]["nodes"]
        assert len(nodes) == n
        assert all(node["featureImage"]["width"] == 1600 for node in nodes)
        assert all(node["author"]["avatar"]["width"] == 1600 for node in nodes)
        assert nodes[0]["featureImage"]["alt"] == "Lead 0"
        counts[n] = result.statements
    assert counts[1] == counts[20], counts

"""N+1 guard: a list with its full `seo` (and translations, audit, paths) selected runs the same
number of SQL statements for 1, 20 and 100 articles."""

from __future__ import annotations

import pytest

from tests.seo_support import SEO
from tests.support import add_article, add_author, add_seo, add_term, gql, ok

# These tests select every SEO field at once, including the typed JSON-LD tree
# (jsonLd > publisher > logo > url), which nests deeper and costs more than the default query
# limits allow (depth 6, cost 5000). Front ends render `jsonLdScript` instead; the limits
# themselves are tested in test_limits.py.
MODULE_SETTINGS = {"max_query_depth": 10, "max_query_cost": 1_000_000, "rate_limit_budget": 0}

QUERY = (
    """query($n: Int!) {
  articles(first: $n, filter: {categorySlug: "main"}) {
    nodes {
      path url
      translations { slug url seo { alternates { hreflang url } } }
      seoAudit { code severity message }
      seo {"""
    + SEO
    + """}
    }
  }
}"""
)


async def _many(db, n: int) -> None:
    main = await add_term(db, "category", "Main")
    tag = await add_term(db, "tag", "Everything")
    for i in range(n):
        author = await add_author(db, f"Writer {i}", twitter=f"w{i}", website="https://w.example")
        article = await add_article(
            db,
            f"Story number {i}",
            authors=[author],
            categories=[main],
            tags=[tag],
            excerpt=None,  # the description falls back to the body: one more relation
            feature_image_url=f"https://cdn.example/{i}.jpg",
            translation_group=f"group-{i}",
        )
        await add_seo(db, "article", article, og_title=f"Story {i}")
        await add_article(
            db,
            f"Geschichte {i}",
            slug=f"geschichte-{i}",
            locale="de",
            authors=[author],
            translation_group=f"group-{i}",
        )


@pytest.mark.parametrize("settings_overrides", [{}, {"article_path": "/{category}/{slug}"}])
async def test_statement_count_is_constant_with_full_seo(client, db, settings_overrides):
    await _many(db, 100)
    counts = {}
    for n in (1, 20, 100):
        result = await gql(client, QUERY, {"n": n})
        nodes = ok(result)["articles"]["nodes"]
        assert len(nodes) == n
        assert all(len(node["seo"]["alternates"]) == 3 for node in nodes)  # en, de, x-default
        assert all(node["translations"][0]["seo"]["alternates"] for node in nodes)
        counts[n] = result.statements
    assert counts[1] == counts[20] == counts[100], counts
    # a bound, so a new relation that is loaded per item (or not batched) shows up here
    assert counts[100] <= 11, counts

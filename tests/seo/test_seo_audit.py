"""SEO audit: each finding on Article.seoAudit, and the editors' seoReport."""

from __future__ import annotations

from resolvers.pagination import PageArgs
from resolvers.seo import audit
from tests.auth_support import add_token, bearer
from tests.seo_support import EDITOR, SITE, add_redirect, editor_loaders
from tests.support import add_article, add_author, add_seo, gql, ok

GOOD_EXCERPT = "A description that is comfortably between fifty and one hundred sixty chars."
AUDIT = """query($s: String!) { article(slug: $s) { seoAudit { code severity message } } }"""


async def codes(client, slug: str) -> list[str]:
    data = ok(await gql(client, AUDIT, {"s": slug}))
    assert data["article"] is not None, slug
    return [f["code"] for f in data["article"]["seoAudit"]]


async def test_each_finding(client, db):
    a = await add_author(db, "Ada")

    async def article(title: str, **values) -> int:
        values.setdefault("excerpt", f"{GOOD_EXCERPT} {values.get('slug') or title}")
        return await add_article(db, title, authors=[a], **values)

    await article("Clean")
    await article("A headline that is far too long for any results page")  # 53 + 15 > 60
    await article("", slug="untitled")
    await article("Nothing to say", excerpt="", body="")
    await article("Terse", excerpt="Too short.")
    verbose = await article("Verbose")
    await add_seo(db, "article", verbose, meta_description="x" * 170)
    await article("Twin", slug="twin-1")
    await article("Twin", slug="twin-2")
    await article(
        "Echo one", excerpt="The very same excerpt that two published articles share here."
    )
    await article(
        "Echo two", excerpt="The very same excerpt that two published articles share here."
    )
    await article("No alt", feature_image_url="https://cdn.example/x.png", feature_image_alt=" ",
                  feature_image_width=800, feature_image_height=600)  # fmt: skip
    elsewhere = await article("Copied")
    await add_seo(db, "article", elsewhere, canonical_url="https://origin.example/a")
    hidden = await article("Hidden")
    await add_seo(db, "article", hidden, robots_index=False)
    bad_json = await article("Bad JSON")
    await add_seo(db, "article", bad_json, json_ld="[1, 2")
    await article("Shadowed")
    await add_redirect(db, "/articles/shadowed", "/articles/clean")
    await article("Target")
    await add_redirect(db, "/first", "/second")
    await add_redirect(db, "/second", "/articles/target")
    await add_redirect(db, "/direct", "/articles/target")
    for slug in ("12345", "Upper-Case", "under_score", "schlüssel", "double--hyphen"):
        await article(f"Slug {slug}", slug=slug)

    assert await codes(client, "clean") == []
    assert await codes(client, "a-headline-that-is-far-too-long-for-any-results-page") == [
        "TITLE_TOO_LONG"
    ]
    assert await codes(client, "untitled") == ["TITLE_MISSING"]
    assert await codes(client, "nothing-to-say") == ["DESCRIPTION_MISSING"]
    assert await codes(client, "terse") == ["DESCRIPTION_TOO_SHORT"]
    assert await codes(client, "verbose") == ["DESCRIPTION_TOO_LONG"]
    assert await codes(client, "twin-1") == ["DUPLICATE_TITLE"]
    assert await codes(client, "twin-2") == ["DUPLICATE_TITLE"]
    assert await codes(client, "echo-one") == ["DUPLICATE_DESCRIPTION"]
    assert await codes(client, "no-alt") == ["IMAGE_ALT_MISSING"]
    assert await codes(client, "copied") == ["CANONICAL_ELSEWHERE"]
    assert await codes(client, "hidden") == ["NOINDEX_PUBLISHED"]
    assert await codes(client, "bad-json") == ["JSON_LD_INVALID"]
    assert await codes(client, "shadowed") == ["PATH_REDIRECTED"]
    assert await codes(client, "target") == ["REDIRECT_CHAIN"]
    for slug in ("12345", "Upper-Case", "under_score", "schlüssel", "double--hyphen"):
        assert await codes(client, slug) == ["SLUG_NOT_SPEAKING"], slug

    data = ok(await gql(client, AUDIT, {"s": "target"}))
    finding = data["article"]["seoAudit"][0]
    assert finding["severity"] == "WARNING"
    assert "/first -> /second -> /articles/target" in finding["message"]


async def test_seo_report_is_for_editors(client, db):
    a = await add_author(db, "Ada")
    await add_article(db, "Terse", authors=[a], excerpt="Short.")
    await add_article(db, "Fine", authors=[a], excerpt=GOOD_EXCERPT)
    query = "{ seoReport { totalCount nodes { article { slug } findings { code severity } } } }"
    result = await gql(client, query)
    assert result.codes == ["FORBIDDEN"]
    assert result.data is None
    author = bearer(await add_token(db, "author", author_id=a))
    assert (await gql(client, query, headers=author)).codes == ["FORBIDDEN"]
    editor = bearer(await add_token(db, "editor"))
    assert ok(await gql(client, query, headers=editor))["seoReport"] == {
        "totalCount": 1,
        "nodes": [
            {
                "article": {"slug": "terse"},
                "findings": [{"code": "DESCRIPTION_TOO_SHORT", "severity": "WARNING"}],
            }
        ],
    }


async def test_seo_report_pages_through_findings(db):
    a = await add_author(db, "Ada")
    expected = []
    for i in range(7):
        # every third article is clean; the others have a short description (WARNING)
        excerpt = GOOD_EXCERPT + f" {i}" if i % 3 == 0 else f"Short {i}."
        expected += [] if i % 3 == 0 else [f"article-{i}"]
        await add_article(db, f"Article {i}", authors=[a], excerpt=excerpt)
    await add_article(
        db, "Draft one", authors=[a], status="draft", excerpt="", body=""
    )  # editors see it
    expected.append("draft-one")
    loaders = editor_loaders(db)

    async def page(cursor, minimum="INFO", size=3):
        return await audit.report_page(
            db, SITE, loaders, EDITOR, loaders.now, PageArgs(size, cursor, False), minimum
        )

    seen, cursor = [], None
    while True:
        result = await page(cursor)
        assert len(result.rows) <= 3
        seen += [row.slug for row, _ in result.rows]
        if not result.has_next_page:
            break
        cursor = result.cursors[-1]
    assert seen == expected
    errors = await page(None, "ERROR", 10)
    assert [(row.slug, [f.code for f in found]) for row, found in errors.rows] == [
        ("draft-one", ["DESCRIPTION_MISSING"])
    ]
    assert await audit.report_count(db, SITE, loaders, EDITOR, loaders.now, "WARNING") == len(
        expected
    )

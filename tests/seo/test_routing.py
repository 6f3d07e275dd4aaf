"""route(path): content, canonical redirects, stored redirects and chains, Gone, NotFound."""

from __future__ import annotations

import pytest

from resolvers.pagination import page_args
from resolvers.seo import routing
from tests.seo_support import EDITOR, SITE, add_redirect
from tests.support import add_article, add_author, add_term, ahead, gql, ok

ROUTE = """query($p: String!) { route(path: $p) {
  __typename
  ... on Article { slug locale title }
  ... on Author { slug }
  ... on Category { slug }
  ... on Tag { slug }
  ... on Site { name seo { title } }
  ... on Redirect { location url statusCode isPermanent reason }
  ... on Gone { path statusCode }
  ... on NotFound { path statusCode }
} }"""


async def route(client, path: str) -> dict:
    return ok(await gql(client, ROUTE, {"p": path}))["route"]


def redirect(location: str, status: int = 301, reason: str = "CANONICAL") -> dict:
    url = location if location.startswith("http") else "https://news.example.com" + location
    return {
        "__typename": "Redirect",
        "location": location,
        "url": url,
        "statusCode": status,
        "isPermanent": status in (301, 308),
        "reason": reason,
    }


@pytest.fixture
async def content(db):
    author = await add_author(db, "Jörg Müller")
    science = await add_term(db, "category", "Science")
    await add_term(db, "tag", "Space")
    await add_article(db, "Hello", authors=[author], categories=[science])
    await add_article(db, "Schlüsselelement", authors=[author])
    await add_article(db, "Start", slug="start", locale="de", authors=[author])
    await add_article(db, "Secret draft", authors=[author], status="draft")
    await add_article(db, "Coming soon", authors=[author], published_at=ahead(days=1))
    return author


async def test_canonical_paths_answer_content(client, content):
    assert await route(client, "/articles/hello") == {
        "__typename": "Article",
        "slug": "hello",
        "locale": "en",
        "title": "Hello",
    }
    assert (await route(client, "/de/articles/start"))["locale"] == "de"
    assert await route(client, "/authors/joerg-mueller") == {
        "__typename": "Author",
        "slug": "joerg-mueller",
    }
    assert (await route(client, "/categories/science"))["__typename"] == "Category"
    assert (await route(client, "/tags/space"))["__typename"] == "Tag"
    home = await route(client, "/")
    assert home == {"__typename": "Site", "name": "Example News", "seo": {"title": "Example News"}}


async def test_query_string_and_fragment_are_ignored(client, content):
    for path in ("/articles/hello?utm_source=x", "https://news.example.com/articles/hello#top"):
        assert (await route(client, path))["__typename"] == "Article", path


@pytest.mark.parametrize(
    ("path", "canonical"),
    [
        ("/articles/hello/", "/articles/hello"),
        ("/Articles/HELLO", "/articles/hello"),
        ("//articles///hello", "/articles/hello"),
        ("/articles/./hello", "/articles/hello"),
        ("/articles/hel%6Co", "/articles/hello"),
        ("/articles/Schl%C3%BCsselelement", "/articles/schluesselelement"),
        ("/articles/schlüsselelement", "/articles/schluesselelement"),
        ("/DE/articles/Start/", "/de/articles/start"),
        ("/en/articles/hello", "/articles/hello"),
        ("/authors/J%C3%B6rg-M%C3%BCller", "/authors/joerg-mueller"),
        ("/tags/Space/", "/tags/space"),
        ("//", "/"),
    ],
)
async def test_non_canonical_spellings_redirect_permanently(client, content, path, canonical):
    assert await route(client, path) == redirect(canonical)


async def test_drafts_and_scheduled_are_not_found_for_anonymous_viewers(client, db, content):
    for path in ("/articles/secret-draft", "/articles/coming-soon", "/articles/Secret-Draft/"):
        assert (await route(client, path))["__typename"] == "NotFound", path
    # an editor sees them
    answer = await routing.resolve_route(db, SITE, EDITOR, ahead(), "/articles/secret-draft")
    assert (answer.kind, answer.row.slug) == ("article", "secret-draft")


async def test_unknown_paths_are_not_found(client, content):
    assert await route(client, "/nothing/here/") == {
        "__typename": "NotFound",
        "path": "/nothing/here",
        "statusCode": 404,
    }
    assert (await route(client, "/articles/"))["__typename"] == "NotFound"


async def test_old_slug_redirects(client, db, content):
    await add_redirect(db, "/articles/old-hello", "/articles/hello")
    expected = redirect("/articles/hello", 301, "STORED")
    assert await route(client, "/articles/old-hello") == expected
    assert await route(client, "/Articles/Old-Hello/?ref=1") == expected  # normalised first


async def test_chains_collapse_to_one_hop(client, db, content):
    await add_redirect(db, "/a", "/b")
    await add_redirect(db, "/b", "/articles/hello")
    assert await route(client, "/a") == redirect("/articles/hello", 301, "STORED")
    # a temporary hop makes the whole answer temporary (of the same method family)
    await add_redirect(db, "/c", "/d", 301)
    await add_redirect(db, "/d", "/e", 302)
    assert await route(client, "/c") == redirect("/e", 302, "STORED")
    await add_redirect(db, "/f", "/g", 308)
    await add_redirect(db, "/g", "/h", 307)
    assert await route(client, "/f") == redirect("/h", 307, "STORED")
    await add_redirect(db, "/go", "https://other.example/x", 302)
    assert await route(client, "/go") == redirect("https://other.example/x", 302, "STORED")


async def test_deleted_content_is_gone(client, db, content):
    await add_redirect(db, "/articles/removed", None, 410)
    await add_redirect(db, "/old-removed", "/articles/removed", 301)
    gone = {"__typename": "Gone", "path": "/articles/removed", "statusCode": 410}
    assert await route(client, "/articles/removed") == gone
    assert (await route(client, "/old-removed"))["__typename"] == "Gone"


async def test_redirect_loops_are_not_followed_forever(client, db, content):
    await add_redirect(db, "/x", "/y")
    await add_redirect(db, "/y", "/x")
    assert (await route(client, "/x"))["__typename"] == "NotFound"
    # a chain longer than the hop limit ends where the limit is reached
    for i in range(12):
        await add_redirect(db, f"/long-{i}", f"/long-{i + 1}")
    answer = await route(client, "/long-0")
    assert answer["__typename"] == "Redirect"
    assert answer["location"] == f"/long-{routing.MAX_HOPS}"


async def test_live_content_wins_over_a_stale_redirect(client, db, content):
    await add_redirect(db, "/articles/hello", "/elsewhere")
    assert (await route(client, "/articles/hello"))["__typename"] == "Article"


async def test_control_characters_and_bad_encodings_are_not_found(client, content):
    for path in ("/articles/hel%00lo", "/articles/a\x01b", "/articles/%FF%FE"):
        assert (await route(client, path))["__typename"] == "NotFound", path


async def test_overlong_paths_are_refused(client):
    result = await gql(client, ROUTE, {"p": "/" + "a" * 3000})
    assert result.codes == ["BAD_USER_INPUT"]
    assert result.data is None


@pytest.mark.parametrize("settings_overrides", [{"article_path": "/{category}/{slug}"}])
async def test_category_pattern_routes(client, db, content):
    assert (await route(client, "/science/hello"))["__typename"] == "Article"
    # a stale or wrong category segment answers the canonical path
    assert await route(client, "/culture/hello") == redirect("/science/hello")
    assert await route(client, "/uncategorized/schluesselelement") == {
        "__typename": "Article",
        "slug": "schluesselelement",
        "locale": "en",
        "title": "Schlüsselelement",
    }
    # the literal /authors/ pattern is more specific than /{category}/{slug}
    assert (await route(client, "/authors/joerg-mueller"))["__typename"] == "Author"
    assert (await route(client, "/de/science/start"))["__typename"] == "Redirect"


async def test_redirects_are_for_editors_only(client, db, content):
    await add_redirect(db, "/articles/old", "/articles/hello")
    for query in ('{ redirect(path: "/articles/old") { toPath } }', "{ redirects { totalCount } }"):
        result = await gql(client, query)
        assert result.codes == ["FORBIDDEN"], query
        assert result.data in (None, {"redirect": None})


async def test_redirect_reads_for_editors(db):
    for i in range(5):
        await add_redirect(db, f"/r-{i}", f"/t-{i}", 301 if i % 2 else 302)
    await add_redirect(db, "/deleted", None, 410)
    row = await routing.get_redirect(db, "/R-3/")
    assert (row.from_path, row.to_path, row.status_code) == ("/r-3", "/t-3", 301)
    assert await routing.get_redirect(db, "/missing") is None
    first, count = await routing.list_redirects(
        db, page_args(4, None, None, None, default=10, maximum=100)
    )
    assert [r.from_path for r in first.rows] == ["/deleted", "/r-0", "/r-1", "/r-2"]
    assert first.has_next_page and await count() == 6
    rest, _ = await routing.list_redirects(
        db, page_args(4, first.cursors[-1], None, None, default=10, maximum=100)
    )
    assert [r.from_path for r in rest.rows] == ["/r-3", "/r-4"]
    assert not rest.has_next_page and rest.has_previous_page


async def test_editors_see_drafts_and_redirects_over_graphql(client, db, content):
    from tests.auth_support import add_token, bearer

    editor = bearer(await add_token(db, "editor"))
    author = bearer(await add_token(db, "author", author_id=content))
    await add_redirect(db, "/articles/old", "/articles/hello")
    await add_redirect(db, "/articles/older", None, 410)
    draft = await gql(client, ROUTE, {"p": "/articles/secret-draft"}, headers=editor)
    assert ok(draft)["route"]["__typename"] == "Article"
    query = """{ redirect(path: "/Articles/Old/") { fromPath toPath statusCode isPermanent }
      redirects(first: 1) { totalCount pageInfo { hasNextPage } nodes { fromPath } } }"""
    data = ok(await gql(client, query, headers=editor))
    assert data["redirect"] == {
        "fromPath": "/articles/old",
        "toPath": "/articles/hello",
        "statusCode": 301,
        "isPermanent": True,
    }
    assert data["redirects"] == {
        "totalCount": 2,
        "pageInfo": {"hasNextPage": True},
        "nodes": [{"fromPath": "/articles/old"}],
    }
    refused = await gql(client, "{ redirects { totalCount } }", headers=author)
    assert refused.codes == ["FORBIDDEN"]


async def test_preview_token_routes_exactly_one_draft(client, db, content):
    from tests.auth_support import add_token, bearer

    editor = bearer(await add_token(db, "editor"))
    drafts = await gql(
        client, '{ articles(filter: {search: "draft"}) { nodes { id slug } } }', headers=editor
    )
    draft_id = ok(drafts)["articles"]["nodes"][0]["id"]
    created = await gql(
        client,
        """mutation($input: CreatePreviewTokenInput!) { createPreviewToken(input: $input) {
          ... on PreviewTokenCreated { token } } }""",
        {"input": {"articleId": draft_id, "expiresIn": 600}},
        headers=editor,
    )
    token = ok(created)["createPreviewToken"]["token"]
    query = """query($p: String!, $t: String) { route(path: $p, previewToken: $t) {
      __typename ... on Article { slug status } } }"""
    shown = await gql(client, query, {"p": "/articles/secret-draft", "t": token})
    assert ok(shown)["route"] == {
        "__typename": "Article",
        "slug": "secret-draft",
        "status": "DRAFT",
    }
    assert shown.response.headers["cache-control"] == "private, no-store"
    other = await gql(client, query, {"p": "/articles/coming-soon", "t": token})
    assert ok(other)["route"]["__typename"] == "NotFound"  # the token opens one article only
    forged = await gql(client, query, {"p": "/articles/secret-draft", "t": "x.y.z"})
    assert forged.codes == ["UNAUTHENTICATED"]


@pytest.mark.parametrize("settings_overrides", [{"article_path": "/{category}/{slug}"}])
async def test_slug_change_under_category_pattern_redirects(client, db, content):
    from tests.auth_support import add_token, bearer

    editor = bearer(await add_token(db, "editor"))
    data = ok(await gql(client, '{ article(slug: "hello") { id version } }'))["article"]
    update = """mutation($input: UpdateArticleInput!) { updateArticle(input: $input) {
      __typename ... on ArticleSaved { article { path } } } }"""
    saved = await gql(
        client,
        update,
        {"input": {"id": data["id"], "expectedVersion": data["version"], "slug": "hello-world"}},
        headers=editor,
    )
    assert ok(saved)["updateArticle"] == {
        "__typename": "ArticleSaved",
        "article": {"path": "/science/hello-world"},
    }
    assert await route(client, "/science/hello") == redirect("/science/hello-world", 301, "STORED")

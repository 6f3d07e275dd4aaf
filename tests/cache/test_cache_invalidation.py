"""Every write path invalidates what it must, through real mutations, on both cache backends:
entities, lists, negative lookups, slug renames, the scheduled boundary, several instances
sharing Redis, in-flight reads racing a write; and the cache never serves a draft or preview."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import orjson
import pytest

from gateway.app import create_app
from gateway.cache.backends import CachedResponse
from gateway.cache.documents import sha256_hex
from tests.auth_support import add_token, bearer, gid
from tests.cache_support import backend_settings, cache_status, get
from tests.event_support import receiver
from tests.live_server import lifespan
from tests.support import add_article, add_author, add_term, ago, gql, ok

ARTICLE = "query One($slug: String!) { article(slug: $slug) { title author { name } } }"
HOME = "{ articles { nodes { slug } } }"
BY_AUTHOR = 'query { author(slug: "ada-lovelace") { articles { nodes { slug } } } }'
SAVED = "__typename ... on ArticleSaved { article { databaseId version } }"
MUTATIONS = {
    "create": f"mutation($input: CreateArticleInput!) {{ createArticle(input: $input) {{ {SAVED} }} }}",
    "update": f"mutation($input: UpdateArticleInput!) {{ updateArticle(input: $input) {{ {SAVED} }} }}",
    "publish": f"mutation($input: PublishArticleInput!) {{ publishArticle(input: $input) {{ {SAVED} }} }}",
    "unpublish": f"mutation($input: ArticleRefInput!) {{ unpublishArticle(input: $input) {{ {SAVED} }} }}",
    "delete": "mutation($input: ArticleRefInput!) { deleteArticle(input: $input) { __typename } }",
    "author": "mutation($input: UpdateAuthorInput!) { updateAuthor(input: $input) { __typename } }",
    "tag": "mutation($input: UpdateTermInput!) { updateTag(input: $input) { __typename } }",
    "preview": """mutation($input: CreatePreviewTokenInput!) { createPreviewToken(input: $input) {
        __typename ... on PreviewTokenCreated { token } } }""",
    "redirect": "mutation($input: CreateRedirectInput!) { createRedirect(input: $input) { __typename } }",
}
ROUTE = """query($p: String!) { route(path: $p) { __typename
  ... on Article { title } ... on Redirect { location } ... on NotFound { path } } }"""


@pytest.fixture(params=["memory", "redis"])
def cache_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings_overrides(cache_backend: str, request: pytest.FixtureRequest):
    return backend_settings(cache_backend, request)


@pytest.fixture
async def app(settings):
    """The Starlette app itself (tests reach ``app.state.cache``), served with its lifespan."""
    application = create_app(settings)
    async with lifespan(application):
        yield application


@pytest.fixture
async def content(db):
    ada = await add_author(db, "Ada Lovelace")
    bob = await add_author(db, "Bob Babbage")
    science = await add_term(db, "category", "Science")
    maths = await add_term(db, "tag", "maths")
    a = await add_article(db, "Engines", authors=[ada], categories=[science], tags=[maths])
    b = await add_article(db, "Looms", authors=[bob], published_at=ago(hours=2))
    editor = bearer(await add_token(db, "editor", name="desk"))
    return {
        "ada": ada,
        "bob": bob,
        "science": science,
        "maths": maths,
        "a": a,
        "b": b,
        "editor": editor,
    }


async def mutate(
    client: httpx.AsyncClient, content: dict[str, Any], mutation: str, **input_: Any
) -> Any:
    result = await gql(client, MUTATIONS[mutation], {"input": input_}, headers=content["editor"])
    payload = next(iter(ok(result).values()))
    assert not payload["__typename"].endswith("Error"), payload
    assert result.response.headers["cache-control"] == "private, no-store"
    return payload


def slugs(response: httpx.Response, *path: str) -> list[str]:
    data = response.json()["data"]
    for step in path:
        data = data[step]
    return [n["slug"] for n in data["nodes"]]


async def test_article_update_purges_exactly_its_responses(client, content):
    for slug in ("engines", "looms"):
        await get(client, ARTICLE, {"slug": slug})
    await get(client, HOME)
    assert cache_status(await get(client, ARTICLE, {"slug": "engines"})) == "hit"

    await mutate(
        client, content, "update", id=gid("Article", content["a"]), expectedVersion=1,
        title="Analytical Engines",
    )  # fmt: skip
    fresh = await get(client, ARTICLE, {"slug": "engines"})
    assert cache_status(fresh) == "miss"
    assert fresh.json()["data"]["article"]["title"] == "Analytical Engines"
    assert cache_status(await get(client, ARTICLE, {"slug": "looms"})) == "hit"
    assert cache_status(await get(client, HOME)) == "miss"  # list:article


async def test_author_and_tag_updates_purge_responses_that_show_them(client, content):
    with_tags = 'query { article(slug: "engines") { tags { name } } }'
    await get(client, ARTICLE, {"slug": "engines"})
    await get(client, ARTICLE, {"slug": "looms"})
    await get(client, with_tags)
    await mutate(
        client, content, "author", id=gid("Author", content["ada"]), expectedVersion=1,
        name="Augusta Ada King",
    )  # fmt: skip
    fresh = await get(client, ARTICLE, {"slug": "engines"})
    assert fresh.json()["data"]["article"]["author"]["name"] == "Augusta Ada King"
    assert cache_status(await get(client, ARTICLE, {"slug": "looms"})) == "hit"
    assert cache_status(await get(client, with_tags)) == "hit"

    await mutate(client, content, "tag", id=gid("Tag", content["maths"]), name="Mathematics")
    tags = await get(client, with_tags)
    assert tags.json()["data"]["article"]["tags"] == [{"name": "Mathematics"}]


async def test_publishing_a_draft_purges_cached_not_found_and_lists(client, content):
    created = await mutate(
        client, content, "create", title="Secret plan", body="<p>Plan.</p>",
        authorIds=[gid("Author", content["ada"])],
    )  # fmt: skip
    draft = created["article"]["databaseId"]
    for _ in range(2):
        missing = await get(client, ARTICLE, {"slug": "secret-plan"})
        assert missing.json()["data"]["article"] is None
        assert "secret-plan" not in slugs(await get(client, HOME), "articles")
        assert "secret-plan" not in slugs(await get(client, BY_AUTHOR), "author", "articles")
    assert cache_status(missing) == "hit"  # the null itself is cached...

    await mutate(client, content, "publish", id=gid("Article", draft))
    found = await get(client, ARTICLE, {"slug": "secret-plan"})  # ...and publishing purges it
    assert found.json()["data"]["article"]["title"] == "Secret plan"
    assert slugs(await get(client, HOME), "articles")[0] == "secret-plan"
    assert "secret-plan" in slugs(await get(client, BY_AUTHOR), "author", "articles")

    await mutate(client, content, "unpublish", id=gid("Article", draft))
    assert (await get(client, ARTICLE, {"slug": "secret-plan"})).json()["data"]["article"] is None
    assert "secret-plan" not in slugs(await get(client, HOME), "articles")


async def test_route_answers_are_purged_by_content_and_redirect_writes(client, content, db):
    draft = await add_article(db, "Coming soon", authors=[content["ada"]], status="draft")
    route = await get(client, ROUTE, {"p": "/articles/coming-soon"})
    assert route.json()["data"]["route"]["__typename"] == "NotFound"
    assert "path:/articles/coming-soon" in route.headers["surrogate-key"].split(" ")
    assert cache_status(await get(client, ROUTE, {"p": "/articles/coming-soon"})) == "hit"
    await mutate(client, content, "publish", id=gid("Article", draft))
    found = await get(client, ROUTE, {"p": "/articles/coming-soon"})
    assert found.json()["data"]["route"] == {"__typename": "Article", "title": "Coming soon"}

    old = await get(client, ROUTE, {"p": "/old-home"})
    assert old.json()["data"]["route"]["__typename"] == "NotFound"
    await mutate(client, content, "redirect", fromPath="/old-home", toPath="/articles/engines")
    moved = await get(client, ROUTE, {"p": "/old-home"})
    assert moved.json()["data"]["route"] == {
        "__typename": "Redirect",
        "location": "/articles/engines",
    }

    # A rename moves the article: its old path now redirects (a redirect the write recorded).
    await mutate(
        client, content, "update", id=gid("Article", content["a"]), expectedVersion=1,
        slug="steam-engines",
    )  # fmt: skip
    renamed = await get(client, ROUTE, {"p": "/articles/engines"})
    assert renamed.json()["data"]["route"] == {
        "__typename": "Redirect",
        "location": "/articles/steam-engines",
    }
    chained = await get(client, ROUTE, {"p": "/old-home"})  # was cached pointing at the old path
    assert chained.json()["data"]["route"]["location"] == "/articles/steam-engines"


async def test_slug_rename_and_delete_purge_old_and_new_lookups(client, content):
    await get(client, ARTICLE, {"slug": "engines"})
    assert (await get(client, ARTICLE, {"slug": "steam"})).json()["data"]["article"] is None
    await mutate(
        client, content, "update", id=gid("Article", content["a"]), expectedVersion=1,
        slug="steam",
    )  # fmt: skip
    assert (await get(client, ARTICLE, {"slug": "engines"})).json()["data"]["article"] is None
    renamed = await get(client, ARTICLE, {"slug": "steam"})
    assert renamed.json()["data"]["article"]["title"] == "Engines"

    in_category = '{ category(slug: "science") { articles { totalCount nodes { slug } } } }'
    assert (await get(client, in_category)).json()["data"]["category"]["articles"][
        "totalCount"
    ] == 1
    await mutate(client, content, "delete", id=gid("Article", content["a"]))
    assert (await get(client, ARTICLE, {"slug": "steam"})).json()["data"]["article"] is None
    category = await get(client, in_category)
    assert category.json()["data"]["category"]["articles"] == {"totalCount": 0, "nodes": []}


async def test_new_article_purges_lists_but_not_unrelated_lookups(client, content):
    in_category = '{ category(slug: "science") { articles { totalCount nodes { slug } } } }'
    bob = '{ author(slug: "bob-babbage") { name } }'
    for query in (HOME, in_category, bob):
        await get(client, query)
    created = await mutate(
        client, content, "create", title="Difference", body="<p>Engine.</p>",
        authorIds=[gid("Author", content["ada"])],
        categoryIds=[gid("Category", content["science"])],
    )  # fmt: skip
    assert cache_status(await get(client, HOME)) == "miss"  # a draft purges lists too...
    assert "difference" not in slugs(await get(client, HOME), "articles")  # ...but is not shown
    await mutate(client, content, "publish", id=gid("Article", created["article"]["databaseId"]))
    assert slugs(await get(client, HOME), "articles")[0] == "difference"
    category = await get(client, in_category)
    assert category.json()["data"]["category"]["articles"]["totalCount"] == 2
    assert cache_status(await get(client, bob)) == "hit"


async def test_scheduled_publication_caps_cache_lifetime(app, client, content, db):
    draft = await add_article(db, "Tomorrow today", authors=[content["ada"]], status="draft")
    # Within the configured lifetime (30 s), far enough for a loaded machine: the boundary is
    # crossed by the request clock below, not by waiting for it.
    publish_at = datetime.now(UTC) + timedelta(seconds=20)
    await mutate(
        client, content, "publish", id=gid("Article", draft), publishedAt=publish_at.isoformat()
    )
    listing = await get(client, HOME)
    assert "tomorrow-today" not in slugs(listing, "articles")
    control = listing.headers["cache-control"]
    assert int(control.split("max-age=")[1].split(",")[0]) <= 20  # not the configured 30
    assert control.endswith("stale-while-revalidate=0")
    assert cache_status(await get(client, HOME)) == "hit"  # cached, but only until then
    missing = await get(client, ARTICLE, {"slug": "tomorrow-today"})
    assert "max-age=30," not in missing.headers["cache-control"]  # the null is capped too
    # A response that does not depend on the clock keeps its full lifetime.
    author = await get(client, '{ author(slug: "ada-lovelace") { name } }')
    assert "max-age=30," in author.headers["cache-control"]

    # No write happens at the boundary: the cached list simply must not outlive it (a hit
    # checks the entry's end against the request clock, here pinned just past the boundary).
    app.state.clock = lambda: publish_at + timedelta(seconds=1)
    after = await get(client, HOME)
    assert cache_status(after) == "miss"
    assert slugs(after, "articles")[0] == "tomorrow-today"
    found = await get(client, ARTICLE, {"slug": "tomorrow-today"})
    assert found.json()["data"]["article"]["title"] == "Tomorrow today"


async def test_drafts_and_previews_never_enter_the_cache(client, content, db):
    draft = await add_article(db, "Hidden draft", authors=[content["ada"]], status="draft")
    as_editor = await get(client, ARTICLE, {"slug": "hidden-draft"}, content["editor"])
    assert as_editor.json()["data"]["article"]["title"] == "Hidden draft"
    assert as_editor.headers["cache-control"] == "private, no-store"
    assert cache_status(as_editor) == "bypass"
    editor_list = "{ articles { nodes { slug status } } }"
    assert "hidden-draft" in slugs(
        await get(client, editor_list, headers=content["editor"]), "articles"
    )

    token = (await mutate(client, content, "preview", articleId=gid("Article", draft)))["token"]
    preview = "query($s: String!, $t: String) { article(slug: $s, previewToken: $t) { title } }"
    for _ in range(2):
        seen = await get(client, preview, {"s": "hidden-draft", "t": token})
        assert seen.json()["data"]["article"]["title"] == "Hidden draft"
        assert seen.headers["cache-control"] == "private, no-store"
        assert "etag" not in seen.headers and "surrogate-key" not in seen.headers
        assert cache_status(seen) != "hit"
    for _ in range(2):
        anonymous = await get(client, preview, {"s": "hidden-draft", "t": None})
        assert anonymous.json()["data"]["article"] is None
        assert "hidden-draft" not in slugs(await get(client, editor_list), "articles")


async def test_in_flight_read_never_stores_data_a_write_replaced(app):
    backend = app.state.cache.backend
    entry = CachedResponse(b'{"data":{}}', '"e"', ("article:1",))
    _, since = await backend.lookup("k1")  # a request starts...
    await backend.invalidate({"article:1"})  # ...a write commits and invalidates...
    assert not await backend.store("k1", entry, 60, ("article:1",), since)  # ...it may not store
    assert (await backend.lookup("k1"))[0] is None
    assert await backend.store("k2", entry, 60, ("article:2",), since)  # other tags: fine
    _, now_seq = await backend.lookup("k1")
    assert await backend.store("k1", entry, 60, ("article:1",), now_seq)
    stored, _ = await backend.lookup("k1")
    assert stored is not None and stored.body == entry.body and stored.tags == entry.tags


@pytest.mark.parametrize("cache_backend", ["redis"], indirect=True)
async def test_two_instances_share_invalidations(client, content, settings):
    """Instances share a cache through Redis (the memory backend is one process's own)."""
    other_app = create_app(settings)
    async with lifespan(other_app):
        transport = httpx.ASGITransport(app=other_app)
        async with httpx.AsyncClient(transport=transport, base_url="http://other") as other:
            first = await get(client, ARTICLE, {"slug": "engines"})
            shared = await get(other, ARTICLE, {"slug": "engines"})
            assert cache_status(shared) == "hit"
            assert shared.content == first.content

            await mutate(
                other, content, "update", id=gid("Article", content["a"]), expectedVersion=1,
                title="Engines II",
            )  # fmt: skip
            seen = await get(client, ARTICLE, {"slug": "engines"})
            assert cache_status(seen) == "miss"
            assert seen.json()["data"]["article"]["title"] == "Engines II"
            assert cache_status(await get(other, ARTICLE, {"slug": "engines"})) == "hit"

            # APQ documents registered through one instance are known to the other.
            doc = "query Titles { articles { nodes { title } } }"
            ext = {"persistedQuery": {"version": 1, "sha256Hash": sha256_hex(doc)}}
            await client.post("/graphql", json={"query": doc, "extensions": ext})
            by_hash = await other.post("/graphql", json={"extensions": ext})
            assert by_hash.json()["data"]["articles"]["nodes"][0]["title"] == "Engines II"


@pytest.mark.parametrize("cache_backend", ["memory"], indirect=True)
async def test_cdn_purge_covers_the_tags_cached_responses_carry(db, content, settings):
    """CDNs are purged by the events outbox, off the request path: the keys it sends cover the
    Surrogate-Key tags of the responses a write made wrong, the type fallback included."""
    async with receiver() as cdn:
        purging = settings.model_copy(update={"events_purge_url": cdn.url, "events_worker": True})
        app = create_app(purging)
        async with lifespan(app):
            transport = httpx.ASGITransport(app=app)
            async with httpx.AsyncClient(transport=transport, base_url="http://cdn") as client:
                one = await get(client, ARTICLE, {"slug": "engines"})
                home = await get(client, HOME)
                await mutate(
                    client, content, "update", id=gid("Article", content["a"]),
                    expectedVersion=1, title="Engines, again",
                )  # fmt: skip
                [purge] = await cdn.wait_for(1)
    keys = set(orjson.loads(purge.body)["surrogateKeys"])
    assert f"article:{content['a']}" in one.headers["surrogate-key"].split(" ")
    assert {f"article:{content['a']}", "list:article", "skipped:article"} <= keys
    assert "list:article" in home.headers["surrogate-key"].split(" ")

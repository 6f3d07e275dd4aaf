"""Tag invalidation on both cache backends: entities, lists, negative lookups, the scheduled
boundary, several instances sharing Redis, and in-flight reads racing a write.

Writes are simulated the way a write path does them: change rows, commit, then hand the
change set to the cache (``cache.invalidate_changes``)."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from asgi_lifespan import LifespanManager

from gateway.app import create_app
from gateway.cache_backends import CachedResponse
from gateway.documents import sha256_hex
from resolvers.cache_tags import EntityChange
from tests.cache_support import backend_settings, cache_status, get, set_article, set_author
from tests.support import add_article, add_author, add_term, ago

ARTICLE = "query One($slug: String!) { article(slug: $slug) { title author { name } } }"
HOME = "{ articles { nodes { slug } } }"
BY_AUTHOR = 'query { author(slug: "ada-lovelace") { articles { nodes { slug } } } }'


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
    async with LifespanManager(application):
        yield application


@pytest.fixture
async def content(db):
    ada = await add_author(db, "Ada Lovelace")
    bob = await add_author(db, "Bob Babbage")
    science = await add_term(db, "category", "Science")
    a = await add_article(db, "Engines", authors=[ada], categories=[science])
    b = await add_article(db, "Looms", authors=[bob], published_at=ago(hours=2))
    return {"ada": ada, "bob": bob, "science": science, "a": a, "b": b}


def slugs(response: httpx.Response, *path: str) -> list[str]:
    data = response.json()["data"]
    for step in path:
        data = data[step]
    return [n["slug"] for n in data["nodes"]]


async def test_entity_change_purges_exactly_its_responses(app, client, db, content):
    for slug in ("engines", "looms"):
        await get(client, ARTICLE, {"slug": slug})
    await get(client, HOME)
    await set_article(db, content["a"], title="Analytical Engines")
    stale = await get(client, ARTICLE, {"slug": "engines"})
    assert cache_status(stale) == "hit"  # nothing told the cache yet
    assert stale.json()["data"]["article"]["title"] == "Engines"

    await app.state.cache.invalidate_changes(
        [EntityChange("article", content["a"], ("engines",), (("author", content["ada"]),))]
    )
    fresh = await get(client, ARTICLE, {"slug": "engines"})
    assert cache_status(fresh) == "miss"
    assert fresh.json()["data"]["article"]["title"] == "Analytical Engines"
    assert cache_status(await get(client, ARTICLE, {"slug": "looms"})) == "hit"
    assert cache_status(await get(client, HOME)) == "miss"  # list:article


async def test_author_change_purges_responses_that_show_the_author(app, client, db, content):
    await get(client, ARTICLE, {"slug": "engines"})
    await get(client, ARTICLE, {"slug": "looms"})
    await set_author(db, content["ada"], name="Augusta Ada King")
    await app.state.cache.invalidate_changes(
        [EntityChange("author", content["ada"], ("ada-lovelace",))]
    )
    fresh = await get(client, ARTICLE, {"slug": "engines"})
    assert fresh.json()["data"]["article"]["author"]["name"] == "Augusta Ada King"
    assert cache_status(await get(client, ARTICLE, {"slug": "looms"})) == "hit"


async def test_publishing_a_draft_purges_cached_not_found_and_lists(app, client, db, content):
    draft = await add_article(db, "Secret plan", authors=[content["ada"]], status="draft")
    for _ in range(2):
        missing = await get(client, ARTICLE, {"slug": "secret-plan"})
        assert missing.json()["data"]["article"] is None
        assert "secret-plan" not in slugs(await get(client, HOME), "articles")
        assert "secret-plan" not in slugs(await get(client, BY_AUTHOR), "author", "articles")
    assert cache_status(missing) == "hit"  # the null itself is cached...

    await set_article(db, draft, status="published", published_at=ago(minutes=1))
    await app.state.cache.invalidate_changes(
        [EntityChange("article", draft, ("secret-plan",), (("author", content["ada"]),))]
    )
    found = await get(client, ARTICLE, {"slug": "secret-plan"})  # ...and purged by publishing
    assert found.json()["data"]["article"]["title"] == "Secret plan"
    assert slugs(await get(client, HOME), "articles")[0] == "secret-plan"
    assert "secret-plan" in slugs(await get(client, BY_AUTHOR), "author", "articles")


async def test_new_article_purges_lists_but_not_unrelated_lookups(app, client, db, content):
    in_category = '{ category(slug: "science") { articles { totalCount nodes { slug } } } }'
    await get(client, HOME)
    await get(client, in_category)
    await get(client, '{ author(slug: "bob-babbage") { name } }')
    new = await add_article(
        db, "Difference", authors=[content["ada"]], categories=[content["science"]]
    )
    await app.state.cache.invalidate_changes(
        [
            EntityChange(
                "article",
                new,
                ("difference",),
                (("author", content["ada"]), ("category", content["science"])),
            )
        ]
    )
    assert slugs(await get(client, HOME), "articles")[0] == "difference"
    category = await get(client, in_category)
    assert category.json()["data"]["category"]["articles"]["totalCount"] == 2
    bob = await get(client, '{ author(slug: "bob-babbage") { name } }')
    assert cache_status(bob) == "hit"


async def test_scheduled_article_caps_cache_lifetime(client, db, content):
    publish_at = datetime.now(UTC) + timedelta(seconds=1.6)
    await add_article(db, "Tomorrow today", authors=[content["ada"]], published_at=publish_at)
    listing = await get(client, HOME)
    assert "tomorrow-today" not in slugs(listing, "articles")
    control = listing.headers["cache-control"]
    max_age = int(control.split("max-age=")[1].split(",")[0])
    assert max_age <= 1
    assert control.endswith("stale-while-revalidate=0")
    assert cache_status(await get(client, HOME)) == "hit"  # cached, but only until then
    # A response that does not depend on the clock keeps its full lifetime.
    author = await get(client, '{ author(slug: "ada-lovelace") { name } }')
    assert "max-age=30," in author.headers["cache-control"]

    await asyncio.sleep(max(0.0, (publish_at - datetime.now(UTC)).total_seconds()) + 0.05)
    after = await get(client, HOME)
    assert cache_status(after) == "miss"
    assert slugs(after, "articles")[0] == "tomorrow-today"


async def test_too_many_tags_fall_back_to_type_tags(app, client, db, content, settings):
    settings.surrogate_key_max_length = 256
    for n in range(30):
        await add_article(db, f"Filler {n}", authors=[content["bob"]], published_at=ago(days=2))
    response = await get(client, "{ articles(first: 40) { nodes { slug } } }")
    header = response.headers["surrogate-key"]
    assert len(header) <= 256
    assert "skipped:article" in header.split(" ")
    assert cache_status(await get(client, "{ articles(first: 40) { nodes { slug } } }")) == "hit"
    await set_article(db, content["b"], title="Looms, revised")
    await app.state.cache.invalidate_changes([EntityChange("article", content["b"])])
    assert cache_status(await get(client, "{ articles(first: 40) { nodes { slug } } }")) == "miss"


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
async def test_two_instances_share_invalidations(app, client, db, content, settings):
    """Instances share a cache through Redis (the memory backend is one process's own)."""
    other_app = create_app(settings)
    async with LifespanManager(other_app) as manager:
        transport = httpx.ASGITransport(app=manager.app)
        async with httpx.AsyncClient(transport=transport, base_url="http://other") as other:
            first = await get(client, ARTICLE, {"slug": "engines"})
            shared = await get(other, ARTICLE, {"slug": "engines"})
            assert cache_status(shared) == "hit"
            assert shared.content == first.content

            await set_article(db, content["a"], title="Engines II")
            await other_app.state.cache.invalidate_changes(
                [EntityChange("article", content["a"], ("engines",))]
            )
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


async def test_purge_hooks_run_off_the_request_path(app, content):
    cache = app.state.cache
    release = asyncio.Event()
    purged: list[frozenset[str]] = []

    async def slow_cdn(tags: frozenset[str]) -> None:
        await release.wait()
        purged.append(tags)

    cache.purge.hooks.append(slow_cdn)
    await cache.invalidate_changes([EntityChange("article", content["a"], ("engines",))])
    assert purged == []  # the invalidation returned while the CDN call is still pending
    release.set()
    await cache.purge.drain()
    assert purged and {"article:" + str(content["a"]), "article-slug:engines"} <= purged[0]

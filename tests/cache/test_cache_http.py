"""HTTP caching as a browser or CDN sees it: Cache-Control, ETag/304, Surrogate-Key, hits."""

from __future__ import annotations

import pytest

from tests.auth_support import add_token, bearer
from tests.cache_support import backend_settings, cache_status, get
from tests.support import add_article, add_author, add_term, gql

HOME = """query Home { articles(first: 20) { nodes { title slug
  author { name } categories { slug } seo { title } } } }"""
ARTICLE = "query One($slug: String!) { article(slug: $slug) { title body } }"


@pytest.fixture(params=["memory", "redis"])
def cache_backend(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def settings_overrides(cache_backend: str, request: pytest.FixtureRequest):
    return {
        **backend_settings(cache_backend, request),
        "http_max_age": 30,
        "http_s_maxage": 120,
        "http_stale_while_revalidate": 15,
    }


@pytest.fixture
async def content(db):
    ada = await add_author(db, "Ada Lovelace")
    science = await add_term(db, "category", "Science")
    first = await add_article(db, "First light", authors=[ada], categories=[science])
    second = await add_article(db, "Second light", authors=[ada])
    return {"ada": ada, "science": science, "first": first, "second": second}


async def test_anonymous_get_is_public_with_tags_and_etag(client, content):
    response = await get(client, HOME)
    assert response.status_code == 200
    assert response.json()["data"]["articles"]["nodes"][0]["title"] == "Second light"
    assert response.headers["cache-control"] == (
        "public, max-age=30, s-maxage=120, stale-while-revalidate=15"
    )
    assert response.headers["etag"].startswith('"') and len(response.headers["etag"]) == 34
    assert response.headers["vary"] == "Accept, Authorization"
    expected = {
        f"article:{content['first']}",
        f"article:{content['second']}",
        f"author:{content['ada']}",
        f"category:{content['science']}",
        "list:article",
    }
    assert set(response.headers["surrogate-key"].split(" ")) == expected
    assert set(response.headers["cache-tag"].split(",")) == expected
    assert cache_status(response) == "miss"


async def test_cache_hit_is_byte_identical_and_runs_no_sql(client, content):
    first = await get(client, HOME)
    second = await get(client, HOME)
    assert cache_status(first) == "miss"
    assert cache_status(second) == "hit"
    assert second.content == first.content
    assert second.headers["etag"] == first.headers["etag"]
    assert second.headers["surrogate-key"] == first.headers["surrogate-key"]
    assert second.headers["cache-control"] == first.headers["cache-control"]
    assert 'db;dur=0.00;desc="0 statements"' in second.headers["server-timing"]
    assert second.headers["x-request-id"] != first.headers["x-request-id"]
    # POST with the same document and variables shares the entry.
    posted = await gql(client, HOME)
    assert cache_status(posted.response) == "hit"
    assert posted.response.content == first.content
    assert posted.response.headers["cache-control"] == "no-store"


async def test_whitespace_and_comments_share_one_entry(client, content):
    await get(client, ARTICLE, {"slug": "first-light"})
    reformatted = "# the article page\nquery One( $slug : String! ) {\n  article(slug: $slug) {\n    title,\n    body\n  }\n}"
    again = await get(client, reformatted, {"slug": "first-light"})
    assert cache_status(again) == "hit"
    other_vars = await get(client, ARTICLE, {"slug": "second-light"})
    assert cache_status(other_vars) == "miss"
    assert other_vars.json()["data"]["article"]["title"] == "Second light"


async def test_if_none_match_gets_304(client, content):
    first = await get(client, ARTICLE, {"slug": "first-light"})
    etag = first.headers["etag"]
    for value in (etag, f"W/{etag}", f'"nope", {etag}', "*"):
        response = await get(client, ARTICLE, {"slug": "first-light"}, {"If-None-Match": value})
        assert response.status_code == 304, value
        assert response.content == b""
        assert response.headers["etag"] == etag
        assert response.headers["cache-control"].startswith("public, max-age=30")
    stale = await get(client, ARTICLE, {"slug": "first-light"}, {"If-None-Match": '"old"'})
    assert stale.status_code == 200
    assert stale.content == first.content


async def test_authenticated_get_is_private_and_bypasses_cache(client, db, content):
    editor = bearer(await add_token(db, "editor"))
    await get(client, HOME)  # a public entry exists now
    response = await get(client, HOME, headers=editor)
    assert response.status_code == 200
    assert response.headers["cache-control"] == "private, no-store"
    assert "etag" not in response.headers
    assert "surrogate-key" not in response.headers
    assert cache_status(response) == "bypass"
    # An authenticated request never answers with, nor stores, a shared entry.
    etag = (await get(client, ARTICLE, {"slug": "first-light"})).headers["etag"]
    conditional = await get(
        client,
        ARTICLE,
        {"slug": "first-light"},
        {**editor, "If-None-Match": etag},
    )
    assert conditional.status_code == 200
    # A bad token is refused, never treated as anonymous, and never answered from the cache.
    refused = await get(client, HOME, headers={"Authorization": "Bearer not-a-token"})
    assert refused.status_code == 401
    assert refused.headers["cache-control"] == "private, no-store"


async def test_errors_are_not_cached(client, content):
    query = "{ articles(first: 1000) { nodes { title } } }"
    first = await get(client, query)
    assert first.json()["errors"][0]["extensions"]["code"] == "BAD_USER_INPUT"
    assert first.headers["cache-control"] == "no-store"
    assert "etag" not in first.headers
    again = await get(client, query)
    assert cache_status(again) == "miss"


async def test_negative_lookup_is_tagged(client, content):
    response = await get(client, ARTICLE, {"slug": "not-written-yet"})
    assert response.json()["data"]["article"] is None
    assert response.headers["surrogate-key"] == "article-slug:not-written-yet"
    node = await get(client, '{ node(id: "QXJ0aWNsZTo5OTk=") { id } }')  # Article:999
    assert node.headers["surrogate-key"] == "article:999"
    author = await get(client, '{ author(slug: "nobody") { name } tag(slug: "x") { name } }')
    assert author.headers["surrogate-key"] == "author-slug:nobody tag-slug:x"
    # Slugs and paths come from clients: tags stay header-safe (no header injection either).
    odd = await get(client, ARTICLE, {"slug": "\u00fcber\r\nSet-Cookie: a=b"})
    assert odd.headers["surrogate-key"] == "article-slug:%C3%BCber%0D%0ASet-Cookie:%20a=b"
    assert "set-cookie" not in odd.headers


async def test_nested_lists_and_directory_lists_are_tagged(client, content):
    response = await get(
        client,
        "{ authors { nodes { name articles(first: 1) { totalCount nodes { slug } } } } }",
    )
    ada = content["ada"]
    assert set(response.headers["surrogate-key"].split(" ")) == {
        "list:author",
        f"author:{ada}",
        f"list:article:author:{ada}",
        f"article:{content['second']}",
    }
    articles = response.json()["data"]["authors"]["nodes"][0]["articles"]
    assert articles["totalCount"] == 2


@pytest.mark.parametrize("cache_backend", ["memory"], indirect=True)
async def test_media_type_follows_accept_on_hits(client, content):
    await get(client, HOME)
    hit = await get(client, HOME, headers={"Accept": "application/graphql-response+json"})
    assert cache_status(hit) == "hit"
    assert hit.headers["content-type"].startswith("application/graphql-response+json")


@pytest.mark.parametrize("cache_backend", ["memory"], indirect=True)
async def test_mutations_are_private_and_never_looked_up(client, content):
    # No mutation is in the schema yet (the writes issue adds them); the operation type alone
    # decides: a mutation is never served from, nor stored in, any cache.
    for _ in range(2):
        response = await client.post("/graphql", json={"query": "mutation { publish }"})
        assert response.headers["cache-control"] == "private, no-store"
        assert cache_status(response) == "bypass"
        assert "surrogate-key" not in response.headers

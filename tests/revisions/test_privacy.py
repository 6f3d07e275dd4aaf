"""Drafts in review, review comments, revisions and the trash are invisible to anonymous viewers
on every path: lookups, lists, node, route, sitemap, feed, search, and the response cache."""

from __future__ import annotations

import re

import pytest

from tests.auth_support import add_token, bearer, gid
from tests.cache_support import get
from tests.revisions_support import DELETE, SUBMIT, UPDATE, call
from tests.support import add_article, add_author, gql, ok

MODULE_SETTINGS = {"review_workflow": True, "cache_backend": "memory"}
HISTORY = """query($id: ID!) { article(id: $id) { title
  revisions { totalCount nodes { id changedFields } } reviews { comment } } }"""


@pytest.fixture
async def site(client, db):
    ada = await add_author(db, "Ada Lovelace")
    editor = bearer(await add_token(db, "editor", name="desk"))
    author = bearer(await add_token(db, "author", name="ada", author_id=ada))
    public = await add_article(db, "Public piece", authors=[ada], body="<p>Harmless.</p>")
    review = await add_article(
        db, "Secret plans", authors=[ada], status="draft", body="<p>Quasar secret.</p>"
    )
    trashed = await add_article(db, "Binned piece", authors=[ada], body="<p>Binned quasar.</p>")
    await call(client, UPDATE, {"id": gid("Article", public), "expectedVersion": 1,
                                "body": "<p>Private draft wording.</p>"}, editor)  # fmt: skip
    await call(client, UPDATE, {"id": gid("Article", public), "expectedVersion": 2,
                                "body": "<p>Harmless.</p>"}, editor)  # fmt: skip
    await call(client, SUBMIT, {"id": gid("Article", review), "comment": "Confidential note"},
               author)  # fmt: skip
    await call(client, DELETE, {"id": gid("Article", trashed)}, editor)
    return {"public": public, "review": review, "trashed": trashed, "editor": editor}


async def test_history_and_reviews_are_null_and_never_cached_for_anonymous(client, site):
    ref = gid("Article", site["public"])
    as_editor = await get(client, HISTORY, {"id": ref}, site["editor"])
    assert as_editor.json()["data"]["article"]["revisions"]["totalCount"] == 3
    for _ in range(2):  # the second answer would come from the cache if it were stored
        anonymous = await get(client, HISTORY, {"id": ref})
        assert anonymous.json()["data"]["article"] == {
            "title": "Public piece", "revisions": {"totalCount": 0, "nodes": []}, "reviews": None,
        }  # fmt: skip
        assert anonymous.headers["cache-control"] == "private, no-store"
    revision_id = as_editor.json()["data"]["article"]["revisions"]["nodes"][1]["id"]
    node = await gql(client, "query($id: ID!) { node(id: $id) { id } }", {"id": revision_id})
    assert ok(node)["node"] is None
    assert (await gql(client, "{ trashedArticles { slug } }")).codes == ["FORBIDDEN"]


async def test_drafts_in_review_and_trashed_articles_reach_no_public_path(client, site):
    for article_id, slug in ((site["review"], "secret-plans"), (site["trashed"], "binned-piece")):
        ref = gid("Article", article_id)
        data = ok(await gql(client, """query($id: ID!, $slug: String!, $path: String!) {
          article(slug: $slug) { id } byId: article(id: $id) { id } node(id: $id) { id }
          route(path: $path) { __typename } }""", {
            "id": ref, "slug": slug, "path": f"/articles/{slug}",
        }))  # fmt: skip
        assert data["article"] is None and data["byId"] is None and data["node"] is None
        assert data["route"]["__typename"] in ("NotFound", "Gone")
    listed = ok(await gql(client, "{ articles(first: 50) { nodes { slug } } }"))
    assert [n["slug"] for n in listed["articles"]["nodes"]] == ["public-piece"]
    search = ok(await gql(client, '{ articles(filter: {search: "quasar"}) { totalCount } }'))
    assert search["articles"]["totalCount"] == 0
    index = (await client.get("/sitemap.xml")).text  # a urlset, or an index of children
    children = re.findall(r"<loc>https?://[^/<]+(/sitemaps/[^<]+)</loc>", index)
    sitemaps = [index, *[(await client.get(child)).text for child in children]]
    feed = (await client.get("/feed.xml")).text
    assert "public-piece" in "".join(sitemaps) and "Public piece" in feed  # the control
    for text in (*sitemaps, feed):
        for word in ("secret-plans", "binned-piece", "Confidential", "uasar"):
            assert word not in text, word

"""Every committed change leaves a revision in its own transaction; history reads newest first
with what changed; diffs compare field by field; anonymous viewers never see any of it."""

from __future__ import annotations

import json
from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from resolvers.access import CLI
from resolvers.commands import CommandEnv, ValidationFailed
from resolvers.content.article_commands import update_article
from resolvers.revisions.models import revision_t
from resolvers.site import Site
from tests.auth_support import add_token, bearer, gid
from tests.revisions_support import (
    CREATE,
    PUBLISH,
    REVISIONS,
    UPDATE,
    call,
    everything,
)
from tests.support import add_article, add_author, add_term, gql, ok


@pytest.fixture
async def desk(db):
    ada = await add_author(db, "Ada Lovelace")
    grace = await add_author(db, "Grace Hopper")
    science = await add_term(db, "tag", "Science")
    editor = bearer(await add_token(db, "editor", name="desk"))
    mine = bearer(await add_token(db, "author", name="ada", author_id=ada))
    theirs = bearer(await add_token(db, "author", name="grace", author_id=grace))
    return {"ada": ada, "grace": grace, "science": science, "editor": editor, "mine": mine,
            "theirs": theirs}  # fmt: skip


async def history(client, article_gid, headers, first=10):
    result = await gql(client, REVISIONS, {"id": article_gid, "first": first}, headers=headers)
    return ok(result)["article"]


async def test_each_write_leaves_a_revision_newest_first(client, desk):
    made = await call(client, CREATE, {
        "title": "Tides", "authorIds": [gid("Author", desk["ada"])], "body": "<p>One.</p>",
    }, desk["editor"])  # fmt: skip
    article = made["article"]["id"]
    await call(client, UPDATE, {"id": article, "expectedVersion": 1, "title": "Tides explained",
                                "seo": {"metaTitle": "Why tides"}}, desk["editor"])  # fmt: skip
    await call(client, UPDATE, {"id": article, "expectedVersion": 2,
                                "tagIds": [gid("Tag", desk["science"])]}, desk["editor"])  # fmt: skip
    await call(client, PUBLISH, {"id": article, "expectedVersion": 3}, desk["editor"])
    seen = await history(client, article, desk["editor"])
    nodes = seen["revisions"]["nodes"]
    assert seen["version"] == 4 and seen["revisions"]["totalCount"] == 4
    assert [(n["version"], n["action"], n["operation"]) for n in nodes] == [
        (4, "UPDATED", "publishArticle"),
        (3, "UPDATED", "updateArticle"),
        (2, "UPDATED", "updateArticle"),
        (1, "CREATED", "createArticle"),
    ]
    assert [n["changedFields"] for n in nodes[:3]] == [
        ["published_at", "status"],
        ["tags"],
        ["seo.meta_title", "seo.robots_follow", "seo.robots_index", "title"],
    ]
    assert all(n["createdBy"] == "token:desk" for n in nodes)
    assert "body" in nodes[3]["changedFields"] and nodes[3]["sizeBytes"] > 0
    page = await history(client, article, desk["editor"], first=2)
    assert page["revisions"]["pageInfo"]["hasNextPage"] is True
    rest = await gql(client, REVISIONS, {
        "id": article, "first": 5, "after": page["revisions"]["pageInfo"]["endCursor"],
    }, headers=desk["editor"])  # fmt: skip
    assert [n["version"] for n in ok(rest)["article"]["revisions"]["nodes"]] == [2, 1]


async def test_content_from_before_revisions_gets_a_baseline_first(client, db, desk):
    """A row inserted directly (seed, older releases): its state before the first change is
    kept as a baseline, so the previous state of every change is stored."""
    article_id = await add_article(db, "Old piece", authors=[desk["ada"]])
    ref = gid("Article", article_id)
    await call(client, UPDATE, {"id": ref, "expectedVersion": 1, "title": "New"}, desk["editor"])
    nodes = (await history(client, ref, desk["editor"]))["revisions"]["nodes"]
    assert [(n["version"], n["action"], n["changedFields"]) for n in nodes] == [
        (2, "UPDATED", ["title"]),
        (1, "BASELINE", nodes[1]["changedFields"]),
    ]


async def test_a_refused_write_leaves_no_revision(client, db, desk):
    article_id = await add_article(db, "Stable", authors=[desk["ada"]])
    ref = gid("Article", article_id)
    before = await everything(db)
    stale = await call(client, UPDATE, {"id": ref, "expectedVersion": 7, "title": "X"},
                       desk["editor"])  # fmt: skip
    bad = await call(client, UPDATE, {"id": ref, "expectedVersion": 1, "title": "x" * 301},
                     desk["editor"])  # fmt: skip
    assert stale["__typename"] == "ConflictError" and bad["__typename"] == "ValidationError"
    assert await everything(db) == before


async def test_command_writes_outside_graphql_leave_revisions_too(db, desk):
    """The CLI and importers run commands without the app's hooks: revisions come from the
    shared write frame, not from a hook they must install."""
    article_id = await add_article(db, "Imported", authors=[desk["ada"]])
    env = CommandEnv(db=db, site=Site(), viewer=CLI, now=datetime.now(UTC), operation="cli:test")
    await update_article(env, article_id, 1, {"title": "Imported and fixed"})
    with pytest.raises(ValidationFailed):
        await update_article(env, article_id, 2, {"slug": "Bad Slug!"})
    rows = await db.all(
        select(revision_t.c.version, revision_t.c.actor, revision_t.c.operation)
        .where(revision_t.c.entity_id == article_id)
        .order_by(revision_t.c.id)
    )
    assert [tuple(r) for r in rows] == [(1, None, None), (2, "cli", "cli:test")]


async def test_author_edits_leave_author_revisions(client, db, desk):
    update = """mutation($input: UpdateAuthorInput!) { updateAuthor(input: $input) {
      __typename ... on AuthorSaved { author { version } } } }"""
    result = await gql(client, update, {"input": {
        "id": gid("Author", desk["ada"]), "expectedVersion": 1, "bio": "<p>Mathematician.</p>",
    }}, headers=desk["editor"])  # fmt: skip
    assert ok(result)["updateAuthor"]["author"]["version"] == 2
    rows = await db.all(
        select(revision_t.c.version, revision_t.c.action, revision_t.c.changed_fields)
        .where(revision_t.c.entity_type == "author", revision_t.c.entity_id == desk["ada"])
        .order_by(revision_t.c.id)
    )
    assert [tuple(r)[:2] for r in rows] == [(1, "baseline"), (2, "updated")]
    assert rows[1].changed_fields == ["bio"]


DIFF = """query($id: ID!, $against: ID) { article(id: $id) { revisions(first: 1) { nodes {
  diff(against: $against) { againstId bodyDiff fields { field before after } } } } } }"""


async def test_diff_field_by_field_and_body_text(client, desk):
    made = await call(client, CREATE, {
        "title": "Moon", "authorIds": [gid("Author", desk["ada"])],
        "body": "<p>The moon pulls.</p><p>Water rises.</p>",
    }, desk["editor"])  # fmt: skip
    article = made["article"]["id"]
    await call(client, UPDATE, {
        "id": article, "expectedVersion": 1, "title": "The Moon",
        "body": "<p>The moon pulls.</p><p>Oceans rise twice a day.</p>",
    }, desk["editor"])  # fmt: skip
    result = ok(await gql(client, DIFF, {"id": article}, headers=desk["editor"]))
    diff = result["article"]["revisions"]["nodes"][0]["diff"]
    fields = {f["field"]: (f["before"], f["after"]) for f in diff["fields"]}
    assert fields["title"] == (json.dumps("Moon"), json.dumps("The Moon"))
    assert set(fields) == {"title", "body"}
    assert "-<p>Water rises.</p>" in diff["bodyDiff"]
    assert "+<p>Oceans rise twice a day.</p>" in diff["bodyDiff"]
    assert " <p>The moon pulls.</p>" in diff["bodyDiff"]
    # against the newest itself: nothing differs
    newest = ok(await gql(client, REVISIONS, {"id": article}, headers=desk["editor"]))
    own = newest["article"]["revisions"]["nodes"][0]["id"]
    same = ok(await gql(client, DIFF, {"id": article, "against": own}, headers=desk["editor"]))
    assert same["article"]["revisions"]["nodes"][0]["diff"]["fields"] == []


async def test_diff_against_another_article_is_a_clear_error(client, db, desk):
    one = await call(client, CREATE, {"title": "One", "authorIds": [gid("Author", desk["ada"])]},
                     desk["editor"])  # fmt: skip
    two = await call(client, CREATE, {"title": "Two", "authorIds": [gid("Author", desk["ada"])]},
                     desk["editor"])  # fmt: skip
    other = ok(await gql(client, REVISIONS, {"id": two["article"]["id"]}, headers=desk["editor"]))
    foreign = other["article"]["revisions"]["nodes"][0]["id"]
    result = await gql(
        client, DIFF, {"id": one["article"]["id"], "against": foreign}, headers=desk["editor"]
    )
    assert result.codes == ["BAD_USER_INPUT"]
    assert "same article" in result.errors[0]["message"]


async def test_history_is_for_editors_and_the_articles_own_authors(client, db, desk):
    article_id = await add_article(db, "Shared", authors=[desk["ada"]], status="draft")
    ref = gid("Article", article_id)
    await call(client, UPDATE, {"id": ref, "expectedVersion": 1, "title": "Shared 2"},
               desk["mine"])  # fmt: skip
    own = await history(client, ref, desk["mine"])
    assert own["revisions"]["totalCount"] == 2
    other = await history(client, ref, desk["theirs"])
    assert other is None  # Grace cannot even see Ada's draft
    public = await add_article(db, "Public", authors=[desk["ada"]])
    await call(client, UPDATE, {"id": gid("Article", public), "expectedVersion": 1,
                                "title": "Public 2"}, desk["editor"])  # fmt: skip
    empty = {"totalCount": 0, "pageInfo": {"hasNextPage": False, "endCursor": None}, "nodes": []}
    anonymous = await history(client, gid("Article", public), None)
    assert anonymous == {"version": 2, "revisions": empty}
    as_other_author = await history(client, gid("Article", public), desk["theirs"])
    assert as_other_author["revisions"] == empty
    assert (await history(client, gid("Article", public), desk["editor"]))["revisions"][
        "totalCount"
    ] == 2

"""Author, category and tag mutations: success paths, bad input, takeover on author deletion."""

from __future__ import annotations

import pytest

from resolvers.models import api_token_t, article_author_t, article_t, seo_meta_t
from tests.auth_support import add_token, bearer, gid, rows, snapshot
from tests.support import add_article, add_author, add_term, gql, ok

TERM_ERRORS = """... on MutationError { message } ... on ValidationError { fields { path code } }
  ... on NotFoundError { id }"""
ERRORS = TERM_ERRORS + " ... on ConflictError { currentVersion }"
AUTHOR = "id slug name bio email website twitter version avatar { url alt } seo { title } updatedBy"
CREATE_AUTHOR = f"""mutation($input: CreateAuthorInput!) {{ createAuthor(input: $input) {{
  __typename ... on AuthorSaved {{ author {{ {AUTHOR} }} changedPaths }} {ERRORS} }} }}"""
UPDATE_AUTHOR = f"""mutation($input: UpdateAuthorInput!) {{ updateAuthor(input: $input) {{
  __typename ... on AuthorSaved {{ author {{ {AUTHOR} }} }} {ERRORS} }} }}"""
DELETE_AUTHOR = f"""mutation($input: DeleteAuthorInput!) {{ deleteAuthor(input: $input) {{
  __typename ... on AuthorDeleted {{ deletedId changedPaths }} {ERRORS} }} }}"""
TERM = "slug name description seo { title description }"
CREATE_CATEGORY = f"""mutation($input: CreateTermInput!) {{ createCategory(input: $input) {{
  __typename ... on CategorySaved {{ category {{ {TERM} }} }} {TERM_ERRORS} }} }}"""
CREATE_TAG = f"""mutation($input: CreateTermInput!) {{ createTag(input: $input) {{
  __typename ... on TagSaved {{ tag {{ {TERM} }} }} {TERM_ERRORS} }} }}"""
UPDATE_TAG = f"""mutation($input: UpdateTermInput!) {{ updateTag(input: $input) {{
  __typename ... on TagSaved {{ tag {{ {TERM} }} }} {TERM_ERRORS} }} }}"""
DELETE_TAG = f"""mutation($input: DeleteTermInput!) {{ deleteTag(input: $input) {{
  __typename ... on TermDeleted {{ deletedId }} {TERM_ERRORS} }} }}"""


@pytest.fixture
async def desk(db):
    return bearer(await add_token(db, "editor", name="desk"))


async def call(client, headers, document, input_):
    return next(iter(ok(await gql(client, document, {"input": input_}, headers=headers)).values()))


async def test_create_and_update_author(client, db, desk):
    made = await call(client, desk, CREATE_AUTHOR, {
        "name": "Jürgen Groß", "bio": "**Physiker** aus Köln", "bioFormat": "MARKDOWN",
        "email": "jg@example.com", "website": "https://jg.example.com", "twitter": "@jgross",
        "avatar": {"url": "https://img.example.com/jg.png", "alt": "Jürgen"},
        "seo": {"metaTitle": "Jürgen Groß, Physiker"},
    })  # fmt: skip
    assert made["__typename"] == "AuthorSaved", made
    author = made["author"]
    assert author["slug"] == "juergen-gross" and author["version"] == 1
    assert author["bio"] == "<p><strong>Physiker</strong> aus Köln</p>"
    assert author["email"] == "jg@example.com"  # editors see it
    assert author["twitter"] == "jgross" and author["avatar"]["alt"] == "Jürgen"
    assert author["seo"]["title"] == "Jürgen Groß, Physiker"
    assert made["changedPaths"] == ["/authors/juergen-gross"]
    public = ok(await gql(client, '{ author(slug: "juergen-gross") { name email } }'))
    assert public["author"] == {"name": "Jürgen Groß", "email": None}

    updated = await call(client, desk, UPDATE_AUTHOR, {
        "id": author["id"], "expectedVersion": 1, "website": None, "twitter": "jg_2",
    })  # fmt: skip
    assert updated["author"]["website"] is None and updated["author"]["twitter"] == "jg_2"
    assert updated["author"]["name"] == "Jürgen Groß" and updated["author"]["version"] == 2
    stale = await call(client, desk, UPDATE_AUTHOR, {"id": author["id"], "expectedVersion": 1,
                                                     "name": "Lost update"})  # fmt: skip
    assert stale["__typename"] == "ConflictError" and stale["currentVersion"] == 2


async def test_bad_author_input_writes_nothing(client, db, desk):
    taken = await add_author(db, "Taken Name")
    before = await snapshot(db)
    for overrides, path, code in (
        ({"name": "n" * 201}, ["input", "name"], "TOO_LONG"),
        ({"email": "not-an-address"}, ["input", "email"], "INVALID_EMAIL"),
        ({"website": "javascript:alert(1)"}, ["input", "website"], "INVALID_URL"),
        ({"twitter": "way too long handle"}, ["input", "twitter"], "INVALID_HANDLE"),
        ({"bio": "<p onclick='x()'>hi</p>"}, ["input", "bio"], "UNSAFE_HTML"),
        ({"slug": "taken-name"}, ["input", "slug"], "SLUG_TAKEN"),
        ({"slug": "Taken_Name"}, ["input", "slug"], "INVALID_SLUG"),
        ({"avatar": {"url": "/relative.png"}}, ["input", "avatar", "url"], "INVALID_URL"),
        ({"seo": {"ogImageUrl": "data:image/png;base64,AAAA"}}, ["input", "seo", "ogImageUrl"],
         "INVALID_URL"),
        ({"seo": {"robotsExtra": "<script>"}}, ["input", "seo", "robotsExtra"], "INVALID_ROBOTS"),
    ):  # fmt: skip
        refused = await call(client, desk, CREATE_AUTHOR, {"name": "Someone", **overrides})
        assert refused["__typename"] == "ValidationError", (overrides, refused)
        assert {"path": path, "code": code} in refused["fields"], (overrides, refused)
        update = {k: v for k, v in overrides.items() if k != "name"} or {"name": "n" * 201}
        refused = await call(client, desk, UPDATE_AUTHOR, {
            "id": gid("Author", taken), "expectedVersion": 1, **update,
        })  # fmt: skip
        if overrides.get("slug") == "taken-name":
            assert refused["__typename"] == "AuthorSaved"  # its own slug is not "taken"
            before = await snapshot(db)
            continue
        assert refused["__typename"] == "ValidationError", (overrides, refused)
        assert await snapshot(db) == before, overrides
    missing = await call(
        client, desk, UPDATE_AUTHOR, {"id": gid("Author", 999), "expectedVersion": 1}
    )
    assert missing["__typename"] == "NotFoundError"


async def test_delete_author_needs_a_takeover(client, db, desk):
    ada = await add_author(db, "Ada Lovelace")
    bob = await add_author(db, "Bob Builder")
    solo = await add_article(db, "Ada alone", authors=[ada])
    shared = await add_article(db, "Bob and Ada", authors=[bob, ada])
    ada_token = await add_token(db, "author", author_id=ada, name="ada")
    before = await snapshot(db)
    refused = await call(client, desk, DELETE_AUTHOR, {"id": gid("Author", ada)})
    assert refused["__typename"] == "ValidationError"
    assert refused["fields"] == [{"path": ["input", "reassignArticlesTo"], "code": "IN_USE"}]
    for heir, code in ((gid("Author", 4040), "NOT_FOUND"), (gid("Author", ada), "INVALID_ID"),
                       (gid("Tag", 1), "INVALID_ID")):  # fmt: skip
        refused = await call(
            client, desk, DELETE_AUTHOR, {"id": gid("Author", ada), "reassignArticlesTo": heir}
        )
        assert refused["fields"][0]["code"] == code, refused
    assert await snapshot(db) == before

    deleted = await call(client, desk, DELETE_AUTHOR, {
        "id": gid("Author", ada), "expectedVersion": 1, "reassignArticlesTo": gid("Author", bob),
    })  # fmt: skip
    assert deleted["__typename"] == "AuthorDeleted", deleted
    assert set(deleted["changedPaths"]) == {
        "/authors/ada-lovelace", "/articles/ada-alone", "/articles/bob-and-ada"
    }  # fmt: skip
    links = await rows(db, article_author_t)
    assert sorted((r.article_id, r.author_id) for r in links) == [(solo, bob), (shared, bob)]
    versions = {r.id: r.version for r in await rows(db, article_t)}
    assert versions == {solo: 2, shared: 2}
    [token] = await rows(db, api_token_t, api_token_t.c.name == "ada")
    assert token.revoked_at is not None and token.author_id is None
    revoked = await gql(client, "{ viewer { role } }", headers=bearer(ada_token))
    assert revoked.response.status_code == 401
    byline = ok(await gql(client, '{ article(slug: "ada-alone") { authors { slug } } }'))
    assert byline["article"]["authors"] == [{"slug": "bob-builder"}]


async def test_categories_and_tags(client, db, desk):
    made = await call(client, desk, CREATE_CATEGORY, {
        "name": "Künstliche Intelligenz", "description": "<p>Maschinen &amp; Lernen</p>",
        "seo": {"metaDescription": "Alles über KI."},
    })  # fmt: skip
    assert made["category"] == {
        "slug": "kuenstliche-intelligenz", "name": "Künstliche Intelligenz",
        "description": "Maschinen & Lernen",
        "seo": {"title": "Künstliche Intelligenz | Example News", "description": "Alles über KI."},
    }  # fmt: skip
    tag = await call(client, desk, CREATE_TAG, {"name": "Python"})
    assert tag["tag"]["slug"] == "python"
    duplicate = await call(client, desk, CREATE_TAG, {"name": "python"})
    assert duplicate["fields"] == [{"path": ["input", "slug"], "code": "SLUG_TAKEN"}]
    ada = await add_author(db, "Ada Lovelace")
    tag_id = await add_term(db, "tag", "Rust")
    article = await add_article(db, "Crabs", authors=[ada], tags=[tag_id])
    renamed = await call(client, desk, UPDATE_TAG, {
        "id": gid("Tag", tag_id), "name": "Rust lang", "seo": {"metaTitle": "Rust!"},
    })  # fmt: skip
    assert renamed["tag"]["name"] == "Rust lang" and renamed["tag"]["slug"] == "rust"
    assert renamed["tag"]["seo"]["title"] == "Rust!"
    wrong_type = await call(client, desk, UPDATE_TAG, {"id": gid("Category", 1), "name": "x"})
    assert wrong_type["fields"] == [{"path": ["input", "id"], "code": "INVALID_ID"}]
    before = await snapshot(db)
    empty = await call(client, desk, UPDATE_TAG, {"id": gid("Tag", tag_id), "name": ""})
    assert empty["fields"] == [{"path": ["input", "name"], "code": "REQUIRED"}]
    assert await snapshot(db) == before
    deleted = await call(client, desk, DELETE_TAG, {"id": gid("Tag", tag_id)})
    assert deleted == {"__typename": "TermDeleted", "deletedId": gid("Tag", tag_id)}
    crabs = ok(await gql(client, '{ article(slug: "crabs") { tags { slug } version } }'))
    assert crabs["article"] == {"tags": [], "version": 2}
    assert await rows(db, seo_meta_t, seo_meta_t.c.entity_type == "tag") == []
    missing = await call(client, desk, DELETE_TAG, {"id": gid("Tag", tag_id)})
    assert missing["__typename"] == "NotFoundError" and article

"""Article mutations over HTTP: every success path, every error type, and bad input that leaves
the database exactly as it was."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from resolvers.models import article_t, redirect_t, seo_meta_t
from tests.auth_support import add_token, bearer, gid, rows, serve, snapshot
from tests.support import add_article, add_author, add_term, gql, ok

ARTICLE_FIELDS = """
  id databaseId slug title status version excerpt body readingTimeMinutes publishedAt locale
  createdBy updatedBy authors { slug } categories { slug } tags { slug }
  featureImage { url alt width height } seo { title canonicalUrl }
"""
ERRORS = """
  ... on MutationError { message }
  ... on ValidationError { fields { path message code } }
  ... on ConflictError { currentVersion }
  ... on NotFoundError { id }
"""
PAYLOAD = (
    f"__typename ... on ArticleSaved {{ article {{ {ARTICLE_FIELDS} }} changedPaths }} {ERRORS}"
)
DELETED = f"__typename ... on ArticleDeleted {{ deletedId changedPaths }} {ERRORS}"
CREATE = f"mutation($input: CreateArticleInput!) {{ createArticle(input: $input) {{ {PAYLOAD} }} }}"
UPDATE = f"mutation($input: UpdateArticleInput!) {{ updateArticle(input: $input) {{ {PAYLOAD} }} }}"
PUBLISH = (
    f"mutation($input: PublishArticleInput!) {{ publishArticle(input: $input) {{ {PAYLOAD} }} }}"
)
UNPUBLISH = (
    f"mutation($input: ArticleRefInput!) {{ unpublishArticle(input: $input) {{ {PAYLOAD} }} }}"
)
ARCHIVE = f"mutation($input: ArticleRefInput!) {{ archiveArticle(input: $input) {{ {PAYLOAD} }} }}"
DELETE = f"mutation($input: ArticleRefInput!) {{ deleteArticle(input: $input) {{ {DELETED} }} }}"
PUBLIC = "query($s: String!) { article(slug: $s) { title status } }"


@pytest.fixture
async def world(db):
    ada = await add_author(db, "Ada Lovelace")
    grace = await add_author(db, "Grace Hopper")
    science = await add_term(db, "category", "Science")
    maths = await add_term(db, "tag", "maths")
    existing = await add_article(db, "Existing story", authors=[ada], slug="existing-story")
    token = await add_token(db, "editor", name="desk")
    return {
        "ada": ada,
        "grace": grace,
        "science": science,
        "maths": maths,
        "existing": existing,
        "headers": bearer(token),
    }


async def mutate(client, world, document, input_):
    result = await gql(client, document, {"input": input_}, headers=world["headers"])
    data = ok(result)
    return next(iter(data.values()))


async def test_create_article_with_everything(client, db, world):
    body = "## Warum\n\n" + "Wort " * 700 + "\n\n| a | b |\n|---|---|\n| 1 | 2 |"
    payload = await mutate(client, world, CREATE, {
        "title": "Schlüsselelement der Woche",
        "body": body,
        "bodyFormat": "MARKDOWN",
        "excerpt": "<b>Kurz</b> &amp; bündig",
        "locale": "de",
        "authorIds": [gid("Author", world["grace"]), gid("Author", world["ada"])],
        "categoryIds": [gid("Category", world["science"])],
        "tagIds": [gid("Tag", world["maths"])],
        "featureImage": {"url": "https://img.example.com/a.jpg", "alt": "A", "width": 1200, "height": 630},
        "seo": {"metaTitle": "Der Schlüssel", "canonicalUrl": "https://other.example.com/x"},
    })  # fmt: skip
    assert payload["__typename"] == "ArticleSaved", payload
    article = payload["article"]
    assert article["slug"] == "schluesselelement-der-woche"
    assert article["status"] == "DRAFT" and article["version"] == 1
    assert article["publishedAt"] is None and article["locale"] == "de"
    assert article["body"].startswith("<h2>Warum</h2>") and "<table>" in article["body"]
    assert article["readingTimeMinutes"] == 3  # 700 words at 230 words per minute
    assert article["excerpt"] == "Kurz & bündig"
    assert [a["slug"] for a in article["authors"]] == ["grace-hopper", "ada-lovelace"]
    assert article["categories"] == [{"slug": "science"}] and article["tags"] == [{"slug": "maths"}]
    assert article["featureImage"] == {
        "url": "https://img.example.com/a.jpg", "alt": "A", "width": 1200, "height": 630
    }  # fmt: skip
    assert article["seo"] == {
        "title": "Der Schlüssel",
        "canonicalUrl": "https://other.example.com/x",
    }
    assert article["createdBy"] == article["updatedBy"] == "token:desk"
    assert payload["changedPaths"] == ["/de/articles/schluesselelement-der-woche"]
    # a draft: invisible to anonymous readers
    anonymous = ok(await gql(client, PUBLIC + "", {"s": "schluesselelement-der-woche"}))
    assert anonymous["article"] is None
    stored = await rows(db, article_t, article_t.c.id == article["databaseId"])
    assert stored[0].created_by == "token:desk"


async def test_partial_update_changes_only_what_was_sent(client, db, world):
    created = await mutate(client, world, CREATE, {
        "title": "First title", "body": "<p>one two three</p>", "excerpt": "Keep me",
        "authorIds": [gid("Author", world["ada"])], "tagIds": [gid("Tag", world["maths"])],
    })  # fmt: skip
    article = created["article"]
    updated = await mutate(
        client, world, UPDATE, {"id": article["id"], "expectedVersion": 1, "title": "New title"}
    )
    new = updated["article"]
    assert new["title"] == "New title" and new["version"] == 2
    assert new["slug"] == "first-title"  # slugs never change by themselves
    assert new["excerpt"] == "Keep me" and new["body"] == "<p>one two three</p>"
    assert new["tags"] == [{"slug": "maths"}] and new["readingTimeMinutes"] == 1
    longer = await mutate(client, world, UPDATE, {
        "id": article["id"], "expectedVersion": 2, "body": "<p>" + "word " * 1200 + "</p>",
        "excerpt": None, "tagIds": [], "featureImage": None,
    })  # fmt: skip
    assert longer["article"]["readingTimeMinutes"] == 5  # recomputed from the new body
    assert longer["article"]["excerpt"] is None and longer["article"]["tags"] == []


async def test_publish_schedule_unpublish_archive(client, db, world):
    ref = {"id": gid("Article", world["existing"])}
    anon = await gql(client, PUBLIC, {"s": "existing-story"})
    assert ok(anon)["article"]["status"] == "PUBLISHED"

    unpublished = await mutate(client, world, UNPUBLISH, {**ref, "expectedVersion": 1})
    assert unpublished["article"]["status"] == "DRAFT"
    assert unpublished["article"]["publishedAt"] is None
    assert ok(await gql(client, PUBLIC, {"s": "existing-story"}))["article"] is None

    scheduled = await mutate(
        client, world, PUBLISH, {**ref, "publishedAt": "2999-01-01T08:00:00+01:00"}
    )
    assert scheduled["article"]["status"] == "SCHEDULED"
    assert scheduled["article"]["publishedAt"] == "2999-01-01T07:00:00+00:00"
    assert ok(await gql(client, PUBLIC, {"s": "existing-story"}))["article"] is None

    now = await mutate(client, world, PUBLISH, ref)
    assert now["article"]["status"] == "PUBLISHED"
    first_time = now["article"]["publishedAt"]
    again = await mutate(client, world, PUBLISH, ref)  # re-publishing keeps the original time
    assert again["article"]["publishedAt"] == first_time and again["article"]["version"] == 5
    assert (
        ok(await gql(client, PUBLIC, {"s": "existing-story"}))["article"]["status"] == "PUBLISHED"
    )

    archived = await mutate(client, world, ARCHIVE, ref)
    assert archived["article"]["status"] == "ARCHIVED"
    assert ok(await gql(client, PUBLIC, {"s": "existing-story"}))["article"] is None


async def test_delete_public_article_leaves_gone_and_moves_it_to_the_trash(client, db, world):
    article_id = world["existing"]
    seo = await gql(client, UPDATE, {"input": {
        "id": gid("Article", article_id), "expectedVersion": 1, "seo": {"metaTitle": "X"},
    }}, headers=world["headers"])  # fmt: skip
    assert ok(seo)["updateArticle"]["__typename"] == "ArticleSaved"
    deleted = await mutate(client, world, DELETE, {"id": gid("Article", article_id)})
    assert deleted == {
        "__typename": "ArticleDeleted",
        "deletedId": gid("Article", article_id),
        "changedPaths": ["/articles/existing-story"],
    }
    # In the trash (restorable; the worker purges it later): hidden from every reader.
    [trashed] = await rows(db, article_t, article_t.c.id == article_id)
    assert trashed.deleted_at is not None and trashed.slug == f"existing-story~{article_id}"
    assert len(await rows(db, seo_meta_t, seo_meta_t.c.entity_id == article_id)) == 1
    editor_view = await gql(client, PUBLIC, {"s": "existing-story"}, headers=world["headers"])
    assert ok(editor_view)["article"] is None
    gone = await rows(db, redirect_t)
    assert [(r.from_path, r.to_path, r.status_code) for r in gone] == [
        ("/articles/existing-story", None, 410)
    ]
    again = await mutate(client, world, DELETE, {"id": gid("Article", article_id)})
    assert again["__typename"] == "NotFoundError" and again["id"] == gid("Article", article_id)


async def test_deleting_a_draft_writes_no_redirect(client, db, world):
    created = await mutate(client, world, CREATE, {
        "title": "Never public", "authorIds": [gid("Author", world["ada"])]
    })  # fmt: skip
    deleted = await mutate(client, world, DELETE, {"id": created["article"]["id"]})
    assert deleted["__typename"] == "ArticleDeleted"
    assert await rows(db, redirect_t) == []


def bad_inputs(world):
    """(name, input overrides, expected error path, expected code)."""
    ada = gid("Author", world["ada"])
    return [
        ("malformed slug", {"slug": "Bad Slug!"}, ["input", "slug"], "INVALID_SLUG"),
        ("taken slug", {"slug": "existing-story"}, ["input", "slug"], "SLUG_TAKEN"),
        ("title too long", {"title": "x" * 301}, ["input", "title"], "TOO_LONG"),
        ("empty title", {"title": "   "}, ["input", "title"], "REQUIRED"),
        ("excerpt too long", {"excerpt": "y" * 1001}, ["input", "excerpt"], "TOO_LONG"),
        ("script in body", {"body": "<p>Hi</p><script>alert(1)</script>"},
         ["input", "body"], "UNSAFE_HTML"),
        ("event handler", {"body": '<img src="https://x.example/a.png" onerror="alert(1)">'},
         ["input", "body"], "UNSAFE_HTML"),
        ("javascript url", {"body": '<a href=" jav&#x09;ascript:alert(1)">x</a>'},
         ["input", "body"], "UNSAFE_HTML"),
        ("style element", {"body": "<style>body{display:none}</style><p>x</p>"},
         ["input", "body"], "UNSAFE_HTML"),
        ("script in markdown", {"body": "# Hi\n\n<script>alert(1)</script>", "bodyFormat": "MARKDOWN"},
         ["input", "body"], "UNSAFE_HTML"),
        ("body too long", {"body": "z" * 200_001}, ["input", "body"], "TOO_LONG"),
        ("ftp image", {"featureImage": {"url": "ftp://x.example/a.png"}},
         ["input", "featureImage", "url"], "INVALID_URL"),
        ("zero width", {"featureImage": {"url": "https://x.example/a.png", "width": 0}},
         ["input", "featureImage", "width"], "OUT_OF_RANGE"),
        ("unknown author", {"authorIds": [ada, gid("Author", 99999)]},
         ["input", "authorIds", "1"], "NOT_FOUND"),
        ("malformed id", {"tagIds": ["not-an-id"]}, ["input", "tagIds", "0"], "INVALID_ID"),
        ("id of another type", {"tagIds": [gid("Category", world["science"])]},
         ["input", "tagIds", "0"], "INVALID_ID"),
        ("duplicate author", {"authorIds": [ada, ada]}, ["input", "authorIds"], "DUPLICATE"),
        ("javascript canonical", {"seo": {"canonicalUrl": "javascript:alert(1)"}},
         ["input", "seo", "canonicalUrl"], "INVALID_URL"),
        ("bad json-ld", {"seo": {"jsonLd": "{not json"}}, ["input", "seo", "jsonLd"], "INVALID_JSON"),
        ("meta title too long", {"seo": {"metaTitle": "m" * 301}},
         ["input", "seo", "metaTitle"], "TOO_LONG"),
        ("bad locale", {"locale": "EN_us!"}, ["input", "locale"], "INVALID_LOCALE"),
    ]  # fmt: skip


async def test_bad_create_inputs_are_coded_and_write_nothing(client, db, world):
    before = await snapshot(db)
    for name, overrides, path, code in bad_inputs(world):
        input_ = {"title": "Fine title", "authorIds": [gid("Author", world["ada"])], **overrides}
        payload = await mutate(client, world, CREATE, input_)
        assert payload["__typename"] == "ValidationError", (name, payload)
        assert {"path": path, "code": code} in [
            {"path": f["path"], "code": f["code"]} for f in payload["fields"]
        ], (name, payload["fields"])
        assert await snapshot(db) == before, name


async def test_bad_update_inputs_are_coded_and_write_nothing(client, db, world):
    other = await add_article(db, "Other story", authors=[world["ada"]])
    before = await snapshot(db)
    for name, overrides, path, code in bad_inputs(world):
        input_ = {"id": gid("Article", other), "expectedVersion": 1, **overrides}
        payload = await mutate(client, world, UPDATE, input_)
        assert payload["__typename"] == "ValidationError", (name, payload)
        assert code in [f["code"] for f in payload["fields"] if f["path"] == path], (name, payload)
        assert await snapshot(db) == before, name


async def test_wrong_types_unknown_ids_and_dates(client, db, world):
    before = await snapshot(db)
    wrong_type = await gql(
        client, CREATE, {"input": {"title": 123, "authorIds": "x"}}, headers=world["headers"]
    )
    assert wrong_type.codes and set(wrong_type.codes) == {"BAD_USER_INPUT"}, wrong_type.body
    not_a_date = await gql(client, PUBLISH, {"input": {
        "id": gid("Article", world["existing"]), "publishedAt": "next tuesday",
    }}, headers=world["headers"])  # fmt: skip
    assert not_a_date.codes == ["BAD_USER_INPUT"], not_a_date.body
    naive = await mutate(client, world, PUBLISH, {
        "id": gid("Article", world["existing"]), "publishedAt": "2030-01-01T10:00:00",
    })  # fmt: skip
    assert naive["__typename"] == "ValidationError"
    assert naive["fields"][0]["path"] == ["input", "publishedAt"]
    assert naive["fields"][0]["code"] == "TIMEZONE_REQUIRED"
    unknown = gid("Article", 424242)
    for document, input_ in (
        (UPDATE, {"id": unknown, "expectedVersion": 1, "title": "x"}),
        (PUBLISH, {"id": unknown}),
        (UNPUBLISH, {"id": unknown}),
        (ARCHIVE, {"id": unknown}),
        (DELETE, {"id": unknown}),
    ):
        payload = await mutate(client, world, document, input_)
        assert payload["__typename"] == "NotFoundError" and payload["id"] == unknown, payload
    malformed = await mutate(client, world, DELETE, {"id": "%%%"})
    assert malformed["__typename"] == "ValidationError"
    assert malformed["fields"][0]["code"] == "INVALID_ID"
    assert await snapshot(db) == before


async def test_stale_version_is_a_conflict_and_changes_nothing(client, db, world):
    ref = gid("Article", world["existing"])
    first = await mutate(client, world, UPDATE, {"id": ref, "expectedVersion": 1, "title": "Mine"})
    assert first["article"]["version"] == 2
    before = await snapshot(db)
    stale = await mutate(
        client, world, UPDATE, {"id": ref, "expectedVersion": 1, "title": "Theirs"}
    )
    assert stale["__typename"] == "ConflictError" and stale["currentVersion"] == 2
    assert "expectedVersion 1" in stale["message"]
    for document in (PUBLISH, UNPUBLISH, ARCHIVE, DELETE):
        payload = await mutate(client, world, document, {"id": ref, "expectedVersion": 1})
        assert payload["__typename"] == "ConflictError", (document, payload)
    assert await snapshot(db) == before


async def test_harmless_markup_is_cleaned_silently(client, db, world):
    payload = await mutate(client, world, CREATE, {
        "title": "Pasted from a word processor",
        "authorIds": [gid("Author", world["ada"])],
        "body": '<p style="color:red" class="MsoNormal">Hi <b>there</b><!-- c --></p>'
                '<a href="https://example.com">link</a><unknown>text</unknown>',
    })  # fmt: skip
    assert payload["article"]["body"] == (
        '<p>Hi <b>there</b></p><a href="https://example.com" rel="noopener noreferrer">link</a>text'
    )


async def test_unexpected_failure_rolls_back_everything(settings, db, world):
    seen = []

    async def outbox(session, changes):  # an in-transaction hook that writes, then fails
        await session.execute(
            article_t.update().where(article_t.c.id == world["existing"]).values(title="Half")
        )
        raise RuntimeError("outbox is down")

    async def announce(changes):  # an after-commit hook, like cache invalidation
        seen.append(changes)

    async with serve(settings) as (app, client):
        app.state.change_hooks.in_transaction.append(outbox)
        app.state.change_hooks.after_commit.append(announce)
        await _fail_then_succeed(app, client, db, world, seen)


async def _fail_then_succeed(app, client, db, world, seen):
    before = await snapshot(db)
    result = await gql(client, CREATE, {"input": {
        "title": "Doomed", "authorIds": [gid("Author", world["ada"])],
    }}, headers=world["headers"])  # fmt: skip
    assert result.codes == ["INTERNAL_SERVER_ERROR"], result.body
    assert "outbox is down" not in result.response.text  # masked
    assert await snapshot(db) == before
    assert seen == []  # nothing committed, nothing announced

    app.state.change_hooks.in_transaction.clear()
    created = await mutate(client, world, CREATE, {
        "title": "Lives", "authorIds": [gid("Author", world["ada"])],
    })  # fmt: skip
    assert created["__typename"] == "ArticleSaved"
    [changes] = seen
    assert [(c.entity, c.action) for c in changes] == [("article", "created")]
    assert changes.paths() == {"/articles/lives"}
    assert ("author", world["ada"]) in changes.entity_keys()
    assert changes.actor == "token:desk"
    count = await db.scalar(select(article_t.c.id).where(article_t.c.slug == "doomed"))
    assert count is None


async def test_later_fields_of_one_request_see_earlier_writes(client, db, world):
    """Two mutations in one document: the loaders forget what the first one changed."""
    other = await add_term(db, "tag", "physics")
    ref = gid("Article", world["existing"])
    document = """mutation($a: UpdateArticleInput!, $b: UpdateArticleInput!) {
      first: updateArticle(input: $a) { ... on ArticleSaved { article { version tags { slug } } } }
      second: updateArticle(input: $b) { ... on ArticleSaved { article { version tags { slug } } } }
    }"""
    data = ok(await gql(client, document, {
        "a": {"id": ref, "expectedVersion": 1, "tagIds": [gid("Tag", world["maths"])]},
        "b": {"id": ref, "expectedVersion": 2, "tagIds": [gid("Tag", other)]},
    }, headers=world["headers"]))  # fmt: skip
    assert data["first"]["article"] == {"version": 2, "tags": [{"slug": "maths"}]}
    assert data["second"]["article"] == {"version": 3, "tags": [{"slug": "physics"}]}


async def test_slugs_are_unique_per_locale(client, db, world):
    same_slug = {"title": "Existing story", "authorIds": [gid("Author", world["ada"])]}
    german = await mutate(client, world, CREATE, {**same_slug, "locale": "de"})
    assert german["article"]["slug"] == "existing-story" and german["article"]["locale"] == "de"
    english = await mutate(client, world, CREATE, same_slug)
    assert english["fields"] == [{"path": ["input", "slug"], "code": "SLUG_TAKEN",
                                  "message": english["fields"][0]["message"]}]  # fmt: skip
    assert "taken by another article in 'en'" in english["fields"][0]["message"]

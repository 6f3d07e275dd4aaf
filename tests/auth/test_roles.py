"""The role matrix: anonymous / author / editor / admin, for every mutation and every read path."""

from __future__ import annotations

import pytest

from tests.auth_support import add_token, bearer, gid, snapshot
from tests.support import add_article, add_author, add_term, ago, ahead, gql, ok

ROLES = ("anonymous", "author", "editor", "admin")


@pytest.fixture
async def cast(db):
    """Two authors with articles in every state, and a token per role (the author token is
    Ada's)."""
    ada = await add_author(db, "Ada Lovelace")
    bob = await add_author(db, "Bob Builder")
    science = await add_term(db, "category", "Science")
    zebra = await add_term(db, "tag", "zebra")
    links = {"categories": [science], "tags": [zebra]}
    articles = {
        "public": await add_article(db, "Public zebra", authors=[ada, bob], **links),
        "ada-draft": await add_article(db, "Ada draft zebra", authors=[ada], status="draft", **links),
        "bob-draft": await add_article(db, "Bob draft zebra", authors=[bob], status="draft", **links),
        "ada-scheduled": await add_article(
            db, "Ada scheduled zebra", authors=[ada], published_at=ahead(days=2), **links
        ),
        "bob-archived": await add_article(
            db, "Bob archived zebra", authors=[bob], status="archived", published_at=ago(days=9),
            **links,
        ),
    }  # fmt: skip
    tokens = {
        "anonymous": None,
        "author": await add_token(db, "author", author_id=ada, name="ada"),
        "editor": await add_token(db, "editor", name="ed"),
        "admin": await add_token(db, "admin", name="root"),
    }
    return {"ada": ada, "bob": bob, "science": science, "zebra": zebra,
            "articles": articles, "tokens": tokens}  # fmt: skip


VISIBLE = {
    "anonymous": {"Public zebra"},
    "author": {"Public zebra", "Ada draft zebra", "Ada scheduled zebra"},
    "editor": {"Public zebra", "Ada draft zebra", "Bob draft zebra", "Ada scheduled zebra",
               "Bob archived zebra"},
}  # fmt: skip
VISIBLE["admin"] = VISIBLE["editor"]

LISTS = """{
  articles(first: 50) { totalCount nodes { title } }
  search: articles(first: 50, filter: {search: "zebra"}) { totalCount nodes { title } }
  ada: author(slug: "ada-lovelace") { articles(first: 50) { totalCount nodes { title } } }
  bob: author(slug: "bob-builder") { articles(first: 50) { totalCount nodes { title } } }
  category(slug: "science") { articles(first: 50) { totalCount nodes { title } } }
  tag(slug: "zebra") { articles(first: 50) { totalCount nodes { title } } }
}"""


@pytest.mark.parametrize("role", ROLES)
async def test_read_paths_show_each_role_exactly_its_articles(client, cast, role):
    headers = bearer(cast["tokens"][role])
    expected = VISIBLE[role]
    data = ok(await gql(client, LISTS, headers=headers))
    by_author = {
        "ada": {t for t in expected if "Bob" not in t},
        "bob": {t for t in expected if "Ada" not in t},
    }
    for key in ("articles", "search", "category", "tag", "ada", "bob"):
        connection = data[key] if key in ("articles", "search") else data[key]["articles"]
        want = by_author.get(key, expected)
        titles = {n["title"] for n in connection["nodes"]}
        assert titles == want, (role, key, titles)
        assert connection["totalCount"] == len(want), (role, key)
    for name, article_id in cast["articles"].items():
        title = {
            "public": "Public zebra", "ada-draft": "Ada draft zebra", "bob-draft": "Bob draft zebra",
            "ada-scheduled": "Ada scheduled zebra", "bob-archived": "Bob archived zebra",
        }[name]  # fmt: skip
        slug = title.lower().replace(" ", "-")
        single = ok(await gql(
            client,
            "query($s: String!, $i: ID!) { bySlug: article(slug: $s) { title } "
            "byId: article(id: $i) { title } node(id: $i) { ... on Article { title } } }",
            {"s": slug, "i": gid("Article", article_id)},
            headers=headers,
        ))  # fmt: skip
        seen = title in expected
        for key in ("bySlug", "byId", "node"):
            assert (single[key] is not None) is seen, (role, name, key, single)


@pytest.mark.parametrize("role", ROLES)
async def test_private_and_audit_fields(client, db, cast, role):
    headers = bearer(cast["tokens"][role])
    query = """{ ada: author(slug: "ada-lovelace") { email createdBy }
                 bob: author(slug: "bob-builder") { email } viewer { role name author { slug } } }"""
    data = ok(await gql(client, query, headers=headers))
    sees_all = role in ("editor", "admin")
    assert (data["ada"]["email"] == "ada-lovelace@example.com") is (sees_all or role == "author")
    assert (data["bob"]["email"] == "bob-builder@example.com") is sees_all
    if role == "anonymous":
        assert data["bob"]["email"] is None and data["ada"]["email"] is None
        assert data["viewer"] == {"role": None, "name": None, "author": None}
    else:
        assert data["viewer"]["role"] == role.upper()
    if role == "author":
        assert data["viewer"] == {"role": "AUTHOR", "name": "token:ada",
                                  "author": {"slug": "ada-lovelace"}}  # fmt: skip


def mutation_cases(cast):
    """(name, document, input factory (async, gets db), roles allowed). Each call gets fresh
    objects so a successful mutation never changes what the next one sees."""
    ada, bob = cast["ada"], cast["bob"]
    n = iter(range(1000))

    async def own_draft(db):
        title = f"Own {next(n)}"
        return {"id": gid("Article", await add_article(db, title, authors=[ada], status="draft"))}

    async def other_draft(db):
        title = f"Other {next(n)}"
        return {"id": gid("Article", await add_article(db, title, authors=[bob], status="draft"))}

    async def own_published(db):
        return {"id": gid("Article", await add_article(db, f"Own live {next(n)}", authors=[ada]))}

    async def new_author(db):
        return {"id": gid("Author", await add_author(db, f"Temp Person {next(n)}"))}

    async def new_term(kind, db):
        return {"id": gid(kind.title(), await add_term(db, kind, f"temp {kind} {next(n)}"))}

    def const(value):
        async def make(db):
            return value

        return make

    async def with_version(make, db):
        return {**await make(db), "expectedVersion": 1}

    editors = {"editor", "admin"}
    return [
        ("createArticle", "CreateArticleInput",
         const({"title": "New", "authorIds": [gid("Author", ada)]}), {"author", *editors}),
        ("updateArticle(own draft)", "UpdateArticleInput",
         lambda db: with_version(own_draft, db), {"author", *editors}),
        ("updateArticle(other's draft)", "UpdateArticleInput",
         lambda db: with_version(other_draft, db), editors),
        ("updateArticle(own published)", "UpdateArticleInput",
         lambda db: with_version(own_published, db), editors),
        ("publishArticle", "PublishArticleInput", own_draft, editors),
        ("unpublishArticle", "ArticleRefInput", own_published, editors),
        ("archiveArticle", "ArticleRefInput", own_published, editors),
        ("deleteArticle(own draft)", "ArticleRefInput", own_draft, {"author", *editors}),
        ("deleteArticle(other's draft)", "ArticleRefInput", other_draft, editors),
        ("createAuthor", "CreateAuthorInput", const({"name": "Someone New"}), editors),
        ("updateAuthor(self)", "UpdateAuthorInput",
         const({"id": gid("Author", ada), "expectedVersion": None}), {"author", *editors}),
        ("updateAuthor(other)", "UpdateAuthorInput", lambda db: with_version(new_author, db),
         editors),
        ("deleteAuthor", "DeleteAuthorInput", new_author, editors),
        ("createCategory", "CreateTermInput", const({"name": "Fresh category"}), editors),
        ("updateCategory", "UpdateTermInput", lambda db: new_term("category", db), editors),
        ("deleteCategory", "DeleteTermInput", lambda db: new_term("category", db), editors),
        ("createTag", "CreateTermInput", const({"name": "Fresh tag"}), editors),
        ("updateTag", "UpdateTermInput", lambda db: new_term("tag", db), editors),
        ("deleteTag", "DeleteTermInput", lambda db: new_term("tag", db), editors),
        ("createRedirect", "CreateRedirectInput",
         const({"fromPath": "/old-page", "toPath": "/articles/public-zebra"}), editors),
        ("deleteRedirect", "DeleteRedirectInput", const({"fromPath": "/old-page"}), editors),
        ("createPreviewToken", "CreatePreviewTokenInput",
         const({"articleId": gid("Article", cast["articles"]["bob-draft"])}), editors),
        ("createApiToken", "CreateApiTokenInput", const({"name": "bot", "role": "EDITOR"}),
         {"admin"}),
        ("revokeApiToken", "RevokeApiTokenInput", const({"name": "bot"}), {"admin"}),
    ]  # fmt: skip


@pytest.mark.parametrize("role", ROLES)
async def test_mutation_matrix(client, db, cast, role):
    headers = bearer(cast["tokens"][role])
    for label, input_type, make_input, allowed in mutation_cases(cast):
        field = label.split("(")[0]
        input_ = await make_input(db)
        if input_.get("expectedVersion", 1) is None:  # the current version of a shared object
            version = ok(await gql(client, '{ author(slug: "ada-lovelace") { version } }'))
            input_["expectedVersion"] = version["author"]["version"]
        if field == "updateAuthor":
            input_["bio"] = f"Changed by {role}"
        if field.startswith("update") and field.endswith(("Category", "Tag")):
            input_["description"] = "changed"
        document = (
            f"mutation($input: {input_type}!) {{ {field}(input: $input) "
            "{ __typename ... on MutationError { message } } }"
        )
        before = await snapshot(db)
        result = ok(await gql(client, document, {"input": input_}, headers=headers))[field]
        if role in allowed:
            assert result["__typename"] not in (
                "ForbiddenError", "ValidationError", "NotFoundError", "ConflictError"
            ), (role, label, result)  # fmt: skip
        else:
            assert result["__typename"] == "ForbiddenError", (role, label, result)
            assert await snapshot(db) == before, (role, label)
            if role == "anonymous":
                assert "Authorization: Bearer" in result["message"]


async def test_authors_stay_on_their_own_articles(client, db, cast):
    headers = bearer(cast["tokens"]["author"])
    create = """mutation($input: CreateArticleInput!) { createArticle(input: $input) {
      __typename ... on ArticleSaved { article { id authors { slug } status } }
      ... on MutationError { message } } }"""
    before = await snapshot(db)
    someone_else = ok(await gql(client, create, {"input": {
        "title": "Ghost written", "authorIds": [gid("Author", cast["bob"])],
    }}, headers=headers))["createArticle"]  # fmt: skip
    assert someone_else["__typename"] == "ForbiddenError"
    assert await snapshot(db) == before
    mine = ok(await gql(client, create, {"input": {"title": "Mine"}}, headers=headers))
    article = mine["createArticle"]["article"]
    assert article["authors"] == [{"slug": "ada-lovelace"}] and article["status"] == "DRAFT"
    update = """mutation($input: UpdateArticleInput!) { updateArticle(input: $input) {
      __typename ... on MutationError { message } } }"""
    leave = ok(await gql(client, update, {"input": {
        "id": article["id"], "expectedVersion": 1, "authorIds": [gid("Author", cast["bob"])],
    }}, headers=headers))["updateArticle"]  # fmt: skip
    assert leave["__typename"] == "ForbiddenError" and "remove themselves" in leave["message"]

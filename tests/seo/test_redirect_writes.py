"""Redirect writes: automatic 301s on slug changes, chain collapse, loop and shadow refusals,
stale-redirect removal, 410 on delete, the redirect mutations and the CSV import."""

from __future__ import annotations

import asyncio

import pytest

from resolvers.models import redirect_t
from resolvers.seo.redirects import normalize_path
from tests.auth_support import add_token, bearer, gid, rows, run_cli, snapshot
from tests.support import add_article, add_author, add_term, ago, gql, ok

ERRORS = "... on MutationError { message } ... on ValidationError { fields { path code message } }"
UPDATE = f"""mutation($input: UpdateArticleInput!) {{ updateArticle(input: $input) {{
  __typename ... on ArticleSaved {{ article {{ slug version }} changedPaths }} {ERRORS} }} }}"""
CREATE_ARTICLE = f"""mutation($input: CreateArticleInput!) {{ createArticle(input: $input) {{
  __typename ... on ArticleSaved {{ article {{ id slug }} }} {ERRORS} }} }}"""
PUBLISH = f"""mutation($input: PublishArticleInput!) {{ publishArticle(input: $input) {{
  __typename {ERRORS} }} }}"""
DELETE_ARTICLE = f"""mutation($input: ArticleRefInput!) {{ deleteArticle(input: $input) {{
  __typename {ERRORS} }} }}"""
CREATE = f"""mutation($input: CreateRedirectInput!) {{ createRedirect(input: $input) {{
  __typename ... on RedirectSaved {{ redirect {{ databaseId fromPath toPath statusCode
  isPermanent createdBy }} changedPaths }} {ERRORS} }} }}"""
DELETE = f"""mutation($input: DeleteRedirectInput!) {{ deleteRedirect(input: $input) {{
  __typename ... on RedirectDeleted {{ redirect {{ fromPath }} }} {ERRORS} }} }}"""


@pytest.mark.parametrize(
    ("raw", "normal"),
    [
        ("/Articles/Foo/", "/articles/foo"),
        ("//articles///foo//?utm_source=x#top", "/articles/foo"),
        ("/articles/gr%C3%BC%C3%9Fe", "/articles/grüße"),
        ("articles/x", "/articles/x"),
        ("/", "/"),
        ("/?q=1", "/"),
    ],
)
def test_normalize_path(raw, normal):
    assert normalize_path(raw) == normal


@pytest.fixture
async def site(db):
    ada = await add_author(db, "Ada Lovelace")
    return {
        "ada": ada,
        "public": await add_article(db, "Alpha", authors=[ada]),
        "draft": await add_article(db, "Draft piece", authors=[ada], status="draft"),
        "archived": await add_article(
            db, "Old news", authors=[ada], status="archived", published_at=ago(days=30)
        ),
        "category": await add_term(db, "category", "Science"),
        "editor": bearer(await add_token(db, "editor", name="desk")),
    }


async def call(client, site, document, input_):
    return next(iter(ok(await gql(client, document, {"input": input_},
                                  headers=site["editor"])).values()))  # fmt: skip


async def redirect_rows(db):
    return sorted((r.from_path, r.to_path, r.status_code) for r in await rows(db, redirect_t))


async def rename(client, site, article_id, slug):
    version = ok(await gql(client, "query($i: ID!) { article(id: $i) { version } }",
                           {"i": gid("Article", article_id)}, headers=site["editor"]))  # fmt: skip
    return await call(client, site, UPDATE, {
        "id": gid("Article", article_id), "expectedVersion": version["article"]["version"],
        "slug": slug,
    })  # fmt: skip


async def test_slug_changes_write_301s_and_chains_collapse(client, db, site):
    first = await rename(client, site, site["public"], "beta")
    assert first["__typename"] == "ArticleSaved"
    assert first["changedPaths"] == ["/articles/alpha", "/articles/beta"]
    assert await redirect_rows(db) == [("/articles/alpha", "/articles/beta", 301)]
    await rename(client, site, site["public"], "gamma")
    assert await redirect_rows(db) == [
        ("/articles/alpha", "/articles/gamma", 301),
        ("/articles/beta", "/articles/gamma", 301),
    ]
    # renaming back to an old slug reclaims that path: its redirect is stale and goes
    await rename(client, site, site["public"], "alpha")
    assert await redirect_rows(db) == [
        ("/articles/beta", "/articles/alpha", 301),
        ("/articles/gamma", "/articles/alpha", 301),
    ]
    # a draft was never public: renaming it writes no redirect
    await rename(client, site, site["draft"], "still-a-draft")
    assert len(await redirect_rows(db)) == 2


async def test_author_and_term_renames_redirect_and_deletes_answer_gone(client, db, site):
    author = await call(client, site, """mutation($input: UpdateAuthorInput!) {
      updateAuthor(input: $input) { __typename } }""",
        {"id": gid("Author", site["ada"]), "expectedVersion": 1, "slug": "countess"})  # fmt: skip
    assert author["__typename"] == "AuthorSaved"
    term = await call(client, site, """mutation($input: UpdateTermInput!) {
      updateCategory(input: $input) { __typename } }""",
        {"id": gid("Category", site["category"]), "slug": "natural-science"})  # fmt: skip
    assert term["__typename"] == "CategorySaved"
    assert await redirect_rows(db) == [
        ("/authors/ada-lovelace", "/authors/countess", 301),
        ("/categories/science", "/categories/natural-science", 301),
    ]
    deleted = await call(
        client,
        site,
        """mutation($input: DeleteTermInput!) {
      deleteCategory(input: $input) { __typename } }""",
        {"id": gid("Category", site["category"])},
    )
    assert deleted["__typename"] == "TermDeleted"
    assert await redirect_rows(db) == [
        ("/authors/ada-lovelace", "/authors/countess", 301),
        ("/categories/natural-science", None, 410),
        ("/categories/science", None, 410),  # pointed at the deleted page: gone too
    ]


async def test_reusing_an_old_slug_removes_the_stale_redirect(client, db, site):
    await rename(client, site, site["public"], "beta")
    created = await call(client, site, CREATE_ARTICLE, {
        "title": "Alpha", "authorIds": [gid("Author", site["ada"])],
    })  # fmt: skip
    assert created["article"]["slug"] == "alpha"
    assert len(await redirect_rows(db)) == 1  # still a draft: the redirect keeps serving
    await call(client, site, PUBLISH, {"id": created["article"]["id"]})
    assert await redirect_rows(db) == []
    # a new category on an old category path, too
    await call(client, site, """mutation($input: UpdateTermInput!) {
      updateCategory(input: $input) { __typename } }""",
        {"id": gid("Category", site["category"]), "slug": "physics"})  # fmt: skip
    await call(
        client,
        site,
        """mutation($input: CreateTermInput!) {
      createCategory(input: $input) { __typename } }""",
        {"name": "Science"},
    )
    assert await redirect_rows(db) == []


async def test_deleting_content_turns_inbound_redirects_gone(client, db, site):
    await rename(client, site, site["public"], "beta")
    deleted = await call(client, site, DELETE_ARTICLE, {"id": gid("Article", site["public"])})
    assert deleted["__typename"] == "ArticleDeleted"
    assert await redirect_rows(db) == [
        ("/articles/alpha", None, 410),
        ("/articles/beta", None, 410),
    ]


async def test_create_redirect_rules(client, db, site):
    made = await call(
        client, site, CREATE, {"fromPath": "/Old//Page/?ref=x", "toPath": "/articles/alpha"}
    )
    assert made["__typename"] == "RedirectSaved", made
    assert made["redirect"] | {"databaseId": 0} == {
        "databaseId": 0, "fromPath": "/old/page", "toPath": "/articles/alpha", "statusCode": 301,
        "isPermanent": True, "createdBy": "token:desk",
    }  # fmt: skip
    assert made["changedPaths"] == ["/old/page"]
    # forward collapse: a redirect to /old/page stores its final target
    chained = await call(client, site, CREATE, {
        "fromPath": "/older", "toPath": "https://news.example.com/old/page", "statusCode": 302,
    })  # fmt: skip
    assert (chained["redirect"]["toPath"], chained["redirect"]["statusCode"]) == (
        "/articles/alpha", 302
    )  # fmt: skip
    # backward collapse: pointing /temp-target elsewhere rewrites what pointed at it
    await call(client, site, CREATE, {"fromPath": "/a", "toPath": "/temp-target"})
    await call(client, site, CREATE, {"fromPath": "/temp-target", "toPath": "/articles/alpha"})
    assert ("/a", "/articles/alpha", 301) in await redirect_rows(db)
    external = await call(client, site, CREATE, {
        "fromPath": "/partner", "toPath": "https://Partner.example.org/Landing?x=1", "statusCode": 308,
    })  # fmt: skip
    assert external["redirect"]["toPath"] == "https://Partner.example.org/Landing?x=1"
    gone = await call(client, site, CREATE, {"fromPath": "/retired", "statusCode": 410})
    assert gone["redirect"]["toPath"] is None and gone["redirect"]["isPermanent"] is True

    before = await snapshot(db)
    for input_, path, code in (
        ({"fromPath": "/p1", "toPath": "/p1"}, "toPath", "REDIRECT_LOOP"),
        ({"fromPath": "/articles/alpha", "toPath": "/old/page"}, "fromPath", "SHADOWS_LIVE_PATH"),
        ({"fromPath": "/articles/ALPHA/", "toPath": "/x"}, "fromPath", "SHADOWS_LIVE_PATH"),
        ({"fromPath": "/articles/draft-piece", "toPath": "/x"}, "fromPath", "SHADOWS_LIVE_PATH"),
        ({"fromPath": "/authors/ada-lovelace", "toPath": "/x"}, "fromPath", "SHADOWS_LIVE_PATH"),
        ({"fromPath": "/categories/science", "toPath": "/x"}, "fromPath", "SHADOWS_LIVE_PATH"),
        ({"fromPath": "/old/page", "toPath": "/x"}, "fromPath", "DUPLICATE"),
        ({"fromPath": "/x", "toPath": "/retired"}, "toPath", "TARGET_GONE"),
        ({"fromPath": "no-slash", "toPath": "/x"}, "fromPath", "INVALID_PATH"),
        ({"fromPath": "/with space", "toPath": "/x"}, "fromPath", "INVALID_PATH"),
        ({"fromPath": "/x", "toPath": "javascript:alert(1)"}, "toPath", "INVALID_URL"),
        ({"fromPath": "/x", "toPath": "/y", "statusCode": 303}, "statusCode", "INVALID_STATUS"),
        ({"fromPath": "/x", "toPath": "/y", "statusCode": 410}, "toPath", "INVALID_PATH"),
        ({"fromPath": "/x", "statusCode": 301}, "toPath", "REQUIRED"),
        ({"fromPath": "/x" * 300, "toPath": "/y"}, "fromPath", "INVALID_PATH"),
    ):
        refused = await call(client, site, CREATE, input_)
        assert refused["__typename"] == "ValidationError", (input_, refused)
        assert [(f["path"], f["code"]) for f in refused["fields"]] == [(["input", path], code)], (
            input_, refused,
        )  # fmt: skip
    # a loop through an existing redirect: /old/page -> /articles/alpha exists
    await call(client, site, CREATE, {"fromPath": "/q1", "toPath": "/q2"})
    loop = await call(client, site, CREATE, {"fromPath": "/q2", "toPath": "/q1"})
    assert (
        loop["fields"][0]["code"] == "REDIRECT_LOOP" and "via /q1" in loop["fields"][0]["message"]
    )
    # an archived article's path is not live: it may be redirected
    archived = await call(client, site, CREATE, {"fromPath": "/articles/old-news", "toPath": "/"})
    assert archived["__typename"] == "RedirectSaved"
    assert len((await snapshot(db))["redirect"]) == len(before["redirect"]) + 2


async def test_delete_redirect(client, db, site):
    made = await call(client, site, CREATE, {"fromPath": "/promo", "toPath": "/articles/alpha"})
    by_path = await call(client, site, DELETE, {"fromPath": "/PROMO/"})
    assert by_path == {"__typename": "RedirectDeleted", "redirect": {"fromPath": "/promo"}}
    again = await call(client, site, DELETE, {"databaseId": made["redirect"]["databaseId"]})
    assert again["__typename"] == "NotFoundError"
    both = await call(client, site, DELETE, {"databaseId": 1, "fromPath": "/x"})
    assert both["__typename"] == "ValidationError"
    assert await redirect_rows(db) == []


CSV = """from,to,status
/legacy/one,/articles/alpha,301
/legacy/two,/legacy/one,
/legacy/three,https://partner.example.org/x,302
/legacy/gone,,410
/legacy/bad-status,/articles/alpha,303
/articles/alpha,/somewhere,301
/legacy/loop,/legacy/loop,301
no-slash,/articles/alpha,301
/legacy/one,/articles/other,301
/only-one-column
# a comment line

/Legacy/Four/?utm=x,/articles/alpha,308
"""


async def test_csv_import_reports_rejected_rows(db, database_url, site, tmp_path):
    path = tmp_path / "redirects.csv"
    path.write_text(CSV)
    code, out, err = await asyncio.to_thread(
        run_cli, database_url, "redirects", "import", "--dry-run", str(path)
    )
    assert code == 1 and "would import 5 redirect(s)" in err
    assert await redirect_rows(db) == []  # a dry run writes nothing

    code, out, err = await asyncio.to_thread(
        run_cli, database_url, "redirects", "import", str(path)
    )
    assert code == 1, err
    assert "imported 5 redirect(s); 0 unchanged; 6 rejected" in err
    report = out.splitlines()
    assert report[0].startswith("line 6: rejected: status: The status must be one of")
    assert report[1].startswith("line 7: rejected: from: /articles/alpha is the live path")
    assert report[2].startswith("line 8: rejected: to: Redirecting /legacy/loop")
    assert report[3].startswith("line 9: rejected: from: 'no-slash' is not a path")
    assert report[4].startswith("line 10: rejected: from: /legacy/one already redirects")
    assert report[5] == "line 11: rejected: expected from,to,status; got 1 columns"
    assert await redirect_rows(db) == [
        ("/legacy/four", "/articles/alpha", 308),
        ("/legacy/gone", None, 410),
        ("/legacy/one", "/articles/alpha", 301),
        ("/legacy/three", "https://partner.example.org/x", 302),
        ("/legacy/two", "/articles/alpha", 301),  # collapsed through /legacy/one
    ]
    stored = await rows(db, redirect_t)
    assert {r.created_by for r in stored} == {"cli"}

    again = tmp_path / "again.csv"
    again.write_text("/legacy/one,/articles/alpha,301\n/legacy/five,/articles/alpha\n")
    code, out, err = await asyncio.to_thread(
        run_cli, database_url, "redirects", "import", str(again)
    )
    assert code == 0 and "imported 1 redirect(s); 1 unchanged; 0 rejected" in err

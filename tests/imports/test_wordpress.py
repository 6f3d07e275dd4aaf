"""WordPress (WXR) import: mapping, statuses, SEO meta, old URLs as 301s, idempotent re-runs."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from resolvers.models import article_t, author_t, category_t, imported_item_t, tag_t
from tests.auth_support import serve
from tests.imports_support import (
    WXR,
    count,
    event_types,
    redirect_sources,
    route,
    run_import,
    wordpress,
)
from tests.support import gql, ok

# Every old URL of the fixture's public items, as WordPress answered it, and the new path.
OLD_URLS = {
    "/2024/05/hello-world/": "/articles/hello-world",
    "/?p=10": "/articles/hello-world",
    "https://old.example.com/?p=10": "/articles/hello-world",
    "/2024/05/01/hello-world/": "/articles/hello-world",
    "/hello-world/": "/articles/hello-world",
    "/archives/10": "/articles/hello-world",
    "/2024/06/gruesse-aus-koeln/": "/articles/gruesse-aus-koeln",
    "/?p=11": "/articles/gruesse-aus-koeln",
    "/2024/06/15/gr%c3%bc%c3%9fe-aus-k%c3%b6ln/": "/articles/gruesse-aus-koeln",
    "/2024/06/gr%C3%BC%C3%9Fe-aus-k%C3%B6ln/": "/articles/gruesse-aus-koeln",
    "/2099/01/from-the-future/": "/articles/from-the-future",
    "/?p=15": "/articles/from-the-future",
    "/about/": "/articles/about",
    "/?page_id=20": "/articles/about",
    "/about/team/": "/articles/team",
    "/?page_id=21": "/articles/team",
    "/category/news/": "/categories/news",
    "/?cat=2": "/categories/news",
    "/category/news/world/": "/categories/world",
    "/category/news/world/europe/": "/categories/europe",
    "/?cat=4": "/categories/europe",
    "/tag/graphql/": "/tags/graphql",
    "/?tag=graphql": "/tags/graphql",
    "/tag/%c3%bcbersicht/": "/tags/uebersicht",
    "/?tag=%c3%bcbersicht": "/tags/uebersicht",
    "/author/admin/": "/authors/admin",
    "/?author=1": "/authors/admin",
    "/author/juergen/": "/authors/juergen",
}


@pytest.fixture
async def served(settings):
    """The app object (its change hooks) and a client over it."""
    async with serve(settings) as pair:
        yield pair


ARTICLE = """query($slug: String!) { article(slug: $slug) {
  title excerpt status publishedAt body path
  featureImage { url alt width height }
  authors { slug name } categories { slug name } tags { slug name }
  seo { title description canonicalUrl noindex nofollow
        openGraph { title image { url } } twitter { title description } }
} }"""


async def test_every_old_url_answers_301_to_the_new_path(served, db, settings):
    app, client = served
    report = await run_import(db, settings, wordpress(), app)
    assert report.summary()["article"] == {"created": 9, "failed": 1, "skipped": 1}
    for old, new in OLD_URLS.items():
        answer = await route(client, old)
        assert answer == {"__typename": "Redirect", "location": new, "statusCode": 301}, old
    # and the new paths answer with the content itself
    assert (await route(client, "/articles/hello-world"))["__typename"] == "Article"
    assert (await route(client, "/categories/europe"))["__typename"] == "Category"


async def test_posts_pages_statuses_and_mapping(served, db, settings):
    app, client = served
    report = await run_import(db, settings, wordpress(), app)
    hello = ok(await gql(client, ARTICLE, {"slug": "hello-world"}))["article"]
    # HTML in the title became text; Gutenberg comments are gone, the HTML is kept, sanitised
    assert hello["title"] == "Hello World — “quotes” & ünïcödé"
    assert "wp:paragraph" not in hello["body"] and "<strong>new</strong>" in hello["body"]
    assert '[gallery ids="30,31" columns="2"]' in hello["body"]  # shortcodes stay as text
    assert hello["excerpt"] == "A short hello."
    assert hello["publishedAt"] == "2024-05-01T08:00:00+00:00"  # post_date_gmt
    assert hello["featureImage"] == {
        "url": "https://old.example.com/wp-content/uploads/2024/05/hero.jpg",
        "alt": "A lighthouse at dawn", "width": 1600, "height": 900,
    }  # fmt: skip
    assert [a["slug"] for a in hello["authors"]] == ["admin"]
    # Yoast's primary category comes first; nested categories are flattened
    assert [c["slug"] for c in hello["categories"]] == ["europe", "news"]
    assert [t["slug"] for t in hello["tags"]] == ["graphql", "uebersicht"]
    assert {t["name"] for t in hello["tags"]} == {"GraphQL", "Übersicht"}
    # the classic-editor post got paragraphs
    koeln = ok(await gql(client, ARTICLE, {"slug": "gruesse-aus-koeln"}))["article"]
    assert koeln["body"].startswith("<p>A classic-editor post.</p>")
    # not public on WordPress, not public here
    for slug in ("a-draft-in-progress", "pending-review", "private-notes", "members-only"):
        assert ok(await gql(client, ARTICLE, {"slug": slug}))["article"] is None, slug
    assert ok(await gql(client, ARTICLE, {"slug": "from-the-future"}))["article"] is None
    assert (await route(client, "/2024/08/members-only/"))["__typename"] == "NotFound"
    assert await count(db, article_t, article_t.c.slug == "thrown-away") == 0  # trash
    assert await count(db, article_t, article_t.c.status == "published") == 5
    problems = {(p.source_id, p.code) for p in report.problems}
    assert ("18", "UNSAFE_HTML") in problems  # the <script> post is refused, and said so
    assert any(
        "shortcodes left as text: [caption], [gallery]" in p.message for p in report.problems
    )
    assert "2 comments ignored (comments are not imported)" in report.notes
    assert "1 items of type 'nav_menu_item' skipped" in report.notes


async def test_yoast_and_rank_math_meta_become_seo_overrides(served, db, settings):
    app, client = served
    await run_import(db, settings, wordpress(), app)
    hello = ok(await gql(client, ARTICLE, {"slug": "hello-world"}))["article"]["seo"]
    # %%title%% %%sep%% %%sitename%% %%page%%: resolved, the unknown ones dropped
    assert hello["title"] == "Hello World — “quotes” & ünïcödé - Old Blog"
    assert hello["description"] == "Read about Hello World — “quotes” & ünïcödé in europe."
    assert hello["openGraph"]["title"] == "Hello on Facebook"
    assert hello["twitter"]["description"] == "Hello, birds."
    koeln = ok(await gql(client, ARTICLE, {"slug": "gruesse-aus-koeln"}))["article"]["seo"]
    assert koeln["title"] == "Rank Math post: Grüße aus Köln - Old Blog"
    assert koeln["canonicalUrl"] == "https://canonical.example.org/koeln"
    assert koeln["noindex"] is True and koeln["nofollow"] is True
    assert koeln["openGraph"]["image"]["url"] == (
        "https://old.example.com/wp-content/uploads/koeln.jpg"
    )


async def test_reimport_updates_without_duplicates(served, db, settings, tmp_path: Path):
    app, client = served
    await run_import(db, settings, wordpress(), app)
    before = {t.name: await count(db, t) for t in (article_t, author_t, category_t, tag_t)}
    redirects = await redirect_sources(db)
    again = await run_import(db, settings, wordpress(), app)
    assert again.summary()["article"] == {"failed": 1, "skipped": 1, "unchanged": 9}
    assert {t.name: await count(db, t) for t in (article_t, author_t, category_t, tag_t)} == before
    assert await redirect_sources(db) == redirects
    # the source changes: a new title and slug for post 10
    changed = tmp_path / "changed.xml"
    text = WXR.read_text(encoding="utf-8")
    text = text.replace(
        "<wp:post_name><![CDATA[hello-world]]>", "<wp:post_name><![CDATA[hello-again]]>"
    )
    changed.write_text(text.replace("— “quotes” &amp; ünïcödé", "again"), encoding="utf-8")
    third = await run_import(db, settings, wordpress(changed), app)
    assert third.summary()["article"] == {"failed": 1, "skipped": 1, "unchanged": 8, "updated": 1}
    assert {t.name: await count(db, t) for t in (article_t, author_t, category_t, tag_t)} == before
    moved = ok(await gql(client, ARTICLE, {"slug": "hello-again"}))["article"]
    assert moved["title"] == "Hello World again"
    # the article's old path and every old WordPress URL now lead to the new path, in one hop
    for old in ("/articles/hello-world", "/?p=10", "/2024/05/hello-world/"):
        answer = await route(client, old)
        assert answer == {"__typename": "Redirect", "location": "/articles/hello-again",
                          "statusCode": 301}, old  # fmt: skip


async def test_dry_run_writes_nothing_and_reports_what_would_happen(db, settings):
    report = await run_import(db, settings, wordpress(), dry_run=True)
    assert report.summary()["article"] == {"created": 9, "failed": 1, "skipped": 1}
    assert report.redirects > 0 and not report.committed
    for table in (article_t, author_t, category_t, tag_t, imported_item_t):
        assert await count(db, table) == 0
    assert await redirect_sources(db) == {}
    assert await event_types(db) == []


async def test_one_summary_event_per_import_unless_rows_are_asked(db, settings):
    await run_import(db, settings, wordpress())
    assert await event_types(db) == ["import.completed"]
    from sqlalchemy import select

    from resolvers.events.models import outbox_event_t

    payload: dict[str, Any] = (await db.all(select(outbox_event_t.c.payload)))[0].payload
    assert payload["source"] == "wordpress:https://old.example.com"
    assert payload["counts"]["article"]["created"] == 9
    assert ["article", 1] in payload["related"]
    assert "/articles/hello-world" in payload["pathsAfter"]


async def test_the_summary_event_purges_what_the_import_changed(db, settings):
    from sqlalchemy import select

    from gateway.events.purge import purge_paths, surrogate_keys
    from resolvers.cache_tags import path_tag
    from resolvers.events.deliveries import EVENT_COLUMNS, Event

    await run_import(db, settings, wordpress())
    [row] = await db.all(select(*EVENT_COLUMNS))
    event = Event.from_row(row)
    keys = set(surrogate_keys(event))
    hello = await db.scalar(select(article_t.c.id).where(article_t.c.slug == "hello-world"))
    # the article itself, every list, the route answers of its new path and an old URL
    assert {f"article:{hello}", "list:article", "list:author", "list:tag", "list:redirect"} <= keys
    assert {path_tag("/articles/hello-world"), path_tag("/?p=10")} <= keys
    assert "/2024/05/hello-world" in purge_paths(event)


async def test_events_rows_writes_the_apis_per_row_events(db, settings):
    await run_import(db, settings, wordpress(), events="rows")
    types = await event_types(db)
    assert "import.completed" not in types
    assert types.count("article.created") == 9 and types.count("author.created") == 2


class Crash(BaseException):
    """Stands for the process dying (not an Exception: nothing may catch and carry on)."""


async def test_a_crash_midway_resumes_by_running_again(db, settings):
    from resolvers.imports.items import ImportOptions
    from resolvers.imports.run import Importer
    from tests.imports_support import env_for

    source, defaults = wordpress()()
    importer = Importer(env_for(db, settings), source, ImportOptions(batch_size=3), defaults)
    importer.totals()

    def crash(kind: str, n: int) -> None:
        if kind == "article":
            raise Crash  # after the first article batch committed

    importer.progress = crash
    with pytest.raises(Crash):
        await importer.run()
    assert await count(db, article_t) == 3  # the committed batch stayed
    resumed = await run_import(db, settings, wordpress(), batch_size=3)
    assert resumed.summary()["article"] == {
        "created": 6, "failed": 1, "skipped": 1, "unchanged": 3,
    }  # fmt: skip
    assert await count(db, article_t) == 9


DOCS = Path(__file__).resolve().parents[2] / "docs" / "importing.md"


async def test_the_documented_redirect_check_runs(served, db, settings):
    import re

    app, client = served
    await run_import(db, settings, wordpress(), app)
    [query] = re.findall(r"```graphql\n(.*?)```", DOCS.read_text(), re.S)
    for path in ("/2024/05/hello-world/", "/?p=10", "/category/news/"):
        answer = ok(await gql(client, query, {"path": path}))["route"]
        assert answer["__typename"] == "Redirect" and answer["statusCode"] == 301, path


async def test_status_map_and_author_map(db, settings):
    from tests.support import add_author

    existing = await add_author(db, "Grace B. Hopper", slug="grace")
    report = await run_import(
        db, settings, wordpress(),
        status_map={"password": "published", "private": "archived", "pending": "skip"},
        author_map={"admin": "grace"},
    )  # fmt: skip
    assert report.summary()["author"] == {"created": 1, "mapped": 1}
    assert await count(db, author_t) == 2  # admin became the existing Grace
    assert await count(db, article_t, article_t.c.slug == "pending-review") == 0
    from sqlalchemy import select

    rows = await db.all(select(article_t.c.slug, article_t.c.status))
    statuses = {r.slug: r.status for r in rows}
    assert statuses["members-only"] == "published" and statuses["private-notes"] == "archived"
    from resolvers.models import article_author_t

    hello = await db.all(
        select(article_author_t.c.author_id)
        .join(article_t, article_t.c.id == article_author_t.c.article_id)
        .where(article_t.c.slug == "hello-world")
    )
    assert [r.author_id for r in hello] == [existing]


async def test_an_unknown_status_is_refused_per_item_with_a_hint(db, settings, tmp_path):
    changed = tmp_path / "odd.xml"
    changed.write_text(
        WXR.read_text(encoding="utf-8").replace("[CDATA[pending]]", "[CDATA[in-review]]"),
        encoding="utf-8",
    )
    report = await run_import(db, settings, wordpress(changed))
    [problem] = [p for p in report.errors if p.source_id == "13"]
    assert problem.code == "INVALID_STATUS"
    assert "--status-map in-review=draft" in problem.message

"""Ghost (v3, v4, v5) and Markdown-folder imports: mapping, visibility, old URLs as 301s."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from resolvers.models import article_t, author_t, tag_t
from tests.auth_support import serve
from tests.imports_support import MARKDOWN, count, ghost, markdown, route, run_import
from tests.support import gql, ok

ARTICLE = """query($slug: String!, $locale: String) { article(slug: $slug, locale: $locale) {
  title excerpt status publishedAt body locale
  featureImage { url alt }
  authors { slug name bio website twitter avatar { url } }
  tags { slug name }
  translations { slug locale }
  seo { title description canonicalUrl openGraph { title image { url } } twitter { title } }
} }"""


@pytest.fixture
async def served(settings):
    async with serve(settings) as pair:
        yield pair


@pytest.mark.parametrize("version", [3, 4, 5])
async def test_ghost_export_of_each_major_version(served, db, settings, version):
    app, client = served
    report = await run_import(db, settings, ghost(version), app)
    created = {3: 5, 4: 5, 5: 6}[version]
    assert report.summary()["article"] == {"created": created}
    assert report.summary()["tag"] == {"created": 2}  # the internal #tag is skipped
    assert "1 internal tags (#tag) skipped" in report.notes
    engine = ok(await gql(client, ARTICLE, {"slug": "analytical-engine"}))["article"]
    assert engine["title"] == f"The Analytical Engine (Ghost {version})"
    assert engine["excerpt"] == "Patterns, woven."
    assert engine["publishedAt"] == "2023-03-01T09:30:00+00:00"
    # posts_authors and posts_tags order
    assert [a["slug"] for a in engine["authors"]] == ["ada", "charles"]
    assert [t["slug"] for t in engine["tags"]] == ["engines", "editions"]
    ada = engine["authors"][0]
    assert (ada["name"], ada["bio"], ada["website"], ada["twitter"]) == (
        "Ada Lovelace", "First programmer.", "https://ada.example.org", "ada",
    )  # fmt: skip
    # __GHOST_URL__ (Ghost 4+) became the site's address
    assert ada["avatar"]["url"] == "https://ghost.example.com/content/images/ada.png"
    assert engine["featureImage"]["url"] == (
        "https://ghost.example.com/content/images/2023/engine.jpg"
    )
    assert "__GHOST_URL__" not in engine["body"]
    assert engine["featureImage"]["alt"] == (None if version == 3 else "Brass gears")
    seo = engine["seo"]
    assert (seo["title"], seo["description"]) == ("Engine | Ghost Blog", "How the engine weaves.")
    assert seo["openGraph"]["title"] == "The Engine" and seo["twitter"]["title"] == "Engine!"
    if version == 5:
        assert seo["canonicalUrl"] == "https://canonical.example.org/engine"
    # drafts, members-only and scheduled posts are not public
    for slug in ("difference-engine", "for-members", "engine-no-2"):
        assert ok(await gql(client, ARTICLE, {"slug": slug}))["article"] is None, slug
    assert await count(db, article_t, article_t.c.status == "draft") == 2
    # old Ghost URLs
    for old, new in {
        "/analytical-engine/": "/articles/analytical-engine",
        "/analytical-engine/amp/": "/articles/analytical-engine",
        "/about/": "/articles/about",
        "/tag/engines/": "/tags/engines",
        "/author/ada/": "/authors/ada",
        "/author/charles/": "/authors/charles",
    }.items():
        assert await route(client, old) == {
            "__typename": "Redirect", "location": new, "statusCode": 301,
        }, old  # fmt: skip
    assert (await route(client, "/for-members/"))["__typename"] == "NotFound"


async def test_ghost_reimport_of_a_newer_version_updates_in_place(db, settings):
    await run_import(db, settings, ghost(3))
    again = await run_import(db, settings, ghost(5))
    assert again.summary()["article"] == {"created": 1, "unchanged": 3, "updated": 2}
    assert await count(db, author_t) == 2 and await count(db, tag_t) == 2
    assert await count(db, article_t) == 6


async def test_markdown_folder_with_hugo_jekyll_and_eleventy_front_matter(served, db, settings):
    app, client = served
    report = await run_import(db, settings, markdown(), app)
    assert report.summary()["article"] == {"created": 8, "failed": 4}
    refused = {p.source_id: p.code for p in report.errors}
    assert refused == {
        "content/posts/broken/bad-yaml.md": "INVALID_FRONT_MATTER",
        "content/posts/broken/python-tag.md": "INVALID_FRONT_MATTER",
        "content/posts/broken/latin1.md": "INVALID_ENCODING",
        "content/posts/broken/script.md": "UNSAFE_HTML",
    }
    first = ok(await gql(client, ARTICLE, {"slug": "first-post"}))["article"]
    assert first["body"].startswith("<h1>Heading</h1>") and "<table>" in first["body"]
    assert first["publishedAt"] == "2024-03-01T08:00:00+00:00"
    assert [a["slug"] for a in first["authors"]] == ["ada", "grace"]
    assert first["authors"][0]["bio"] == "Wrote the first program."  # from data/authors.yaml
    assert [t["name"] for t in first["tags"]] == ["GraphQL", "Hugo"]
    assert first["featureImage"]["url"] == "https://md.example.com/images/first.png"
    assert first["excerpt"] == "A first post in Markdown."
    assert first["translations"] == [{"slug": "erster-beitrag", "locale": "de"}]
    german = ok(await gql(client, ARTICLE, {"slug": "erster-beitrag", "locale": "de"}))
    assert german["article"]["locale"] == "de"  # TOML front matter (Hugo +++)
    jekyll = ok(await gql(client, ARTICLE, {"slug": "jekyll-christmas"}))["article"]
    assert jekyll["publishedAt"] == "2023-12-24T00:00:00+00:00"  # from the file name
    assert jekyll["featureImage"] == {"url": "https://md.example.com/xmas.jpg", "alt": "A tree"}
    bare = ok(await gql(client, ARTICLE, {"slug": "no-front-matter"}))["article"]
    assert [a["name"] for a in bare["authors"]] == ["Site Team"]  # the config's author
    for slug in ("draft-idea", "unfinished", "future"):  # draft: true, _drafts/, a future date
        assert ok(await gql(client, ARTICLE, {"slug": slug}))["article"] is None, slug
    for old, new in {
        "/2024/03/first/": "/articles/first-post",
        "/old/first-post.html": "/articles/first-post",
        "/posts/first-post/": "/articles/first-post",
        "/de/alt/erster": "/de/articles/erster-beitrag",
        "/xmas/": "/articles/jekyll-christmas",
        "/blog/eleventy-page/": "/articles/eleventy-page",
    }.items():
        assert await route(client, old) == {
            "__typename": "Redirect", "location": new, "statusCode": 301,
        }, old  # fmt: skip


async def test_markdown_reimport_after_an_edit(db, settings, tmp_path: Path):
    folder = tmp_path / "site"
    shutil.copytree(MARKDOWN, folder)
    shutil.rmtree(folder / "content" / "posts" / "broken")
    await run_import(db, settings, markdown(folder))
    post = folder / "content" / "posts" / "first-post.md"
    post.write_text(post.read_text().replace("Some *Markdown*", "Edited *Markdown*"))
    again = await run_import(db, settings, markdown(folder))
    assert again.summary()["article"] == {"unchanged": 7, "updated": 1}
    assert await count(db, article_t) == 8

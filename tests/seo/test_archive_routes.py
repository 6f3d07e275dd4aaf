"""route() for archive pages: /page/7, /categories/x/page/3, tag and author archives, locale
homes and archives (/de, /de/categories/x); /page/1 answers 301, bad and out-of-range pages are
NotFound, drafts are never counted, and `seo` carries rel=prev/next."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from tests.execution_support import app_client
from tests.support import add_article, add_author, add_seo, add_term, ago, ahead, gql, ok

# 3 articles a page; GATEWAY_MAX_PAGE_OFFSET 9 serves pages up to 4 (page 4 starts at row 9).
MODULE_SETTINGS = {"archive_page_size": 3, "max_page_offset": 9, "locales": ["de"]}
BASE = "https://news.example.com"

ROUTE = """query($p: String!) { route(path: $p) {
  __typename
  ... on ArchivePage {
    kind locale page totalPages path url
    category { slug } tag { slug } author { slug }
    articles { nodes { slug locale }
      pageInfo { page perPage totalPages totalCount hasNextPage hasPreviousPage } }
    seo { title canonicalUrl robots prevUrl nextUrl openGraph { url locale } }
  }
  ... on Category { slug }
  ... on Site { name }
  ... on Article { slug locale }
  ... on Redirect { location statusCode reason }
  ... on NotFound { path statusCode }
} }"""


async def route(client, path: str) -> dict:
    return ok(await gql(client, ROUTE, {"p": path}))["route"]


@pytest.fixture
async def site(db):
    """13 public English articles (e0 newest) by Ada: e0-e6 in Science, e0-e3 tagged Space;
    a draft and a scheduled article in Science; 4 German articles (d0 newest) in Science."""
    ada = await add_author(db, "Ada Archive")
    science = await add_term(db, "category", "Science")
    space = await add_term(db, "tag", "Space")
    for i in range(13):
        await add_article(
            db,
            f"English {i}",
            slug=f"e{i}",
            authors=[ada],
            categories=[science] if i < 7 else [],
            tags=[space] if i < 4 else [],
            published_at=ago(hours=i + 1),
        )
    await add_article(
        db, "Draft", slug="draft", authors=[ada], categories=[science], status="draft"
    )
    await add_article(
        db, "Later", slug="later", authors=[ada], categories=[science], published_at=ahead(days=1)
    )
    for i in range(4):
        await add_article(
            db,
            f"Deutsch {i}",
            slug=f"d{i}",
            locale="de",
            authors=[ada],
            categories=[science],
            published_at=ago(hours=i + 1),
        )
    return {"science": science}


def slugs(answer: dict) -> list[str]:
    return [n["slug"] for n in answer["articles"]["nodes"]]


def redirect(location: str) -> dict:
    return {
        "__typename": "Redirect",
        "location": location,
        "statusCode": 301,
        "reason": "CANONICAL",
    }


async def test_home_archive_page(client, site):
    answer = await route(client, "/page/2")
    assert answer["__typename"] == "ArchivePage"
    assert (answer["kind"], answer["locale"], answer["page"], answer["totalPages"]) == (
        "HOME", "en", 2, 5,
    )  # fmt: skip
    assert (answer["path"], answer["url"]) == ("/page/2", BASE + "/page/2")
    assert slugs(answer) == ["e3", "e4", "e5"]
    assert answer["articles"]["pageInfo"] == {
        "page": 2, "perPage": 3, "totalPages": 5, "totalCount": 13,
        "hasNextPage": True, "hasPreviousPage": True,
    }  # fmt: skip
    seo = answer["seo"]
    assert seo["title"] == "Example News - Page 2"
    assert seo["canonicalUrl"] == BASE + "/page/2" == seo["openGraph"]["url"]
    assert (seo["prevUrl"], seo["nextUrl"]) == (BASE + "/", BASE + "/page/3")
    assert seo["robots"].startswith("index, follow")
    assert answer["category"] is None and answer["tag"] is None and answer["author"] is None


async def test_category_tag_and_author_archives(client, site):
    third = await route(client, "/categories/science/page/3")
    assert (third["kind"], third["category"], third["path"]) == (
        "CATEGORY", {"slug": "science"}, "/categories/science/page/3",
    )  # fmt: skip
    # e0-e6: 7 public articles; the draft and the scheduled one are neither listed nor counted
    assert slugs(third) == ["e6"]
    assert third["articles"]["pageInfo"]["totalCount"] == 7
    assert third["seo"]["title"] == "Science - Page 3 | Example News"
    assert third["seo"]["prevUrl"] == BASE + "/categories/science/page/2"
    assert third["seo"]["nextUrl"] is None  # the last page
    second = await route(client, "/categories/science/page/2")
    assert slugs(second) == ["e3", "e4", "e5"]
    assert second["seo"]["prevUrl"] == BASE + "/categories/science"  # page 1 is the bare path
    assert second["seo"]["nextUrl"] == BASE + "/categories/science/page/3"
    tag = await route(client, "/tags/space/page/2")
    assert (tag["kind"], tag["tag"], slugs(tag), tag["totalPages"]) == (
        "TAG", {"slug": "space"}, ["e3"], 2,
    )  # fmt: skip
    author = await route(client, "/authors/ada-archive/page/2")
    assert (author["kind"], author["author"], slugs(author), author["totalPages"]) == (
        "AUTHOR", {"slug": "ada-archive"}, ["e3", "e4", "e5"], 5,
    )  # fmt: skip
    assert author["seo"]["title"] == "Ada Archive - Page 2 | Example News"


async def test_page_one_redirects_to_the_bare_path(client, site):
    assert await route(client, "/page/1") == redirect("/")
    assert await route(client, "/categories/science/page/1") == redirect("/categories/science")
    assert await route(client, "/de/page/1") == redirect("/de")
    assert await route(client, "/page/02") == redirect("/page/2")
    assert await route(client, "/Categories/Science/Page/2/") == redirect(
        "/categories/science/page/2"
    )
    # the default locale has no prefix
    assert await route(client, "/en") == redirect("/")
    assert await route(client, "/en/page/2") == redirect("/page/2")
    # page 1 of a default-locale archive stays what it was: the category, the site
    assert (await route(client, "/categories/science"))["__typename"] == "Category"
    assert (await route(client, "/"))["__typename"] == "Site"


@pytest.mark.parametrize(
    "path",
    [
        "/page/0",
        "/page/abc",
        "/page/-1",
        "/page/6",  # 13 articles make 5 pages
        "/page/99999999999999999999",
        "/categories/science/page/4",  # 7 articles make 3 pages
        "/categories/nothing/page/2",
        "/tags/space/page/3",
        "/fr",  # not a configured locale
        "/fr/page/2",
        "/de/page/3",  # 4 German articles make 2 pages
        "/de/categories/nothing",
        "/page",
    ],
)
async def test_not_found(client, site, path):
    answer = await route(client, path)
    assert answer["__typename"] == "NotFound" and answer["statusCode"] == 404


async def test_pages_beyond_the_deepest_offset_are_not_found(client, site):
    """Page 5 exists (13 rows) but starts at row 12 > GATEWAY_MAX_PAGE_OFFSET 9: not served,
    and page 4 does not link to it."""
    assert (await route(client, "/page/5"))["__typename"] == "NotFound"
    fourth = await route(client, "/page/4")
    assert slugs(fourth) == ["e9", "e10", "e11"]
    assert fourth["totalPages"] == 5 and fourth["seo"]["nextUrl"] is None
    assert fourth["seo"]["prevUrl"] == BASE + "/page/3"


async def test_locale_home_and_archives(client, site):
    home = await route(client, "/de")
    assert (home["kind"], home["locale"], home["page"], home["path"]) == ("HOME", "de", 1, "/de")
    assert slugs(home) == ["d0", "d1", "d2"]
    assert home["articles"]["pageInfo"]["totalCount"] == 4
    seo = home["seo"]
    assert seo["canonicalUrl"] == BASE + "/de" and seo["openGraph"]["locale"] == "de_DE"
    assert (seo["prevUrl"], seo["nextUrl"]) == (None, BASE + "/de/page/2")
    second = await route(client, "/de/page/2")
    assert slugs(second) == ["d3"] and second["seo"]["prevUrl"] == BASE + "/de"
    assert second["seo"]["nextUrl"] is None
    category = await route(client, "/de/categories/science")
    assert (category["kind"], category["locale"], category["category"]) == (
        "CATEGORY", "de", {"slug": "science"},
    )  # fmt: skip
    assert slugs(category) == ["d0", "d1", "d2"] and category["totalPages"] == 2
    assert category["seo"]["title"] == "Science | Example News"
    paged = await route(client, "/de/categories/science/page/2")
    assert slugs(paged) == ["d3"]
    assert paged["seo"]["prevUrl"] == BASE + "/de/categories/science"
    article = await route(client, "/de/articles/d1")
    assert article == {"__typename": "Article", "slug": "d1", "locale": "de"}


async def test_explicit_meta_title_is_numbered_and_robots_follow_the_term(client, db, site):
    await add_seo(db, "category", site["science"], meta_title="All of science", robots_index=False)
    answer = await route(client, "/categories/science/page/2")
    assert answer["seo"]["title"] == "All of science - Page 2"
    assert answer["seo"]["robots"].startswith("noindex")


@pytest.mark.parametrize(
    "settings_overrides",
    [{"seo_noindex_paged": True, "seo_paged_title_template": "{title} (page {page} of {pages})"}],
)
async def test_paged_title_and_robots_settings(client, site, settings_overrides):
    second = await route(client, "/categories/science/page/2")
    assert second["seo"]["title"] == "Science (page 2 of 3) | Example News"
    assert second["seo"]["robots"] == "noindex, follow"
    first = await route(client, "/de/categories/science")
    assert first["seo"]["robots"].startswith("index, follow")


PAGE_WITH_RELATIONS = """{ route(path: "/page/2") { ... on ArchivePage {
  articles { nodes { title path author { name } categories { slug } tags { slug }
                     seo { title canonicalUrl } } pageInfo { totalCount } }
  seo { title prevUrl nextUrl jsonLdScript breadcrumbs { name url } } } } }"""


@pytest.mark.parametrize("compiled", [True, False])
async def test_statement_count_is_constant_in_page_size(settings, db, compiled):
    ada = await add_author(db, "Ada Count")
    science = await add_term(db, "category", "Science")
    space = await add_term(db, "tag", "Space")
    for i in range(40):
        await add_article(
            db, f"Counted {i}", authors=[ada], categories=[science], tags=[space],
            published_at=ago(hours=i + 1),
        )  # fmt: skip
    counts = {}
    for size in (1, 5, 20):
        update = {"archive_page_size": size, "max_page_offset": 100, "compiled_execution": compiled}
        tuned = settings.model_copy(update=update)
        async with app_client(tuned, datetime.now(UTC)) as client:
            result = await gql(client, PAGE_WITH_RELATIONS)
            nodes = ok(result)["route"]["articles"]["nodes"]
            assert len(nodes) == size
            counts[size] = result.statements
            assert ('desc="compiled"' in result.response.headers["server-timing"]) is compiled
    assert counts[1] == counts[5] == counts[20], counts


ARCHIVE_ROUTE = ROUTE.replace("route(path: $p)", "route(path: $p, archivePages: true)")


async def test_archive_pages_argument_answers_page_one_as_an_archive(client, site):
    home = ok(await gql(client, ARCHIVE_ROUTE, {"p": "/"}))["route"]
    assert (home["__typename"], home["kind"], home["page"], home["path"]) == (
        "ArchivePage", "HOME", 1, "/",
    )  # fmt: skip
    assert slugs(home) == ["e0", "e1", "e2"] and home["totalPages"] == 5
    assert home["seo"]["title"] == "Example News"
    assert (home["seo"]["prevUrl"], home["seo"]["nextUrl"]) == (None, BASE + "/page/2")
    assert home["seo"]["canonicalUrl"] == BASE + "/"
    category = ok(await gql(client, ARCHIVE_ROUTE, {"p": "/categories/science"}))["route"]
    assert (category["kind"], category["page"], slugs(category)) == (
        "CATEGORY", 1, ["e0", "e1", "e2"],
    )  # fmt: skip
    assert category["seo"]["nextUrl"] == BASE + "/categories/science/page/2"
    assert category["seo"]["title"] == "Science | Example News"
    moved = ok(await gql(client, ARCHIVE_ROUTE, {"p": "/Categories/Science/"}))["route"]
    assert moved == redirect("/categories/science")
    article = ok(await gql(client, ARCHIVE_ROUTE, {"p": "/articles/e1"}))["route"]
    assert article == {"__typename": "Article", "slug": "e1", "locale": "en"}
    missing = ok(await gql(client, ARCHIVE_ROUTE, {"p": "/page/6"}))["route"]
    assert missing["__typename"] == "NotFound"


async def test_sitemap_lists_archives_by_their_first_page_only(client, site):
    response = await client.get("/sitemap.xml")
    assert response.status_code == 200
    text = response.text
    assert f"<loc>{BASE}/categories/science</loc>" in text
    assert f"<loc>{BASE}/authors/ada-archive</loc>" in text
    assert "/page/" not in text


@pytest.mark.parametrize("settings_overrides", [{"article_path": "/{category}/{slug}"}])
async def test_archives_beside_category_article_paths(client, site, settings_overrides):
    """/page/2 also reads as category "page", article "2": no such article, so the archive."""
    assert (await route(client, "/page/2"))["kind"] == "HOME"
    assert slugs(await route(client, "/de/categories/science/page/2")) == ["d3"]
    assert await route(client, "/science/e1") == {
        "__typename": "Article",
        "slug": "e1",
        "locale": "en",
    }

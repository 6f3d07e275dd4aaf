"""/sitemap.xml (urlset or index), child sitemaps, the sitemap connection, robots.txt."""

from __future__ import annotations

import re
from datetime import datetime
from pathlib import Path

import pytest
from lxml import etree

from tests.seo_support import add_redirect, bulk_articles, set_article
from tests.support import add_article, add_author, add_seo, add_term, ago, ahead, gql, ok

NS = {
    "s": "http://www.sitemaps.org/schemas/sitemap/0.9",
    "image": "http://www.google.com/schemas/sitemap-image/1.1",
    "xhtml": "http://www.w3.org/1999/xhtml",
}
SCHEMA = etree.XMLSchema(
    etree.parse(str(Path(__file__).resolve().parents[1] / "data" / "sitemap.xsd"))
)
BASE = "https://news.example.com"


def parse(response) -> etree._Element:
    assert response.status_code == 200, response.text
    assert response.headers["content-type"] == "application/xml; charset=utf-8"
    doc = etree.fromstring(response.content)
    SCHEMA.assertValid(doc)
    return doc


def locs(doc: etree._Element) -> list[str]:
    return doc.xpath("//s:loc/text()", namespaces=NS)


def statements(response) -> int:
    match = re.search(r'desc="(\d+) statements"', response.headers["server-timing"])
    assert match, response.headers
    return int(match.group(1))


@pytest.fixture
async def site(db):
    """Public content plus everything that must stay out of the sitemap."""
    ada = await add_author(db, "Ada")
    ghost = await add_author(db, "Ghost Writer")  # only drafts: no author page in the sitemap
    science = await add_term(db, "category", "Science")
    empty = await add_term(db, "category", "Empty")
    tag = await add_term(db, "tag", "Space")
    assert empty
    group = {"translation_group": "moon"}
    await add_article(
        db,
        "Moon",
        authors=[ada],
        categories=[science],
        tags=[tag],
        feature_image_url="https://cdn.example/moon.jpg",
        feature_image_alt="Moon",
        updated_at=ago(minutes=5),
        **group,
    )
    await add_article(db, "Mond", slug="mond", locale="de", authors=[ada], **group)
    await add_article(db, "Draft", authors=[ghost], status="draft")
    await add_article(db, "Soon", authors=[ada], published_at=ahead(days=1))
    await add_article(db, "Archived", authors=[ada], status="archived", published_at=ago(days=9))
    hidden = await add_article(db, "Hidden", authors=[ada])
    await add_seo(db, "article", hidden, robots_index=False)
    copied = await add_article(db, "Copied", authors=[ada])
    await add_seo(db, "article", copied, canonical_url="https://elsewhere.example/original")
    own = await add_article(db, "Own canonical", authors=[ada])
    await add_seo(db, "article", own, canonical_url=f"{BASE}/articles/own-canonical")
    await add_article(db, "Moved", authors=[ada])
    await add_redirect(db, "/articles/moved", "/articles/moon")
    return {"ada": ada, "tag": tag}


EXPECTED = {
    f"{BASE}/",
    f"{BASE}/articles/moon",
    f"{BASE}/de/articles/mond",
    f"{BASE}/articles/own-canonical",
    f"{BASE}/authors/ada",
    f"{BASE}/categories/science",
    f"{BASE}/tags/space",
}


async def test_sitemap_lists_public_indexable_canonical_urls_only(client, site):
    response = await client.get("/sitemap.xml")
    doc = parse(response)
    assert doc.tag == f"{{{NS['s']}}}urlset"
    assert set(locs(doc)) == EXPECTED
    assert len(locs(doc)) == len(EXPECTED)  # no duplicates
    moon = doc.xpath(f"//s:url[s:loc='{BASE}/articles/moon']", namespaces=NS)[0]
    links = {
        link.get("hreflang"): link.get("href")
        for link in moon.xpath("xhtml:link[@rel='alternate']", namespaces=NS)
    }
    assert links == {
        "en": f"{BASE}/articles/moon",
        "de": f"{BASE}/de/articles/mond",
        "x-default": f"{BASE}/articles/moon",
    }
    mond = doc.xpath(f"//s:url[s:loc='{BASE}/de/articles/mond']", namespaces=NS)[0]
    assert len(mond.xpath("xhtml:link", namespaces=NS)) == 3
    assert moon.xpath("image:image/image:loc/text()", namespaces=NS) == [
        "https://cdn.example/moon.jpg"
    ]
    for lastmod in doc.xpath("//s:lastmod/text()", namespaces=NS):
        assert datetime.fromisoformat(lastmod).tzinfo is not None
    assert response.headers["etag"] and response.headers["last-modified"]


async def test_sitemap_connection_returns_the_same_entries(client, site):
    query = """query($after: String, $since: DateTime) {
      sitemap(first: 3, after: $after, changedSince: $since) {
        totalCount
        pageInfo { hasNextPage endCursor }
        nodes { kind loc lastmod alternates { hreflang url } images { url alt } }
      }
    }"""
    seen, after = [], None
    while True:
        data = ok(await gql(client, query, {"after": after}))["sitemap"]
        assert data["totalCount"] == len(EXPECTED)
        assert len(data["nodes"]) <= 3
        seen += data["nodes"]
        if not data["pageInfo"]["hasNextPage"]:
            break
        after = data["pageInfo"]["endCursor"]
    kinds = [n["kind"] for n in seen]
    order = ["HOME", "ARTICLE", "AUTHOR", "CATEGORY", "TAG"]
    assert kinds == sorted(kinds, key=order.index) and kinds.count("ARTICLE") == 3
    assert {n["loc"] for n in seen} == EXPECTED and len(seen) == len(EXPECTED)
    assert seen[0]["kind"] == "HOME"
    moon = next(n for n in seen if n["loc"].endswith("/moon"))
    assert moon["images"] == [{"url": "https://cdn.example/moon.jpg", "alt": "Moon"}]
    assert [a["hreflang"] for a in moon["alternates"]] == ["de", "en", "x-default"]

    since = ago(minutes=30).isoformat()
    recent = ok(await gql(client, query, {"since": since}))["sitemap"]
    # only "Moon" was modified recently (5 minutes ago); the others an hour ago or earlier
    assert {n["loc"] for n in recent["nodes"]} >= {f"{BASE}/articles/moon"}
    assert all(datetime.fromisoformat(n["lastmod"]) > ago(minutes=30) for n in recent["nodes"])
    assert recent["totalCount"] < len(EXPECTED)

    naive = await gql(client, query, {"since": "2026-01-01T00:00:00"})
    assert naive.codes == ["BAD_USER_INPUT"]


@pytest.mark.parametrize("settings_overrides", [{"sitemap_chunk_size": 2}])
async def test_index_and_children_when_urls_exceed_a_chunk(client, db, site):
    for i in range(3):
        await add_article(db, f"Extra {i}", authors=[site["ada"]])
    index = parse(await client.get("/sitemap.xml"))
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    children = locs(index)
    assert children[0] == f"{BASE}/sitemaps/pages.xml"
    assert all(c.startswith(f"{BASE}/sitemaps/") for c in children)
    found: list[str] = []
    for child in children:
        response = await client.get(child.removeprefix(BASE))
        doc = parse(response)
        urls = locs(doc)
        assert 1 <= len(urls) <= 2, child
        found += urls
        assert statements(response) == 1, child  # one keyset query per child
    expected = EXPECTED | {f"{BASE}/articles/extra-{i}" for i in range(3)}
    assert sorted(found) == sorted(expected)
    assert len(index.xpath("//s:lastmod", namespaces=NS)) == len(children)


async def test_unknown_children_are_not_found(client, site):
    for path in (
        "/sitemaps/nothing.xml",
        "/sitemaps/articles-9999-10000.xml",
        "/sitemaps/x-1-2.xml",
    ):
        assert (await client.get(path)).status_code == 404, path


async def test_conditional_requests_get_304(client, db, site):
    first = await client.get("/sitemap.xml")
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert first.headers["cache-control"] == "public, max-age=300"
    again = await client.get("/sitemap.xml", headers={"If-None-Match": etag})
    assert (again.status_code, again.content) == (304, b"")
    assert again.headers["etag"] == etag
    weak = await client.get("/sitemap.xml", headers={"If-None-Match": f'"nope", W/{etag}'})
    assert weak.status_code == 304
    since = await client.get("/sitemap.xml", headers={"If-Modified-Since": modified})
    assert since.status_code == 304
    stale = await client.get("/sitemap.xml", headers={"If-None-Match": '"other"'})
    assert stale.status_code == 200 and stale.content == first.content
    # any change to an entry changes the ETag: here an SEO override hides an article
    moon_id = await add_article(db, "New one", authors=[site["ada"]])
    await add_seo(db, "article", moon_id, robots_index=False)
    await set_article(db, moon_id, title="Changed")
    unchanged = await client.get("/sitemap.xml", headers={"If-None-Match": etag})
    assert unchanged.status_code == 304  # the hidden article is not in the sitemap
    await add_article(db, "Visible one", authors=[site["ada"]])
    changed = await client.get("/sitemap.xml", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag


async def test_robots_txt_points_at_the_sitemap(client):
    response = await client.get("/robots.txt")
    assert response.status_code == 200
    assert response.headers["content-type"] == "text/plain; charset=utf-8"
    assert response.text == (f"User-agent: *\nDisallow:\n\nSitemap: {BASE}/sitemap.xml\n")
    again = await client.get("/robots.txt", headers={"If-None-Match": response.headers["etag"]})
    assert again.status_code == 304


@pytest.mark.parametrize(
    "settings_overrides",
    [
        {
            "robots_disallow": ["/search", "/preview/"],
            "robots_txt_extra": "User-agent: BadBot\nDisallow: /",
        }
    ],
)
async def test_robots_txt_is_configurable(client):
    text = (await client.get("/robots.txt")).text
    assert "Disallow: /search\nDisallow: /preview/\n" in text
    assert text.endswith("User-agent: BadBot\nDisallow: /\n")


async def test_fifty_thousand_url_boundary(client, db):
    """The protocol's limit: 50,000 URLs (home + 49,999 articles) still fit one file; one
    more makes /sitemap.xml an index whose article child holds exactly 50,000."""
    await bulk_articles(db, 49_999)
    single = parse(await client.get("/sitemap.xml"))  # the XSD allows at most 50,000 <url>
    assert single.tag == f"{{{NS['s']}}}urlset"
    assert len(single) == 50_000
    await bulk_articles(db, 2, start=49_999)  # 50,002 URLs: home + 50,001 articles
    index = parse(await client.get("/sitemap.xml"))
    assert index.tag == f"{{{NS['s']}}}sitemapindex"
    children = locs(index)
    assert len(children) == 3  # pages + two article children
    sizes = []
    for child in children[1:]:
        response = await client.get(child.removeprefix(BASE))
        sizes.append(len(parse(response)))
        assert statements(response) == 1
    assert sizes == [50_000, 1]

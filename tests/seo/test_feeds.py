"""RSS 2.0 and Atom feeds: valid (feedparser), newest published only, per author/category/tag,
deterministic bytes and conditional requests."""

from __future__ import annotations

import feedparser
import pytest

from tests.seo_support import set_article
from tests.support import add_article, add_author, add_term, ago, ahead

BASE = "https://news.example.com"


@pytest.fixture
async def content(db):
    ada = await add_author(db, "Ada")
    bob = await add_author(db, "Bob")
    science = await add_term(db, "category", "Science")
    tag = await add_term(db, "tag", "Space")
    ids = {
        "old": await add_article(
            db, "Old news", authors=[ada], categories=[science], published_at=ago(days=3)
        ),
        "new": await add_article(
            db,
            "Fresh news",
            authors=[ada, bob],
            categories=[science],
            tags=[tag],
            published_at=ago(hours=2),
            excerpt=None,
            body="<p>Body <b>text</b> &amp; more.</p>",
            feature_image_url="https://cdn.example/fresh.png",
        ),
        "bob": await add_article(db, "Bob's piece", authors=[bob], published_at=ago(days=1)),
    }
    await add_article(db, "Draft", authors=[ada], categories=[science], status="draft")
    await add_article(db, "Future", authors=[ada], tags=[tag], published_at=ahead(hours=1))
    await add_article(db, "Gone", authors=[ada], status="archived", published_at=ago(days=1))
    return ids


async def fetch(client, path: str, media: str):
    response = await client.get(path)
    assert response.status_code == 200, (path, response.text)
    assert response.headers["content-type"] == media
    parsed = feedparser.parse(response.content)
    assert not parsed.bozo, parsed.bozo_exception
    return response, parsed


RSS = "application/rss+xml; charset=utf-8"
ATOM = "application/atom+xml; charset=utf-8"


async def test_site_feeds(client, content):
    _, rss = await fetch(client, "/feed.xml", RSS)
    _, atom = await fetch(client, "/feed.atom", ATOM)
    assert (rss.version, atom.version) == ("rss20", "atom10")
    for feed in (rss, atom):
        assert [e.title for e in feed.entries] == ["Fresh news", "Bob's piece", "Old news"]
        fresh = feed.entries[0]
        assert fresh.link == f"{BASE}/articles/fresh-news"
        assert fresh.id.startswith("tag:news.example.com,")
        assert fresh.id.endswith(f":article:{content['new']}")
        assert fresh.summary == "Body text & more."
        assert [t.term for t in fresh.tags] == ["Science", "Space"]
        assert feed.feed.title == "Example News"
    # RSS names authors with dc:creator (its <author> needs an e-mail, which is private)
    for feed in (rss, atom):
        assert [a.name for a in feed.entries[0].authors] == ["Ada", "Bob"]
    assert b"@example.com" not in (await client.get("/feed.xml")).content
    assert rss.entries[0].enclosures[0].href == "https://cdn.example/fresh.png"
    self_links = [link.href for link in atom.feed.links if link.rel == "self"]
    assert self_links == [f"{BASE}/feed.atom"]


async def test_author_category_and_tag_feeds(client, content):
    response, bob = await fetch(client, "/authors/bob/feed.xml", RSS)
    # author lookup, articles, their authors, their categories and tags: whatever the length
    assert 'desc="4 statements"' in response.headers["server-timing"]
    assert [e.title for e in bob.entries] == ["Fresh news", "Bob's piece"]
    assert bob.feed.title == "Example News: Bob"
    assert bob.feed.link == f"{BASE}/authors/bob"
    _, science = await fetch(client, "/categories/science/feed.atom", ATOM)
    assert [e.title for e in science.entries] == ["Fresh news", "Old news"]
    _, space = await fetch(client, "/tags/space/feed.xml", RSS)
    assert [e.title for e in space.entries] == ["Fresh news"]  # the scheduled one is not due


async def test_unknown_feeds_are_not_found(client, content):
    for path in (
        "/authors/nobody/feed.xml",
        "/things/x/feed.xml",
        "/feed.json",
        "/tags/x/feed.atom",
    ):
        assert (await client.get(path)).status_code == 404, path


async def test_feed_ids_survive_a_slug_change(client, db, content):
    _, before = await fetch(client, "/feed.atom", ATOM)
    await set_article(db, content["old"], slug="renamed-old-news")
    _, after = await fetch(client, "/feed.atom", ATOM)
    assert [e.id for e in before.entries] == [e.id for e in after.entries]
    assert after.entries[-1].link == f"{BASE}/articles/renamed-old-news"


@pytest.mark.parametrize("settings_overrides", [{"feed_size": 2, "feed_full_content": True}])
async def test_feed_size_and_full_content(client, content):
    _, atom = await fetch(client, "/feed.atom", ATOM)
    assert len(atom.entries) == 2
    assert atom.entries[0].content[0].value == "<p>Body <b>text</b> &amp; more.</p>"


async def test_empty_feeds_are_valid(client):
    _, rss = await fetch(client, "/feed.xml", RSS)
    _, atom = await fetch(client, "/feed.atom", ATOM)
    assert rss.entries == [] and atom.entries == []


async def test_feeds_answer_conditional_requests(client, db, content):
    first = await client.get("/feed.xml")
    second = await client.get("/feed.xml")
    assert first.content == second.content  # no clock in the bytes: a stable ETag
    etag, modified = first.headers["etag"], first.headers["last-modified"]
    assert (await client.get("/feed.xml", headers={"If-None-Match": etag})).status_code == 304
    assert (
        await client.get("/feed.xml", headers={"If-Modified-Since": modified})
    ).status_code == 304
    await add_article(db, "Breaking", authors=[await add_author(db, "Cy")])
    changed = await client.get("/feed.xml", headers={"If-None-Match": etag})
    assert changed.status_code == 200 and changed.headers["etag"] != etag

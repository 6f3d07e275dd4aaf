"""The article visibility rule exists once (``resolvers.visibility.PUBLIC``) and every read path
uses it: its SQL and Python forms agree, no other module spells the rule again, and drafts,
scheduled and archived articles stay private on each path a reader can reach."""

from __future__ import annotations

import ast
import re
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select

from resolvers.cache_tags import TagCollector
from resolvers.content.articles import ARTICLE_COLUMNS
from resolvers.events.outbox import article_event_type
from resolvers.models import article_t
from resolvers.visibility import PUBLIC
from tests.auth_support import add_token, bearer
from tests.support import add_article, add_article_in_each_state, add_author, ago, ahead, gql, ok

ROOT = Path(__file__).resolve().parents[2]

# Every module that reads articles for someone, or decides from a row whether it is public.
READ_PATHS = {
    "resolvers/access.py": "PUBLIC.sql",  # viewer-aware filter of lists, lookups, search
    "resolvers/content/articles.py": "article_visible",  # root lists and single lookups
    "resolvers/content/loaders.py": "article_visible",  # nested lists, counts, translations
    "resolvers/content/hot_reads.py": "article_visible",  # lean root reads, route(path:)
    "resolvers/seo/sitemaps.py": "PUBLIC.sql",  # sitemap query and XML sitemaps
    "resolvers/seo/feeds.py": "PUBLIC.sql",  # RSS / Atom feeds
    "resolvers/seo/audit.py": "PUBLIC",  # SEO report: duplicates among public articles
    "resolvers/seo/pages.py": "PUBLIC.holds",  # hreflang alternates of a page
    "resolvers/events/outbox.py": "PUBLIC",  # events: public flag and SCHEDULED state
    "resolvers/cache_tags.py": "PUBLIC",  # a non-public row makes a response private
    "schema/content/nodes.py": "PUBLIC",  # the status (SCHEDULED) and public flag shown
}

# The rule's parts: comparing a status with the literal, or published_at with the clock.
STATUS_LITERAL = re.compile(
    r"status\s*[!=]=\s*[\"']published[\"']|[\"']published[\"']\s*[!=]=", re.IGNORECASE
)
TIME_COMPARE = re.compile(
    r"published_at\)?\s*(<=|>=|<|>)\s*[\w.]*now\b|\bnow\s*(<=|>=|<|>)\s*[\w.(]*published_at"
)


def _code_lines(path: Path) -> list[tuple[int, str]]:
    """Source lines without comments and docstrings (prose may describe the rule)."""
    text = path.read_text()
    docstrings = set()
    for node in ast.walk(ast.parse(text)):
        body = getattr(node, "body", None)
        if isinstance(body, list) and body and isinstance(body[0], ast.Expr):
            value = body[0].value
            if isinstance(value, ast.Constant) and isinstance(value.value, str):
                docstrings.update(range(value.lineno, (value.end_lineno or value.lineno) + 1))
    return [
        (n, line.split("#", 1)[0])
        for n, line in enumerate(text.splitlines(), 1)
        if n not in docstrings
    ]


def test_no_module_but_visibility_spells_the_rule():
    offenders = []
    for top in ("gateway", "schema", "resolvers"):
        for path in sorted((ROOT / top).rglob("*.py")):
            if path == ROOT / "resolvers/visibility.py":
                continue
            for number, line in _code_lines(path):
                if STATUS_LITERAL.search(line) or TIME_COMPARE.search(line):
                    offenders.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert offenders == []


def test_every_read_path_goes_through_the_rule():
    for module, use in READ_PATHS.items():
        source = (ROOT / module).read_text()
        assert use in source, f"{module} should use {use}"
        if use == "article_visible":
            assert "from resolvers.access import" in source and "article_visible" in source


async def test_sql_and_python_forms_agree(db):
    author = await add_author(db, "Rule Tester")
    now = datetime.now(UTC)
    cases = {
        "published-past": ("published", ago(hours=1), True, "published"),
        "published-future": ("published", ahead(hours=1), False, "scheduled"),
        "published-undated": ("published", None, False, "scheduled"),
        "draft": ("draft", None, False, "draft"),
        "draft-dated": ("draft", ago(days=1), False, "draft"),
        "archived": ("archived", ago(days=2), False, "archived"),
    }
    ids = {}
    for name, (status, at, _, _) in cases.items():
        ids[name] = await add_article(
            db, f"Case {name}", authors=[author], status=status, published_at=at
        )
    if cases["published-undated"][1] is None:  # add_article dates a published row by default
        async with db.engine.begin() as conn:
            await conn.execute(
                article_t.update()
                .where(article_t.c.id == ids["published-undated"])
                .values(published_at=None)
            )
    by_sql = {r.id for r in await db.all(select(article_t.c.id).where(PUBLIC.sql(now)))}
    rows = await db.all(select(*ARTICLE_COLUMNS))
    for row in rows:
        name = next(k for k, v in ids.items() if v == row.id)
        status, _, public, state = cases[name]
        assert PUBLIC.holds(row, now) is public, name
        assert (row.id in by_sql) is public, name
        assert PUBLIC.state(row.status, row.published_at, now) == state, name
        tags = TagCollector()
        tags.articles([row], now)
        assert tags.private is not public, name  # cache tags: a private row is never shared
    assert article_event_type(("draft", None), ("published", ahead(days=1)), now) == (
        "article.scheduled"
    )
    assert article_event_type(("draft", None), ("published", ago(days=1)), now) == (
        "article.published"
    )


@pytest.fixture
async def content(db):
    return await add_article_in_each_state(db)


PRIVATE = ("draft", "scheduled", "archived")


async def test_route_shows_only_public_articles(client, content):
    query = "query($p: String!){ route(path: $p) { __typename ... on Article { title } } }"
    for key in PRIVATE:
        data = ok(await gql(client, query, {"p": f"/articles/{key}-zebra-story"}))
        assert data["route"]["__typename"] == "NotFound", key
    data = ok(await gql(client, query, {"p": "/articles/public-zebra-story"}))
    assert data["route"] == {"__typename": "Article", "title": "Public zebra story"}


async def test_sitemaps_and_feeds_show_only_public_articles(client, content):
    data = ok(await gql(client, "{ sitemap(first: 100) { nodes { kind loc } } }"))
    article_locs = [n["loc"] for n in data["sitemap"]["nodes"] if n["kind"] == "ARTICLE"]
    assert article_locs == ["https://news.example.com/articles/public-zebra-story"]
    index = (await client.get("/sitemap.xml")).text
    children = re.findall(r"<loc>https://news\.example\.com(/sitemaps/[^<]+)</loc>", index)
    xml = "".join([(await client.get(child)).text for child in children])
    for path in ("/feed.xml", "/feed.atom", "/authors/grace-hopper/feed.xml"):
        response = await client.get(path)
        assert response.status_code == 200, path
        xml += response.text
    assert "public-zebra-story" in xml
    for key in PRIVATE:
        assert f"{key}-zebra-story" not in xml, key
        assert f"{key.capitalize()} zebra story" not in xml, key


async def test_article_status_shows_scheduled_to_editors(client, content, db):
    headers = bearer(await add_token(db, "editor"))
    query = "query($s: String){ article(slug: $s) { status } }"
    expected = {"draft": "DRAFT", "scheduled": "SCHEDULED", "archived": "ARCHIVED"}
    for key, status in expected.items():
        data = ok(await gql(client, query, {"s": f"{key}-zebra-story"}, headers=headers))
        assert data["article"] == {"status": status}, key
        anonymous = ok(await gql(client, query, {"s": f"{key}-zebra-story"}))
        assert anonymous["article"] is None, key

"""The reference endpoint: the benchmark's two operations answered with hand-written SQL + orjson.

It is what a careful developer would write without GraphQL: one statement for the home page,
two for an article, rows turned into the response dicts directly. It returns byte-for-byte the
JSON the gateway returns (same key order, same fallbacks), so the gateway/reference ratio measures
the cost of the GraphQL layer and its resolvers, not a different answer.

The SEO rules below mirror ``resolvers.seo.metadata.PageSeo`` (title, description, canonical URL, robots) on purpose (it is not called): if the
gateway's rules change, ``tests/bench/test_bench_reference.py`` fails until this copy follows.

Serve it with ``hypercorn "bench.reference:create_app()"``; it reads the same ``GATEWAY_*``
settings as the gateway (database URL, pool sizes, site URL and name, title template).
"""

from __future__ import annotations

import base64
from collections.abc import AsyncIterator, Iterable
from contextlib import asynccontextmanager
from datetime import UTC, datetime
from typing import Any

import orjson
from sqlalchemy import Boolean, DateTime, Integer, bindparam, text
from sqlalchemy.ext.asyncio import AsyncEngine
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bench.operations import ARTICLE_QUERY, HOME_PAGE_SIZE, HOME_QUERY, sha256_hex
from gateway.app import database_from_settings, site_from_settings
from gateway.config.settings import Settings, load_settings
from resolvers.db import as_utc, track_queries
from resolvers.site import Site, cut_at_word, plain_text


def _now() -> Any:
    return bindparam("now", type_=DateTime(timezone=True))


# The primary author is the first by (position, author id), as the gateway's loader orders them.
HOME_SQL = (
    text(
        """
SELECT a.id, a.slug, a.locale, a.title, a.excerpt, a.published_at,
       au.name AS author_name, au.slug AS author_slug, au.avatar_url,
       s.id AS seo_id, s.meta_title, s.meta_description, s.canonical_url,
       CASE WHEN coalesce(a.excerpt, '') = '' AND coalesce(s.meta_description, '') = ''
            THEN a.body END AS fallback_body
FROM article AS a
JOIN author AS au ON au.id = (
    SELECT aa.author_id FROM article_author AS aa
    WHERE aa.article_id = a.id ORDER BY aa.position, aa.author_id LIMIT 1)
LEFT JOIN seo_meta AS s ON s.entity_type = 'article' AND s.entity_id = a.id
WHERE a.status = 'published' AND a.published_at <= :now
ORDER BY a.published_at DESC, a.id DESC
LIMIT :limit
"""
    )
    .bindparams(_now(), bindparam("limit", type_=Integer))
    .columns(published_at=DateTime(timezone=True))
)

# Without a locale the default locale's article wins, then the lowest id (as the gateway does).
ARTICLE_SQL = (
    text(
        """
SELECT a.id, a.slug, a.locale, a.title, a.excerpt, a.body, a.published_at,
       s.id AS seo_id, s.meta_title, s.meta_description, s.canonical_url,
       s.robots_index, s.robots_follow, s.robots_extra
FROM article AS a
LEFT JOIN seo_meta AS s ON s.entity_type = 'article' AND s.entity_id = a.id
WHERE a.slug = :slug AND a.status = 'published' AND a.published_at <= :now
ORDER BY CASE WHEN a.locale = :locale THEN 0 ELSE 1 END, a.id
LIMIT 1
"""
    )
    .bindparams(_now())
    .columns(published_at=DateTime(timezone=True), robots_index=Boolean(), robots_follow=Boolean())
)

LINKS_SQL = text(
    """
SELECT 1 AS kind, l.position, x.id, x.name, x.slug
FROM article_author AS l JOIN author AS x ON x.id = l.author_id WHERE l.article_id = :id
UNION ALL
SELECT 2 AS kind, l.position, x.id, x.name, x.slug
FROM article_category AS l JOIN category AS x ON x.id = l.category_id WHERE l.article_id = :id
UNION ALL
SELECT 3 AS kind, l.position, x.id, x.name, x.slug
FROM article_tag AS l JOIN tag AS x ON x.id = l.tag_id WHERE l.article_id = :id
ORDER BY 1, 2, 3
"""
)


def article_id(database_id: int) -> str:
    return base64.b64encode(f"Article:{database_id}".encode()).decode()


def iso(value: datetime | None) -> str | None:
    stamp = as_utc(value)
    return stamp.isoformat() if stamp is not None else None


def description(meta_description: str | None, excerpt: str | None, body: str | None) -> str | None:
    """Explicit meta description, else the excerpt (plain text already), else the body's text;
    the fallbacks cut at a word boundary within 160 characters."""
    if meta_description:
        return meta_description
    source = excerpt or (plain_text(body) if body else "")
    return (cut_at_word(source) or None) if source else None


def robots(row: Any) -> str:
    """Directives of a public article (the reference only serves public ones)."""
    has_meta = row.seo_id is not None
    index = not has_meta or bool(row.robots_index)
    follow = not has_meta or bool(row.robots_follow)
    directives = ["index" if index else "noindex", "follow" if follow else "nofollow"]
    if index:
        directives.append("max-image-preview:large")
    if has_meta and row.robots_extra:
        directives.append(row.robots_extra)
    return ", ".join(directives)


class Shaper:
    """Rows to the response dicts, the gateway's JSON shape: one definition that both references
    (SQLAlchemy Core here, the driver in ``bench.reference_raw``) use."""

    def __init__(self, site: Site) -> None:
        self.site = site

    def _url(self, row: Any) -> str:
        return self.site.absolute(self.site.path("article", row.slug, row.locale))

    def article_params(self, variables: dict[str, Any]) -> dict[str, Any]:
        """``ARTICLE_SQL``'s parameters for the request's variables."""
        now = datetime.now(UTC)
        return {"slug": variables.get("slug"), "now": now, "locale": self.site.default_locale}

    def home(self, rows: Iterable[Any]) -> dict[str, Any]:
        """``HOME_SQL`` rows as ``{"articles": {"nodes": [...]}}``."""
        nodes = [
            {
                "id": article_id(r.id),
                "slug": r.slug,
                "title": r.title,
                "excerpt": r.excerpt,
                "publishedAt": iso(r.published_at),
                "author": {
                    "name": r.author_name,
                    "slug": r.author_slug,
                    "avatar": {"url": r.avatar_url} if r.avatar_url is not None else None,
                },
                "seo": {
                    "title": r.meta_title or self.site.title(r.title),
                    "description": description(r.meta_description, r.excerpt, r.fallback_body),
                    "canonicalUrl": r.canonical_url or self._url(r),
                },
            }
            for r in rows
        ]
        return {"articles": {"nodes": nodes}}

    def article(self, row: Any | None, links: Iterable[Any]) -> dict[str, Any]:
        """An ``ARTICLE_SQL`` row (None: not found) and its ``LINKS_SQL`` rows."""
        if row is None:
            return {"article": None}
        groups: dict[int, list[dict[str, str]]] = {1: [], 2: [], 3: []}
        for link in links:
            groups[link.kind].append({"name": link.name, "slug": link.slug})
        return {
            "article": {
                "id": article_id(row.id),
                "slug": row.slug,
                "title": row.title,
                "excerpt": row.excerpt,
                "publishedAt": iso(row.published_at),
                "body": row.body,
                "authors": groups[1],
                "categories": groups[2],
                "tags": groups[3],
                "seo": {
                    "title": row.meta_title or self.site.title(row.title),
                    "description": description(row.meta_description, row.excerpt, row.body),
                    "canonicalUrl": row.canonical_url or self._url(row),
                    "robots": robots(row),
                },
            }
        }


class Reference:
    def __init__(self, engine: AsyncEngine, site: Site) -> None:
        self.engine = engine
        self.shape = Shaper(site)

    async def home(self, _variables: dict[str, Any]) -> dict[str, Any]:
        async with self.engine.connect() as conn:
            result = await conn.execute(
                HOME_SQL, {"now": datetime.now(UTC), "limit": HOME_PAGE_SIZE}
            )
            return self.shape.home(result.all())

    async def article(self, variables: dict[str, Any]) -> dict[str, Any]:
        params = self.shape.article_params(variables)
        async with self.engine.connect() as conn:
            row = (await conn.execute(ARTICLE_SQL, params)).first()
            links = [] if row is None else (await conn.execute(LINKS_SQL, {"id": row.id})).all()
        return self.shape.article(row, links)


def _error(message: str, status: int = 400) -> Response:
    body = {"errors": [{"message": message, "extensions": {"code": "BAD_REQUEST"}}]}
    return Response(orjson.dumps(body), status, media_type="application/json")


# Persisted-query GETs name a document by its SHA-256 (Apollo APQ); the reference knows two.
KNOWN_HASHES = {sha256_hex(q): q for q in (HOME_QUERY, ARTICLE_QUERY)}


async def _params(request: Request) -> Any:
    """POST JSON body, or GET query parameters with JSON-encoded variables/extensions."""
    if request.method == "POST":
        return orjson.loads(await request.body())
    params: dict[str, Any] = dict(request.query_params)
    for name in ("variables", "extensions"):
        if name in params:
            params[name] = orjson.loads(params[name])
    return params


def _persisted(extensions: Any) -> str | None:
    if not isinstance(extensions, dict) or not isinstance(extensions.get("persistedQuery"), dict):
        return None
    return KNOWN_HASHES.get(extensions["persistedQuery"].get("sha256Hash"))


def create_app(settings: Settings | None = None) -> Starlette:
    settings = settings or load_settings()
    site = site_from_settings(settings)
    handlers: dict[str, Any] = {}  # document text -> handler, filled by the lifespan

    @asynccontextmanager
    async def lifespan(_app: Starlette) -> AsyncIterator[None]:
        db = database_from_settings(settings)
        ref = Reference(db.engine, site)
        handlers.update({HOME_QUERY: ref.home, ARTICLE_QUERY: ref.article})
        try:
            yield
        finally:
            await db.dispose()

    async def graphql(request: Request) -> Response:
        try:
            payload = await _params(request)
        except orjson.JSONDecodeError:
            return _error("The request body is not valid JSON.")
        query = payload.get("query") if isinstance(payload, dict) else None
        if query is None and isinstance(payload, dict):
            query = _persisted(payload.get("extensions"))
        handler = handlers.get(query) if isinstance(query, str) else None
        if handler is None:
            return _error("The reference answers only the benchmark's documents.")
        stats = track_queries()
        data = await handler(payload.get("variables") or {})
        # The same header the gateway sends, so the harness reads statement counts alike.
        timing = f'db;dur={stats.seconds * 1000:.2f};desc="{stats.statements} statements"'
        return Response(
            orjson.dumps({"data": data}),
            headers={"Server-Timing": timing},
            media_type="application/json",
        )

    async def healthz(_: Request) -> Response:
        return Response(b'{"status":"ok"}', media_type="application/json")

    routes = [
        Route("/graphql", graphql, methods=["GET", "POST"]),
        Route("/healthz", healthz, methods=["GET"]),
    ]
    return Starlette(routes=routes, lifespan=lifespan)

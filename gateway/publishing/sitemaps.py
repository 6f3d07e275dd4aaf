"""/sitemap.xml, /sitemaps/<child>.xml and /robots.txt.

/sitemap.xml is one <urlset> while all URLs fit ``GATEWAY_SITEMAP_CHUNK_SIZE`` (at most 50,000,
the protocol's limit), else a <sitemapindex> of child sitemaps named
``/sitemaps/<kind>-<first id>-<last id>.xml`` (plus ``/sitemaps/pages.xml`` for the home page).
A site in several locales (GATEWAY_LOCALES) always answers a <sitemapindex> of each locale's
children, ``/sitemaps/<locale>/pages.xml`` and ``/sitemaps/<locale>/<kind>-<first>-<last>.xml``:
that locale's home, articles, and the authors/categories/tags with a public article in it at
their localized paths; articles carry hreflang alternates (with x-default) of their group.
A child is one streamed keyset query (``id BETWEEN first AND last``). The XML is written
incrementally with lxml into a spooled temporary file (memory up to 1 MiB, then disk) while it is
hashed, so the ETag is exact and no sitemap is ever held in memory whole.
"""

from __future__ import annotations

import hashlib
import re
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from datetime import datetime
from functools import partial
from typing import Any

from lxml import etree
from starlette.requests import Request
from starlette.responses import PlainTextResponse, Response, StreamingResponse
from starlette.routing import Route

from gateway.cache.coherence import detached
from gateway.cache.http_headers import etag_of
from gateway.http.conditional import is_fresh, timing, validators
from gateway.media import build_media_urls
from resolvers.db import Database, now_utc, track_queries
from resolvers.media.urls import MediaUrls
from resolvers.seo import sitemaps
from resolvers.seo.withdrawals import last_withdrawal
from resolvers.site import Site

NS = "http://www.sitemaps.org/schemas/sitemap/0.9"
IMAGE_NS = "http://www.google.com/schemas/sitemap-image/1.1"
XHTML_NS = "http://www.w3.org/1999/xhtml"
NSMAP = {None: NS, "image": IMAGE_NS, "xhtml": XHTML_NS}
XML = "application/xml; charset=utf-8"
CHILD_RE = re.compile(r"(?P<segment>[a-z]+)-(?P<first>\d{1,10})-(?P<last>\d{1,10})")
MAX_ID = 2**31 - 1  # ids are 32-bit integers; larger numbers name no child
KIND_OF_SEGMENT = {segment: kind for kind, segment in sitemaps.SEGMENTS.items()}
SPOOL_IN_MEMORY = 1 << 20


class Spool:
    """A write-only file that hashes what it gets and keeps it in memory up to 1 MiB."""

    def __init__(self) -> None:
        self.file = tempfile.SpooledTemporaryFile(max_size=SPOOL_IN_MEMORY)  # noqa: SIM115  # closed by chunks()
        self.digest = hashlib.sha256()
        self.newest: datetime | None = None

    def write(self, data: bytes) -> int:
        self.digest.update(data)
        return self.file.write(data)

    def saw(self, moment: datetime | None) -> None:
        if moment is not None and (self.newest is None or moment > self.newest):
            self.newest = moment

    def chunks(self, size: int = 64 * 1024) -> Iterator[bytes]:
        try:
            self.file.seek(0)
            while data := self.file.read(size):
                yield data
        finally:
            self.file.close()


def _w3c(moment: datetime) -> str:
    return moment.isoformat(timespec="seconds")


def _leaf(xf: Any, tag: str, text: str, **attrs: str) -> None:
    with xf.element(tag, attrs):
        xf.write(text)


def _url(xf: Any, entry: sitemaps.SitemapEntry) -> None:
    with xf.element(f"{{{NS}}}url"):
        _leaf(xf, f"{{{NS}}}loc", entry.loc)
        if entry.lastmod is not None:
            _leaf(xf, f"{{{NS}}}lastmod", _w3c(entry.lastmod))
        for alt in entry.alternates:
            attrs = {"rel": "alternate", "hreflang": alt.hreflang, "href": alt.url}
            with xf.element(f"{{{XHTML_NS}}}link", attrs):
                pass
        for image in entry.images:
            with xf.element(f"{{{IMAGE_NS}}}image"):
                _leaf(xf, f"{{{IMAGE_NS}}}loc", image.url)


async def write_urlset(spool: Spool, entries: AsyncIterator[sitemaps.SitemapEntry]) -> int:
    count = 0
    with etree.xmlfile(spool, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{NS}}}urlset", nsmap=NSMAP):
            async for entry in entries:
                spool.saw(entry.lastmod)
                _url(xf, entry)
                count += 1
    return count


def index_children(
    site: Site, chunks: list[sitemaps.Chunk], home: Any, locale: str | None = None
) -> list[tuple[str, datetime | None]]:
    """(URL, lastmod) of the child sitemaps: the pages file and one per chunk (under
    ``/sitemaps/<locale>/`` for one locale's)."""
    folder = "/sitemaps/" if locale is None else f"/sitemaps/{locale}/"
    children = [(site.absolute(f"{folder}pages.xml"), home.lastmod)]
    for chunk in chunks:
        name = f"{sitemaps.SEGMENTS[chunk.kind]}-{chunk.first_id}-{chunk.last_id}"
        children.append((site.absolute(f"{folder}{name}.xml"), chunk.lastmod))
    return children


def write_index(spool: Spool, children: list[tuple[str, datetime | None]]) -> None:
    with etree.xmlfile(spool, encoding="utf-8") as xf:
        xf.write_declaration()
        with xf.element(f"{{{NS}}}sitemapindex", nsmap={None: NS}):
            for loc, lastmod in children:
                spool.saw(lastmod)
                with xf.element(f"{{{NS}}}sitemap"):
                    _leaf(xf, f"{{{NS}}}loc", loc)
                    if lastmod is not None:
                        _leaf(xf, f"{{{NS}}}lastmod", _w3c(lastmod))


async def respond(
    request: Request, media_type: str, fill: Callable[[Spool], Awaitable[bool]]
) -> Response:
    """Run ``fill`` (False: nothing to serve -> 404) and answer 200, or 304 when fresh."""
    started = time.perf_counter()
    stats = track_queries()
    spool = Spool()
    if not await fill(spool):
        spool.file.close()
        return PlainTextResponse("Not found.", status_code=404)
    settings = request.app.state.settings
    # A removed entry changes the file too: Last-Modified is never older than the withdrawal.
    withdrawn = await detached(partial(last_withdrawal, request.app.state.db, now_utc()))
    newest = max((t for t in (spool.newest, withdrawn) if t), default=None)
    headers = validators(etag_of(spool.digest), newest, settings.seo_files_max_age)
    if settings.server_timing:
        headers["Server-Timing"] = timing(stats, started)
    if is_fresh(request, headers["ETag"], newest):
        spool.file.close()
        return Response(status_code=304, headers=headers)
    return StreamingResponse(spool.chunks(), headers=headers, media_type=media_type)


def _context(request: Request) -> tuple[Database, Site, int]:
    state = request.app.state
    return state.db, state.site, state.settings.sitemap_chunk_size


def _media(request: Request) -> MediaUrls:
    """Asset URLs as GraphQL builds them (the request's base URL unless configured)."""
    return build_media_urls(request.app.state.settings, str(request.base_url))


async def sitemap_xml(request: Request) -> Response:
    db, site, size = _context(request)
    media = _media(request)
    now = now_utc()

    async def fill(spool: Spool) -> bool:
        if site.locales:  # a site in several locales: an index of each locale's sitemaps
            children = []
            for locale in site.served_locales:
                chunks = await sitemaps.plan(db, site, now, size, locale)
                home = await sitemaps.home_entry(db, site, now, locale)
                children += index_children(site, chunks, home, locale)
            write_index(spool, children)
            return True
        chunks = await sitemaps.plan(db, site, now, size)
        home = await sitemaps.home_entry(db, site, now)
        if 1 + sum(c.count for c in chunks) > size:
            write_index(spool, index_children(site, chunks, home))
            return True

        async def everything() -> AsyncIterator[sitemaps.SitemapEntry]:
            yield home
            for kind in sitemaps.KINDS:
                if any(c.kind == kind for c in chunks):
                    async for entry in sitemaps.stream(db, site, now, kind, media=media):
                        yield entry

        await write_urlset(spool, everything())
        return True

    return await respond(request, XML, fill)


async def child_sitemap(request: Request) -> Response:
    db, site, size = _context(request)
    now = now_utc()
    name = request.path_params["name"]
    locale = request.path_params.get("locale")
    if locale is not None and locale not in site.served_locales:
        return PlainTextResponse("Not found.", status_code=404)

    async def pages() -> AsyncIterator[sitemaps.SitemapEntry]:
        yield await sitemaps.home_entry(db, site, now, locale)

    if name == "pages":
        entries = pages()
    else:
        match = CHILD_RE.fullmatch(name)
        kind = KIND_OF_SEGMENT.get(match.group("segment")) if match else None
        if match is None or kind is None:
            return PlainTextResponse("Not found.", status_code=404)
        first, last = int(match.group("first")), int(match.group("last"))
        if last > MAX_ID:
            return PlainTextResponse("Not found.", status_code=404)
        entries = sitemaps.stream(
            db,
            site,
            now,
            kind,
            first_id=first,
            last_id=last,
            limit=size,
            media=_media(request),
            locale=locale,
        )

    async def fill(spool: Spool) -> bool:
        return await write_urlset(spool, entries) > 0

    return await respond(request, XML, fill)


def robots_text(site: Site, disallow: list[str], extra: str | None) -> str:
    lines = ["User-agent: *"]
    lines += [f"Disallow: {path}" for path in disallow] or ["Disallow:"]
    lines += ["", f"Sitemap: {site.absolute('/sitemap.xml')}"]
    if extra:
        lines += ["", extra.strip()]
    return "\n".join(lines) + "\n"


async def robots_txt(request: Request) -> Response:
    settings = request.app.state.settings
    site = request.app.state.site
    body = robots_text(site, settings.robots_disallow, settings.robots_txt_extra).encode()
    headers = validators(etag_of(hashlib.sha256(body)), None, settings.seo_files_max_age)
    if is_fresh(request, headers["ETag"], None):
        return Response(status_code=304, headers=headers)
    return Response(body, headers=headers, media_type="text/plain; charset=utf-8")


ROUTES = [
    Route("/sitemap.xml", sitemap_xml, methods=["GET"]),
    Route("/sitemaps/{name}.xml", child_sitemap, methods=["GET"]),
    Route("/sitemaps/{locale}/{name}.xml", child_sitemap, methods=["GET"]),
    Route("/robots.txt", robots_txt, methods=["GET"]),
]
